"""A Redis connection as the stores take it: a URL or the application's own client.

redis-py is the optional extra ``tallyfy-async[redis]``: this module imports it only when a
store is built, so ``import tallyfy_async.stores`` works without it.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

from yarl import URL

from tallyfy_async import _constants as C

log = logging.getLogger("tallyfy_async.stores")

if TYPE_CHECKING:
    from redis.asyncio import Redis

INSTALL_HINT = 'pip install "tallyfy-async[redis]"'


def import_redis() -> ModuleType:
    """``redis.asyncio``, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("redis.asyncio")
    except ImportError as exc:
        raise ImportError(
            f"the Redis stores need redis-py, which is not installed: {INSTALL_HINT}"
        ) from exc


def redis_errors() -> tuple[type[BaseException], ...]:
    """What a Redis that is down, restarting or unreachable raises."""
    exceptions = importlib.import_module("redis.exceptions")
    return (exceptions.RedisError, OSError)


def credential_errors() -> tuple[type[BaseException], ...]:
    """What Redis refusing the credentials raises (a wrong or missing password, an ACL user
    that may not connect): a misconfiguration to report, not an outage to wait out, though
    redis-py makes these subclasses of its ConnectionError."""
    exceptions = importlib.import_module("redis.exceptions")
    return (exceptions.AuthenticationError, exceptions.AuthorizationError)


def read_only_errors() -> tuple[type[BaseException], ...]:
    """What a write to a read-only replica raises: the URL names a replica, or a failover
    made the store's server one. A misconfiguration to report, not an outage to wait out:
    the client stays connected to the same server, which keeps refusing."""
    exceptions = importlib.import_module("redis.exceptions")
    return (exceptions.ReadOnlyError,)


#: How to fix refused credentials, for the stores' messages.
CREDENTIALS_HINT = (
    "check the password in the Redis URL (percent-encoded, as in "
    "redis://:p%40ss@host:6379/0) or the application's client's credentials"
)


class RedisConnection:
    """A Redis client, its key prefix, and whether the store owns (and closes) it.

    Args:
        redis: a URL (``redis://[:password@]host:port/db``, ``rediss://`` for TLS): the
            store makes its own client, with 1-second socket timeouts, and closes it; or a
            ``redis.asyncio.Redis`` the application already has (a Sentinel's
            ``master_for(...)`` client too), which the store uses as it is and never closes
            (one without a ``socket_timeout`` is logged as a WARNING: a Redis that stops
            answering would hold every call waiting on it).
        prefix: put in front of every key the store writes.
        what: the store's name, for error messages.

    Raises:
        ImportError: redis-py is not installed (``pip install "tallyfy-async[redis]"``).
        TypeError, ValueError: ``redis`` is neither a URL nor a client, a URL that cannot
            be read (the message never shows its password), or ``prefix`` is not a string.
    """

    def __init__(self, redis: str | Redis, *, prefix: str, what: str) -> None:
        module = import_redis()
        if not isinstance(prefix, str):
            raise TypeError(f"{what}: prefix must be a string, got {type(prefix).__name__}")
        self.prefix = prefix
        self.client: Redis
        if isinstance(redis, str):
            if not redis.startswith(("redis://", "rediss://", "unix://")):
                raise ValueError(
                    f"{what}: a Redis URL starts with redis://, rediss:// or unix:// "
                    f"(got {_without_secrets(redis)!r})"
                )
            try:
                self.client = module.from_url(
                    redis,
                    socket_timeout=C.REDIS_SOCKET_TIMEOUT,
                    socket_connect_timeout=C.REDIS_SOCKET_TIMEOUT,
                )
            except ValueError:
                # redis-py's message may quote the password (an unencoded "/" in it ends
                # the host part early, and the password is read as the port): not shown.
                raise ValueError(
                    f"{what}: could not read the Redis URL ({_without_secrets(redis)}); check "
                    "its host, port and database, and percent-encode a password holding "
                    "'/', '?', '#', '@' or '%' (as in redis://:p%40ss@host:6379/0)"
                ) from None
            self.owned = True
            self.where = _without_secrets(redis)
        elif isinstance(redis, module.Redis):
            self.client = redis
            self.owned = False
            self.where = _describe_client(redis)
            if _without_socket_timeout(redis):
                # The stores rely on Redis answering or failing: a refresh waits on the
                # token store while holding the organization's refresh lock.
                log.warning(
                    "%s: the Redis client given has no socket_timeout, so a Redis server "
                    "that stops answering (a network partition, a hung failover) holds "
                    "every call waiting on it, a token refresh's lock included; create it "
                    "with socket_timeout=%g and socket_connect_timeout=%g, as the store "
                    "does for a URL",
                    what,
                    C.REDIS_SOCKET_TIMEOUT,
                    C.REDIS_SOCKET_TIMEOUT,
                )
        else:
            raise TypeError(
                f"{what}: give a Redis URL or a redis.asyncio.Redis client, "
                f"got {type(redis).__name__}"
            )

    def read_only_message(self, what: str) -> str:
        """Why a write failed while ``what`` on a read-only replica, and how to fix it."""
        return (
            f"Redis at {self.where} refused a write while {what}: it is a read-only replica "
            "(the URL names a replica, or a failover made this server one); point the store "
            "at the primary, or give it a Sentinel's master_for(...) client, which follows "
            "failovers"
        )

    def key(self, *parts: str) -> str:
        """The prefix followed by ``parts``."""
        return self.prefix + "".join(parts)

    async def aclose(self) -> None:
        """Close the client if the store made it (an application's client stays open)."""
        if self.owned:
            await self.client.aclose()

    def __repr__(self) -> str:
        return f"{self.where} prefix={self.prefix!r}"


