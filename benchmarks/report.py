"""Markdown for ``BENCHMARKS.md``: the tables, the targets and how the run was made.

Every figure in a table is the median of the repetitions; ratios are taken repetition by
repetition (client A's run i over client B's run i, run one after the other) and their
median is shown with the range.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.jobs import CLIENT_LABELS, MSGSPEC
from benchmarks.stats import median, ratios, spread

Result = dict[str, Any]


# --- picking numbers out of the results ----------------------------------------------


def runs(
    data: dict[str, Any], workload: str, client: str, in_flight: int | None = None
) -> list[Result]:
    """The successful runs of one client on one workload (one level), by repetition."""
    found = [
        r
        for r in data["results"]
        if r["workload"] == workload
        and r["client"] == client
        and (in_flight is None or r["in_flight"] == in_flight)
        and "error" not in r
    ]
    return sorted(found, key=lambda r: r["rep"])


def window_values(rs: Sequence[Result], key: str) -> list[float]:
    """One number of each run's measured window (NaN where absent)."""
    return [float(r["window"].get(key, math.nan)) for r in rs]


def levels(data: dict[str, Any], workload: str) -> list[int]:
    """The in-flight levels a workload ran at."""
    return sorted({r["in_flight"] for r in data["results"] if r["workload"] == workload})


def fmt(value: float, digits: int = 0) -> str:
    """A number with thousands separators; ``-`` for nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def fmt_range(values: Sequence[float], digits: int = 0) -> str:
    """``median (min-max)``, or the lone value."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return "-"
    if len(clean) == 1:
        return fmt(clean[0], digits)
    low, high = spread(clean)
    return f"{fmt(median(clean), digits)} ({fmt(low, digits)}-{fmt(high, digits)})"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def label(client: str, result: Result | None = None) -> str:
    """The client's name, with its thread count for the official SDK."""
    name = CLIENT_LABELS.get(client, client)
    if result is not None and result.get("threads") and result["threads"] > 1:
        name += f", {result['threads']} threads"
    elif client == "official" and result is not None:
        name += ", sequential"
    return name


# --- targets --------------------------------------------------------------------------


