"""`make bench`: sunco_keys side by side with raw httpx, http.client and the official SDK, against local nginx.

Each round runs every client of every workload in a fresh process (bench/clients.py, bench/importcost.py), in
an order that rotates from round to round, so that machine noise (other jobs share these cores) hits every
client alike; the report's ratios are taken within each round. Writes bench/results.md, bench/results.json
and bench/ratios.png.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.importcost import FIRST_GET
from bench.ratios import Round
from bench.server import ServerError, nginx_binary, nginx_server

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
LATENCY_CLIENTS = (
    "sunco_keys",
    "sunco_keys_pyreqwest",
    "sunco_keys_stack",
    "sunco_keys_async",
    "httpx",
    "http_client",
    "official",
    # Context for the stretch target: the two parts of any client built on httpx over a pooled HTTP library.
    "httpx_in_memory",
    "urllib3",
)
GATHER_CLIENTS = (
    "sunco_keys_async",
    "sunco_keys_async_httpx",
    "httpx_async",
    "official",
    # Context for the 200-call target: the two parts of sunco_keys' async stack, each alone.
    "httpx_async_in_memory",
    "aiohttp",
)
# At 200 concurrent calls only: httpcore's async pool, so slow with 1000 calls queued (~130 calls/s), and the
# parts measured as context for the 200-call target.
AT_200_ONLY = ("sunco_keys_async_httpx", "httpx_async_in_memory", "aiohttp")
IMPORT_TARGETS = ("python", "httpx", "sunco_keys", "sunco_keys_connect", "official")
# A short job's cold start: import, make the client, one get on a new connection (bench/importcost.py).
FIRST_GET_TARGETS = tuple(FIRST_GET)
# Import cost is measured where users import the packages: a fresh venv with only the runtime dependencies
# (generated/pyproject.toml's, pinned as in requirements-dev.txt) and the official SDK ("clean"); and in .venv
# ("dev"), where httpx also imports its command line's rich, click and pygments because they are installed.
IMPORT_SECTIONS = {"clean": "import", "dev": "import_dev"}
PACKAGES = (
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "sniffio",
    "httpx-retries",
    "httpx-aiohttp",
    "aiohttp",
    "attrs",
    "pyjwt",
    "pyreqwest",
    "sunshine-conversations-client",
    "urllib3",
    "pydantic",
    "pydantic-core",
)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """How much to measure: `make bench` uses FULL, `make bench-check` QUICK."""

    rounds: int
    calls: int
    operations: tuple[str, ...]
    latency_clients: tuple[str, ...]
    concurrency: tuple[int, ...]
    gather_repeats: int  # at 200 concurrent calls; proportionally fewer (at least 2) for more
    import_runs: int
    time_generate: bool
    gather_clients: tuple[str, ...] = GATHER_CLIENTS
    import_targets: tuple[str, ...] = IMPORT_TARGETS + FIRST_GET_TARGETS
    import_envs: tuple[str, ...] = ("clean", "dev")


FULL = Plan(
    rounds=8,  # one process's latency can stray by 10-20% (bench/notes.md): 4 rounds let that flip a 5% target
    calls=1200,
    operations=("get", "list", "create"),
    latency_clients=LATENCY_CLIENTS,
    concurrency=(200, 1000),
    gather_repeats=4,
    import_runs=3,
    time_generate=True,
)
QUICK = Plan(
    rounds=3,
    calls=600,
    operations=("get", "create"),
    latency_clients=("sunco_keys", "sunco_keys_pyreqwest", "sunco_keys_stack", "httpx", "official"),
    concurrency=(200,),
    gather_repeats=4,
    import_runs=2,
    time_generate=False,
    gather_clients=("sunco_keys_async", "official"),
    import_targets=("python", "httpx", "sunco_keys", "official", "sunco_keys_first_get", "official_first_get"),
    import_envs=("dev",),
)


class BenchError(RuntimeError):
    """A client process failed or printed something that is not its JSON result."""


def rotated(items: tuple[str, ...], shift: int) -> list[str]:
    """`items` rotated left by `shift`: each round starts with a different client."""
    if not items:
        return []
    shift %= len(items)
    return [*items[shift:], *items[:shift]]


def _run_json(command: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        raise BenchError(f"{' '.join(command[1:])} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    try:
        result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise BenchError(f"{' '.join(command[1:])} printed no JSON: {completed.stdout[-500:]!r}") from exc
    return result, wall


def run_client(url: str, client: str, workload: str, calls: int, repeats: int) -> dict[str, Any]:
    """One client's workload in a fresh process (bench/clients.py); its JSON result."""
    command = [PYTHON, str(BENCH / "clients.py"), client, workload, "--url", url, "--calls", str(calls)]
    command += ["--repeats", str(repeats)]
    return _run_json(command, timeout=300)[0]


