"""A response prints its shape, never its body (pages are large and may hold guest links)."""

from __future__ import annotations

import pytest

from tallyfy_async import TallyfyClient
from tallyfy_async._responses import EncodedBody, Response, decode_body
from tallyfy_async.testing import DemoOrg, FakeTallyfy


async def test_a_response_prints_its_shape_not_its_body(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    org = client.org(demo.org_id)
    page = await org.request("GET", f"/organizations/{org.org_id}/runs", params={"per_page": 2})
    assert repr(page) == "Response(status=200, data=list[2], meta keys=['pagination'])"
    one = await org.request("GET", f"/organizations/{org.org_id}/runs/{demo.process_ids[0]}")
    assert repr(one) == f"Response(status=200, data=dict[{len(one.data)} keys])"
    raw = EncodedBody(b'{"data": []}', "application/json", 200, "GET", "https://x/y")
    assert repr(Response(200, {}, raw)) == "Response(status=200, body=<12 bytes undecoded>)"


@pytest.mark.parametrize(
    ("content_type", "body", "read"),
    [
        ("application/pdf", b"%PDF-1.4 \xe2\x28\xa1", b"%PDF-1.4 \xe2\x28\xa1"),
        ("application/octet-stream", b"\x00\xff", b"\x00\xff"),
        ("", b"\x00\xff", b"\x00\xff"),  # no type, not UTF-8: the bytes
        ("", "plain text é".encode(), "plain text é"),  # no type, UTF-8: the text
        ("text/html; charset=utf-8", "<p>é</p>".encode(), "<p>é</p>"),
        ("text/csv", b"a,b\n1,2\n", "a,b\n1,2\n"),
    ],
)
def test_a_2xx_body_that_is_not_text_is_kept_as_its_bytes(
    content_type: str, body: bytes, read: bytes | str
) -> None:
    # A file read through client.request: as text it could not be turned back into bytes.
    assert decode_body(200, content_type, body) == read
    # An error page is read as the text it says, whatever its type.
    assert isinstance(decode_body(500, content_type, body), str)


async def test_a_file_read_through_the_escape_hatch_comes_back_whole(
    client: TallyfyClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256))
    asset_id = fake.add_file(demo.org_id, pdf, filename="scan.pdf")
    org = client.org(demo.org_id)
    response = await org.request("GET", f"/organizations/{demo.org_id}/file/{asset_id}/dl")
    assert response.status == 200 and response.data == pdf
