"""Import cost in a fresh interpreter: `python bench/importcost.py TARGET [URL]` prints one JSON object.

Only `sys` and `time` (both built into the interpreter) are loaded before the measurement, so the module count
and the in-process time are the target's alone; the caller times the whole process from outside.

The `*_first_get` targets are a short job's cold start: the import, the client made as users make it, and one
`get` on a new connection to the server at URL, decoded (bench/clients.py's sync builders, loaded before the clock
with nothing that every client does not load itself: json, re, typing). Import cost alone flatters a package that
loads its HTTP stack on first use, as sunco_keys does; these say what the first call costs on top.
"""

import sys
import time

TYPE_CHECKING = False  # not typing's: importing typing would count in every target (type checkers take it as True)
if TYPE_CHECKING:
    from collections.abc import Callable

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
    # The client is made and the first get sent by bench/clients.py's builders, which import what they use.
    "sunco_keys_first_get": SUNCO_KEYS,
    "httpx_first_get": (),
    "official_first_get": (),
}
# The cold-start targets: each one's builder in bench/clients.py.
FIRST_GET = {"sunco_keys_first_get": "sunco_keys", "httpx_first_get": "httpx", "official_first_get": "official"}


def _first_get(client: str, url: str) -> "Callable[[], str]":
    """A call that makes `client` as bench/clients.py does (importing what it uses) and sends one get to `url`,
    checking the key id it decodes."""
    import os  # loaded already, by site

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository: bench.*
    from bench.clients import EXPECTED_KEY_ID, SYNC_CLIENTS

    assert "asyncio" not in sys.modules, "bench/clients.py must not load asyncio: some clients never do"

    def first_get() -> str:
        got = SYNC_CLIENTS[client](url)["get"]()
        if got != EXPECTED_KEY_ID:
            raise SystemExit(f"importcost.py: {client}'s first get decoded {got!r}, expected {EXPECTED_KEY_ID!r}")
        return got

    return first_get


def measure(target: str, url: str | None = None) -> dict[str, object]:
    """Import the target's modules (and for a cold-start target, make its client and send one get to `url`); the
    modules added, the seconds it took and the process's peak memory."""
    first_get: Callable[[], str] | None = None  # a local annotation: never evaluated
    if target in FIRST_GET:
        if url is None:
            raise SystemExit(f"importcost.py: {target} needs the server's URL")
        first_get = _first_get(FIRST_GET[target], url)
    before = len(sys.modules)
    start = time.perf_counter()
    for module in TARGETS[target]:
        __import__(module)
    if target == "sunco_keys_connect":
        sys.modules["sunco_keys"].connect  # noqa: B018  (its first use loads connect, the transport, auth)
    if first_get is not None:
        first_get()
    seconds = time.perf_counter() - start
    added = len(sys.modules) - before
    import resource

    return {"modules": added, "import_s": seconds, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main() -> int:
    """Measure the target named on the command line and print the result as JSON."""
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in TARGETS:
        print(f"usage: importcost.py {{{','.join(TARGETS)}}} [URL]", file=sys.stderr)
        return 2
    result = measure(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None)
    import json

    print(json.dumps({"client": sys.argv[1], "workload": "import", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
