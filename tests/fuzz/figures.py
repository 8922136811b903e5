"""The fuzz campaign's knobs (scale, seed) and its tally: cases, failures, leaks and hangs per category.

`make test` runs every fuzz test at scale 1 with the fixed default seed; `make fuzz` runs them at a larger scale
(`SUNCO_FUZZ_SCALE`, 10 by default there). The same seed and scale give the same cases for the same code and the
same selection of tests: Hypothesis also draws literal constants from the project's own modules that are loaded
(hypothesis.internal.conjecture.providers), so editing the code, or running `pytest tests/fuzz` rather than the
whole suite, draws other cases. The figures print the command that repeats the run exactly (the seed, the scale
and pytest's own arguments).

Tests add to the tally through `record()`; tests/fuzz/conftest.py adds what pytest saw (failed tests, leak-scan
and pytest-timeout failures) and prints the table at the end of the session.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, seed, settings

SCALE_ENV = "SUNCO_FUZZ_SCALE"
SEED_ENV = "SUNCO_FUZZ_SEED"
DEFAULT_SEED = 20251122


def _int_from_env(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise RuntimeError(f"{name} must be at least {minimum}, got {value}")
    return value


SCALE = _int_from_env(SCALE_ENV, 1, minimum=1)
SEED = _int_from_env(SEED_ENV, DEFAULT_SEED, minimum=0)

F = TypeVar("F", bound=Callable[..., Any])


def scaled(examples: int) -> int:
    """`examples` at scale 1, multiplied by the campaign's scale."""
    return examples * SCALE


def fuzz(examples: int) -> Callable[[F], F]:
    """Hypothesis settings for a fuzz test: `scaled(examples)` examples drawn from the campaign's seed.

    No example database (nothing is written to disk, and a run depends on the seed alone), no deadline (the
    machine is shared; hangs are caught by measured durations and pytest-timeout instead), and no "explain"
    phase (it reruns a failure many more times over the network; the shrunk example is reported all the same).
    """

    def decorate(test: F) -> F:
        configured = settings(
            max_examples=scaled(examples),
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        )(test)
        return seed(SEED)(configured)

    return decorate


# The categories, in the order the table lists them, keyed by the test module that fills each one.
CATEGORIES = {
    "test_schemathesis.py": "contract: schemathesis vs local server",
    "test_model_roundtrip.py": "model round trips (Hypothesis)",
    "test_response_fuzzing.py": "response fuzzing vs client",
    "test_path_safety.py": "path safety (sync + async)",
    "test_leak_scan.py": "leak scan self-test (pytester)",
}


@dataclass
class Row:
    cases: int = 0
    failures: int = 0
    leaks: int = 0
    hangs: int = 0


TALLY: dict[str, Row] = {}
# Per category, how many cases ended in each outcome (a model or an exception class), printed under the table.
OUTCOMES: dict[str, dict[str, int]] = {}


def row(category: str) -> Row:
    return TALLY.setdefault(category, Row())


def record(category: str, *, cases: int = 1, failures: int = 0, leaks: int = 0, hangs: int = 0) -> None:
    """Count generated cases run, and any that broke the property (failures), leaked a canary or hung."""
    entry = row(category)
    entry.cases += cases
    entry.failures += failures
    entry.leaks += leaks
    entry.hangs += hangs


def note(category: str, outcome: str) -> None:
    """Count one case of `category` as having ended in `outcome` (a class name)."""
    counts = OUTCOMES.setdefault(category, {})
    counts[outcome] = counts.get(outcome, 0) + 1


def table() -> list[str]:
    """The figures as lines of a fixed-width table, categories in the order of CATEGORIES."""
    order = list(CATEGORIES.values())
    names = sorted(TALLY, key=lambda name: (order.index(name) if name in order else len(order), name))
    width = max([len("category"), len("total"), *(len(name) for name in names)])
    header = f"{'category':<{width}}  {'cases':>8}  {'failures':>8}  {'leaks':>5}  {'hangs':>5}"
    lines = [header, "-" * len(header)]
    total = Row()
    for name in names:
        entry = TALLY[name]
        lines.append(f"{name:<{width}}  {entry.cases:>8}  {entry.failures:>8}  {entry.leaks:>5}  {entry.hangs:>5}")
        total.cases += entry.cases
        total.failures += entry.failures
        total.leaks += entry.leaks
        total.hangs += entry.hangs
    lines.append("-" * len(header))
    lines.append(f"{'total':<{width}}  {total.cases:>8}  {total.failures:>8}  {total.leaks:>5}  {total.hangs:>5}")
    for name in names:
        if name in OUTCOMES:
            counts = sorted(OUTCOMES[name].items(), key=lambda item: (-item[1], item[0]))
            lines.append(f"outcomes, {name}: " + ", ".join(f"{outcome} {count}" for outcome, count in counts))
    return lines