class Targets:
    """Collects one row per target check: what was asked, what was measured, met or not."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def ratio(
        self,
        what: str,
        num: Sequence[float],
        den: Sequence[float],
        ok: Callable[[float], bool],
        digits: int = 2,
    ) -> None:
        """A target on run-by-run ratios, judged on their median."""
        values = ratios(num, den)
        self.value(what, values, ok, digits, suffix="x")

    def value(
        self,
        what: str,
        values: Sequence[float],
        ok: Callable[[float], bool],
        digits: int = 2,
        suffix: str = "",
        judge: Callable[[Sequence[float]], float] = median,
    ) -> None:
        """A target on a measured value (median of the repetitions unless ``judge`` says)."""
        clean = [v for v in values if not math.isnan(v)]
        if not clean:
            self.rows.append((what, "not measured", "NOT MEASURED"))
            return
        verdict = "met" if ok(judge(clean)) else "**MISSED**"
        self.rows.append((what, fmt_range(clean, digits) + suffix, verdict))

    def flag(self, what: str, measured: str, met: bool | None) -> None:
        """A yes/no target."""
        verdict = "NOT MEASURED" if met is None else ("met" if met else "**MISSED**")
        self.rows.append((what, measured, verdict))


def _under_150_mb(peak_mb: float, *, complete: bool) -> bool:
    return peak_mb < 150 and complete


def _worst_level(data: dict[str, Any], client: str, small_levels: list[int]) -> float | None:
    """Each level's median req/s against the best level below it, the lowest of these
    ratios (below 1: throughput fell as concurrency grew); None when not measured."""
    rates = [
        median(window_values(runs(data, "small_get", client, level), "ops_per_s"))
        for level in small_levels
    ]
    if len(rates) < 2 or any(math.isnan(rate) or rate <= 0 for rate in rates):
        return None
    return min(rates[i] / max(rates[:i]) for i in range(1, len(rates)))


def check_targets(data: dict[str, Any]) -> Targets:
    """Judge every performance target against this run."""
    t = Targets()
    for level in levels(data, "small_get"):
        if level < 16:
            continue
        sdk = window_values(runs(data, "small_get", "sdk", level), "ops_per_s")
        raw = runs(data, "small_get", "raw_json", level)
        t.ratio(
            f"small GET @{level}: SDK req/s >= 0.85x raw aiohttp + resp.json() (same loop)",
            sdk,
            window_values(raw, "ops_per_s"),
            lambda r: r >= 0.85,
        )
        t.ratio(
            f"small GET @{level}: SDK CPU per request <= 1.2x raw aiohttp + resp.json()",
            window_values(runs(data, "small_get", "sdk", level), "cpu_us_per_op"),
            window_values(raw, "cpu_us_per_op"),
            lambda r: r <= 1.2,
        )
        t.ratio(
            f"small GET @{level}: SDK + speed req/s >= 0.8x raw aiohttp + orjson + uvloop",
            window_values(runs(data, "small_get", "sdk_speed", level), "ops_per_s"),
            window_values(runs(data, "small_get", "raw_orjson_uvloop", level), "ops_per_s"),
            lambda r: r >= 0.8,
        )
    small_levels = [level for level in levels(data, "small_get") if level >= 16]
    for client, name, bare in (
        ("sdk", "SDK", "raw_json"),
        ("sdk_speed", "SDK + speed", "raw_orjson_uvloop"),
    ):
        worst = _worst_level(data, client, small_levels)
        if worst is not None:
            # The raw client's own fall on the same levels, beside it: a fall both show
            # comes from the machine or the server, not from what the SDK adds.
            bare_worst = _worst_level(data, bare, small_levels)
            beside = f"; {CLIENT_LABELS[bare]}: {bare_worst:.2f}x" if bare_worst is not None else ""
            t.value(
                f"small GET {', '.join(map(str, small_levels))} in flight: {name} req/s does "
                "not fall as concurrency grows (each level >= 0.9x the best level below it)",
                [worst],
                lambda r: r >= 0.9,
                suffix=f"x (the worst level{beside})",
            )
    for level in levels(data, "paging"):
        raw = window_values(runs(data, "paging", "raw_orjson_uvloop", level), "ops_per_s")
        t.ratio(
            f"typed paging @{level}: SDK + speed pages/s >= 0.6x raw aiohttp + orjson to dicts",
            window_values(runs(data, "paging", "sdk_speed", level), "ops_per_s"),
            raw,
            lambda r: r >= 0.6,
        )
        t.ratio(
            f"plain-dict paging @{level}: SDK `.raw()` + speed pages/s >= 0.9x raw aiohttp "
            "+ orjson to dicts",
            window_values(runs(data, "paging", "sdk_raw_speed", level), "ops_per_s"),
            raw,
            lambda r: r >= 0.9,
        )
    decode = runs(data, "decode", "decode")
    if decode and MSGSPEC in decode[0]["decoders"]:
        decoders = decode[0]["decoders"]
        base = decoders[MSGSPEC]
        for name, values in decoders.items():
            if not name.startswith("tallyfy-async"):
                continue
            for where in ("page", "single"):
                t.value(
                    f"decoding ({where}): {name} <= 6x msgspec per task (best rounds)",
                    [values[f"{where}_us_per_task"] / base[f"{where}_us_per_task"]],
                    lambda r: r <= 6,
                    digits=1,
                    suffix="x",
                )
    bare = runs(data, "webhooks", "hook_bare")
    for client, name in (("hook_sdk", "json"), ("hook_sdk_orjson", "orjson")):
        receiver = runs(data, "webhooks", client)
        if bare and receiver:
            t.ratio(
                f"webhook receiver ({name}): deliveries/s >= 0.5x a bare aiohttp.web handler",
                window_values(receiver, "ops_per_s"),
                window_values(bare, "ops_per_s"),
                lambda r: r >= 0.5,
            )
    for client in ("sdk", "sdk_speed"):
        rs = runs(data, "small_get", client, 256)
        t.ratio(
            f"small GET @256: {'SDK' if client == 'sdk' else 'SDK + speed'} p99.9 <= 2x p99",
            window_values(rs, "p999_ms"),
            window_values(rs, "p99_ms"),
            lambda r: r <= 2,
        )
    storms = runs(data, "token_storm", "sdk")
    for phase in ("clock_expiry", "server_expiry"):
        counts = [r["phases"][phase]["token_requests"] for r in storms]
        server = [r["phases"][phase]["server_token_grants"] for r in storms]
        calls = data["sizes"]["storm_calls"]
        t.flag(
            f"token storm ({phase.replace('_', ' ')}): {calls:,} calls, exactly one token request",
            f"client counted {counts}, server counted {server}" if storms else "not measured",
            (all(c == 1 for c in counts) and all(s == 1 for s in server)) if storms else None,
        )
    total = data.get("export_total")
    for client in ("sdk", "sdk_speed"):
        rs = runs(data, "export", client)
        exported = {int(r["window"]["ops"]) for r in rs}
        complete = exported == {total}
        t.value(
            f"export of {fmt(total or math.nan)} tasks: "
            f"{'SDK' if client == 'sdk' else 'SDK + speed'} peak RSS < 150 MB"
            + ("" if complete or not rs else f" (exported {sorted(exported)})"),
            [float(r["peak_rss_mb"]) for r in rs],
            functools.partial(_under_150_mb, complete=complete),
            digits=0,
            suffix=" MB",
            judge=max,
        )
    sizes = data["sizes"]
    for client in ("sdk", "sdk_speed"):
        rs = runs(data, "bulk", client)
        name = "SDK" if client == "sdk" else "SDK + speed"
        limited = (
            f"bulk job under {sizes.get('rate_limit', '?')} requests a minute "
            f"(the minute scaled to {sizes.get('rate_window_s', '?')} s)"
        )
        t.value(
            f"{limited}: {name} achieves >= 90 % of the allowed rate",
            [float(r["rate"]["share_pct"]) for r in rs],
            lambda v: v >= 90,
            digits=1,
            suffix=" %",
            judge=min,
        )
        t.value(
            f"{limited}: {name} has < 1 % of its requests answered 429",
            [float(r["rate"]["refused_pct"]) for r in rs],
            lambda v: v < 1,
            suffix=" %",
            judge=max,
        )
        exported = {r["export"]["counts"].get("task") for r in rs}
        tasks = fmt(exported.pop()) if len(exported) == 1 else "?"
        live = fmt(data.get("export_total") or math.nan)
        t.value(
            f"export of {live} live tasks ({tasks} with the archived ones, and every process "
            f"and blueprint): {name} requests <= 1.02x the minimum",
            [float(r["export"]["ratio"]) for r in rs],
            lambda v: v <= 1.02,
            digits=3,
            suffix="x",
            judge=max,
        )
    return t


# --- sections -------------------------------------------------------------------------


def _clients(data: dict[str, Any], workload: str) -> list[str]:
    order = list(CLIENT_LABELS)
    seen = {r["client"] for r in data["results"] if r["workload"] == workload}
    return [c for c in order if c in seen]


def _foreign(rs: Sequence[Result]) -> str:
    """Other processes' load on the busier of the two cores, median over the runs."""
    values = [
        max(
            float(r["window"].get("foreign_client_core_pct", math.nan)),
            float(r["window"].get("foreign_server_core_pct", 0.0)),
        )
        for r in rs
    ]
    return fmt(median(values))


