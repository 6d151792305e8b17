"""How big each workload is: the full run, a quicker one, and the smoke run the tests use."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    """Every size knob of a run; a profile is one instance of this."""

    name: str
    #: Repetitions of each (workload, client) pair, interleaved A B A B ...
    reps: int
    #: Repetitions of the runs the targets judge by ratio: small GETs at 16 in flight and
    #: above, and paging (short windows on a shared machine scatter widely).
    reps_key: int
    # 1. small GETs
    in_flight: tuple[int, ...]
    #: Levels above this also run the SDK with ``max_concurrency`` set to the level (the
    #: ``_wide`` clients); up to it (the SDK's default, 64) both are the same client.
    wide_above: int
    warmup_s: float
    measure_s: float
    #: Requests at most per measured window (a bound, rarely reached).
    max_requests: int
    # 2. paging
    pages: int
    per_page: int
    paging_in_flight: tuple[int, ...]
    # 3. export
    export_tasks: int
    export_concurrency: int
    # 4. token storm
    storm_calls: int
    #: Lifetime of the tokens the fake issues during the storm, seconds.
    storm_token_lifetime: float
    # 5. launches
    launches: int
    launch_in_flight: int
    # 6. bulk jobs: Tallyfy's 600 requests a minute, the minute scaled down to this window
    rate_limit: int
    rate_window_s: float
    #: Windows' worth of calls the rate-limited job makes.
    rate_windows: int
    # decoding
    decode_rounds: int
    decode_min_s: float
    # the official SDK's threads
    official_threads: int
    #: Seconds a child process may take before it is stopped.
    job_timeout_s: float
    # 7. webhooks: deliveries in flight; warm-up and window. Each endpoint is a fresh
    # process: a short warm-up measures the receiver before it reaches its steady pace
    # (0.3 s: 0.43x the bare handler; 2 s: 0.52x, with a spread of 0.04 instead of 0.08).
    hook_in_flight: int = 16
    hook_warmup_s: float = 2.0
    hook_measure_s: float = 5.0
    #: Other processes may use at most this share of either core during a measured window;
    #: past it the run is repeated (other work on a shared machine skews every figure).
    foreign_limit_pct: float = 10.0
    #: Repeats of a run disturbed that way (then the least disturbed one is kept).
    foreign_retries: int = 1
    #: Repeats allowed across the whole run, as a share of its runs (keeps the time bounded).
    foreign_retry_budget: float = 0.25
    #: Before each run, wait up to this long for both cores to be quiet.
    quiet_wait_s: float = 10.0


FULL = Sizes(
    name="full",
    reps=3,
    reps_key=5,
    in_flight=(1, 16, 64, 256, 1024),
    wide_above=64,
    warmup_s=0.3,
    measure_s=1.5,
    max_requests=200_000,
    #: The whole export organization (100,000 tasks): a window of about a second.
    pages=1000,
    per_page=100,
    paging_in_flight=(1, 16),
    export_tasks=100_000,
    export_concurrency=8,
    storm_calls=10_000,
    # A burst must end before the new token is due by the clock (half its lifetime), or a
    # second, legitimate refresh is counted: 10,000 calls take 4-5 s on a loaded machine,
    # which an 8 s lifetime (due at 4 s) did not leave room for.
    storm_token_lifetime=24.0,
    launches=1_000,
    launch_in_flight=64,
    rate_limit=600,
    rate_window_s=1.0,
    rate_windows=12,
    decode_rounds=7,
    decode_min_s=0.05,
    official_threads=32,
    job_timeout_s=120.0,
)

QUICK = replace(
    FULL,
    name="quick",
    reps=1,
    reps_key=1,
    measure_s=0.6,
    pages=50,
    export_tasks=20_000,
    storm_calls=2_000,
    storm_token_lifetime=4.0,
    launches=200,
    rate_windows=5,
    decode_rounds=3,
    hook_warmup_s=1.0,
    hook_measure_s=2.0,
)

#: Tiny sizes for ``tests/benchmarks/test_smoke.py``: everything runs, nothing is measured.
SMOKE = Sizes(
    name="smoke",
    reps=1,
    reps_key=1,
    in_flight=(1, 4),
    wide_above=1,
    warmup_s=0.0,
    measure_s=0.05,
    max_requests=20,
    pages=3,
    per_page=5,
    paging_in_flight=(1, 2),
    export_tasks=60,
    export_concurrency=2,
    storm_calls=20,
    storm_token_lifetime=1.0,
    launches=4,
    launch_in_flight=2,
    rate_limit=20,
    rate_window_s=0.2,
    rate_windows=3,
    decode_rounds=1,
    decode_min_s=0.0,
    official_threads=2,
    job_timeout_s=60.0,
    hook_in_flight=2,
    hook_warmup_s=0.0,
    hook_measure_s=0.05,
    foreign_retries=0,
    quiet_wait_s=0.0,
)

PROFILES = {profile.name: profile for profile in (FULL, QUICK, SMOKE)}
