"""Tokens and token stores."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tallyfy_async import FileTokenStore, MemoryTokenStore, Token, TokenStore


def test_expires_in_wins_and_3600_is_the_default() -> None:
    token = Token.from_response(
        {"access_token": "a", "expires_in": 120, "refresh_token": "r"}, now=1000
    )
    assert token.expires_at == 1120 and token.refresh_token == "r"
    assert Token.from_response({"access_token": "a"}, now=1000).expires_at == 4600
    with pytest.raises(ValueError, match="no access_token"):
        Token.from_response({"expires_in": 5}, now=0)


def test_refresh_margin_is_at_most_half_the_lifetime() -> None:
    hour = Token(access_token="a", expires_at=3600, obtained_at=0)
    assert not hour.refresh_due(3539, margin=60)
    assert hour.refresh_due(3540, margin=60)
    short = Token(access_token="a", expires_at=100, obtained_at=0)
    assert not short.refresh_due(49, margin=60)  # 60 s margin capped at 50 s
    assert short.refresh_due(50, margin=60)


def test_token_repr_hides_secrets() -> None:
    token = Token(access_token="SECRET-A", expires_at=1, obtained_at=0, refresh_token="SECRET-R")
    assert "SECRET" not in repr(token) and "SECRET" not in str(token)


async def test_memory_store_round_trip() -> None:
    store = MemoryTokenStore()
    assert isinstance(store, TokenStore)
    assert await store.load("org") is None
    token = Token(access_token="a", expires_at=10, obtained_at=0, refresh_token="r")
    await store.save("org", token)
    assert await store.load("org") == token


async def test_file_store_is_private_atomic_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "tokens.json"
    first = Token(access_token="a1", expires_at=10, obtained_at=0, refresh_token="r1")
    second = Token(access_token="b1", expires_at=20, obtained_at=0, refresh_token="r2")
    store = FileTokenStore(path)
    await store.save("org-a", first)
    await store.save("org-b", second)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(json.loads(path.read_text())) == ["org-a", "org-b"]
    # No temp file left; the lock file of the processes sharing it stays beside it.
    assert sorted(p.name for p in path.parent.iterdir()) in (
        ["tokens.json"],
        ["tokens.json", "tokens.json.lock"],
    )
    reopened = FileTokenStore(path)
    assert await reopened.load("org-a") == first
    assert await reopened.load("org-b") == second
    assert await reopened.load("org-c") is None
    assert "a1" not in repr(reopened)


async def test_file_store_refuses_a_file_that_is_not_a_token_map(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        await FileTokenStore(path).load("x")