def _errors(rs: Sequence[Result]) -> str:
    return fmt(sum(r["window"]["errors"] for r in rs))


#: A column of a per-client table: its header and its cell, from one client's runs.
Column = tuple[str, Callable[[list[Result]], str]]


def _client_table(
    data: dict[str, Any], workload: str, columns: Sequence[Column], level: int | None = None
) -> list[str]:
    """One row per client that ran ``workload`` (at ``level``), in the clients' order."""
    rows = []
    for client in _clients(data, workload):
        rs = runs(data, workload, client, level)
        if rs:
            rows.append([cell(rs) for _, cell in columns])
    return table([header for header, _ in columns], rows)


def _window_median(key: str, digits: int = 0) -> Callable[[list[Result]], str]:
    return lambda rs: fmt(median(window_values(rs, key)), digits)


def _window_range(key: str, digits: int = 0) -> Callable[[list[Result]], str]:
    return lambda rs: fmt_range(window_values(rs, key), digits)


def _rate_vs(base: Sequence[float]) -> Callable[[list[Result]], str]:
    """Run-by-run ratios of the client's rate to ``base`` (another client's runs)."""
    return lambda rs: fmt_range(ratios(window_values(rs, "ops_per_s"), base), 2)


#: The client, with its threads (or "sequential") for the official SDK.
_CLIENT: Column = ("client", lambda rs: label(rs[0]["client"], rs[0]))
_PEAK_RSS: Column = ("peak RSS MB", lambda rs: fmt(median([r["peak_rss_mb"] for r in rs])))
#: The last columns of every per-client table.
_SERVER_LOAD_ERRORS: list[Column] = [
    ("server CPU %", _window_median("server_cpu_pct")),
    ("other load %", _foreign),
    ("errors", _errors),
]


