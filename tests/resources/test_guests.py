"""org.guests over real HTTP against FakeTallyfy: addressed by a percent-encoded email,
only the fields Tallyfy honours sent, the others refused before sending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tallyfy_async import ValidationError
from tallyfy_async.client import OrgClient
from tallyfy_async.models.people import Guest
from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.resources.conftest import RequestsTo

EMAIL = "pat+ops@partner.example"
#: How the email goes in a path: every reserved character percent-encoded.
ENCODED = "pat%2Bops%40partner.example"


def guests_path(demo: DemoOrg, *rest: str) -> str:
    return "/".join((f"/organizations/{demo.org_id}/guests", *rest))


async def test_create_sends_the_fields_tallyfy_reads(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    guest = await org.guests.create(
        email=EMAIL,
        first_name="Pat",
        phone_1="555-0100",
        phone_2="555-0101",
        company_name="Partner Inc",
        external_date_creation=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    )
    [sent] = requests_to("POST", guests_path(demo))
    assert sent.status == 201
    assert sent.body == {
        "first_name": "Pat",
        "phone_1": "555-0100",
        "phone_2": "555-0101",
        "company_name": "Partner Inc",
        "external_date_creation": "2026-03-01 09:30:00",
        "email": EMAIL,
    }
    assert isinstance(guest, Guest) and guest.email == EMAIL
    assert guest.details is not None
    assert (guest.details.phone_1, guest.details.phone_2) == ("555-0100", "555-0101")
    assert guest.details.external_date_creation == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def test_an_email_is_percent_encoded_in_the_path(
    org: OrgClient, demo: DemoOrg, fake: FakeTallyfy
) -> None:
    created = await org.guests.create(email=EMAIL)
    fake.reset_log()
    got = await org.guests.get(EMAIL)
    await org.guests.disable(got)
    await org.guests.enable(EMAIL)
    raw = [r.raw_path.removeprefix("/api") for r in fake.log if r.route != "oauth.token"]
    base = guests_path(demo, ENCODED)
    assert raw == [base, f"{base}/disable", f"{base}/enable"]
    assert got.id == created.id


async def test_list_and_list_minimal(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    await org.guests.create(email=EMAIL)
    everyone = await org.guests.list(sort="email").to_list()
    assert [g.email for g in everyone] == sorted(g.email for g in everyone)
    assert {demo.guest_email, EMAIL} <= {g.email for g in everyone}
    found = await org.guests.list(q="partner").to_list()
    assert [g.email for g in found] == [EMAIL]
    [searched] = [r for r in requests_to("GET", guests_path(demo)) if "q" in r.query]
    assert searched.query == {"q": "partner", "page": "1", "per_page": "100"}
    minimal = await org.guests.list_minimal().to_list()
    assert {g.email for g in minimal} == {g.email for g in everyone}
    assert len(requests_to("GET", f"/organizations/{demo.org_id}/guests-list")) == 1


async def test_update_sends_only_associated_members_and_the_email(
    org: OrgClient, demo: DemoOrg, requests_to: RequestsTo
) -> None:
    sam = await org.members.get(demo.member_id)
    updated = await org.guests.update(demo.guest_email, associated_members=[sam, demo.admin_id])
    [sent] = requests_to("PUT", guests_path(demo, demo.guest_email))
    assert sent.body == {
        "email": demo.guest_email,
        "associated_members": [demo.member_id, demo.admin_id],
    }
    assert updated.details is not None
    assert updated.details.associated_members == [demo.member_id, demo.admin_id]
    cleared = await org.guests.update(updated, associated_members=[])
    assert cleared.details is not None and cleared.details.associated_members == []


async def test_disable_and_enable(org: OrgClient, demo: DemoOrg) -> None:
    await org.guests.disable(demo.guest_email)
    disabled = await org.guests.get(demo.guest_email)
    assert disabled.details is not None and disabled.details.status == "disabled"
    assert disabled.details.disabled_at is not None
    await org.guests.enable(disabled)
    enabled = await org.guests.get(demo.guest_email)
    assert enabled.details is not None and enabled.details.status == "active"


async def test_delete_returns_the_guest_and_a_second_delete_is_refused(
    org: OrgClient, demo: DemoOrg
) -> None:
    guest = await org.guests.create(email=EMAIL)
    deleted = await org.guests.delete(guest)
    assert deleted.email == EMAIL and deleted.deleted_at is not None
    with pytest.raises(ValidationError):  # Tallyfy's "exists" rule: 422, not 404
        await org.guests.delete(EMAIL)


# -- bad input, refused before anything is sent ----------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "names"),
    [
        # a field Tallyfy ignores on guests
        (
            lambda org: org.guests.create(email=EMAIL, phone="555"),
            TypeError,
            "does not take phone.*phone_1",
        ),
        (
            lambda org: org.guests.update(EMAIL, associated_members=[], first_name="Pat"),
            TypeError,
            "does not take first_name.*only associated_members",
        ),
        (
            lambda org: org.guests.update(EMAIL, associated_members=[], phone_1="555"),
            TypeError,
            "does not take phone_1",
        ),
        (lambda org: org.guests.create(email=EMAIL, nickname="P"), TypeError, "nickname"),
        # an email that is not one
        (lambda org: org.guests.create(email="pat"), ValueError, "email must be an email"),
        (lambda org: org.guests.get("pat@partner"), ValueError, "email must be an email"),
        (lambda org: org.guests.delete("../x@partner.example"), ValueError, "email must be"),
        (lambda org: org.guests.disable("a%40b@c.example"), ValueError, "email must be"),
        # values of the wrong shape
        (lambda org: org.guests.create(email=EMAIL, phone_1="5" * 21), ValueError, "phone_1"),
        (
            lambda org: org.guests.create(email=EMAIL, external_date_creation=datetime(2026, 3, 1)),
            ValueError,
            "naive datetime",
        ),
        (
            lambda org: org.guests.update(EMAIL, associated_members=["10001"]),
            TypeError,
            r"associated_members\[0\]",
        ),
    ],
)
async def test_bad_input_is_refused_before_sending(
    org: OrgClient, fake: FakeTallyfy, call: Any, error: type[Exception], names: str
) -> None:
    fake.reset_log()
    with pytest.raises(error, match=names):
        await call(org)
    assert fake.log == []
