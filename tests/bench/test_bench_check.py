"""bench-check's comparison logic (bench/compare.py), on made-up ratios: nothing here is timed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.compare import (
    BASELINE,
    CHECKED,
    DEFAULT_TOLERANCE,
    Baseline,
    baseline_document,
    compare,
    limit_for,
    load_baseline,
    tolerance_for,
)
from bench.ratios import BY_NAME, summarize

LOWER = Baseline(1.0, higher_is_better=False)  # like a latency ratio
HIGHER = Baseline(2.0, higher_is_better=True)  # like a throughput ratio


def verdict_ok(baseline: Baseline, current: float, tolerance: float = 0.35) -> bool:
    (verdict,) = compare({"ratio": baseline}, {"ratio": current}, tolerance)
    return verdict.ok


@pytest.mark.parametrize("current", [0.2, 1.0, 1.2, 1.35])
def test_a_lower_is_better_ratio_passes_up_to_the_tolerance(current: float) -> None:
    assert verdict_ok(LOWER, current)


@pytest.mark.parametrize("current", [1.36, 1.5, 8.0])
def test_a_lower_is_better_ratio_fails_past_the_tolerance(current: float) -> None:
    assert not verdict_ok(LOWER, current)


@pytest.mark.parametrize("current", [20.0, 2.0, 1.6, 2.0 / 1.35])
def test_a_higher_is_better_ratio_passes_down_to_the_tolerance(current: float) -> None:
    assert verdict_ok(HIGHER, current)


@pytest.mark.parametrize("current", [1.45, 1.0, 0.25])
def test_a_higher_is_better_ratio_fails_past_the_tolerance(current: float) -> None:
    assert not verdict_ok(HIGHER, current)


def test_the_limit_is_relative_and_in_the_bad_direction() -> None:
    assert limit_for(LOWER, 0.5) == pytest.approx(1.5)
    assert limit_for(HIGHER, 0.5) == pytest.approx(2.0 / 1.5)
    assert limit_for(LOWER, 0.0) == 1.0
    with pytest.raises(ValueError):
        limit_for(LOWER, -0.1)


def test_a_ratio_the_run_did_not_measure_fails_and_extra_ones_are_ignored() -> None:
    verdicts = compare({"a": LOWER, "b": HIGHER}, {"a": 1.0, "unrelated": 99.0}, 0.35)
    assert [(v.name, v.ok, v.current) for v in verdicts] == [("a", True, 1.0), ("b", False, None)]
    assert "REGRESSION" in verdicts[1].line() and "not measured" in verdicts[1].line()


def test_each_ratio_uses_its_own_tolerance_unless_the_run_overrides_it() -> None:
    strict = Baseline(1.0, higher_is_better=False, tolerance=0.1)
    assert [v.ok for v in compare({"a": strict, "b": LOWER}, {"a": 1.2, "b": 1.2})] == [False, True]
    assert [v.ok for v in compare({"a": strict, "b": LOWER}, {"a": 1.2, "b": 1.2}, tolerance=0.5)] == [True, True]
    assert [v.ok for v in compare({"b": LOWER}, {"b": 1.0 + DEFAULT_TOLERANCE + 0.01})] == [False]
    assert tolerance_for("import_dev_time_vs_httpx") < tolerance_for("sync_get_vs_httpx")
    assert tolerance_for("gather200_vs_official") > tolerance_for("sync_get_vs_httpx") == DEFAULT_TOLERANCE


def test_a_written_baseline_loads_back(tmp_path: Path) -> None:
    current = {name: 1.0 + index / 10 for index, name in enumerate(CHECKED)}
    document = baseline_document({**current, "not_checked": 5.0}, {"cpu": "x", "cores": 2, "python": "3"})
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    ratios = load_baseline(path)
    assert set(ratios) == set(CHECKED)
    assert all(ratios[name].higher_is_better == BY_NAME[name].higher_is_better for name in CHECKED)
    assert all(ratios[name].tolerance == tolerance_for(name) for name in CHECKED)
    assert all(verdict.ok for verdict in compare(ratios, current))


def test_the_committed_baseline_guards_every_checked_ratio_with_its_direction() -> None:
    ratios = load_baseline(BASELINE)
    assert set(ratios) == set(CHECKED)
    for name in CHECKED:
        assert ratios[name].higher_is_better == BY_NAME[name].higher_is_better
        tolerance = ratios[name].tolerance
        assert tolerance is not None and 0 < tolerance < 1


def test_ratios_are_taken_within_each_round_and_summarized_over_rounds() -> None:
    rounds = [
        {"latency": {"get": {"sunco_keys": {"median_us": 110.0}, "httpx": {"median_us": 100.0}}}},
        {"latency": {"get": {"sunco_keys": {"median_us": 300.0}, "httpx": {"median_us": 250.0}}}},
        {"latency": {"get": {"sunco_keys": {"median_us": 90.0}}}},  # httpx not measured: the round is skipped
    ]
    spread = summarize(rounds)["sync_get_vs_httpx"]
    assert spread.rounds == 2
    assert [spread.low, spread.median, spread.high] == pytest.approx([1.1, 1.15, 1.2])


def test_a_summed_ratio_adds_its_second_part_and_skips_rounds_missing_any_part() -> None:
    rounds = [
        {
            "latency": {
                "get": {
                    "httpx_in_memory": {"median_us": 300.0},
                    "urllib3": {"median_us": 400.0},
                    "official": {"median_us": 700.0},
                }
            }
        },
        {"latency": {"get": {"httpx_in_memory": {"median_us": 300.0}, "official": {"median_us": 600.0}}}},
    ]
    summary = summarize(rounds)
    assert summary["httpx_layer_plus_urllib3_get_vs_official"].rounds == 1
    assert summary["httpx_layer_plus_urllib3_get_vs_official"].median == pytest.approx(1.0)
    assert summary["httpx_layer_get_vs_official"].rounds == 2
    assert summary["urllib3_get_vs_official"].median == pytest.approx(400 / 700)
