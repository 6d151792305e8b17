"""The bulk job a request belongs to, as the transport sees it.

A bulk job (``bulk.run``, an organization export) sets :data:`CURRENT_JOB` while it runs;
every task it starts inherits it. For the requests made under it, the transport counts
attempts and 429s, and goes through each organization's adaptive gate when the job asks
for the adaptive rate. Outside a job the variable is None and the transport does nothing
more than read it.
"""

from __future__ import annotations

from contextvars import ContextVar

from tallyfy_async.rate import OrgGate


class JobMeter:
    """What one job's requests met, and the gates they went through.

    Attributes:
        adaptive: whether the job's requests go through the organizations' gates.
        requests: API requests sent (attempts: a retry counts again; token requests not).
        rate_limited: of them, answered 429.
        minimum: requests the routes need at least for the work done, as declared by the
            helpers that know it (0 when none did).
        gates: the gate of every organization the job's requests went to.
    """

    __slots__ = ("adaptive", "gates", "minimum", "rate_limited", "requests")

    def __init__(self, *, adaptive: bool) -> None:
        self.adaptive = adaptive
        self.requests = 0
        self.rate_limited = 0
        self.minimum = 0
        self.gates: dict[str, OrgGate] = {}

    def count(self, status: int | None) -> None:
        """Count one attempt and what it met."""
        self.requests += 1
        if status == 429:
            self.rate_limited += 1

    def allowance(self) -> str | None:
        """The allowance of the organizations in use: ``"32"``, or ``"8-32"`` across several."""
        values = [gate.allowance for gate in self.gates.values()]
        if not values:
            return None
        low, high = min(values), max(values)
        return str(low) if low == high else f"{low}-{high}"


#: The job of the running task, if any.
CURRENT_JOB: ContextVar[JobMeter | None] = ContextVar("tallyfy_async_job", default=None)


def declare_minimum(requests: int) -> None:
    """Add to the current job's minimum request count (no job: nothing happens)."""
    job = CURRENT_JOB.get()
    if job is not None:
        job.minimum += requests