def _small_get(data: dict[str, Any]) -> list[str]:
    out = ["## 1. Small typed GETs (one task)", ""]
    out.append(
        "Closed loop: N callers each start their next request when the last one returns. "
        "Requests a second and client CPU (`time.process_time()` in the client process, "
        "all threads) over the measured window; latency per request; peak RSS of the client "
        "process; server CPU as a share of one core over the same window."
    )
    for level in levels(data, "small_get"):
        out += ["", f"### {level} in flight", ""]
        base = window_values(runs(data, "small_get", "raw_json", level), "ops_per_s")
        out += _client_table(
            data,
            "small_get",
            [
                _CLIENT,
                ("req/s", _window_range("ops_per_s")),
                ("vs raw json", _rate_vs(base)),
                ("CPU µs/req", _window_median("cpu_us_per_op")),
                ("p50 ms", _window_median("p50_ms", 2)),
                ("p99 ms", _window_median("p99_ms", 2)),
                ("p99.9 ms", _window_median("p999_ms", 2)),
                ("max ms", _window_median("max_ms", 1)),
                _PEAK_RSS,
                *_SERVER_LOAD_ERRORS,
            ],
            level,
        )
    return out


def _paging(data: dict[str, Any]) -> list[str]:
    sizes = data["sizes"]
    out = [
        "## 2. Paging",
        "",
        f"{sizes['pages']} pages of {sizes['per_page']} tasks of the organization's task list, "
        "typed (the SDK's `Task` attrs models; the official SDK's `TasksList`; the raw clients "
        "decode to dicts, and so does the SDK's `org.tasks.list(...).raw()`). At 1 in flight "
        "pages come one after the other; above, the SDK uses "
        "its concurrent paginator (`concurrency=N`), the raw clients N workers and the "
        "official SDK N threads.",
    ]
    for level in levels(data, "paging"):
        out += ["", f"### {level} in flight", ""]
        base = window_values(runs(data, "paging", "raw_orjson_uvloop", level), "ops_per_s")
        official = window_values(runs(data, "paging", "official", level), "ops_per_s")
        out += _client_table(
            data,
            "paging",
            [
                _CLIENT,
                ("pages/s", _window_range("ops_per_s")),
                (
                    "tasks/s",
                    lambda rs: fmt(median(window_values(rs, "ops_per_s")) * sizes["per_page"]),
                ),
                ("vs raw orjson dicts", _rate_vs(base)),
                ("vs official", _rate_vs(official)),
                (
                    "CPU ms/page",
                    lambda rs: fmt(median(window_values(rs, "cpu_us_per_op")) / 1e3, 2),
                ),
                _PEAK_RSS,
                *_SERVER_LOAD_ERRORS,
            ],
            level,
        )
    return out


