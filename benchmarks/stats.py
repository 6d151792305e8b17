"""Small statistics: percentiles of latencies, medians and spreads of repetitions."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(ordered: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile of an already sorted sequence (nearest rank)."""
    if not ordered:
        return math.nan
    rank = math.ceil(pct / 100 * len(ordered))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    """The median, NaN for nothing."""
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


def spread(values: Sequence[float]) -> tuple[float, float]:
    """(min, max), NaNs left out."""
    clean = [v for v in values if not math.isnan(v)]
    return (min(clean), max(clean)) if clean else (math.nan, math.nan)


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Run-by-run ratios: repetition i of one client over repetition i of the other."""
    out = []
    for num, den in zip(numerators, denominators, strict=False):
        out.append(num / den if den and not math.isnan(den) and not math.isnan(num) else math.nan)
    return out
