"""Browser sign-in for third-party applications (OAuth 2.0 implicit grant).

A member of any organization lets your application act as them, without giving it a
password:

1. ``request = authorize_url(client_id, redirect_uri)``: send the member's browser to
   ``request.url``, and keep ``request.state`` (in their session) for step 3.
2. The member signs in to Tallyfy and approves; Tallyfy redirects the browser to
   ``redirect_uri#access_token=...&token_type=Bearer&expires_in=15778800&state=...``.
3. ``token = token_from_redirect(url, expected_state=state, redirect_uri=redirect_uri)`` with
   the URL the browser arrived at (the fragment never reaches a server: the page at the
   redirect URI hands it over, or a desktop app reads it from its own loopback listener).
4. ``TallyfyClient(credentials=token)``: the token lasts about six months and cannot be
   refreshed; then the member signs in again.

Tallyfy support issues the client id and registers the redirect URI; the member's
organization must be on a paid plan.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import SplitResult, parse_qs, quote, urlencode, urlsplit

import attrs
from yarl import URL

from tallyfy_async import _constants as C
from tallyfy_async._urls import is_loopback, parse_base_url
from tallyfy_async.auth.browser import BrowserToken
from tallyfy_async.errors import SignInError

#: Random bytes in a generated ``state`` (256 bits, 43 characters).
STATE_BYTES: Final = 32
#: The shortest ``state`` accepted from the caller: anything shorter could be guessed.
MIN_STATE_LENGTH: Final = 16
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
#: Parameters of a redirect that answers a sign-in (a fragment without any is not one).
_ANSWER: Final = frozenset(("access_token", "error", "state", "code"))


@attrs.frozen
class AuthorizationRequest:
    """Where to send the member's browser, and what to check when it comes back.

    Attributes:
        url: the sign-in URL (``str(request)`` is the same).
        state: the value the redirect must carry back; keep it until then.
        redirect_uri: where Tallyfy will send the browser back.
    """

    url: str
    state: str
    redirect_uri: str

    def __str__(self) -> str:
        return self.url


def authorize_url(
    client_id: str | int,
    redirect_uri: str,
    *,
    state: str | None = None,
    scope: str | None = None,
    endpoint: str = C.DEFAULT_AUTHORIZE_URL,
    allow_insecure_http: bool = False,
) -> AuthorizationRequest:
    """The URL that starts a member's browser sign-in (``response_type=token``).

    Args:
        client_id: the application's numeric client id, from Tallyfy support.
        redirect_uri: the address Tallyfy sends the browser back to, exactly as registered
            with Tallyfy: https, or http to this machine (a desktop app's loopback listener).
        state: an unguessable value tying the redirect to this request (at least 16
            characters); a strong one is generated when none is given.
        scope: the scope to ask for (``"*"``); Tallyfy's default when not given.
        endpoint: the authorization page (``https://account.tallyfy.com/oauth/authorize``;
            ``FakeTallyfy.authorize_url`` in tests).
        allow_insecure_http: allow plain http to another host than this machine (the token
            would cross the network unencrypted).

    Returns:
        An :class:`AuthorizationRequest`: its ``url`` and the ``state`` to keep.

    Raises:
        ValueError: a client id that is not numeric, a redirect URI that is not absolute
            https (or loopback http) or that carries a fragment, a short ``state``.
    """
    client = str(client_id)
    if not (client.isascii() and client.isdigit()):  # not "²" nor Arabic-Indic digits
        raise ValueError(
            f"client_id must be the numeric client id Tallyfy support issued (for example "
            f"'123'), got {client_id!r}"
        )
    _check_redirect(redirect_uri, allow_insecure_http)
    if state is None:
        state = secrets.token_urlsafe(STATE_BYTES)
    elif not isinstance(state, str) or len(state.strip()) < MIN_STATE_LENGTH:
        raise ValueError(
            f"state must be at least {MIN_STATE_LENGTH} characters of unguessable text (it is "
            "what tells a forged redirect from the real one); leave it out to have one "
            "generated"
        )
    page = parse_base_url(endpoint, what="endpoint", allow_insecure_http=allow_insecure_http)
    query = {
        "client_id": client,
        "response_type": "token",
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if scope is not None:
        query["scope"] = scope
    return AuthorizationRequest(
        url=f"{page}?{urlencode(query, quote_via=quote)}", state=state, redirect_uri=redirect_uri
    )


def token_from_redirect(
    url: str | URL,
    *,
    expected_state: str,
    redirect_uri: str,
    now: datetime | None = None,
) -> BrowserToken:
    """The token a browser sign-in's redirect carries, once the redirect is found genuine.

    Tallyfy puts the token in the fragment (``#access_token=...``); a redirect that carries
    its answer in the query instead is read the same way.

    Args:
        url: the full URL the browser arrived at.
        expected_state: the ``state`` of the :class:`AuthorizationRequest` this answers.
        redirect_uri: the registered redirect URI the request named.
        now: the moment ``expires_in`` counts from (aware); the current time by default.

    Returns:
        :class:`~tallyfy_async.auth.browser.BrowserToken` credentials, with their expiry.

    Raises:
        SignInError: the URL is on another host (or path) than ``redirect_uri``; Tallyfy
            sent an error (``error`` and Tallyfy's ``description`` on the exception); the
            ``state`` is missing or is not ``expected_state``; no token, or a malformed one.
        ValueError: ``expected_state`` is empty.
    """
    if not isinstance(expected_state, str) or not expected_state:
        raise ValueError("expected_state must be the state of the sign-in request (not empty)")
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise ValueError("now must be an aware datetime (its time zone would be a guess)")
    arrived = urlsplit(str(url))
    registered = urlsplit(redirect_uri)
    if _origin(arrived) != _origin(registered):
        raise SignInError(
            f"the redirect arrived at {_where(arrived)}, not at the registered redirect URI's "
            f"{_where(registered)}: it is not the answer to this sign-in, so its token is refused"
        )
    if arrived.path.rstrip("/") != registered.path.rstrip("/"):
        raise SignInError(
            f"the redirect arrived at path {arrived.path!r}, not at the registered redirect "
            f"URI's {registered.path!r}"
        )
    answer = _answer(arrived.fragment, arrived.query)
    error = answer.get("error")
    if error is not None:
        description = answer.get("error_description")
        raise SignInError(
            f"Tallyfy refused the sign-in ({error})" + (f": {description}" if description else ""),
            error=error,
            description=description,
        )
    state = answer.get("state")
    if state is None:
        raise SignInError(
            "the redirect carries no state: it cannot be tied to this application's sign-in "
            "request, so its token is refused (a forged redirect looks like this)"
        )
    if not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise SignInError(
            "the redirect's state is not the one this sign-in sent: it answers another request "
            "(or was forged), so its token is refused; start the sign-in again"
        )
    return _token(answer, now)


def _check_redirect(redirect_uri: str, allow_insecure_http: bool) -> None:
    parts = urlsplit(redirect_uri) if isinstance(redirect_uri, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"redirect_uri must be an absolute http(s) URL, as registered with Tallyfy, got "
            f"{redirect_uri!r:.80}"
        )
    if parts.fragment:
        raise ValueError("redirect_uri must not carry a fragment: Tallyfy puts the token there")
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not allow_insecure_http:
        raise ValueError(
            f"redirect_uri {redirect_uri!r} uses plain http to a host that is not this machine: "
            "the token would cross the network unencrypted. Use https, or pass "
            "allow_insecure_http=True if you really mean it."
        )


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one when the URL names none)."""
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _where(parts: SplitResult) -> str:
    """Scheme and host of a URL for a message (never its user info, path or fragment)."""
    scheme, host, port = _origin(parts)
    return f"{scheme}://{host}:{port}"


def _answer(fragment: str, query: str) -> dict[str, str]:
    """The sign-in's answer: the fragment's parameters, or the query's when the fragment
    holds none. A parameter given twice is refused (which one would be the answer?)."""
    for text in (fragment, query):
        values = parse_qs(text, keep_blank_values=True)
        if values.keys() & _ANSWER:
            doubled = sorted(key for key, found in values.items() if len(found) > 1)
            if doubled:
                raise SignInError(f"the redirect gives {', '.join(doubled)} more than once")
            return {key: found[0] for key, found in values.items()}
    return {}


def _token(answer: Mapping[str, str], now: datetime | None) -> BrowserToken:
    token = answer.get("access_token")
    if not token:
        if answer.get("code"):
            raise SignInError(
                "the redirect carries an authorization code, not a token: the sign-in must ask "
                "for response_type=token, as authorize_url() does"
            )
        raise SignInError("the redirect carries no access_token")
    token_type = answer.get("token_type", "Bearer")
    if token_type.lower() != "bearer":
        raise SignInError(f"the redirect's token is of type {token_type!r}, not a Bearer token")
    lifetime = answer.get("expires_in")
    if lifetime is None:
        return BrowserToken(token)
    # Bounded: a forged or garbled redirect's huge number would overflow the date, not be
    # refused.
    if (
        not (lifetime.isascii() and lifetime.isdigit())
        or len(lifetime) > len(str(_LONGEST))  # before int(): 5,000 digits raise there
        or not 0 < int(lifetime) <= _LONGEST
    ):
        raise SignInError(f"the redirect's expires_in is not a number of seconds: {lifetime!r:.40}")
    start = now if now is not None else datetime.now(UTC)
    return BrowserToken(token, start + timedelta(seconds=int(lifetime)))


#: The longest token lifetime a redirect may claim, seconds: a century, far past any token
#: Passport issues (a year by default), far short of what overflows a date.
_LONGEST = 100 * 366 * 24 * 3600

__all__ = ["AuthorizationRequest", "BrowserToken", "authorize_url", "token_from_redirect"]