def _export(data: dict[str, Any]) -> list[str]:
    sizes = data["sizes"]
    total = data.get("export_total")
    out = [
        "## 3. Bulk export",
        "",
        f"Every task of an organization of {fmt(total or math.nan)} tasks, 100 a page. The SDK "
        f"walks `org.tasks.list(concurrency={sizes['export_concurrency']})` item by item; the "
        f"raw clients fetch pages with {sizes['export_concurrency']} workers; the official SDK "
        "has no concurrent paginator and walks the pages one after the other.",
        "",
    ]
    out += _client_table(
        data,
        "export",
        [
            ("client", lambda rs: label(rs[0]["client"])),  # every client: one process
            ("seconds", _window_range("wall_s", 2)),
            ("tasks/s", _window_median("ops_per_s")),
            ("client CPU s", _window_median("cpu_s", 2)),
            ("peak RSS MB", lambda rs: fmt_range([r["peak_rss_mb"] for r in rs])),
            (
                "RSS before MB",
                lambda rs: fmt(median([r.get("idle_rss_mb", math.nan) for r in rs])),
            ),
            (
                "tasks exported",
                lambda rs: ", ".join(sorted({fmt(r["window"]["ops"]) for r in rs})),
            ),
            *_SERVER_LOAD_ERRORS,
        ],
    )
    return out


def _storm(data: dict[str, Any]) -> list[str]:
    rs = runs(data, "token_storm", "sdk")
    sizes = data["sizes"]
    out = [
        "## 4. Token storm",
        "",
        f"{sizes['storm_calls']:,} concurrent `org.tasks.get()` calls on one client "
        "(default `max_concurrency=64`), three bursts: with a fresh token; just after the "
        "token passed its refresh point by the client's clock (tokens issued for "
        f"{max(1, int(sizes['storm_token_lifetime']))} s, refreshed at half-life); just after "
        "the server expired the token the client still holds (every call already sent or "
        "queued meets a 401, then replays once). Token requests are counted by the client "
        "(`on_attempt`) and by the server. Added latency: the burst's figure minus the "
        "fresh-token burst's.",
        "",
    ]
    rows = []
    for phase in ("fresh_token", "clock_expiry", "server_expiry"):
        ps = [r["phases"][phase] for r in rs]
        if not ps:
            continue
        base = [r["phases"]["fresh_token"] for r in rs]

        def added(key: str, ps: list[Result] = ps, base: list[Result] = base) -> str:
            return fmt(
                median(
                    [
                        p.get(key, math.nan) - b.get(key, math.nan)
                        for p, b in zip(ps, base, strict=False)
                    ]
                ),
                1,
            )

        rows.append(
            [
                phase.replace("_", " "),
                str([p["token_requests"] for p in ps]),
                str([p["server_token_grants"] for p in ps]),
                fmt(median([p["replays_401"] for p in ps])),
                fmt(median([p["wall_s"] for p in ps]), 2),
                fmt(median([p.get("p50_ms", math.nan) for p in ps]), 1),
                fmt(median([p.get("p99_ms", math.nan) for p in ps]), 1),
                fmt(median([p.get("max_ms", math.nan) for p in ps]), 1),
                "-"
                if phase == "fresh_token"
                else f"{added('p50_ms')} / {added('p99_ms')} / {added('max_ms')}",
                fmt(sum(p["errors"] for p in ps)),
            ]
        )
    out += table(
        [
            "burst",
            "token requests (client, per rep)",
            "token grants (server, per rep)",
            "401 replays",
            "burst s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "added p50 / p99 / max ms",
            "errors",
        ],
        rows,
    )
    return out


