"""The chaos run: 20,000 mixed calls over three organizations against a faulty FakeTallyfy.

80 % reads, 20 % writes (launches, task completions, comments), while the fake answers
10 % of API requests 503, drops 5 % of connections (half before the write is applied,
half after), answers 3 % 429 with ``Retry-After`` (0 s, a few 1 s), answers 2 % too slowly
for the read timeout, and every organization's token is expired or revoked four times.
One task per organization has a comment route that always answers 429, so some writes
end "not delivered" (RateLimitError) and their absence can be checked too.

Afterwards, judged from the fake's own log and state:

- every read succeeded or raised a typed error once its attempts were spent;
- no write was applied twice;
- every write the SDK reported done is there, once;
- every write reported ``OutcomeUnknownError`` is there at most once;
- every write reported not delivered (``TransportError``, ``APIError``) is absent;
- token grants per organization = 1 + the expiries and revocations, whatever the callers
  (plus any grant whose answer came too late and was resent, counted exactly).
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest

from tallyfy_async import (
    APIError,
    Attempt,
    AuthenticationError,
    OutcomeUnknownError,
    PasswordGrant,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TallyfyClient,
    TallyfyError,
    Timeouts,
    TransportError,
)
from tallyfy_async.client import OrgClient
from tallyfy_async.testing import FakeTallyfy

CALLS = 20_000
ORGS = 3
#: Callers running at once (the client lets max_concurrency of them on the wire).
CALLERS = 128
SEED = 20_260_501
READ_SHARE = 0.8
PROCESSES_PER_ORG = 100
STEPS = ("Prepare", "Check", "Approve", "Ship", "Close")
MAX_ATTEMPTS = 4
#: Small waits so the run stays short. The budget ratio is generous so that a read's
#: attempts are bounded by max_attempts alone, which the checks below can assert.
RETRY = RetryPolicy(
    max_attempts=MAX_ATTEMPTS,
    initial_delay=0.001,
    max_delay=0.01,
    max_retry_after=5,
    budget_ratio=1.0,
)
READ_TIMEOUT = 0.5
TIMEOUTS = Timeouts(connect=2, read=READ_TIMEOUT, total=5, deadline=30)
#: Past the read timeout.
SLOW = 1.0
#: Token events per organization, at these shares of the run: expire, revoke, ...
EVENTS_AT = (0.15, 0.35, 0.55, 0.75)
#: The whole run, faults and all, must end by itself well within this.
RUN_LIMIT = 240

#: (what, share of API requests, fault arguments). 429 with Retry-After: 1 only a few
#: times: at this volume a second per 429 would dominate the run.
FAULTS: tuple[tuple[str, float, dict[str, Any]], ...] = (
    ("503", 0.10, {"status": 503}),
    ("drop before", 0.025, {"drop": "before"}),
    ("drop after", 0.025, {"drop": "after"}),
    ("429 Retry-After: 1", 0.001, {"status": 429, "retry_after": 1, "times": 6}),
    ("429 Retry-After: 0", 0.029, {"status": 429, "retry_after": 0}),
    ("slow", 0.02, {"delay": SLOW}),
)

CALL_ID: contextvars.ContextVar[int] = contextvars.ContextVar("CALL_ID", default=-1)


@attrs.define
class Org:
    """One organization of the run and what the calls may touch."""

    org_id: str
    credentials: PasswordGrant
    blueprint_id: str
    run_ids: list[str]
    #: (run id, task id) of every seeded task.
    tasks: list[tuple[str, str]]
    #: Tasks no call has tried to complete yet.
    open_tasks: list[tuple[str, str]]


@attrs.define
class Call:
    """One planned call."""

    index: int
    org: int
    kind: str  # read kinds: "process", "task", "processes", "blueprint", "tasks"; writes below
    write: bool
    #: The idempotency marker: process name, comment content or task id.
    marker: str = ""
    target: tuple[str, str] = ("", "")


@attrs.define
class Outcome:
    result: Any = None
    error: BaseException | None = None


WRITES = ("launch", "complete", "comment")
READS = (
    ("process", 0.25),
    ("task", 0.25),
    ("processes", 0.2),
    ("blueprint", 0.15),
    ("tasks", 0.15),
)
#: Share of comments aimed at the cursed task, whose comment route always answers 429:
#: those comments end in RateLimitError, "not delivered", and must be absent.
CURSED_SHARE = 0.05


def populate(fake: FakeTallyfy) -> list[Org]:
    """Three organizations, each with its own admin, client and 100 five-step processes."""
    orgs = []
    for number in range(ORGS):
        org_id = fake.add_organization(f"Chaos {number}")
        password = secrets.token_urlsafe(16)
        email = f"admin{number}@chaos.test"
        fake.add_member(org_id, email=email, password=password, role="admin")
        client_id, client_secret = fake.add_client([org_id])
        blueprint_id = fake.add_blueprint(org_id, title=f"Chaos {number}", steps=STEPS)
        run_ids = [
            fake.launch(org_id, blueprint_id, name=f"seeded {number}-{i}")
            for i in range(PROCESSES_PER_ORG)
        ]
        state = fake.state.orgs[org_id]
        tasks = [(run_id, task.id) for run_id in run_ids for task in state.runs.by_id[run_id].tasks]
        orgs.append(
            Org(
                org_id=org_id,
                credentials=PasswordGrant(
                    client_id=client_id,
                    client_secret=client_secret,
                    username=email,
                    password=password,
                ),
                blueprint_id=blueprint_id,
                run_ids=run_ids,
                tasks=tasks,
                open_tasks=list(tasks),
            )
        )
    return orgs


def plan(orgs: list[Org], rng: random.Random) -> list[Call]:
    """CALLS calls: reads and writes mixed, spread over the organizations."""
    calls = []
    read_kinds = [kind for kind, _ in READS]
    read_weights = [weight for _, weight in READS]
    for index in range(CALLS):
        number = rng.randrange(ORGS)
        org = orgs[number]
        if rng.random() < READ_SHARE:
            kind = rng.choices(read_kinds, read_weights)[0]
            calls.append(Call(index, number, kind, False))
            continue
        kind = rng.choice(WRITES)
        if kind == "complete" and not org.open_tasks:
            kind = "comment"
        call = Call(index, number, kind, True)
        if kind == "launch":
            call.marker = f"chaos launch {index}"
        elif kind == "complete":
            call.target = org.open_tasks.pop(rng.randrange(len(org.open_tasks)))
            call.marker = call.target[1]
        else:
            call.target = org.tasks[0] if rng.random() < CURSED_SHARE else rng.choice(org.tasks)
            call.marker = f"chaos comment {index}"
        calls.append(call)
    return calls


def runner(
    call: Call, org: Org, view: OrgClient, rng: random.Random
) -> Callable[[], Awaitable[Any]]:
    """The coroutine function that makes the call through the resources."""
    run_id = rng.choice(org.run_ids)
    _, task_id = rng.choice(org.tasks)

    async def run() -> Any:
        match call.kind:
            case "process":
                return await view.processes.get(run_id)
            case "task":
                return await view.tasks.get(task_id)
            case "processes":
                return await view.processes.list(per_page=5)
            case "blueprint":
                return await view.blueprints.get(org.blueprint_id)
            case "tasks":
                return await view.processes.tasks.list(run_id, per_page=5)
            case "launch":
                return await view.processes.launch(
                    org.blueprint_id, name=call.marker, kickoff_fields=[]
                )
            case "complete":
                return await view.processes.tasks.complete(call.target[0], call.target[1])
            case "comment":
                return await view.tasks.comments.add(call.target[1], content=call.marker)
        raise AssertionError(call.kind)

    return run


def inject_faults(fake: FakeTallyfy, orgs: list[Org]) -> list[Any]:
    """The faults, on API routes only (never the token endpoint), at their shares.

    Faults are tried in order and the first that fires wins, so each one's probability
    is its share of the requests the earlier ones left. First of all, the cursed tasks'
    comment route always answers 429.
    """
    cursed = "|".join(org.tasks[0][1] for org in orgs)
    injected = [fake.inject(path=rf"/tasks/({cursed})/comment$", status=429, retry_after=0)]
    left = 1.0
    for _what, share, arguments in FAULTS:
        injected.append(
            fake.inject(path=r"^/organizations/", probability=min(1.0, share / left), **arguments)
        )
        left -= share
    return injected


@pytest.mark.time_limit(RUN_LIMIT + 60)
async def test_chaos_run(watch: Any, chaos_report: Callable[[str], None]) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    async with FakeTallyfy(seed=SEED, max_log=400_000) as fake:
        watch.fake(fake)
        orgs = populate(fake)
        for org in orgs:
            watch.credentials(org.credentials)
        calls = plan(orgs, rng)
        faults = inject_faults(fake, orgs)
        attempts: dict[int, list[Attempt]] = defaultdict(list)

        token_attempts: list[Attempt] = []

        def on_attempt(attempt: Attempt) -> None:
            if attempt.url.endswith("/oauth/token"):
                token_attempts.append(attempt)
            else:
                attempts[CALL_ID.get()].append(attempt)

        outcomes: list[Outcome | None] = [None] * CALLS
        done = 0
        events: dict[str, list[tuple[str, int]]] = {org.org_id: [] for org in orgs}

        async with TallyfyClient(
            {org.org_id: org.credentials for org in orgs},
            base_url=fake.base_url,
            token_url=fake.token_url,
            retry=RETRY,
            timeouts=TIMEOUTS,
            max_concurrency=64,
            on_attempt=on_attempt,
        ) as client:
            views = [client.org(org.org_id) for org in orgs]
            runners = [runner(call, orgs[call.org], views[call.org], rng) for call in calls]
            queue = iter(range(CALLS))

            async def caller() -> None:
                nonlocal done
                for index in queue:
                    CALL_ID.set(index)
                    try:
                        result = await runners[index]()
                    except Exception as exc:  # judged below: typed or not
                        outcomes[index] = Outcome(error=exc)
                    else:
                        outcomes[index] = Outcome(result=result)
                    done += 1

            async def token_events() -> None:
                """Expire and revoke each organization's token at set points of the run."""
                schedule = sorted(
                    (share + 0.02 * number, number, "expire" if k % 2 == 0 else "revoke")
                    for number in range(ORGS)
                    for k, share in enumerate(EVENTS_AT)
                )
                for share, number, what in schedule:
                    org_id = orgs[number].org_id
                    # The run's progress and the fake's counters have no event to wait on.
                    while done < share * CALLS:  # noqa: ASYNC110
                        await asyncio.sleep(0.005)
                    # One event per token: wait until the refresh the previous event caused
                    # was granted, so no event lands on a token already dead.
                    while (  # noqa: ASYNC110
                        fake.counters.token_grants[org_id] < 1 + len(events[org_id])
                        and done < CALLS
                    ):
                        await asyncio.sleep(0.002)
                    if what == "expire":
                        killed = fake.expire_tokens(org_id)
                    else:
                        killed = fake.revoke_tokens(org_id)
                    events[org_id].append((what, killed))

            async with asyncio.timeout(RUN_LIMIT):
                await asyncio.gather(token_events(), *(caller() for _ in range(CALLERS)))

        elapsed = time.monotonic() - started
        check(fake, orgs, calls, outcomes, attempts, events, faults, elapsed, chaos_report, watch)
        check_tokens(fake, orgs, events, token_attempts)


