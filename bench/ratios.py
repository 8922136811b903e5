"""The ratios the benchmark reports, how each is computed from one round's measurements, and its target.

Every ratio is ours over a reference, measured in the same round (the clients are interleaved, so machine noise
hits both sides alike); the "context" ones put a part of every httpx-based client, alone, over the official SDK.
`higher_is_better` says which way is good: latency and import cost are better low, throughput is better high.
No timing here, and no third-party import: bench-check's unit test imports this.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

Round = dict[str, Any]


@dataclass(frozen=True)
class Ratio:
    """One ratio: `numerator`'s `metric` (plus `also`'s, if named) over `denominator`'s, all from
    `section`/`workload` of one round."""

    name: str
    label: str
    section: str
    workload: str
    numerator: str
    denominator: str
    metric: str
    higher_is_better: bool = False
    target: float | None = None
    also: str | None = None

    def of(self, measured: Round) -> float | None:
        """The ratio in one round; None when any side was not measured in it."""
        group = measured.get(self.section, {}).get(self.workload, {})
        top, bottom = group.get(self.numerator, {}).get(self.metric), group.get(self.denominator, {}).get(self.metric)
        if self.also is not None and top is not None:
            extra = group.get(self.also, {}).get(self.metric)
            top = None if extra is None else float(top) + float(extra)
        if top is None or not bottom:
            return None
        return float(top) / float(bottom)

    def meets(self, value: float) -> bool | None:
        """Whether `value` meets the target (None when the ratio has no target)."""
        if self.target is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target

    def target_text(self) -> str:
        """The target as shown in the report, like `<= 1.05` or `>= 1.00`."""
        if self.target is None:
            return ""
        return f"{'>=' if self.higher_is_better else '<='} {self.target:.2f}"


def _latency(operation: str) -> list[Ratio]:
    return [
        Ratio(
            f"stack_{operation}_vs_httpx",
            f"sync `{operation}`, production stack (auth, retries, typed errors) / raw httpx, same hand-written call",
            "latency",
            operation,
            "sunco_keys_stack",
            "httpx",
            "median_us",
            target=1.05,
        ),
        Ratio(
            f"sync_{operation}_vs_httpx",
            f"sync `{operation}`: sunco_keys generated call (+ models) / raw httpx (median latency)",
            "latency",
            operation,
            "sunco_keys",
            "httpx",
            "median_us",
            target=1.05,
        ),
        Ratio(
            f"sync_{operation}_vs_official",
            f"sync `{operation}`: sunco_keys / official SDK (median latency; stretch)",
            "latency",
            operation,
            "sunco_keys",
            "official",
            "median_us",
            target=1.0,
        ),
        Ratio(
            f"pyreqwest_{operation}_vs_official",
            f'sync `{operation}`: sunco_keys, `sync_backend="pyreqwest"` / official SDK (median latency; stretch)',
            "latency",
            operation,
            "sunco_keys_pyreqwest",
            "official",
            "median_us",
            target=1.0,
        ),
        Ratio(
            f"pyreqwest_{operation}_vs_httpx",
            f'sync `{operation}`: sunco_keys, `sync_backend="pyreqwest"` / raw httpx (median latency)',
            "latency",
            operation,
            "sunco_keys_pyreqwest",
            "httpx",
            "median_us",
        ),
        Ratio(
            f"async_{operation}_vs_httpx",
            f"async `{operation}` one at a time: sunco_keys / raw httpx sync (median latency)",
            "latency",
            operation,
            "sunco_keys_async",
            "httpx",
            "median_us",
        ),
    ]


def _gather(concurrency: int, target: float | None) -> list[Ratio]:
    # The best of each process's timed gathers: other jobs on the machine only ever slow a gather down, and a
    # 10-thread process and a 1-thread event loop are not slowed alike, so the best is the fairer estimate.
    return [
        Ratio(
            f"gather{concurrency}_vs_official",
            f"{concurrency} concurrent gets: sunco_keys async / official SDK in 10 threads (calls/s)",
            "gather",
            str(concurrency),
            "sunco_keys_async",
            "official",
            "best_calls_per_s",
            higher_is_better=True,
            target=target,
        ),
        Ratio(
            f"gather{concurrency}_vs_httpcore_backend",
            f"{concurrency} concurrent gets: sunco_keys async, aiohttp backend / httpx backend (before) (calls/s)",
            "gather",
            str(concurrency),
            "sunco_keys_async",
            "sunco_keys_async_httpx",
            "best_calls_per_s",
            higher_is_better=True,
        ),
        Ratio(
            f"gather{concurrency}_vs_httpx_async",
            f"{concurrency} concurrent gets: sunco_keys async / raw httpx.AsyncClient (calls/s)",
            "gather",
            str(concurrency),
            "sunco_keys_async",
            "httpx_async",
            "best_calls_per_s",
            higher_is_better=True,
        ),
    ]


def _imports(section: str, where: str, targets: bool) -> list[Ratio]:
    prefix = f"{section}_"

    def ratio(name: str, label: str, numerator: str, denominator: str, metric: str, target: float | None) -> Ratio:
        return Ratio(
            prefix + name,
            f"import{where}: {label}",
            section,
            "import",
            numerator,
            denominator,
            metric,
            target=target if targets else None,
        )

    return [
        ratio("time_vs_httpx", "sunco_keys / httpx (whole-process time)", "sunco_keys", "httpx", "wall_s", 1.3),
        ratio(
            "time_vs_official",
            "sunco_keys / official SDK (whole-process time)",
            "sunco_keys",
            "official",
            "wall_s",
            0.1,
        ),
        ratio(
            "net_time_vs_httpx", "sunco_keys / httpx (less a bare interpreter)", "sunco_keys", "httpx", "net_s", None
        ),
        ratio(
            "connect_time_vs_httpx",
            "sunco_keys + first use of `connect` / httpx (whole-process time)",
            "sunco_keys_connect",
            "httpx",
            "wall_s",
            None,
        ),
        ratio("memory_vs_httpx", "sunco_keys / httpx (peak RSS)", "sunco_keys", "httpx", "maxrss_kib", None),
        ratio(
            "memory_vs_official", "sunco_keys / official SDK (peak RSS)", "sunco_keys", "official", "maxrss_kib", None
        ),
        ratio("modules_vs_httpx", "sunco_keys / httpx (modules loaded)", "sunco_keys", "httpx", "modules", None),
        # A short job's cold start: what import cost leaves out for a package that loads its HTTP stack on first use.
        ratio(
            "first_get_time_vs_httpx",
            "cold start, import + client + first get: sunco_keys / raw httpx (whole-process time)",
            "sunco_keys_first_get",
            "httpx_first_get",
            "wall_s",
            None,
        ),
        ratio(
            "first_get_time_vs_official",
            "cold start, import + client + first get: sunco_keys / official SDK (whole-process time)",
            "sunco_keys_first_get",
            "official_first_get",
            "wall_s",
            None,
        ),
    ]


RATIOS: tuple[Ratio, ...] = (
    *_latency("get"),
    *_latency("list"),
    *_latency("create"),
    Ratio(
        "official_get_vs_httpx",
        "context: sync `get`: official SDK / raw httpx (median latency)",
        "latency",
        "get",
        "official",
        "httpx",
        "median_us",
    ),
    Ratio(
        "http_client_get_vs_httpx",
        "context: sync `get`: http.client (the floor) / raw httpx (median latency)",
        "latency",
        "get",
        "http_client",
        "httpx",
        "median_us",
    ),
    # What any client built on httpx pays before its own code, against the SDK's whole call (the stretch target).
    Ratio(
        "httpx_layer_get_vs_official",
        "context: sync `get`: httpx's own client layer, responses replayed from memory / official SDK",
        "latency",
        "get",
        "httpx_in_memory",
        "official",
        "median_us",
    ),
    Ratio(
        "urllib3_get_vs_official",
        "context: sync `get`: urllib3 by hand (the SDK's HTTP library) / official SDK",
        "latency",
        "get",
        "urllib3",
        "official",
        "median_us",
    ),
    Ratio(
        "httpx_layer_plus_urllib3_get_vs_official",
        "context: sync `get`: httpx's own layer + urllib3 by hand / official SDK (httpx over a pooled library)",
        "latency",
        "get",
        "httpx_in_memory",
        "official",
        "median_us",
        also="urllib3",
    ),
    *_gather(200, 1.0),
    # What sunco_keys' async stack costs before its own code: httpx's layer and aiohttp, each alone.
    Ratio(
        "httpx_layer_gather200_vs_official",
        "context: 200 concurrent gets: httpx.AsyncClient's own layer, responses from memory / official SDK (calls/s)",
        "gather",
        "200",
        "httpx_async_in_memory",
        "official",
        "best_calls_per_s",
        higher_is_better=True,
    ),
    Ratio(
        "aiohttp_gather200_vs_official",
        "context: 200 concurrent gets: aiohttp by hand / official SDK (calls/s)",
        "gather",
        "200",
        "aiohttp",
        "official",
        "best_calls_per_s",
        higher_is_better=True,
    ),
    Ratio(
        "httpx_layer_plus_aiohttp_gather200_vs_official",
        "context: 200 concurrent gets: time per call of httpx's own layer + aiohttp by hand / official SDK",
        "gather",
        "200",
        "httpx_async_in_memory",
        "official",
        "best_us_per_call",
        also="aiohttp",
    ),
    *_gather(1000, None),
    *_imports("import", "", targets=True),
    *_imports("import_dev", " in .venv", targets=False),
)
BY_NAME = {ratio.name: ratio for ratio in RATIOS}


@dataclass(frozen=True)
class Spread:
    """A ratio over all rounds: the median and the range of the per-round values."""

    median: float
    low: float
    high: float
    rounds: int


def spread(values: list[float]) -> Spread | None:
    """Median, min and max of the per-round values; None when no round measured the ratio."""
    if not values:
        return None
    return Spread(statistics.median(values), min(values), max(values), len(values))


def per_round(ratio: Ratio, rounds: list[Round]) -> list[float]:
    """The ratio's value in each round that measured both sides."""
    return [value for value in (ratio.of(measured) for measured in rounds) if value is not None]


def summarize(rounds: list[Round]) -> dict[str, Spread]:
    """Every ratio that the rounds measured, by name."""
    result: dict[str, Spread] = {}
    for ratio in RATIOS:
        summary = spread(per_round(ratio, rounds))
        if summary is not None:
            result[ratio.name] = summary
    return result