def _launch(data: dict[str, Any]) -> list[str]:
    sizes = data["sizes"]
    out = [
        "## 5. Launches",
        "",
        f"{sizes['launches']:,} processes launched with kick-off values (one required field of "
        f"every type), {sizes['launch_in_flight']} in flight (the official SDK: "
        f"{min(sizes['launch_in_flight'], sizes['official_threads'])} threads). The SDK reads "
        "the blueprint's kick-off fields once and passes them to every `launch` (without "
        "`kickoff_fields=` each launch reads them first: one more request per launch).",
        "",
    ]
    out += _client_table(
        data,
        "launch",
        [
            _CLIENT,
            ("launches/s", _window_range("ops_per_s")),
            ("CPU µs/launch", _window_median("cpu_us_per_op")),
            ("p50 ms", _window_median("p50_ms", 1)),
            ("p99 ms", _window_median("p99_ms", 1)),
            ("max ms", _window_median("max_ms", 1)),
            _PEAK_RSS,
            ("applied on server", lambda rs: str([r.get("applied_on_server") for r in rs])),
            *_SERVER_LOAD_ERRORS,
        ],
    )
    return out


def _bulk(data: dict[str, Any]) -> list[str]:
    sizes = data["sizes"]
    clients = [c for c in ("sdk", "sdk_speed") if runs(data, "bulk", c)]
    if not clients:
        return []
    limit, window = sizes["rate_limit"], sizes["rate_window_s"]
    out = [
        "## 6. Bulk jobs",
        "",
        f"**Rate.** The fake limits each token to {limit} requests per {window} s window "
        f"({limit} a minute, the minute scaled down {60 / window:.0f} times; "
        "`Retry-After` sent as the exact fraction) and records every window. "
        f"`bulk.run(range({limit * sizes['rate_windows']}), org.tasks.get)` (defaults: 32 "
        "items in flight, the adaptive rate on) reads one task that many times. Achieved rate: "
        "requests accepted in the windows that ended, over the time from the first window's "
        "opening to the last one's (a burst at the start of the last window does not count); "
        "429 shares from the server's counts.",
        "",
    ]

    def rate(key: str, digits: int = 0) -> Callable[[list[Result]], str]:
        return lambda rs: fmt_range([float(r["rate"][key]) for r in rs], digits)

    def export(key: str, digits: int = 0) -> Callable[[list[Result]], str]:
        return lambda rs: fmt_range([float(r["export"][key]) for r in rs], digits)

    out += _client_table(
        data,
        "bulk",
        [
            ("client", lambda rs: label(rs[0]["client"])),
            ("allowed /s", rate("allowed_per_s")),
            ("achieved /s", rate("achieved_per_s")),
            ("share of allowed %", rate("share_pct", 1)),
            ("calls / wall /s", rate("overall_per_s")),
            ("windows", rate("windows")),
            ("requests", rate("server_requests")),
            ("429 %", rate("refused_pct", 2)),
            ("429 % after the first window", rate("refused_after_first_pct", 2)),
            ("allowance at the end", lambda rs: str([r["rate"]["allowance"] for r in rs])),
        ],
    )
    out += [
        "",
        "**Export.** `bulk.export(org)` over the export organization: every blueprint (with "
        "its steps, an include), every process and every task, archived ones too, 100 a page, "
        "four pages fetched ahead in each listing. Minimum: each listing's page count. For "
        "scale, one task listing per process would take the column on the right.",
        "",
    ]
    out += _client_table(
        data,
        "bulk",
        [
            ("client", lambda rs: label(rs[0]["client"])),
            ("records", export("records")),
            ("requests", export("requests")),
            ("minimum", export("minimum")),
            ("requests / minimum", export("ratio", 3)),
            ("seconds", export("wall_s", 2)),
            ("records/s", export("records_per_s")),
            _PEAK_RSS,
            ("one listing per process", export("per_process_listings")),
        ],
    )
    return out


