"""Writes bench/results.md (targets, ratios per round, absolute numbers, machine) and bench/ratios.png."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench.ratios import RATIOS, Ratio, Round, Spread, summarize

NOTES = Path(__file__).resolve().parent / "notes.md"
CLIENT_NAMES = {
    "sunco_keys": "sunco_keys sync (`connect()`, generated call)",
    "sunco_keys_pyreqwest": 'sunco_keys sync, `sync_backend="pyreqwest"` (`connect()`, generated call)',
    "sunco_keys_stack": "sunco_keys stack only (`connect()`'s httpx.Client, raw call)",
    "sunco_keys_async": "sunco_keys async (`connect()`, aiohttp backend)",
    "sunco_keys_async_httpx": 'sunco_keys async, `async_backend="httpx"` (before)',
    "httpx": "raw httpx.Client",
    "httpx_async": "raw httpx.AsyncClient",
    "httpx_async_in_memory": "raw httpx.AsyncClient, responses replayed from memory (httpx's own layer)",
    "aiohttp": "raw aiohttp (the HTTP library under sunco_keys async)",
    "http_client": "raw http.client (floor)",
    "urllib3": "raw urllib3 (the official SDK's HTTP library)",
    "httpx_in_memory": "raw httpx.Client, responses replayed from memory (httpx's own layer)",
    "official": "official SDK 17.0.1",
    "python": "bare interpreter",
}


GATHER_METRICS = ("best_calls_per_s", "calls_per_s")


def _fmt(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.0f}"


def _range(values: list[float], scale: float = 1.0) -> str:
    if not values:
        return "–"
    scaled = [value * scale for value in values]
    return f"{_fmt(statistics.median(scaled))} ({_fmt(min(scaled))}–{_fmt(max(scaled))})"


def _values(rounds: list[Round], section: str, workload: str, client: str, metric: str) -> list[float]:
    found = (measured.get(section, {}).get(workload, {}).get(client, {}).get(metric) for measured in rounds)
    return [float(value) for value in found if value is not None]


def targets_table(summary: dict[str, Spread]) -> list[str]:
    """The ratios that have a target: median, range over rounds, target, met or not."""
    lines = ["| ratio | median (min–max over rounds) | target | met |", "| --- | --- | --- | --- |"]
    for ratio in RATIOS:
        if ratio.target is None or ratio.name not in summary:
            continue
        spread = summary[ratio.name]
        met = "yes" if ratio.meets(spread.median) else "**no**"
        lines.append(
            f"| {ratio.label} | {spread.median:.3f} ({spread.low:.3f}–{spread.high:.3f}) "
            f"| {ratio.target_text()} | {met} |"
        )
    return lines


def rounds_table(rounds: list[Round]) -> list[str]:
    """Every ratio, round by round, with its median."""
    header = " | ".join(f"round {index + 1}" for index in range(len(rounds)))
    lines = [f"| ratio | {header} | median |", "| --- |" + " --- |" * (len(rounds) + 1)]
    for ratio in RATIOS:
        values = [ratio.of(measured) for measured in rounds]
        if all(value is None for value in values):
            continue
        cells = " | ".join("–" if value is None else f"{value:.3f}" for value in values)
        present = [value for value in values if value is not None]
        lines.append(f"| `{ratio.name}` | {cells} | {statistics.median(present):.3f} |")
    return lines


def latency_table(rounds: list[Round]) -> list[str]:
    """Per-call latency in µs, median over rounds of each round's median and p99."""
    operations = sorted(
        {op for measured in rounds for op in measured.get("latency", {})}, key=["get", "list", "create"].index
    )
    clients = [
        name for name in CLIENT_NAMES if any(_values(rounds, "latency", op, name, "median_us") for op in operations)
    ]
    lines = ["| client | " + " | ".join(f"`{op}` median µs | `{op}` p99 µs" for op in operations) + " |"]
    lines.append("| --- |" + " --- | --- |" * len(operations))
    for client in clients:
        cells = [
            " | ".join(_range(_values(rounds, "latency", op, client, metric)) for metric in ("median_us", "p99_us"))
            for op in operations
        ]
        lines.append(f"| {CLIENT_NAMES[client]} | " + " | ".join(cells) + " |")
    return lines


def gather_table(rounds: list[Round]) -> list[str]:
    """Concurrent gets: calls per second, median over rounds (and range)."""
    sizes = sorted({int(size) for measured in rounds for size in measured.get("gather", {})})
    header = " | ".join(f"{size} concurrent: calls/s, best of a run | median of a run" for size in sizes)
    lines = [f"| client | {header} |", "| --- |" + " --- | --- |" * len(sizes)]
    for client in CLIENT_NAMES:  # those that ran no gather are left out below
        cells = [
            " | ".join(_range(_values(rounds, "gather", str(size), client, metric)) for metric in GATHER_METRICS)
            for size in sizes
        ]
        if any(not cell.startswith("–") for cell in cells):
            lines.append(
                f"| {CLIENT_NAMES[client]}{' (10 threads)' if client == 'official' else ''} | "
                + " | ".join(cells)
                + " |"
            )
    return lines


