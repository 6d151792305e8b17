"""The fleet's rate budget: GCRA with reservations and AIMD, in Lua for Redis and in Python.

**GCRA** (the generic cell rate algorithm, ITU-T I.371's "virtual scheduling"; the algorithm
of redis-cell and of Go's ``throttled``, and the Lua script of ``rwz/redis-gcra`` this one
follows). One number per organization, the theoretical arrival time ``tat``: with an
emission interval ``T = 1 / rate`` and a burst of ``b`` requests, a request at ``now`` moves
``tat`` to ``max(tat, now) + T`` and may go once ``now >= tat - b * T``. Over any stretch of
``t`` seconds at most ``b + rate * t`` requests go.

**Reservations** (as ``golang.org/x/time/rate``'s ``Limiter.Reserve``): a request that may
not go yet is given the time it may, ``wait`` seconds from now, and ``tat`` moves as if it
had arrived then, provided ``wait <= max_wait``; otherwise nothing changes and the caller
learns how long it would wait. One round trip per request: the caller sleeps ``wait`` and
sends. The reply also says how long a ``Retry-After`` still holds the organization: a
process that learns of a hold while one of its requests sleeps towards a slot inside it
reserves that request again (a slot handed out cannot be recalled).

**Retry-After and AIMD** (as ``tallyfy_async.rate`` does for one process, shared here by
the fleet): a 429 holds every request of the organization until ``now + retry_after``
(``hold``) and, unless the request was reserved before the last decrease (an older
``epoch``: it was sent under the old rate), multiplies the rate by ``decrease`` (not below
``floor * rate``). From the hold's end the rate grows back by ``recovery * rate`` each
second (additive increase) to the configured rate.

Time is the Redis server's ``TIME`` (one clock for the whole fleet), in seconds since
2017-01-01 so that microseconds fit a double (as ``redis-gcra`` does). Stored and returned
times are written with six decimals: the Python model rounds the same way, so both give the
same answers for the same arrivals (tested with hypothesis), and the model serves as the
local budget while Redis is unreachable (on this machine's monotonic clock, see :func:`now`).
"""

from __future__ import annotations

import time

import attrs

#: 2017-01-01T00:00:00Z: times are counted from it (redis-gcra's epoch).
EPOCH = 1_483_228_800


def now() -> float:
    """The local (fallback) budget's clock: monotonic, so that a wall clock stepped back
    (NTP, a restored VM) cannot put every slot that far in the future. Its times never meet
    Redis's: the local budget keeps its own state, and replies carry only durations."""
    return time.monotonic()


def rounded(value: float) -> float:
    """``value`` as the script stores it (``%.6f``)."""
    return float(f"{value:.6f}")


@attrs.frozen
class Params:
    """A budget's settings, as the script receives them."""

    rate: float
    burst: int
    decrease: float
    recovery: float
    floor: float


@attrs.define
class State:
    """One organization's budget (the fields of its Redis hash)."""

    #: Theoretical arrival time of the next request; 0: none yet.
    tat: float = 0.0
    #: No request goes before this (set by a 429's Retry-After).
    hold: float = 0.0
    #: The rate right after the last decrease; 0: never lowered.
    low: float = 0.0
    #: When the rate starts growing back from ``low`` (the end of that hold).
    lowered_at: float = 0.0
    #: Decreases so far: a 429 of a request reserved before the last one does not count.
    epoch: int = 0


def rate_at(p: Params, s: State, t: float) -> float:
    """The rate at time ``t``: ``low`` growing back linearly to the configured rate."""
    if s.low <= 0:
        return p.rate
    if t <= s.lowered_at:
        return s.low
    return min(p.rate, s.low + p.rate * p.recovery * (t - s.lowered_at))


def reserve(p: Params, s: State, t: float, max_wait: float) -> tuple[bool, float, int, float]:
    """Reserve a slot at or after ``t``: (reserved, wait in seconds, epoch, hold left).

    Not reserved when the wait would exceed ``max_wait`` (nothing changes). ``hold left``
    is how long the organization is still held by a ``Retry-After``.
    """
    interval = 1 / rate_at(p, s, t)
    start = max(t, s.hold)
    new_tat = max(s.tat, start) + interval
    at = max(start, new_tat - p.burst * interval)
    wait = at - t
    held = rounded(max(0.0, s.hold - t))
    if wait > max_wait:
        return False, rounded(wait), s.epoch, held
    s.tat = rounded(new_tat)
    return True, rounded(wait), s.epoch, held