def _without_secrets(url: str) -> str:
    """The URL without its password and query (which may carry one).

    A user name is shown beside a password (``redis://alice:***@host``, an ACL user); alone
    it is hidden (``redis://***@host``): ``redis://s3cret@host`` is as often a password
    written without its colon, which redis-py then sends as the user name.
    """
    try:
        parsed = URL(url)
    except ValueError:
        return "<unreadable URL>"
    if parsed.password:
        parsed = parsed.with_password("***")
    elif parsed.user is not None or parsed.password is not None:
        parsed = parsed.with_user("***").with_password(None)
    # An "@" that yarl did not read as the end of the user part (a mistyped scheme, as in
    # "redis//:pw@host", or an unencoded '/', '?' or '#' in the password) leaves the
    # password in what it reads as the host, path, query or fragment: show only the host
    # and what follows it, without query or fragment. In a real query an "@" comes in a
    # value, after its key's "=" (client_name=billing@prod): the host is then the host.
    if "@" in parsed.raw_path or any(
        "=" not in text.partition("@")[0]
        for text in (parsed.raw_query_string, parsed.raw_fragment)
        if "@" in text
    ):
        return "***@" + re.split("[?#]", url.rpartition("@")[2])[0]
    return str(parsed.with_query(None).with_fragment(None))


def _connection_kwargs(client: Any) -> dict[str, Any]:
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", None)
    return kwargs if isinstance(kwargs, dict) else {}


def _without_socket_timeout(client: Any) -> bool:
    """Whether ``client``'s connections wait for Redis without a limit: their
    ``socket_timeout`` is None, given so or left to a connection class whose default is
    None (redis-py 5; redis-py 8 defaults to 5 s). False when it cannot be told."""
    kwargs = _connection_kwargs(client)
    if "socket_timeout" in kwargs:
        return kwargs["socket_timeout"] is None
    connection_class = getattr(getattr(client, "connection_pool", None), "connection_class", None)
    for klass in getattr(connection_class, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            parameter = inspect.signature(init).parameters.get("socket_timeout")
        except (TypeError, ValueError):
            return False
        if parameter is not None:  # the class that declares it holds its default
            return parameter.default is None
    return False


def _describe_client(client: Any) -> str:
    kwargs = _connection_kwargs(client)
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
