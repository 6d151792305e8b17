"""A token the API refused is never sent again, whatever the call's retry settings."""

from __future__ import annotations

from typing import Any

import pytest

from tallyfy_async import AuthenticationError, RetryPolicy, TallyfyClient
from tallyfy_async.testing import DemoOrg, FakeTallyfy

PDF = b"%PDF-1.4 " + bytes(range(256)) * 4


def bearer(request: Any) -> str:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return str(headers["authorization"]).removeprefix("Bearer ")


async def test_with_retries_off_a_refused_token_is_replaced_and_the_call_replayed(
    fake: FakeTallyfy, demo: DemoOrg
) -> None:
    async with TallyfyClient(
        demo.credentials,
        base_url=fake.base_url,
        token_url=fake.token_url,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        first = await client.tokens.token(demo.org_id)
        fake.revoke_token(first.access_token)
        await client.org(demo.org_id).me()
        await client.org(demo.org_id).me()
    me = [r for r in fake.log if r.path.endswith("/me")]
    assert [r.status for r in me] == [401, 200, 200]
    assert bearer(me[0]) == first.access_token
    assert first.access_token not in {bearer(r) for r in me[1:]}


async def test_an_upload_refused_with_401_is_not_replayed_but_its_token_is_dropped(
    fake: FakeTallyfy, demo: DemoOrg, client: TallyfyClient
) -> None:
    org = client.org(demo.org_id)
    first = await client.tokens.token(demo.org_id)
    fake.inject(path=r"/assets$", method="POST", status=401, times=1)
    with pytest.raises(AuthenticationError):
        await org.files.upload(
            content=PDF, filename="a.pdf", subject_type="Task",
            subject_id=demo.oneoff_task_ids[0], uploaded_from="f",
        )  # fmt: skip
    await org.me()
    uploads = [r for r in fake.log if r.route == "files.upload"]
    assert len(uploads) == 1 and bearer(uploads[0]) == first.access_token
    assert bearer(fake.log[-1]) != first.access_token
