"""What a route handler receives about its request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from tallyfy_async.testing._dates import now_iso, request_date_order, soon_iso
from tallyfy_async.testing._http import forbidden, not_found
from tallyfy_async.testing._state import Org, User

if TYPE_CHECKING:
    from tallyfy_async.testing._auth import Token
    from tallyfy_async.testing._body import UploadedFile
    from tallyfy_async.testing._server import FakeTallyfy


class Ctx:
    """One request as a handler sees it: parameters, body, caller and the fake itself."""

    __slots__ = (
        "_includes",
        "body",
        "fake",
        "files",
        "now",
        "org",
        "params",
        "query",
        "rate_remaining",
        "request",
        "token",
        "user",
    )

    def __init__(
        self,
        request: web.Request,
        fake: FakeTallyfy,
        params: dict[str, str],
        query: dict[str, str],
        body: Any,
    ) -> None:
        self.request = request
        self.fake = fake
        self.params = params
        self.query = query
        self.body = body
        #: The file parts of a multipart body, by field name.
        self.files: dict[str, UploadedFile] = {}
        self.token: Token | None = None
        self.user: User | None = None
        self.org: Org | None = None
        self.now = now_iso()
        # Body dates of this request are read in the order its tenant expects.
        request_date_order.set(fake.state.request_dates)
        #: Requests left in the rate-limit window, when a limit applies.
        self.rate_remaining: int | None = None
        self._includes: frozenset[str] | None = None

    @property
    def soon(self) -> str:
        """Deadlines up to this moment are "due soon"."""
        return soon_iso()

    @property
    def includes(self) -> frozenset[str]:
        """The relations asked for with ``with=a,b``."""
        includes = self._includes
        if includes is None:
            raw = self.query.get("with", "")
            includes = self._includes = frozenset(p.strip() for p in raw.split(",") if p.strip())
        return includes

    def the_org(self) -> Org:
        """The organization of the path (checked by the server before the handler runs)."""
        if self.org is None:
            raise not_found()
        return self.org

    def the_user(self) -> User:
        """The user the token acts as."""
        if self.user is None:
            raise forbidden()
        return self.user

    def flag(self, name: str) -> bool | None:
        """A boolean query parameter (``true``/``1``/``false``/``0``), ``None`` when absent."""
        value = self.query.get(name)
        if value is None or value == "":
            return None
        return value.lower() in ("true", "1", "yes")