def run_import(target: str, python: str, bytecode: str, url: str) -> dict[str, Any]:
    """One import measurement in a fresh interpreter, with the whole process's wall time added (`url`: the server
    a cold-start target sends its first get to).

    Every module is imported from bytecode, as after a pip install (which compiles it): the bytecode of all
    targets alike lives in `bytecode` (PYTHONPYCACHEPREFIX), written by a first untimed run, so neither a
    PYTHONDONTWRITEBYTECODE in the caller's environment nor generated/ (kept free of caches) is in the way.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT / "generated"), "PYTHONPYCACHEPREFIX": bytecode}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result, wall = _run_json([python, str(BENCH / "importcost.py"), target, url], timeout=120, env=env)
    return {**result, "wall_s": wall}


def runtime_requirements() -> list[str]:
    """What a user's install of sunco-keys brings: generated/pyproject.toml's dependencies, and the official SDK."""
    project = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    sdk = [line for line in (ROOT / "requirements-bench.in").read_text().splitlines() if line.startswith("sunshine")]
    return [*project["dependencies"], *sdk]


@contextmanager
def clean_python() -> Iterator[str]:
    """A throw-away venv with only the runtime dependencies (pinned as in requirements-*.txt); its python.

    sunco_keys itself comes from generated/ on PYTHONPATH (set by the caller for every target alike).
    """
    with tempfile.TemporaryDirectory(prefix="sunco-bench-venv-") as folder:
        subprocess.run([sys.executable, "-m", "venv", folder], check=True)
        python = str(Path(folder) / "bin" / "python")
        constraints = ["-c", str(ROOT / "requirements-dev.txt"), "-c", str(ROOT / "requirements-bench.txt")]
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *constraints]
        subprocess.run([*pip, *runtime_requirements()], check=True, capture_output=True)
        yield python


def measure_imports(plan: Plan, shift: int, python: str, bytecode: str, url: str) -> dict[str, dict[str, float]]:
    """Each target `import_runs` times, interleaved, from the bytecode write_bytecode wrote; medians per metric."""
    runs: dict[str, list[dict[str, Any]]] = {target: [] for target in plan.import_targets}
    for _ in range(plan.import_runs):
        for target in rotated(plan.import_targets, shift):
            runs[target].append(run_import(target, python, bytecode, url))
    medians = {
        target: {
            metric: statistics.median(float(run[metric]) for run in results)
            for metric in ("wall_s", "import_s", "maxrss_kib", "modules")
        }
        for target, results in runs.items()
    }
    bare = medians.get("python", {}).get("wall_s", 0.0)
    for values in medians.values():
        values["net_s"] = max(values["wall_s"] - bare, 1e-9)
    return medians


def write_bytecode(plan: Plan, pythons: dict[str, str], bytecode: str, url: str) -> None:
    """One untimed import of every target in every environment, which writes the bytecode all timed runs read."""
    for python in pythons.values():
        for target in plan.import_targets:
            run_import(target, python, bytecode, url)


def measure_round(
    url: str, plan: Plan, index: int, pythons: dict[str, str], bytecode: str, progress: Progress
) -> Round:
    """One round: every latency, concurrency and import measurement of the plan, clients interleaved."""
    measured: Round = {"latency": {}, "gather": {}}
    for operation in plan.operations:
        progress(f"round {index + 1}: latency {operation}")
        results = measured["latency"].setdefault(operation, {})
        for client in rotated(plan.latency_clients, index):
            results[client] = run_client(url, client, operation, plan.calls, plan.gather_repeats)
    for concurrency in plan.concurrency:
        progress(f"round {index + 1}: {concurrency} concurrent gets")
        results = measured["gather"].setdefault(str(concurrency), {})
        repeats = max(2, plan.gather_repeats * 200 // concurrency)
        for client in rotated(plan.gather_clients, index):
            if concurrency <= 200 or client not in AT_200_ONLY:
                results[client] = run_client(url, client, "gather", concurrency, repeats)
    for env, python in pythons.items():
        progress(f"round {index + 1}: imports ({env})")
        measured[IMPORT_SECTIONS[env]] = {"import": measure_imports(plan, index, python, bytecode, url)}
    return measured


def time_generate(runs: int = 2) -> dict[str, list[float]]:
    """Wall seconds of `scripts/generate.py` and `--check`, run in a scratch copy so generated/ is never written."""
    times: dict[str, list[float]] = {"generate": [], "check": []}
    with tempfile.TemporaryDirectory(prefix="sunco-bench-generate-") as scratch:
        copy = Path(scratch)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".mypy_cache", ".ruff_cache")
        for name in ("openapi.yaml", "generator-config.yaml"):
            shutil.copy2(ROOT / name, copy / name)
        for name in ("templates", "scripts", "generated"):
            shutil.copytree(ROOT / name, copy / name, ignore=ignore)
        for _ in range(runs):
            for kind, extra in (("generate", []), ("check", ["--check"])):
                start = time.perf_counter()
                subprocess.run([PYTHON, str(copy / "scripts" / "generate.py"), *extra], check=True, capture_output=True)
                times[kind].append(time.perf_counter() - start)
    return times


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _nginx_version() -> str:
    try:
        completed = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True, check=False)
    except (OSError, ServerError):
        return "unknown"
    return completed.stderr.strip().removeprefix("nginx version: ")


def machine() -> dict[str, Any]:
    """Where the numbers were taken: CPU, cores, OS, Python, nginx and the packages measured."""
    from importlib import metadata

    versions: dict[str, str] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "nginx": _nginx_version(),
        "packages": versions,
        "load_before": os.getloadavg()[0],
    }


def collect(plan: Plan, progress: Progress) -> dict[str, Any]:
    """Run the whole plan against a fresh nginx; the raw data of every round, the machine, the timings."""
    started = time.perf_counter()
    rounds: list[Round] = []
    data: dict[str, Any] = {"machine": machine(), "rounds": rounds}  # taken first: its load average is "before"
    with nginx_server() as url, contextlib.ExitStack() as stack:
        pythons = {"dev": PYTHON}
        if "clean" in plan.import_envs:
            progress("creating a venv with the runtime dependencies only (import cost as users get it)")
            pythons = {"clean": stack.enter_context(clean_python()), **pythons}
        pythons = {env: python for env, python in pythons.items() if env in plan.import_envs}
        bytecode = stack.enter_context(tempfile.TemporaryDirectory(prefix="sunco-bench-bytecode-"))
        write_bytecode(plan, pythons, bytecode, url)
        for index in range(plan.rounds):
            rounds.append(measure_round(url, plan, index, pythons, bytecode, progress))
    if plan.time_generate:
        progress("timing scripts/generate.py")
        data["generate"] = time_generate()
    data["plan"] = {
        "rounds": plan.rounds,
        "calls": plan.calls,
        "concurrency": list(plan.concurrency),
        "gather_repeats": plan.gather_repeats,
        "import_runs": plan.import_runs,
    }
    data["machine"]["load_after"] = os.getloadavg()[0]
    data["seconds"] = time.perf_counter() - started
    data["finished"] = time.strftime("%Y-%m-%d %H:%M")  # the report states when the numbers were taken
    return data


def stderr_progress(message: str) -> None:
    """Progress lines on stderr, timestamped."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the full benchmark and write the report, its raw data and the chart."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=FULL.rounds)
    parser.add_argument("--calls", type=int, default=FULL.calls)
    parser.add_argument("--out", type=Path, default=BENCH, help="folder for results.md, results.json, ratios.png")
    parser.add_argument("--report-only", action="store_true", help="rewrite results.md and the chart from results.json")
    args = parser.parse_args(argv)
    from bench.report import write_report

    if args.report_only:
        data = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
    else:
        data = collect(replace(FULL, rounds=args.rounds, calls=args.calls), stderr_progress)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    write_report(data, args.out / "results.md", args.out / "ratios.png")
    stderr_progress(f"done in {data['seconds']:.0f} s: {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
