"""The browser sign-in of third-party applications: ``GET /oauth/authorize`` (implicit grant).

Tallyfy serves it on ``https://account.tallyfy.com``; the fake serves it beside its API. A
member signed in to Tallyfy in the browser approves the application, and Tallyfy redirects to
the application's registered redirect URI with the token in the fragment::

    {redirect_uri}#access_token=...&token_type=Bearer&expires_in=15778800&state=...

A refusal the redirect URI can be trusted with comes back the same way (``#error=access_denied
&error_description=...&state=...``); an unknown client or a redirect URI that is not registered
is answered here with a 400, never redirected. Which member is signed in, and whether they
approve, is up to the test: ``fake.sign_in_browser(user_id, consent=True)``. Without one the
redirect says ``login_required``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._http import Reply, error
from tallyfy_async.testing._router import RouteTable

routes = RouteTable()

#: Six months, as Tallyfy's implicit-grant tokens last.
BROWSER_TOKEN_LIFETIME = 15_778_800
_DENIED = "The resource owner or authorization server denied the request."
_LOGIN = (
    "No member is signed in to Tallyfy in this browser (FakeTallyfy: "
    "fake.sign_in_browser(user_id) signs one in)."
)
_TYPE = "The authorization server does not support obtaining a token using this method."


def _redirect(redirect_uri: str, state: str | None, **values: str | int) -> Reply:
    """302 to the redirect URI, ``values`` (and the state, when one was given) in the fragment."""
    if state is not None:
        values["state"] = state
    return Reply(302, b"", None, {"Location": f"{redirect_uri}#{urlencode(values)}"})


@routes.get(
    "/oauth/authorize",
    "oauth.authorize",
    auth="none",
    status=302,
    empty=True,
    query=("client_id", "response_type", "redirect_uri", "scope", "state"),
)
def authorize(ctx: Ctx) -> Reply:
    """Redirect the browser to the application with a token for the signed-in member.

    400 for an unknown client or a redirect URI it did not register; otherwise a 302 to that
    URI carrying the token, or ``error`` and ``error_description`` (``unsupported_response_type``
    unless ``response_type=token``, ``login_required``, ``access_denied``).
    """
    query = ctx.query
    fake = ctx.fake
    client = fake.state.clients.get(query.get("client_id", ""))
    if client is None:
        raise error(400, {"error": "invalid_client", "message": "Client authentication failed"})
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise error(
            400,
            {
                "error": "invalid_request",
                "message": "The redirect URI is not registered for this client.",
            },
        )
    state = query.get("state")
    if query.get("response_type") != "token":
        return _redirect(
            redirect_uri, state, error="unsupported_response_type", error_description=_TYPE
        )
    session = fake.browser_session
    if session is None:
        return _redirect(redirect_uri, state, error="login_required", error_description=_LOGIN)
    user_id, consent = session
    if not consent:
        return _redirect(redirect_uri, state, error="access_denied", error_description=_DENIED)
    issued = fake.tokens.issue(
        "browser", client_id=client.client_id, user_id=user_id, lifetime=BROWSER_TOKEN_LIFETIME
    )
    fake.counters.token_grants["browser"] += 1
    return _redirect(
        redirect_uri,
        state,
        access_token=issued.access_token,
        token_type="Bearer",
        expires_in=BROWSER_TOKEN_LIFETIME,
    )