def import_table(rounds: list[Round], section: str) -> list[str]:
    """Import cost per target: whole process, net of a bare interpreter, in-process, peak memory, modules."""
    lines = [
        "| import | whole process ms | less bare interpreter ms | in-process ms | peak RSS MiB | modules added |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    labels = {
        "python": "nothing (bare interpreter)",
        "httpx": "`import httpx`",
        "official": "`import sunshine_conversations_client`",
    }
    labels["sunco_keys"] = "`import sunco_keys` + its 4 endpoint modules"
    labels["sunco_keys_connect"] = "the same + first use of `sunco_keys.connect`"
    labels["httpx_first_get"] = "cold start: `import httpx`, `httpx.Client`, first get"
    labels["sunco_keys_first_get"] = "cold start: `import sunco_keys` (3 endpoints), `connect()`, first get"
    labels["official_first_get"] = "cold start: `import sunshine_conversations_client`, its ApiClient, first get"
    for target, label in labels.items():
        wall = _values(rounds, section, "import", target, "wall_s")
        if not wall:
            continue
        lines.append(
            f"| {label} | {_range(wall, 1000)} | {_range(_values(rounds, section, 'import', target, 'net_s'), 1000)} "
            f"| {_range(_values(rounds, section, 'import', target, 'import_s'), 1000)} "
            f"| {_range(_values(rounds, section, 'import', target, 'maxrss_kib'), 1 / 1024)} "
            f"| {_range(_values(rounds, section, 'import', target, 'modules'))} |"
        )
    return lines


def machine_lines(data: dict[str, Any]) -> list[str]:
    """The machine, interpreter, server and package versions the numbers come from."""
    info = data["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    plan = data.get("plan", {})
    return [
        f"- CPU: {info['cpu']}, {info['cores']} cores; {info['os']}",
        f"- Python {info['python']}; nginx {info['nginx']} (one worker, keep-alive unbounded, access log off)",
        f"- Packages: {packages}",
        f"- Load average (1 min) before / after: {info['load_before']:.2f} / {info['load_after']:.2f}; "
        f"the whole run took {data['seconds']:.0f} s",
        f"- Plan: {plan.get('rounds')} rounds; {plan.get('calls')} timed calls per latency run (after a 10% warm-up); "
        f"concurrent gets {plan.get('concurrency')} timed {plan.get('gather_repeats')}× at 200 after a warm-up "
        "(proportionally fewer, at least 2×, above); "
        f"{plan.get('import_runs')} import runs per target per round",
    ]


def write_chart(summary: dict[str, Spread], path: Path) -> None:
    """Horizontal bars: each ratio's median over rounds, min–max whiskers, its target as a red tick (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown: list[tuple[Ratio, Spread]] = [(ratio, summary[ratio.name]) for ratio in RATIOS if ratio.name in summary]
    figure, axes = plt.subplots(figsize=(11, 0.42 * len(shown) + 1.6))
    positions = list(range(len(shown)))[::-1]
    medians = [spread.median for _, spread in shown]
    errors = [[s.median - s.low for _, s in shown], [s.high - s.median for _, s in shown]]
    colors = []
    for ratio, spread in shown:
        met = ratio.meets(spread.median)
        colors.append("#9e9e9e" if met is None else ("#2e7d32" if met else "#c62828"))
    axes.barh(positions, medians, xerr=errors, color=colors, capsize=3)
    for position, (ratio, _) in zip(positions, shown, strict=True):
        if ratio.target is not None:
            axes.plot([ratio.target, ratio.target], [position - 0.4, position + 0.4], color="black", linewidth=2)
    axes.axvline(1.0, color="#444444", linewidth=0.8, linestyle="--")
    axes.set_xscale("log")
    axes.set_yticks(positions)
    axes.set_yticklabels(
        [f"{ratio.name} ({'higher' if ratio.higher_is_better else 'lower'} is better)" for ratio, _ in shown],
        fontsize=8,
    )
    axes.set_xlabel("ratio to the reference (log scale); black tick = target; green met, red missed, grey no target")
    axes.set_title("sunco_keys vs raw httpx and the official SDK: median over rounds, whiskers min–max")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(data: dict[str, Any], markdown: Path, chart: Path) -> None:
    """results.md and ratios.png from the raw data of `bench/run.py`."""
    rounds: list[Round] = data["rounds"]
    summary = summarize(rounds)
    lines = [
        "# Benchmark: sunco_keys vs raw httpx, http.client and the official SDK",
        "",
        f"Written by `make bench` ({data.get('finished', 'time not recorded')}), against nginx on loopback serving",
        "the recorded bodies (bench/nginx.conf.template). Each client runs in a fresh process, interleaved in a",
        "rotating order over several rounds; each ratio is taken within a round, then the median over rounds is",
        "reported with its range.",
        "**Ratios are the headline; absolute times depend on the machine** (and on the other jobs sharing it).",
        f"Raw data: bench/results.json. Chart: ![ratios]({chart.name})",
        "",
        "## Targets",
        "",
        *targets_table(summary),
        "",
        "## Every ratio, round by round",
        "",
        *rounds_table(rounds),
        "",
        "## Absolute numbers (machine-dependent): median over rounds (min–max)",
        "",
        "### Per-call latency over one keep-alive connection",
        "",
        *latency_table(rounds),
        "",
        "### Concurrent gets",
        "",
        *gather_table(rounds),
        "",
        "### Import cost (fresh interpreter each run)",
        "",
        "In a fresh venv holding only the runtime dependencies and the official SDK, as users install them (the",
        "targets are taken here):",
        "",
        *import_table(rounds, "import"),
        "",
        "In the project's .venv, where `import httpx` also loads its command line's rich, click and pygments:",
        "",
        *import_table(rounds, "import_dev"),
        "",
    ]
    if "generate" in data:
        generate = data["generate"]
        lines += [
            "### `make generate` (scripts/generate.py, run in a scratch copy of the repository)",
            "",
            f"- `scripts/generate.py`: {_range(generate['generate'])} s",
            f"- `scripts/generate.py --check`: {_range(generate['check'])} s",
            "",
        ]
    lines += ["## Machine", "", *machine_lines(data), ""]
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").rstrip(), ""]
    markdown.write_text("\n".join(lines), encoding="utf-8")
    write_chart(summary, chart)