def check_tokens(
    fake: FakeTallyfy,
    orgs: list[Org],
    events: dict[str, list[tuple[str, int]]],
    token_attempts: list[Attempt],
) -> None:
    """One grant per expiry or revocation, not per caller.

    A grant can be lost on the way back: the token endpoint shares the busy loop with the
    fake's API, and an answer later than the read timeout is resent (a grant is safe to
    resend). The fake then issued a token the client never received: one grant more, and
    one more live token for the next expiry or revocation to kill. Such grants are
    counted, not excused: the fake's token answers less those the client read.
    """
    answered = sum(
        1 for r in fake.log if r.route == "oauth.token" and r.status is not None and r.status < 300
    )
    received = sum(1 for a in token_attempts if a.status is not None and a.status < 300)
    lost = answered - received
    assert 0 <= lost <= sum(1 for a in token_attempts if a.error is not None)
    extra_killed = 0
    for org in orgs:
        kills = events[org.org_id]
        assert len(kills) == len(EVENTS_AT)
        assert all(killed >= 1 for _, killed in kills), kills
        extra_killed += sum(killed - 1 for _, killed in kills)
        # Each organization: its own grants, and at most the lost ones more.
        granted = fake.counters.token_grants[org.org_id]
        assert 1 + len(kills) <= granted <= 1 + len(kills) + lost
    assert extra_killed <= lost
    grants = sum(fake.counters.token_grants[org.org_id] for org in orgs)
    assert grants == len(orgs) + sum(len(events[org.org_id]) for org in orgs) + lost


