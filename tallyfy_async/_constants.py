"""Every default of the SDK, in one place (grep here first)."""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://go.tallyfy.com/api"
DEFAULT_TOKEN_URL: Final = "https://go.tallyfy.com/api/oauth/token"
#: Environment variables that replace those two defaults (a staging API, a local fake);
#: a ``base_url=`` or ``token_url=`` argument wins over them.
BASE_URL_ENV: Final = "TALLYFY_BASE_URL"
TOKEN_URL_ENV: Final = "TALLYFY_TOKEN_URL"
#: Where a member signs in and approves a third-party application (the browser sign-in).
DEFAULT_AUTHORIZE_URL: Final = "https://account.tallyfy.com/oauth/authorize"
#: Tallyfy's live description of its API (Swagger 2.0), on another host than the API root.
API_DESCRIPTION_URL: Final = "https://api.tallyfy.com/docs/index"

#: Tallyfy rejects API requests without this header.
CLIENT_HEADER_VALUE: Final = "APIClient"

# Timeouts, seconds.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0
DEFAULT_TOTAL_TIMEOUT: Final = 60.0
#: Deadline across every attempt of one call, retries and backoff included.
DEFAULT_DEADLINE: Final = 180.0

# Connection pool.
DEFAULT_MAX_CONCURRENCY: Final = 64
#: Sockets kept open per host; above max_concurrency the connector never queues.
DEFAULT_CONNECTION_LIMIT: Final = 0
DEFAULT_DNS_CACHE_TTL: Final = 300
#: Below the 60 s idle timeout common on load balancers, so we never reuse a socket
#: the server is about to close.
DEFAULT_KEEPALIVE_TIMEOUT: Final = 15.0

# Retries.
DEFAULT_MAX_ATTEMPTS: Final = 4
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: Longest Retry-After we wait out; past it RateLimitError carries the delay.
MAX_RETRY_AFTER: Final = 120.0
#: The retry budget: each first attempt earns this many retries, and this many more
#: are granted every second, up to the burst. A dead server then sees at most
#: (1 + ratio) times the load instead of max_attempts times.
RETRY_BUDGET_RATIO: Final = 0.3
RETRY_BUDGET_PER_SECOND: Final = 10.0
RETRY_BUDGET_BURST: Final = 100.0

# Tokens.
DEFAULT_TOKEN_LIFETIME: Final = 3600.0
DEFAULT_REFRESH_MARGIN: Final = 60.0
#: Seconds closing the client gives refreshes in flight to finish and save their token.
#: Tallyfy spends the refresh token presented as soon as it applies the grant, so a refresh
#: cancelled while its answer is on the way loses the new one for every process sharing the
#: store. Token requests answer in well under a second; what still runs after this (a
#: token endpoint that hangs) is cancelled, so that closing stays prompt.
TOKEN_CLOSE_GRACE: Final = 3.0

# Shared token stores (``tallyfy_async.stores``, ``FileTokenStore``).
#: Expiry of the refresh lock in Redis; its holder renews it every third of it, so a dead
#: or frozen holder delays the others by at most this (plus one poll).
TOKEN_LOCK_TIMEOUT: Final = 5.0
#: Longest wait for the refresh lock of an organization before TokenStoreError.
TOKEN_LOCK_WAIT: Final = 30.0
#: Longest time a store operation retries an unreachable Redis before TokenStoreError.
TOKEN_STORE_UNAVAILABLE_WAIT: Final = 30.0
#: How long a stored token with a refresh token is kept: Passport's refresh tokens live
#: 30 days, and a worker restarted later must still find the newest one.
REFRESH_TOKEN_TTL: Final = 30 * 24 * 3600.0
#: How long a stored token without a refresh token outlives its expiry.
TOKEN_TTL_MARGIN: Final = 60.0
#: Connect and read timeouts of a Redis client made from a URL, seconds.
REDIS_SOCKET_TIMEOUT: Final = 1.0

# Responses.
#: Largest JSON response we agree to read into memory.
MAX_RESPONSE_BYTES: Final = 256 * 1024 * 1024

