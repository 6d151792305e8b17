"""Where the SDK keeps what several processes share: tokens (and, from the fleet work,
rate budgets and webhook dedupe keys).

``RedisTokenStore`` needs the optional extra ``tallyfy-async[redis]``; importing this
package does not (redis-py is imported when a Redis store is built). The stores of
``tallyfy_async.auth`` are re-exported so there is one place to look. See
``docs/scaling.md``.
"""

from tallyfy_async.auth.tokens import (
    FileTokenStore,
    LockingTokenStore,
    MemoryTokenStore,
    StoredToken,
    TokenStore,
    VersionedTokenStore,
)
from tallyfy_async.stores._redis_tokens import RedisTokenStore

__all__ = [
    "FileTokenStore",
    "LockingTokenStore",
    "MemoryTokenStore",
    "RedisTokenStore",
    "StoredToken",
    "TokenStore",
    "VersionedTokenStore",
]
