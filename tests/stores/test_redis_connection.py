"""The Redis URL the stores take: a mistyped or unreadable one is refused without its
password."""

from __future__ import annotations

import logging

import pytest
import redis.asyncio as redis
from redis.asyncio.sentinel import Sentinel

from tallyfy_async.stores import RedisDedupeStore, RedisRateBudget, RedisTokenStore
from tests.redis_server import RedisServer


@pytest.mark.parametrize(
    "url",
    [
        "redis//:s3cret@localhost:6379/0",
        "redis:/:s3cret@localhost:6379/0",
        "redis:s3cret@localhost",
        "localhost:6379?password=s3cret",
        "http://user:s3cret@localhost:6379/0",
        "http://s3cret@localhost:6379/0",
    ],
)
@pytest.mark.parametrize(
    "make",
    [
        RedisTokenStore,
        lambda url: RedisRateBudget(url, rate=5),
        RedisDedupeStore,
    ],
)
def test_a_url_with_a_mistyped_scheme_is_refused_without_its_password(
    url: str, make: object
) -> None:
    with pytest.raises(ValueError, match="starts with redis://") as raised:
        make(url)  # type: ignore[operator]
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://:s3cret/x@127.0.0.1:6379/0",  # "/" ends the host part: the password is a port
        "redis://:s3cret?@127.0.0.1:6379/0",
        "redis://:ab#s3cret@127.0.0.1:6379/0",
        "redis://:s3cret@127.0.0.1:99999/0",
        # The password where the user name goes, without its colon.
        "redis://s3cret@127.0.0.1:99999/0",
        "redis://s3cret@127.0.0.1:6379/0?db=x",
        "redis://s3cret:@127.0.0.1:99999/0",
    ],
)
@pytest.mark.parametrize(
    "make",
    [
        RedisTokenStore,
        lambda url: RedisRateBudget(url, rate=5),
        RedisDedupeStore,
    ],
)
def test_an_unreadable_url_is_refused_saying_to_percent_encode_without_its_password(
    url: str, make: object
) -> None:
    with pytest.raises(ValueError, match="could not read the Redis URL") as raised:
        make(url)  # type: ignore[operator]
    assert "percent-encode" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # Alone, the user part is as often the password (redis-py sends it as the user).
        ("redis://s3cret@127.0.0.1:6379/0", "redis://***@127.0.0.1:6379/0"),
        ("rediss://s3cret:@127.0.0.1:6379/0", "rediss://***@127.0.0.1:6379/0"),
        ("unix://s3cret@/run/redis.sock", "unix://***@/run/redis.sock"),
        # An unencoded '/' or '?' in it: redis-py reads the password as the host.
        ("redis://s3cret/x@127.0.0.1:6379/0", "***@127.0.0.1:6379/0"),
        ("redis://s3cret?@127.0.0.1:6379/0", "***@127.0.0.1:6379/0"),
        ("redis://s3cret#x@127.0.0.1:6379/0", "***@127.0.0.1:6379/0"),
        # An "@" in a query's value is no user part: the host is shown.
        ("redis://127.0.0.1:6379/0?client_name=billing@prod", "redis://127.0.0.1:6379/0"),
        (
            "rediss://alice:s3cret@127.0.0.1:6380/0?ssl_ca_certs=/etc/ca@corp.pem",
            "rediss://alice:***@127.0.0.1:6380/0",
        ),
        # Beside a password it is a user name (an ACL user), shown to tell which one.
        ("redis://alice:s3cret@127.0.0.1:6379/0", "redis://alice:***@127.0.0.1:6379/0"),
    ],
)
@pytest.mark.parametrize(
    "make",
    [
        RedisTokenStore,
        lambda url: RedisRateBudget(url, rate=5),
        RedisDedupeStore,
    ],
)
async def test_the_user_part_of_a_url_is_hidden_from_the_repr_unless_a_password_follows(
    url: str, shown: str, make: object
) -> None:
    store = make(url)  # type: ignore[operator]
    try:
        assert f"at {shown}" in repr(store) or f"({shown} " in repr(store)
        assert "s3cret" not in repr(store)
    finally:
        await store.aclose()


async def test_an_application_client_without_socket_timeouts_is_warned_about(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # A Redis that stops answering would hold every call waiting on such a client, a
    # token refresh's lock included: say so when the store is built, not at the outage.
    bare = redis.Redis.from_url(redis_server.url, socket_timeout=None)
    timed = redis.Redis.from_url(redis_server.url, socket_timeout=1, socket_connect_timeout=1)
    # As redis-py builds it by default: its connections time out after 5 s (redis-py 8;
    # 5.x had no limit), and so do a Sentinel's, which declare no timeout of their own.
    default = redis.Redis.from_url(redis_server.url)
    sentinel = Sentinel([("127.0.0.1", redis_server.port)]).master_for("primary")
    try:
        with caplog.at_level(logging.WARNING, logger="tallyfy_async.stores"):
            RedisDedupeStore(bare)
            RedisTokenStore(bare)
            RedisRateBudget(bare, rate=5)
        warned = [r.getMessage() for r in caplog.records if r.name == "tallyfy_async.stores"]
        assert [message.split(":")[0] for message in warned] == [
            "RedisDedupeStore",
            "RedisTokenStore",
            "RedisRateBudget",
        ]
        assert all("no socket_timeout" in message for message in warned)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="tallyfy_async.stores"):
            store = RedisDedupeStore(timed)
        assert not caplog.records
        assert await store.add("seen-once", 30.0) is True  # the client works as it was given
        with caplog.at_level(logging.WARNING, logger="tallyfy_async.stores"):
            RedisDedupeStore(default)
            RedisDedupeStore(sentinel)
        assert not caplog.records
    finally:
        await bare.aclose()
        await timed.aclose()
        await default.aclose()
        await sentinel.aclose()
