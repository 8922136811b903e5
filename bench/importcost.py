"""Import cost in a fresh interpreter: `python bench/importcost.py TARGET` prints one JSON object.

Only `sys` and `time` (both built into the interpreter) are loaded before the measurement, so the module count
and the in-process time are the target's alone; the caller times the whole process from outside.
"""

import sys
import time

SUNCO_KEYS = (
    "sunco_keys",
    "sunco_keys.api.custom_integration_api_keys.create_custom_integration_key",
    "sunco_keys.api.custom_integration_api_keys.delete_custom_integration_key",
    "sunco_keys.api.custom_integration_api_keys.get_custom_integration_key",
    "sunco_keys.api.custom_integration_api_keys.list_custom_integration_keys",
)
# What each target imports: sunco_keys with its four endpoint modules; "python" is the bare interpreter.
TARGETS: dict[str, tuple[str, ...]] = {
    "sunco_keys": SUNCO_KEYS,
    "sunco_keys_connect": SUNCO_KEYS,
    "httpx": ("httpx",),
    "official": ("sunshine_conversations_client",),
    "python": (),
}


def measure(target: str) -> dict[str, object]:
    """Import the target's modules; the modules added, the seconds it took and the process's peak memory."""
    before = len(sys.modules)
    start = time.perf_counter()
    for module in TARGETS[target]:
        __import__(module)
    if target == "sunco_keys_connect":
        sys.modules["sunco_keys"].connect  # noqa: B018  (its first use loads connect, the transport, auth)
    seconds = time.perf_counter() - start
    added = len(sys.modules) - before
    import resource

    return {"modules": added, "import_s": seconds, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main() -> int:
    """Measure the target named on the command line and print the result as JSON."""
    if len(sys.argv) != 2 or sys.argv[1] not in TARGETS:
        print(f"usage: importcost.py {{{','.join(TARGETS)}}}", file=sys.stderr)
        return 2
    result = measure(sys.argv[1])
    import json

    print(json.dumps({"client": sys.argv[1], "workload": "import", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