# Files.
#: Tallyfy refuses an upload over 100 MiB (its 102400 KB rule); larger is refused first.
MAX_UPLOAD_BYTES: Final = 100 * 1024 * 1024
#: A download is cut off past this many bytes unless told otherwise.
MAX_DOWNLOAD_BYTES: Final = 100 * 1024 * 1024
#: Bytes read or written at a time while a file moves.
TRANSFER_CHUNK_BYTES: Final = 64 * 1024

# Pagination.
MAX_PER_PAGE: Final = 100

# People.
#: The text of an invitation when none is given (Tallyfy requires one).
DEFAULT_INVITE_MESSAGE: Final = "You are invited to join us on Tallyfy."
# Adaptive rate (``rate``).
#: Pause of an organization after a 429 without Retry-After; doubles while 429s follow.
RATE_PAUSE_WITHOUT_RETRY_AFTER: Final = 1.0
#: Longest such pause (Tallyfy's burst window is a minute at most).
MAX_RATE_PAUSE: Final = 60.0

# Bulk jobs (``bulk``).
DEFAULT_BULK_CONCURRENCY: Final = 32
#: After a cancellation (Ctrl-C), items in flight get this long to finish before they
#: are cancelled and reported as outcome unknown.
BULK_CANCEL_GRACE: Final = 30.0
#: Seconds between two progress lines when no progress bar is shown.
PROGRESS_LINE_INTERVAL: Final = 5.0
#: Seconds between two calls of a progress callback.
PROGRESS_CALLBACK_INTERVAL: Final = 0.5
#: Pages an organization export fetches ahead in each listing.
EXPORT_CONCURRENCY: Final = 4
#: Records an export holds for a slow consumer before it stops fetching.
EXPORT_BUFFER: Final = 1000

# Exactly-once creates (``_exactly_once``).
#: Longest dedupe key (it is written into a name or title).
DEDUPE_KEY_MAX: Final = 100
#: Sends of one create at most, each after a lookup found nothing.
EXACTLY_ONCE_SENDS: Final = 3

# Webhooks.
#: Largest delivery body read; Tallyfy's payloads are a few kilobytes.
WEBHOOK_MAX_BODY_BYTES: Final = 4 * 1024 * 1024
#: Deliveries parsed and waiting for a callback; when full the receiver waits.
WEBHOOK_QUEUE_SIZE: Final = 1000
#: Callbacks running at once.
WEBHOOK_CONCURRENCY: Final = 8
#: How long a delivery is remembered to drop its duplicates, seconds.
WEBHOOK_DEDUPE_TTL: Final = 24 * 3600.0
#: Deliveries the in-memory dedupe store remembers at most (the oldest are forgotten).
WEBHOOK_DEDUPE_MAX_KEYS: Final = 100_000
#: Events whose callback raised, kept for inspection or replay (the oldest are dropped).
WEBHOOK_MAX_FAILED: Final = 10_000
#: Refused deliveries from an accepted organization, kept with their body.
WEBHOOK_MAX_REJECTED: Final = 1000
#: Bytes of refused bodies kept at most, all together: anyone who knows an organization id
#: can send them, so the oldest are dropped past it (a larger body is kept cut short).
WEBHOOK_MAX_REJECTED_BYTES: Final = 16 * 1024 * 1024
#: How long closing a receiver waits for its queue to drain, seconds.
WEBHOOK_DRAIN_TIMEOUT: Final = 30.0

# A fleet's rate budget in Redis (``stores.RedisRateBudget``).
#: A 429 multiplies the fleet's rate by this (multiplicative decrease).
FLEET_RATE_DECREASE: Final = 0.5
#: The fleet's rate grows back by this share of the configured rate each second after the
#: ``Retry-After`` hold ends (additive increase): from half to whole in 5 s.
FLEET_RATE_RECOVERY: Final = 0.1
#: The fleet's rate never falls below this share of the configured rate.
FLEET_RATE_FLOOR: Final = 0.01
#: A slot is reserved at most this many seconds ahead; a request further back in the queue
#: waits and asks again.
FLEET_RESERVE_AHEAD: Final = 30.0
#: Processes that took a slot within this many seconds count as the fleet (their number
#: divides the budget between them while Redis is unreachable).
FLEET_MEMBER_WINDOW: Final = 10.0
#: While Redis is unreachable, it is tried again this often (seconds).
REDIS_RETRY_INTERVAL: Final = 1.0
