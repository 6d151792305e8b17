"""What a client answers without naming an organization: who the caller is, which
organizations they belong to, and the API's description of itself."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Final

from yarl import URL

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._urls import parse_base_url
from tallyfy_async.models.meta import ApiDescription
from tallyfy_async.models.organizations import Organization
from tallyfy_async.models.people import User
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._base import structure_or_raise

if TYPE_CHECKING:
    from tallyfy_async._transport import Response
    from tallyfy_async.client import TallyfyClient

GET_ME: Final = Route("GET", "/me")
MY_ORGANIZATIONS: Final = Route("GET", "/me/organizations")

#: Hosts of Tallyfy's production API; its description is served on another of them.
TALLYFY_API_HOSTS: Final = frozenset(("go.tallyfy.com", "api.tallyfy.com"))


async def me(client: TallyfyClient) -> User:
    """``GET /me`` with the token of calls that name no organization."""
    client.tokens.check_org(None)
    response = await client._call(GET_ME, None, {})
    return structure_or_raise(client.converter.get_structure_hook(User), User, response.data)


def organizations(
    client: TallyfyClient, *, per_page: int, limit: int | None, concurrency: int
) -> Paginator[Organization]:
    """A paginator over ``GET /me/organizations``."""
    client.tokens.check_org(None)

    def fetch(page: int, size: int) -> Awaitable[Response]:
        query = {"page": page, "per_page": size}
        return client._call(MY_ORGANIZATIONS, None, {}, params=query, decode=False)

    return Paginator(
        fetch,
        client.converter.item_structurer(Organization),
        per_page=per_page,
        limit=limit,
        concurrency=concurrency,
        model=Organization,
    )


def description_url(base_url: URL, url: str | URL | None, *, allow_insecure_http: bool) -> URL:
    """Where the API's description is: ``url`` when given; Tallyfy's own for Tallyfy's API
    (it lives on ``api.tallyfy.com`` whichever of its hosts the client uses); otherwise
    ``/docs/index`` under the base URL (FakeTallyfy, a proxy, a staging API)."""
    if url is not None:
        return parse_base_url(url, what="url", allow_insecure_http=allow_insecure_http)
    if base_url.host in TALLYFY_API_HOSTS:
        return URL(C.API_DESCRIPTION_URL)
    return base_url / "docs" / "index"


async def api_description(client: TallyfyClient, url: URL) -> ApiDescription:
    """``GET`` the description at ``url``, without a token (Tallyfy serves it to anyone, and a
    token is never sent to a host only to read a public document)."""
    response = await client._transport.request("GET", url, org=None, authenticate=False)
    hook = client.converter.get_structure_hook(ApiDescription)
    return structure_or_raise(hook, ApiDescription, response.body)
