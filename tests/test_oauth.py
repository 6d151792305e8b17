"""Browser sign-in for third-party applications, walked against FakeTallyfy: the authorize
URL, the browser's redirect, the token read from it, a call made with it, and every refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyfy_async import (
    AuthenticationError,
    BrowserToken,
    SignInError,
    TallyfyClient,
)
from tallyfy_async.oauth import AuthorizationRequest, authorize_url, token_from_redirect
from tallyfy_async.testing import DemoOrg, FakeTallyfy

REDIRECT = "https://app.example.com/tallyfy/callback"


@attrs.frozen
class App:
    """A third-party application registered with the fake, and a browser."""

    fake: FakeTallyfy
    demo: DemoOrg
    client_id: str
    browser: aiohttp.ClientSession

    def start(self, **options: str) -> AuthorizationRequest:
        return authorize_url(self.client_id, REDIRECT, endpoint=self.fake.authorize_url, **options)

    async def visit(self, url: str) -> str:
        """What the browser is redirected to (the fake answers the authorize page with 302)."""
        async with self.browser.get(url, allow_redirects=False) as answer:
            assert answer.status == 302, await answer.text()
            return answer.headers["Location"]


@pytest.fixture
async def app(fake: FakeTallyfy, demo: DemoOrg) -> AsyncIterator[App]:
    client_id, _ = fake.add_client([], redirect_uris=[REDIRECT])
    async with aiohttp.ClientSession() as browser:
        yield App(fake, demo, client_id, browser)


async def test_the_whole_sign_in(app: App, fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.sign_in_browser(demo.member_id)
    request = app.start()
    sent = parse_qs(urlsplit(request.url).query)
    assert sent == {
        "client_id": [app.client_id],
        "response_type": ["token"],
        "redirect_uri": [REDIRECT],
        "state": [request.state],
    }
    assert str(request) == request.url and request.redirect_uri == REDIRECT
    landed = await app.visit(request.url)
    assert landed.startswith(REDIRECT + "#access_token=")
    before = datetime.now(UTC)
    token = token_from_redirect(landed, expected_state=request.state, redirect_uri=REDIRECT)
    assert isinstance(token, BrowserToken) and token.token not in repr(token)
    assert token.expires_at is not None
    six_months = timedelta(seconds=15_778_800)
    assert before + six_months <= token.expires_at <= datetime.now(UTC) + six_months
    assert not token.expired() and token.expired(token.expires_at)

    async with TallyfyClient(token, base_url=fake.base_url, token_url=fake.token_url) as client:
        me = await client.me()
        assert me.id == demo.member_id
        assert (await client.org(demo.org_id).me()).id == demo.member_id
        # The token is the member's own: nothing was stored, nothing asked of /oauth/token.
        assert await client.tokens.store.load(demo.org_id) is None
    assert not [r for r in fake.log if r.route == "oauth.token"]
    fake.revoke_token(token.token)
    fake.reset_log()
    async with TallyfyClient(token, base_url=fake.base_url) as client:
        with pytest.raises(AuthenticationError) as refused:
            await client.me()
    assert refused.value.hint is not None and "browser sign-in" in refused.value.hint
    assert [r.status for r in fake.log] == [401]  # not replayed: there is no other token


async def test_a_state_of_ones_own_and_a_scope(app: App, fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.sign_in_browser(demo.admin_id)
    request = app.start(state="session-7f3a9c1e2b4d", scope="*")
    assert parse_qs(urlsplit(request.url).query)["scope"] == ["*"]
    landed = await app.visit(request.url)
    token = token_from_redirect(
        landed, expected_state="session-7f3a9c1e2b4d", redirect_uri=REDIRECT
    )
    async with TallyfyClient(token, base_url=fake.base_url) as client:
        assert (await client.me()).id == demo.admin_id


def test_a_generated_state_is_long_and_new_every_time() -> None:
    states = {authorize_url("123", REDIRECT).state for _ in range(50)}
    assert len(states) == 50 and min(map(len, states)) >= 43


# -- refusals -------------------------------------------------------------------------------------


async def test_a_wrong_state_is_refused(app: App, fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.sign_in_browser(demo.member_id)
    mine, theirs = app.start(), app.start()
    landed = await app.visit(theirs.url)
    with pytest.raises(SignInError, match="state is not the one this sign-in sent"):
        token_from_redirect(landed, expected_state=mine.state, redirect_uri=REDIRECT)


async def test_a_missing_state_is_refused(app: App, fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.sign_in_browser(demo.member_id)
    # A forged redirect: the attacker's own token, without the victim's state.
    forged = {"client_id": app.client_id, "response_type": "token", "redirect_uri": REDIRECT}
    landed = await app.visit(f"{fake.authorize_url}?{urlencode(forged)}")
    assert "state=" not in landed
    with pytest.raises(SignInError, match="carries no state"):
        token_from_redirect(landed, expected_state=app.start().state, redirect_uri=REDIRECT)


async def test_a_refusal_by_the_member_is_tallyfys_error(
    app: App, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.sign_in_browser(demo.member_id, consent=False)
    request = app.start()
    landed = await app.visit(request.url)
    with pytest.raises(SignInError) as refused:
        token_from_redirect(landed, expected_state=request.state, redirect_uri=REDIRECT)
    assert refused.value.error == "access_denied"
    assert (
        refused.value.description
        == "The resource owner or authorization server denied the request."
    )
    assert "access_denied" in str(refused.value) and "denied the request" in str(refused.value)


async def test_nobody_signed_in_is_an_error_redirect(app: App) -> None:
    request = app.start()
    landed = await app.visit(request.url)
    with pytest.raises(SignInError) as refused:
        token_from_redirect(landed, expected_state=request.state, redirect_uri=REDIRECT)
    assert refused.value.error == "login_required"


async def test_a_code_flow_is_not_this_flow(app: App, fake: FakeTallyfy, demo: DemoOrg) -> None:
    fake.sign_in_browser(demo.member_id)
    request = app.start()
    landed = await app.visit(request.url.replace("response_type=token", "response_type=code"))
    with pytest.raises(SignInError) as refused:
        token_from_redirect(landed, expected_state=request.state, redirect_uri=REDIRECT)
    assert refused.value.error == "unsupported_response_type"
    with pytest.raises(SignInError, match="authorization code, not a token"):
        token_from_redirect(
            f"{REDIRECT}?code=abc&state={request.state}",
            expected_state=request.state,
            redirect_uri=REDIRECT,
        )


async def test_a_redirect_to_another_host_is_refused(
    app: App, fake: FakeTallyfy, demo: DemoOrg
) -> None:
    fake.sign_in_browser(demo.member_id)
    request = app.start()
    landed = await app.visit(request.url)
    fragment = landed.split("#", 1)[1]
    for elsewhere in (
        f"https://evil.example.com/tallyfy/callback#{fragment}",
        f"http://app.example.com/tallyfy/callback#{fragment}",
        f"https://app.example.com:8443/tallyfy/callback#{fragment}",
    ):
        with pytest.raises(SignInError, match="not at the registered redirect URI") as refused:
            token_from_redirect(elsewhere, expected_state=request.state, redirect_uri=REDIRECT)
        assert fragment.split("&")[0].split("=")[1] not in str(refused.value)  # no token shown
    with pytest.raises(SignInError, match="path"):
        token_from_redirect(
            f"https://app.example.com/other#{fragment}",
            expected_state=request.state,
            redirect_uri=REDIRECT,
        )
    # The same place, spelled with its default port and another case, is the same place.
    same = f"https://APP.example.com:443/tallyfy/callback#{fragment}"
    assert token_from_redirect(same, expected_state=request.state, redirect_uri=REDIRECT).token


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ("state=S&token_type=Bearer", "no access_token"),
        ("access_token=t&state=S&token_type=mac", "not a Bearer token"),
        ("access_token=t&state=S&expires_in=soon", "expires_in is not a number"),
        ("access_token=t&state=S&expires_in=" + "9" * 30, "expires_in is not a number"),
        ("access_token=t&state=S&expires_in=" + "9" * 5_000, "expires_in is not a number"),
        ("access_token=t&state=S&expires_in=0", "expires_in is not a number"),
        ("access_token=t&access_token=u&state=S", "access_token more than once"),
        ("", "carries no state"),
    ],
)
def test_a_malformed_redirect_is_refused(fragment: str, message: str) -> None:
    with pytest.raises(SignInError, match=message):
        token_from_redirect(f"{REDIRECT}#{fragment}", expected_state="S", redirect_uri=REDIRECT)


def test_the_expiry_counts_from_now() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    token = token_from_redirect(
        f"{REDIRECT}#access_token=t&token_type=Bearer&expires_in=3600&state=S",
        expected_state="S",
        redirect_uri=REDIRECT,
        now=now,
    )
    assert token.expires_at == now + timedelta(hours=1)
    unknown = token_from_redirect(
        f"{REDIRECT}#access_token=t&state=S", expected_state="S", redirect_uri=REDIRECT
    )
    assert unknown.expires_at is None and not unknown.expired()


async def test_the_fake_refuses_an_unregistered_redirect_without_redirecting(
    app: App, fake: FakeTallyfy
) -> None:
    request = authorize_url(
        app.client_id, "https://elsewhere.example/cb", endpoint=fake.authorize_url
    )
    async with app.browser.get(request.url, allow_redirects=False) as answer:
        assert answer.status == 400 and "Location" not in answer.headers
        assert (await answer.json())["error"] == "invalid_request"
    unknown = authorize_url("999999", REDIRECT, endpoint=fake.authorize_url)
    async with app.browser.get(unknown.url, allow_redirects=False) as answer:
        assert answer.status == 400 and (await answer.json())["error"] == "invalid_client"


# -- bad input to the SDK, refused before anything is built --------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"client_id": "my-app"}, "client_id must be the numeric client id"),
        ({"client_id": "²"}, "client_id must be the numeric client id"),
        ({"client_id": "١٢٣"}, "client_id must be the numeric client id"),
        ({"redirect_uri": "/callback"}, "absolute http"),
        ({"redirect_uri": "ftp://app.example.com/cb"}, "absolute http"),
        ({"redirect_uri": "http://app.example.com/cb"}, "plain http"),
        ({"redirect_uri": "https://app.example.com/cb#x"}, "fragment"),
        ({"state": "short"}, "at least 16 characters"),
        ({"state": "  "}, "at least 16 characters"),
        ({"endpoint": "http://account.example.com/oauth/authorize"}, "plain http"),
    ],
)
def test_authorize_url_refuses_bad_input(arguments: dict[str, str], message: str) -> None:
    options = {"client_id": "123", "redirect_uri": REDIRECT, **arguments}
    with pytest.raises(ValueError, match=message):
        authorize_url(**options)  # type: ignore[arg-type]


def test_a_loopback_redirect_may_be_plain_http() -> None:
    request = authorize_url(42, "http://127.0.0.1:8765/callback")
    assert request.url.startswith("https://account.tallyfy.com/oauth/authorize?client_id=42&")


def test_token_from_redirect_needs_the_state_and_an_aware_now() -> None:
    with pytest.raises(ValueError, match="expected_state"):
        token_from_redirect(f"{REDIRECT}#access_token=t", expected_state="", redirect_uri=REDIRECT)
    with pytest.raises(ValueError, match="aware"):
        token_from_redirect(
            f"{REDIRECT}#access_token=t&state=S",
            expected_state="S",
            redirect_uri=REDIRECT,
            now=datetime(2026, 1, 1),
        )


def test_browser_token_credentials_are_checked() -> None:
    with pytest.raises(ValueError, match="token must not be empty"):
        BrowserToken(" ")
    with pytest.raises(ValueError, match="aware"):
        BrowserToken("t", datetime(2027, 1, 1))


@given(
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=16, max_size=60).filter(
        lambda s: len(s.strip()) >= 16
    )
)
def test_any_state_goes_there_and_back(state: str) -> None:
    request = authorize_url("7", REDIRECT, state=state)
    assert parse_qs(urlsplit(request.url).query)["state"] == [state]
    encoded = request.url.rsplit("&state=", 1)[1]  # the state is the last parameter
    landed = f"{REDIRECT}#access_token=tok&token_type=Bearer&state={encoded}"
    token = token_from_redirect(landed, expected_state=state, redirect_uri=REDIRECT)
    assert token.token == "tok"
