"""`make bench-check`: a short benchmark that fails when a ratio is worse than bench/baseline.json's by more than
a generous tolerance (machine noise must not trip it; a real regression must).

`python bench/check.py --write-baseline` runs the same short benchmark and records its ratios as the new
baseline (commit it with the change that moved them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/check.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compare import BASELINE, baseline_document, compare, load_baseline


def main(argv: list[str] | None = None) -> int:
    """Run the short benchmark; compare with (or write) the baseline; exit 1 on a regression."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write-baseline", action="store_true", help="record this run's ratios as the baseline")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--tolerance", type=float, default=None, help="override every ratio's tolerance")
    args = parser.parse_args(argv)
    from bench.ratios import summarize
    from bench.run import QUICK, collect, stderr_progress

    data = collect(QUICK, stderr_progress)
    current = {name: spread.median for name, spread in summarize(data["rounds"]).items()}
    if args.write_baseline:
        document = baseline_document(current, data["machine"])
        args.baseline.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.baseline}: " + ", ".join(f"{k}={v['value']}" for k, v in document["ratios"].items()))
        return 0
    verdicts = compare(load_baseline(args.baseline), current, args.tolerance)
    print(f"bench-check: {len(verdicts)} ratios against {args.baseline.name}, {data['seconds']:.0f} s")
    for verdict in verdicts:
        print(verdict.line())
    failed = [verdict.name for verdict in verdicts if not verdict.ok]
    if failed:
        print(f"bench-check failed: {', '.join(failed)} regressed past the tolerance", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