def refuse(p: Params, s: State, t: float, retry_after: float, epoch: int) -> bool:
    """A 429 at ``t`` for a request reserved in ``epoch``: hold, and lower the rate once.

    Returns whether the rate was lowered.
    """
    s.hold = rounded(max(s.hold, t + retry_after))
    if epoch != s.epoch:
        return False
    s.low = rounded(max(p.rate * p.floor, rate_at(p, s, t) * p.decrease))
    s.lowered_at = s.hold
    s.epoch += 1
    return True


def keep_for(p: Params, s: State, t: float) -> float:
    """Seconds the state matters from ``t``; after that, a fresh state is the same."""
    return max(s.tat, s.hold, s.lowered_at + 1 / p.recovery) - t + 60


def script_args(p: Params, operation: str, now: float | None = None) -> list[str]:
    """The :data:`SCRIPT`'s first arguments: the operation, the settings, and ``now``
    (None: the server's ``TIME``, as a budget always uses; tests pass their own)."""
    return [
        operation,
        repr(p.rate),
        str(p.burst),
        repr(p.decrease),
        repr(p.recovery),
        repr(p.floor),
        "" if now is None else f"{now:.6f}",
    ]


#: The same algorithm for Redis. KEYS[1]: the organization's hash; KEYS[2]: its fleet (a
#: sorted set of process ids by last slot, to know the fleet's size). ARGV: operation
#: ("reserve" or "refuse"), rate, burst, decrease, recovery, floor, now ("" for the
#: server's TIME; tests pass their own), then reserve: max_wait, member ("" to skip the
#: fleet), member_window; refuse: retry_after, epoch.
SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local function fmt(x) return string.format('%.6f', x) end
local function rounded(x) return tonumber(fmt(x)) end
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local decrease = tonumber(ARGV[4])
local recovery = tonumber(ARGV[5])
local floor = tonumber(ARGV[6])
local now
if ARGV[7] == '' then
  local time = redis.call('TIME')
  now = (tonumber(time[1]) - 1483228800) + tonumber(time[2]) / 1000000
else
  now = tonumber(ARGV[7])
end
local s = redis.call('HMGET', KEYS[1], 'tat', 'hold', 'low', 'lowered_at', 'epoch')
local tat = tonumber(s[1]) or 0
local hold = tonumber(s[2]) or 0
local low = tonumber(s[3]) or 0
local lowered_at = tonumber(s[4]) or 0
local epoch = tonumber(s[5]) or 0

local function rate_at(t)
  if low <= 0 then return rate end
  if t <= lowered_at then return low end
  return math.min(rate, low + rate * recovery * (t - lowered_at))
end
local function keep()
  local keep_for = math.max(tat, hold, lowered_at + 1 / recovery) - now + 60
  redis.call('PEXPIRE', KEYS[1], math.ceil(keep_for * 1000))
end

if ARGV[1] == 'reserve' then
  local max_wait = tonumber(ARGV[8])
  local members = -1
  if ARGV[9] ~= '' then
    redis.call('ZADD', KEYS[2], now, ARGV[9])
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[10]))
    redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[10]) * 1000))
    members = redis.call('ZCARD', KEYS[2])
  end
  local interval = 1 / rate_at(now)
  local start = math.max(now, hold)
  local new_tat = math.max(tat, start) + interval
  local at = math.max(start, new_tat - burst * interval)
  local wait = at - now
  local held = fmt(math.max(0, hold - now))
  if wait > max_wait then
    return {0, fmt(wait), epoch, members, held}
  end
  tat = rounded(new_tat)
  redis.call('HSET', KEYS[1], 'tat', fmt(tat))
  keep()
  return {1, fmt(wait), epoch, members, held}
end

if ARGV[1] == 'refuse' then
  local retry_after = tonumber(ARGV[8])
  local lowered = 0
  hold = rounded(math.max(hold, now + retry_after))
  if tonumber(ARGV[9]) == epoch then
    low = rounded(math.max(rate * floor, rate_at(now) * decrease))
    lowered_at = hold
    epoch = epoch + 1
    lowered = 1
  end
  redis.call('HSET', KEYS[1], 'hold', fmt(hold), 'low', fmt(low),
    'lowered_at', fmt(lowered_at), 'epoch', epoch)
  keep()
  return {lowered, fmt(rate_at(now)), fmt(hold - now)}
end
return redis.error_reply('unknown operation ' .. tostring(ARGV[1]))
"""
