"""The request date format, end to end: the client writes what its tenant reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tallyfy_async import RequestDateFormat, TallyfyClient, ValidationError
from tallyfy_async.testing import DemoOrg, FakeTallyfy

MAY_15 = datetime(2030, 5, 15, 14, 30, tzinfo=UTC)


def connect(fake: FakeTallyfy, demo: DemoOrg, dates: RequestDateFormat) -> TallyfyClient:
    return TallyfyClient(
        demo.credentials, base_url=fake.base_url, token_url=fake.token_url, request_dates=dates
    )


def sent_deadlines(fake: FakeTallyfy) -> list[str]:
    return [
        r.body["deadline"] for r in fake.log if isinstance(r.body, dict) and "deadline" in r.body
    ]


@pytest.mark.parametrize(
    ("tenant", "client_format", "written"),
    [
        ("YYYY-MM-DD", RequestDateFormat.YEAR_MONTH_DAY, "2030-05-15 14:30:00"),
        ("YYYY-DD-MM", RequestDateFormat.YEAR_DAY_MONTH, "2030-15-05 14:30:00"),
    ],
)
async def test_a_deadline_arrives_as_sent_when_client_and_tenant_agree(
    fake: FakeTallyfy, demo: DemoOrg, tenant: str, client_format: RequestDateFormat, written: str
) -> None:
    fake.request_dates = tenant
    paris = timezone(timedelta(hours=2))
    async with connect(fake, demo, client_format) as client:
        org = client.org(demo.org_id)
        task = await org.tasks.create(
            title="Call Jane", task_type="task", owners={"users": [demo.admin_id]}, deadline=MAY_15
        )
        assert task.deadline == MAY_15
        moved = await org.tasks.update(task.id, deadline=datetime(2030, 6, 20, 9, 0, tzinfo=paris))
        assert moved.deadline == datetime(2030, 6, 20, 7, 0, tzinfo=UTC)
    first, second = sent_deadlines(fake)
    assert first == written
    assert second == ("2030-06-20 07:00:00" if tenant == "YYYY-MM-DD" else "2030-20-06 07:00:00")


@pytest.mark.parametrize(
    ("tenant", "client_format"),
    [
        ("YYYY-DD-MM", RequestDateFormat.YEAR_MONTH_DAY),
        ("YYYY-MM-DD", RequestDateFormat.YEAR_DAY_MONTH),
    ],
)
async def test_a_client_that_writes_the_other_order_is_refused(
    fake: FakeTallyfy, demo: DemoOrg, tenant: str, client_format: RequestDateFormat
) -> None:
    fake.request_dates = tenant
    async with connect(fake, demo, client_format) as client:
        with pytest.raises(ValidationError) as refused:
            await client.org(demo.org_id).tasks.create(
                title="Call Jane",
                task_type="task",
                owners={"users": [demo.admin_id]},
                deadline=MAY_15,  # day 15 read as a month: no such date
            )
    assert "deadline" in refused.value.errors


def test_the_fake_refuses_an_order_it_does_not_know(fake: FakeTallyfy) -> None:
    with pytest.raises(ValueError, match="request_dates must be one of"):
        fake.request_dates = "DD-MM-YYYY"