def _decode(data: dict[str, Any]) -> list[str]:
    rs = runs(data, "decode", "decode")
    if not rs:
        return []
    result = rs[0]
    decoders = result["decoders"]
    base = decoders.get(MSGSPEC)

    def vs(values: Result, key: str) -> str:
        return "-" if base is None else fmt(values[key] / base[key], 1) + "x"

    out = [
        "## Decoding: bytes to objects, µs per task",
        "",
        f"A page of {result['page_items']} tasks ({result['page_bytes']:,} bytes) and one task "
        f"({result['task_bytes']:,} bytes) as the fake sends them, decoded in the client "
        f"process with no network; best of {result['rounds']} interleaved rounds.",
        "",
    ]
    rows = []
    for name, values in decoders.items():
        rows.append(
            [
                name,
                fmt(values["page_us_per_task"], 1),
                vs(values, "page_us_per_task"),
                fmt(values["single_us_per_task"], 1),
                vs(values, "single_us_per_task"),
            ]
        )
    out += table(
        ["decoder", "µs/task in a page", "vs msgspec", "µs single task", "vs msgspec"], rows
    )
    return out


def _webhooks(data: dict[str, Any]) -> list[str]:
    if not any(r["workload"] == "webhooks" for r in data["results"]):
        return []
    level = levels(data, "webhooks")[0]
    sizes = data["sizes"]
    bare = runs(data, "webhooks", "hook_bare")
    base = window_values(bare, "ops_per_s")
    base_cpu = window_values(bare, "server_cpu_us_per_op")
    out = [
        "## 7. Webhook receiver",
        "",
        f"Tallyfy's documented task-completion payload (each with a new task id), {level} in "
        "flight over keep-alive connections, into an endpoint in its own process on the server "
        f"core (stock asyncio loop; {sizes.get('hook_warmup_s', '?')} s of warm-up, then a "
        f"{sizes.get('hook_measure_s', '?')} s window): a bare aiohttp.web handler that only "
        "reads the body, and "
        "`tallyfy_async.webhooks.handler` (organization check, JSON, typed event, dedupe, queue, "
        "answer; a callback that does nothing). The load comes from a minimal asyncio-streams "
        "client on the client core, so the endpoint sets the pace. `capacity vs bare` compares "
        "server CPU per delivery (bare over receiver): the rate each could reach on a core of "
        "its own. `lost` is deliveries answered 200 that never reached the callback.",
        "",
    ]
    out += _client_table(
        data,
        "webhooks",
        [
            ("endpoint", lambda rs: label(rs[0]["client"])),
            ("deliveries/s", _window_range("ops_per_s")),
            ("vs bare", _rate_vs(base)),
            ("server CPU µs/delivery", _window_median("server_cpu_us_per_op", 1)),
            (
                "capacity vs bare",
                lambda rs: fmt_range(
                    ratios(base_cpu, window_values(rs, "server_cpu_us_per_op")), 2
                ),
            ),
            ("p99 ms", _window_median("p99_ms", 2)),
            ("lost", lambda rs: str([r.get("lost", "-") for r in rs])),
            *_SERVER_LOAD_ERRORS,
        ],
    )
    return out


def _default_limit(data: dict[str, Any]) -> int | None:
    """The ``max_concurrency`` the judged SDK clients ran small GETs with, when every run
    recorded the same one (runs before it was recorded: None)."""
    limits = {
        r.get("max_concurrency")
        for r in data["results"]
        if r["workload"] == "small_get" and r["client"] in ("sdk", "sdk_speed")
    }
    return limits.pop() if len(limits) == 1 and None not in limits else None


def _sdk_limits(data: dict[str, Any]) -> str:
    """How the SDK's ``max_concurrency`` was set for small GETs, from what the runs recorded."""
    limit = _default_limit(data)
    if limit is None:  # results from before the `_wide` clients
        return (
            "The SDK's `max_concurrency` is set to the number in flight (at least its default, "
            "64) so every client has N requests on the wire."
        )
    return (
        f"The SDK runs with its default `max_concurrency` ({limit}), as a user runs it: with "
        f"more callers than that, at most {limit} requests are on the wire and the other "
        f"callers wait first in first out. Above {limit} in flight it also runs with "
        "`max_concurrency` set to the number in flight (the rows marked `max_concurrency = in "
        "flight`), every caller's request on the wire as with the raw clients. The targets "
        "judge the default."
    )


