"""The token endpoint and the application (third-party) routes.

Error bodies are the ones Laravel Passport (league/oauth2-server) writes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from tallyfy_async.testing._context import Ctx
from tallyfy_async.testing._fields import EMAIL, Fields, text_id
from tallyfy_async.testing._http import (
    APP_FORBIDDEN,
    Reply,
    data,
    error,
    forbidden,
    invalid_field,
    json_reply,
    not_found,
)
from tallyfy_async.testing._router import RouteTable
from tallyfy_async.testing._state.people import ROLES

routes = RouteTable()

APP_TOKEN_LIFETIME = 7_776_000
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}


def _oauth_error(status: int, code: str, description: str, hint: str | None = None) -> Any:
    body: dict[str, str] = {"error": code, "error_description": description}
    if hint:
        body["hint"] = hint
    body["message"] = description
    return error(status, body)


def _unsupported_grant() -> Any:
    return _oauth_error(
        400,
        "unsupported_grant_type",
        "The authorization grant type is not supported by the authorization server.",
        "Check that all required parameters have been provided",
    )


def _missing(parameter: str) -> Any:
    return _oauth_error(
        400,
        "invalid_request",
        "The request is missing a required parameter, includes an invalid parameter value, "
        "includes a parameter more than once, or is otherwise malformed.",
        f"Check the `{parameter}` parameter",
    )


def _token_reply(token: str, lifetime: int, refresh: str | None = None) -> Reply:
    body: dict[str, Any] = {"token_type": "Bearer", "expires_in": lifetime, "access_token": token}
    if refresh is not None:
        body["refresh_token"] = refresh
    return json_reply(body, headers=NO_STORE)


@routes.post("/oauth/token", "oauth.token", auth="none", write=True)
def token(ctx: Ctx) -> Reply:
    """Issue tokens for the password, client_credentials and refresh_token grants."""
    # Passport reads only a form body: JSON leaves grant_type unread.
    if ctx.request.content_type != "application/x-www-form-urlencoded" or not isinstance(
        ctx.body, dict
    ):
        raise _unsupported_grant()
    form: dict[str, Any] = ctx.body
    grant = form.get("grant_type")
    if grant not in ("password", "client_credentials", "refresh_token"):
        raise _unsupported_grant()
    fake = ctx.fake
    client_id = str(form.get("client_id", ""))
    client = fake.state.clients.get(client_id) if text_id(client_id) is not None else None
    if client is None or not hmac.compare_digest(client.secret, str(form.get("client_secret", ""))):
        raise _oauth_error(401, "invalid_client", "Client authentication failed")
    tokens = fake.tokens
    if grant == "client_credentials":
        issued = tokens.issue(
            "client_credentials",
            client_id=client_id,
            user_id=None,
            lifetime=tokens.client_credentials_lifetime,
        )
        fake.counters.token_grants["app"] += 1
        fake.counters.grants_by_type["client_credentials"] += 1
        return _token_reply(issued.access_token, tokens.client_credentials_lifetime)
    if grant == "password":
        for parameter in ("username", "password"):
            if not form.get(parameter):
                raise _missing(parameter)
        user = fake.state.users_by_email.get(str(form["username"]).lower())
        if user is None or not hmac.compare_digest(user.password, str(form["password"])):
            raise _oauth_error(400, "invalid_grant", "The user credentials were incorrect.")
        user_id = user.id
    else:
        if not form.get("refresh_token"):
            raise _missing("refresh_token")
        presented = str(form["refresh_token"])
        digest = hashlib.sha256(presented.encode()).hexdigest()[:16]
        fake.counters.refresh_presentations[digest] += 1
        grant_record = tokens.use_refresh(presented, client_id)
        if grant_record is None:
            raise _oauth_error(
                401, "invalid_request", "The refresh token is invalid.", "Token has been revoked"
            )
        user_id = grant_record.user_id
    issued = tokens.issue(
        "password", client_id=client_id, user_id=user_id, lifetime=tokens.token_lifetime
    )
    user = fake.state.users[user_id]
    fake.counters.token_grants[next(iter(user.roles), "none")] += 1
    fake.counters.grants_by_type[str(grant)] += 1
    return _token_reply(issued.access_token, tokens.token_lifetime, tokens.issue_refresh(issued))


def _linked_client(ctx: Ctx) -> None:
    """Application routes need a client-credentials token of a client linked to the org."""
    token = ctx.token
    client = ctx.fake.state.clients.get(token.client_id or "") if token else None
    if client is None or ctx.params["org"] not in client.org_ids or ctx.org is None:
        raise forbidden(APP_FORBIDDEN)


@routes.post("/applications/{org}/users", "applications.users.create", auth="app")
def provision_user(ctx: Ctx) -> Reply:
    """Create a member with an application token."""
    _linked_client(ctx)
    org = ctx.the_org()
    fields = Fields(ctx.body)
    first_name = fields.string("first_name", required=True, max_len=32)
    last_name = fields.string("last_name", required=True, max_len=32)
    email = fields.string("email", required=True)
    role = fields.choice("role", ROLES) or "standard"
    fields.string("timezone")
    if email is not None and not EMAIL.match(email):
        fields.fail("email", "The email must be a valid email address.")
    elif email is not None and email.lower() in {m.email.lower() for m in org.members.values()}:
        fields.fail("email", "The email has already been taken.")
    fields.check()
    assert first_name is not None and last_name is not None and email is not None
    state = ctx.fake.state
    user = state.add_user(email, secrets.token_urlsafe(12), first_name, last_name, ctx.now)
    state.add_member(org, user, role)
    return data(
        {
            "id": user.id,
            "email": user.email,
            "first_name": user.wire["first_name"],
            "last_name": user.wire["last_name"],
            "role": role,
            "created_at": user.wire["created_at"],
        }
    )


@routes.post("/applications/{org}/users/{email}/token", "applications.users.token", auth="app")
def user_token(ctx: Ctx) -> Reply:
    """Mint a 3-month token acting as a member."""
    _linked_client(ctx)
    org = ctx.the_org()
    user = ctx.fake.state.users_by_email.get(ctx.params["email"].lower())
    if user is None:
        raise not_found()
    if org.id not in user.roles:
        raise invalid_field(
            "email", "The user is not a member of this organization.", specific=True
        )
    tokens = ctx.fake.tokens
    issued = tokens.issue(
        "app_user",
        client_id=ctx.token.client_id if ctx.token else None,
        user_id=user.id,
        lifetime=APP_TOKEN_LIFETIME,
        org_ids=frozenset((org.id,)),
    )
    ctx.fake.counters.token_grants[org.id] += 1
    ctx.fake.counters.grants_by_type["app_user"] += 1
    return _token_reply(issued.access_token, APP_TOKEN_LIFETIME)
