"""bench-check's judgement, apart from any timing: each committed ratio against this run's, with a tolerance.

Pure functions on numbers (tests/bench/test_bench_check.py tests them); bench/check.py runs the benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.ratios import BY_NAME

BASELINE = Path(__file__).resolve().parent / "baseline.json"
# How much worse than its baseline (relative) a ratio may be before it counts as a regression, by kind. On this
# shared 2-core machine the 3-round medians of bench-check moved by up to ~5% (imports), ~10% (sync latency) and
# ~15% (concurrent gets, the official SDK's thread pool varies most) between runs of unchanged code; the
# regressions worth catching move them more: an eagerly imported aiohttp +17% on imports, a transport per call
# or a lost keep-alive 1.5-3x on latency, httpcore's async pool back 8x on concurrent gets.
TOLERANCES = {"import": 0.12, "gather": 0.45}
DEFAULT_TOLERANCE = 0.25
# The ratios bench-check guards: each target of the issue, measured by the short plan (imports in .venv only).
CHECKED = (
    "stack_get_vs_httpx",
    "sync_get_vs_httpx",
    "sync_create_vs_httpx",
    "sync_get_vs_official",
    "pyreqwest_get_vs_official",
    "gather200_vs_official",
    "import_dev_time_vs_httpx",
    "import_dev_time_vs_official",
    "import_dev_first_get_time_vs_official",
)


@dataclass(frozen=True)
class Baseline:
    """A committed ratio, which way is better for it, and its own tolerance (None: the run's default)."""

    value: float
    higher_is_better: bool
    tolerance: float | None = None


@dataclass(frozen=True)
class Verdict:
    """One ratio compared with its baseline: the worst value allowed and whether the current one is within it."""

    name: str
    baseline: float
    current: float | None
    limit: float
    ok: bool

    def line(self) -> str:
        """A one-line summary for the console."""
        current = "not measured" if self.current is None else f"{self.current:.3f}"
        status = "ok" if self.ok else "REGRESSION"
        return f"{status:10} {self.name:38} baseline {self.baseline:.3f}  now {current:>12}  limit {self.limit:.3f}"


def limit_for(baseline: Baseline, tolerance: float) -> float:
    """The worst acceptable value: `tolerance` (relative) worse than the baseline, in the ratio's bad direction."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    return baseline.value / (1 + tolerance) if baseline.higher_is_better else baseline.value * (1 + tolerance)


def tolerance_for(name: str) -> float:
    """The tolerance of a ratio by its kind (the prefix of its name)."""
    return next((value for kind, value in TOLERANCES.items() if name.startswith(kind)), DEFAULT_TOLERANCE)


def compare(
    baseline: Mapping[str, Baseline], current: Mapping[str, float], tolerance: float | None = None
) -> list[Verdict]:
    """Every baseline ratio judged against the current run; a ratio the run did not measure is a failure.

    `tolerance`, when given, overrides every ratio's own; a ratio without one falls back to DEFAULT_TOLERANCE.
    """
    verdicts = []
    for name, committed in sorted(baseline.items()):
        allowed = tolerance if tolerance is not None else committed.tolerance
        limit = limit_for(committed, DEFAULT_TOLERANCE if allowed is None else allowed)
        value = current.get(name)
        if value is None:
            ok = False
        elif committed.higher_is_better:
            ok = value >= limit
        else:
            ok = value <= limit
        verdicts.append(Verdict(name, committed.value, value, limit, ok))
    return verdicts


def load_baseline(path: Path) -> dict[str, Baseline]:
    """The committed ratios, each with its direction and tolerance."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: Baseline(float(entry["value"]), bool(entry["higher_is_better"]), entry.get("tolerance"))
        for name, entry in document["ratios"].items()
    }


def baseline_document(current: Mapping[str, float], machine: Mapping[str, Any]) -> dict[str, Any]:
    """What --write-baseline stores: each checked ratio with its direction and tolerance, and where it was taken."""
    return {
        "comment": "Ratios of `make bench-check` (bench/check.py --write-baseline); a run may be `tolerance` worse.",
        "machine": {key: machine.get(key) for key in ("cpu", "cores", "python")},
        "ratios": {
            name: {
                "value": round(current[name], 4),
                "higher_is_better": BY_NAME[name].higher_is_better,
                "tolerance": tolerance_for(name),
            }
            for name in CHECKED
            if name in current
        },
    }