def check(
    fake: FakeTallyfy,
    orgs: list[Org],
    calls: list[Call],
    outcomes: list[Outcome | None],
    attempts: dict[int, list[Attempt]],
    events: dict[str, list[tuple[str, int]]],
    faults: list[Any],
    elapsed: float,
    report: Callable[[str], None],
    watch: Any,
) -> None:
    assert all(outcome is not None for outcome in outcomes)
    errors = [o.error for o in outcomes if o is not None and o.error is not None]
    watch.show(*errors)
    untyped = [e for e in errors if not isinstance(e, TallyfyError)]
    assert untyped == [], f"{len(untyped)} untyped errors, first: {untyped[0]!r}"

    # -- reads: success, or a typed error once the attempts were spent -----------------
    for call in calls:
        outcome = outcomes[call.index]
        assert outcome is not None
        if call.write or outcome.error is None:
            continue
        tried = attempts[call.index]
        error = outcome.error
        assert 1 <= len(tried) <= MAX_ATTEMPTS + 1, (call, len(tried))  # + one 401 replay
        if isinstance(error, ServerError | TransportError | RateLimitError):
            assert max(a.attempt for a in tried) == MAX_ATTEMPTS, (call, error, tried)
        else:
            # A token killed twice within one call: the one replay was spent.
            assert isinstance(error, AuthenticationError), (call, error)

    # -- writes, judged by the fake's own log and state ---------------------------------
    applied: Counter[str] = Counter()
    for request in fake.log:
        if not request.applied or not isinstance(request.body, dict):
            continue
        if request.route == "runs.launch":
            applied[str(request.body.get("name"))] += 1
        elif request.route == "tasks.comment":
            applied[str(request.body.get("content"))] += 1
        elif request.route == "runs.tasks.complete":
            applied[str(request.body.get("task_id"))] += 1
    in_state: Counter[str] = Counter()
    for org in orgs:
        state = fake.state.orgs[org.org_id]
        in_state.update(run.wire["name"] for run in state.runs)
        in_state.update(comment.wire["content"] for comment in state.comments.values())
        in_state.update(
            task_id
            for _, task_id in org.tasks
            if state.tasks.by_id[task_id].wire["status"] == "completed"
        )

    writes = [call for call in calls if call.write]
    duplicates = [c.marker for c in writes if applied[c.marker] > 1 or in_state[c.marker] > 1]
    reported: Counter[str] = Counter()
    lost = []  # reported done, not there
    phantoms = []  # reported not delivered, there all the same
    for call in writes:
        outcome = outcomes[call.index]
        assert outcome is not None
        there = in_state[call.marker]
        assert there == applied[call.marker], (call, there, applied[call.marker])
        if outcome.error is None:
            reported["done"] += 1
            if there != 1:
                lost.append(call)
        elif isinstance(outcome.error, OutcomeUnknownError):
            reported["outcome unknown"] += 1
            assert there <= 1
        elif isinstance(outcome.error, TransportError | APIError):
            reported["not delivered"] += 1
            if there != 0:
                phantoms.append((call, outcome.error))
        else:
            raise AssertionError(f"{call}: unexpected {outcome.error!r}")

    assert duplicates == []
    assert lost == []
    assert phantoms == []
    writes_applied = sum(applied[c.marker] for c in writes)
    assert writes_applied == (
        fake.counters.applied("runs.launch", "tasks.comment", "runs.tasks.complete")
    )

    # -- bounded ----------------------------------------------------------------------
    grants = sum(fake.counters.token_grants.values())
    api_requests = [r for r in fake.log if r.route != "oauth.token"]
    assert len(api_requests) <= CALLS * (MAX_ATTEMPTS + 1)
    assert fake.server_errors == []

    sent = sum(len(tried) for tried in attempts.values())
    retries = sum(max(a.attempt for a in tried) - 1 for tried in attempts.values())
    replays = sent - len(attempts) - retries
    injected = sum(fault.hits for fault in faults)
    names = ["429 always (cursed task)", *(what for what, _, _ in FAULTS)]
    fault_hits = dict(zip(names, (f.hits for f in faults), strict=True))
    reads = [c for c in calls if not c.write]
    read_failures = Counter(
        type(outcomes[c.index].error).__name__  # type: ignore[union-attr]
        for c in reads
        if outcomes[c.index].error is not None  # type: ignore[union-attr]
    )
    report(
        f"chaos: {CALLS} calls, {injected} faults injected, {retries} retries, "
        f"{writes_applied} writes applied, duplicates: {len(duplicates)}, lost: {len(lost)}"
    )
    report(
        f"chaos detail: {len(reads)} reads ({sum(read_failures.values())} failed typed: "
        f"{dict(read_failures)}), {len(writes)} writes ({dict(reported)}), "
        f"faults {fault_hits}, "
        f"{replays} 401 replays, {grants} token grants, {len(api_requests)} API requests, "
        f"{elapsed:.1f} s"
    )
