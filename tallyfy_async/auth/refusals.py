"""What to tell a user when Tallyfy refuses a token, or refuses to grant one.

The API answers a token it does not accept with 401. The token endpoint answers credentials it
does not accept with an OAuth error body, ``{"error": "invalid_grant", "error_description":
...}``, under 400 or 401: every such refusal becomes an :class:`AuthenticationError` whose
``code`` is the OAuth ``error`` and whose hint says what to check for that error.
"""

from __future__ import annotations

from tallyfy_async.errors import APIError, AuthenticationError

#: A token of an OAuth grant was refused by the API.
API_TOKEN_HINT = """\
What to check (Tallyfy's troubleshooting list):
  - the Authorization header must be exactly 'Bearer <token>' (the SDK sends that);
  - the token may have expired or been revoked (a personal access token is deleted
    when its user logs out of the web app);
  - client_id, client_secret, username and password must be right (client_id is numeric);
  - every request needs the X-Tallyfy-Client header (the SDK sends it);
  - a client-credentials token has no user context: most routes need PasswordGrant
    or ApplicationUser credentials."""

#: A personal access token was refused by the API.
PERSONAL_TOKEN_HINT = """\
This client uses a personal access token, which the SDK cannot refresh. Tallyfy deletes
it when its user logs out of the web app, and it expires after about six months: copy a
new one from Settings > Integrations > REST API."""

_GRANT_HINTS = {
    "invalid_grant": """\
The token endpoint refused the grant itself:
  - password grant: the username (the email the user signs in with) or the password is
    wrong, or the user cannot sign in (disabled, or signs in with SSO only);
  - refresh token: it expired, was revoked, or was already used once (Tallyfy rotates
    refresh tokens: keep the newest one, which the TokenStore does).""",
    "invalid_client": """\
The token endpoint did not recognise the client:
  - client_id must be the numeric id Tallyfy issued with the client secret;
  - client_secret must be that client's secret, copied whole;
  - token_url must point at the Tallyfy you have credentials for.""",
    "invalid_request": """\
The token endpoint found the request incomplete or the token in it unusable:
  - a refresh token may have been revoked (signing out revokes it) or belong to another
    client: sign in again with the original grant;
  - a required field was empty (the SDK refuses blank credentials before sending).""",
    "unsupported_grant_type": """\
The token endpoint does not accept this grant type here:
  - token_url must be Tallyfy's OAuth token endpoint (https://go.tallyfy.com/api/oauth/token
    by default), which reads form-encoded bodies (the SDK sends that);
  - this client may not be allowed this grant: ask Tallyfy support which grants it has.""",
    "invalid_scope": """\
The token endpoint refused the scope asked for: leave scope out, or ask for '*'.""",
    "unauthorized_client": """\
This client is not allowed this grant type: ask Tallyfy support which grants it has.""",
    "access_denied": """\
The user or the server refused access for this client.""",
}

#: A RefreshToken's refresh token was refused: there is no other grant to fall back to.
SPENT_REFRESH_TOKEN_HINT = """\
The refresh token was refused: it was spent (Tallyfy's refresh tokens are single use:
each refresh returns a new one and spends the old one), revoked (signing out revokes it)
or expired, and RefreshToken credentials have no other grant to fall back to. Authorize
again (browser sign-in, or the password grant) to get a new refresh token.
To keep this from happening:
  - processes sharing these credentials must share one token store (RedisTokenStore
    across machines, FileTokenStore on one machine), so the newest refresh token is used;
  - a process killed after presenting the refresh token but before saving the rotated
    one loses it: no store can recover that (see docs/scaling.md); PasswordGrant,
    ClientCredentials and ApplicationUser credentials recover with a fresh grant."""

_GRANT_HINT = """\
The token endpoint refused the credentials: check client_id (numeric), client_secret and,
for the password grant, the username (an email) and the password."""

#: Statuses under which the token endpoint refuses credentials, whatever its body says.
_REFUSALS = (400, 401, 403)


def with_hint(error: AuthenticationError, hint: str) -> AuthenticationError:
    """``error`` again, with ``hint`` in place of its own."""
    return AuthenticationError(
        error.message,
        status=error.status,
        method=error.method,
        url=error.url,
        code=error.code,
        errors=error.errors,
        request_id=error.request_id,
        body=error.body,
        hint=hint,
    )


def grant_refusal(error: APIError) -> APIError:
    """``error`` (an answer of the token endpoint) as an :class:`AuthenticationError` when it
    refuses the credentials; other errors (429, 5xx, a wrong URL's 404) are returned as they are.

    The OAuth ``error`` becomes the error's ``code``; the hint fits that code.
    """
    body = error.body
    oauth = body.get("error") if isinstance(body, dict) else None
    code = oauth if isinstance(oauth, str) and oauth else None
    if error.status >= 500 or error.status == 429:
        return error
    if error.status not in _REFUSALS and code is None:
        return error
    return AuthenticationError(
        error.message,
        status=error.status,
        method=error.method,
        url=error.url,
        code=code or error.code,
        errors=error.errors,
        request_id=error.request_id,
        body=body,
        hint=_GRANT_HINTS.get(code or "", _GRANT_HINT),
    )


__all__ = [
    "API_TOKEN_HINT",
    "PERSONAL_TOKEN_HINT",
    "SPENT_REFRESH_TOKEN_HINT",
    "grant_refusal",
    "with_hint",
]