def _judged_limit(data: dict[str, Any]) -> list[str]:
    """The note under the targets on which SDK configuration small GETs judge."""
    limit = _default_limit(data)
    if limit is None:
        return []
    return [
        f"Small GETs are judged with the SDK as configured by default: above {limit} callers "
        f"it keeps {limit} requests on the wire and queues the rest first in first out, where "
        "the raw clients put every request on the wire. Section 1 also shows the SDK with "
        "`max_concurrency` set to the number in flight, for the same number on the wire.",
        "",
    ]


def _setup(data: dict[str, Any]) -> list[str]:
    m = data["machine"]
    cores = data["cores"]
    sizes = data["sizes"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    pinned = (
        f"FakeTallyfy (aiohttp.web on uvloop) in its own process pinned to core "
        f"{cores['server']}; each client run in a fresh process pinned to core {cores['client']}"
        if cores["server"] is not None
        else "fewer than two cores: nothing pinned (numbers are not comparable to a 2-core run)"
    )
    return [
        "## How this run was made",
        "",
        f"- Command: `{data.get('command', '?')}` (profile `{data['profile']}`, "
        f"start method `{data['start_method']}`), started {data['started']}, took "
        f"{data['duration_s']:.0f} s.",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['platform']}; "
        f"{m['python']}.",
        f"- Versions: {versions}; commit {m['commit']}.",
        f"- {pinned}. Repetitions are interleaved client by client (A B C D E, A B C D E, ...): "
        f"{sizes['reps']} of each run, {sizes['reps_key']} of small GETs at 16 in flight and above "
        "and of paging.",
        f"- Small GETs: {sizes['warmup_s']} s warm-up, then a {sizes['measure_s']} s window. "
        f"{_sdk_limits(data)} The raw clients use `TCPConnector(limit=0)`. The official "
        f"SDK runs one thread per caller (at most {sizes['official_threads']}), each with "
        "its own `TallyfySDK` (its own "
        "`requests.Session`).",
        "- `tallyfy-async (asyncio, json)` is the SDK without its `speed` extra: its process "
        "makes `import orjson` fail before the SDK is imported (the JSON library each run used "
        "is recorded in the JSON results). `+ speed` runs on uvloop with orjson.",
        "- The fake seeds the organizations before it serves; its request log is off "
        "(`max_log=0`).",
    ]


def render(data: dict[str, Any], notes: str | None = None) -> str:
    """The whole report."""
    targets = check_targets(data)
    missed = sum(1 for row in targets.rows if row[2] != "met")
    out = [
        "# Benchmarks",
        "",
        "Generated by `python -m benchmarks` (see `benchmarks/README.md`); do not edit by hand: "
        "`benchmarks/NOTES.md` is appended as it is. Absolute numbers move about 10 % from run "
        "to run on this machine; compare the ratios, which are taken run by run.",
        "",
        "## Targets",
        "",
        f"{len(targets.rows) - missed} of {len(targets.rows)} checks met.",
        "",
    ]
    out += table(
        ["target", "measured: median (min-max) over repetitions", "verdict"],
        [list(row) for row in targets.rows],
    )
    out += [
        "",
        "Typed paging is judged with the speed extra only: without it the SDK parses with "
        "`json.loads`, which alone takes about twice as long as orjson on the same page "
        "(the decoding section), so no model code could bring it near raw orjson; it stays "
        "measured in section 2.",
        "",
        *_judged_limit(data),
    ]
    sections = (_small_get, _paging, _export, _storm, _launch, _bulk, _decode, _webhooks, _setup)
    for section in sections:
        lines = section(data)
        if lines:
            out += lines
            out.append("")
    if data.get("failures"):
        out += ["## Failed runs", ""]
        out += [f"```\n{failure}\n```" for failure in data["failures"]]
        out.append("")
    if notes:
        out += [notes.rstrip(), ""]
    return "\n".join(out)
