"""What a third-party application does in an organization with its own token.

An application holding ``ClientCredentials`` (an application token, no user in it) provisions
the member it will act as, then acts as that member with ``ApplicationUser`` credentials,
which mint a member token through ``POST /applications/{org}/users/{email}/token``::

    async with TallyfyClient(ClientCredentials(client_id, client_secret)) as app:
        member = await app.org(org_id).applications.provision(
            email="bot@acme.example", first_name="Sync", last_name="Bot"
        )
    async with TallyfyClient(ApplicationUser(client_id, client_secret, email=member.email)) as c:
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.people import Member, MemberRole
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._checks import email
from tallyfy_async.resources._scopes import Scope
from tallyfy_async.resources.members import NAME_MAX, ROLE

if TYPE_CHECKING:
    from tallyfy_async.client import OrgClient

#: Where the application routes hang: ``/applications/{org}``.
APPLICATIONS: Final = Scope("/applications/{org}")

PROVISION_MEMBER: Final = Route("POST", "/users")

PROVISION_FIELDS: Final = {
    "email": kinds.Checked(function=email, required=True),
    "first_name": kinds.Text(required=True, max_len=NAME_MAX),
    "last_name": kinds.Text(required=True, max_len=NAME_MAX),
    "role": kinds.Choice(choices=ROLE.choices),
    "timezone": kinds.Text(filled=True),
}


class Applications(Resource):
    """The application routes of one organization (``org.applications``).

    They take an application token: the organization's credentials must be
    ``ClientCredentials`` of a client Tallyfy linked to the organization. A member's token
    is refused with 403 ("You don't have application's permissions for this organization!").
    """

    def __init__(self, org: OrgClient, scope: Scope = APPLICATIONS) -> None:
        super().__init__(org, scope)

    async def provision(
        self,
        *,
        email: str,
        first_name: str,
        last_name: str,
        role: UnsetOr[MemberRole | str] = UNSET,
        timezone: UnsetOr[str] = UNSET,
    ) -> Member:
        """Create a member as the application: ``POST /applications/{org}/users``.

        The application then acts as them with
        ``ApplicationUser(client_id, client_secret, email=member.email)``.

        Args:
            email: the new member's address.
            first_name, last_name: at most 32 characters each.
            role: :class:`~tallyfy_async.models.people.MemberRole` (``standard`` when not given).
            timezone: an IANA time zone.

        Returns:
            The new :class:`Member` (id, email, names, role, creation time).

        Raises:
            TypeError, ValueError: an address that is not one, an unknown role, a name too
                long (nothing is sent).
            PermissionDeniedError: not an application token, or the client is not linked to
                the organization.
            ValidationError: the address already belongs to a member (422).
        """
        body = self._body(PROVISION_FIELDS, locals())
        return await self._item(PROVISION_MEMBER, Member, json=body.json())
