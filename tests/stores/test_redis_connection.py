"""The Redis URL the stores take: a mistyped one is refused without its password."""

from __future__ import annotations

import pytest

from tallyfy_async.stores import RedisDedupeStore, RedisRateBudget, RedisTokenStore


@pytest.mark.parametrize(
    "url",
    [
        "redis//:s3cret@localhost:6379/0",
        "redis:/:s3cret@localhost:6379/0",
        "redis:s3cret@localhost",
        "localhost:6379?password=s3cret",
        "http://user:s3cret@localhost:6379/0",
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
