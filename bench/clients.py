"""One client, one workload, one fresh process: `python bench/clients.py CLIENT WORKLOAD [--url URL] [--calls N]`.

Prints one JSON object on stdout. Workloads:

- `get`, `list`, `create`: N sequential calls over one keep-alive connection, each timed (per-call ns);
- `gather`: N concurrent `get`s (asyncio.gather, or a 10-thread pool for the sync-only official SDK), timed
  as a whole, repeated; calls per second.

(Import cost has its own minimal script, bench/importcost.py, so that nothing here is counted in it. Its cold-start
targets call the sync builders below, so this module loads nothing at import that a client would not load itself:
asyncio and argparse are imported where they are used.)

Every call decodes the body into the client's own result type, as a user gets it, and the last result is
checked, so no client can win by skipping work.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx

APP_ID = "5d8cff3cd55b040010928b5b"
INTEGRATION_ID = "029c31f25a21b47effd7be90"
KEY_ID = "int_5d8cff3cd55b040010928b5b"
EXPECTED_KEY_ID = "int_67a1110ef0305f4a391e9f01"  # the recorded body's key id (bench/nginx.conf.template)
CREDENTIALS = ("app_5d8cff3cd55b040010928b5b", "bench-secret-not-a-real-one")
DISPLAY_NAME = "My custom key"
KEY_PATH = f"/v2/apps/{APP_ID}/integrations/{INTEGRATION_ID}/keys"
SDK_THREADS = 10
GATHER_REPEATS = 3
WARMUP_GATHER = 200

SyncCall = Callable[[], str]
AsyncCall = Callable[[], Awaitable[str]]

# ---------------------------------------------------------------------------------------------- clients, sync


def key_id(key: object, model: type) -> str:
    """The id of a decoded key of the client's `model` class; a key the body lacked (UNSET, None) fails the run."""
    assert isinstance(key, model), f"no key in the response: {key!r}"
    return str(key.id)  # type: ignore[attr-defined]  # both clients' key models have an `id`


def sunco_keys_calls(url: str, sync_backend: Literal["httpx", "pyreqwest"] = "httpx") -> dict[str, SyncCall]:
    """sunco_keys as users get it from `connect()`: Basic auth, retries, typed errors, the generated models."""
    from sunco_keys import connect
    from sunco_keys.api.custom_integration_api_keys import (
        create_custom_integration_key,
        get_custom_integration_key,
        list_custom_integration_keys,
    )
    from sunco_keys.models import ApiKey, IntegrationApiKey, IntegrationApiKeyListResponse, IntegrationApiKeyResponse

    client = connect(*CREDENTIALS, base_url=url, sync_backend=sync_backend)

    def get() -> str:
        result = get_custom_integration_key.sync(APP_ID, INTEGRATION_ID, KEY_ID, client=client)
        assert isinstance(result, IntegrationApiKeyResponse)
        return key_id(result.key, ApiKey)

    def list_() -> str:
        result = list_custom_integration_keys.sync(APP_ID, INTEGRATION_ID, client=client)
        assert isinstance(result, IntegrationApiKeyListResponse)
        assert isinstance(result.keys, list)
        return key_id(result.keys[0], ApiKey)

    def create() -> str:
        body = IntegrationApiKey(display_name=DISPLAY_NAME)
        result = create_custom_integration_key.sync(APP_ID, INTEGRATION_ID, body=body, client=client)
        assert isinstance(result, IntegrationApiKeyResponse)
        return key_id(result.key, ApiKey)

    return {"get": get, "list": list_, "create": create}


def raw_calls(client: httpx.Client) -> dict[str, SyncCall]:
    """The three operations through an `httpx.Client` by hand: status checked, JSON decoded, nothing else."""

    def get() -> str:
        response = client.get(f"{KEY_PATH}/{KEY_ID}")
        response.raise_for_status()
        return str(response.json()["key"]["id"])

    def list_() -> str:
        response = client.get(KEY_PATH)
        response.raise_for_status()
        return str(response.json()["keys"][0]["id"])

    def create() -> str:
        response = client.post(KEY_PATH, json={"displayName": DISPLAY_NAME})
        response.raise_for_status()
        return str(response.json()["key"]["id"])

    return {"get": get, "list": list_, "create": create}


def httpx_calls(url: str) -> dict[str, SyncCall]:
    """Raw `httpx.Client` with Basic auth."""
    import httpx

    return raw_calls(httpx.Client(base_url=url, auth=httpx.BasicAuth(*CREDENTIALS)))


def sunco_keys_stack_calls(url: str) -> dict[str, SyncCall]:
    """The production behaviour alone: the httpx.Client `connect()` configures (auth, retries, typed errors)
    driven by hand like raw httpx, so only the stack differs from it, not the generated models."""
    from sunco_keys import connect

    return raw_calls(connect(*CREDENTIALS, base_url=url).get_httpx_client())


def nginx_replay(url: str) -> Callable[[httpx.Request], httpx.Response]:
    """An `httpx.MockTransport` handler answering the three operations' requests from memory, with the answers
    nginx gave them once, up front: a client over it runs httpx's own layer and nothing of the network."""
    import httpx

    answers: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    def keep(answer: httpx.Response) -> None:
        answer.read()
        answers[(answer.request.method, str(answer.request.url))] = (
            answer.status_code,
            answer.headers.raw,
            answer.content,
        )

    live = httpx.Client(base_url=url, auth=httpx.BasicAuth(*CREDENTIALS), event_hooks={"response": [keep]})
    with live:
        for call in raw_calls(live).values():  # the very requests the timed clients send
            call()

    def replay(request: httpx.Request) -> httpx.Response:
        status, headers, content = answers[(request.method, str(request.url))]
        return httpx.Response(status, headers=headers, content=content)

    return replay


def httpx_in_memory_calls(url: str) -> dict[str, SyncCall]:
    """httpx's own client layer alone: raw `httpx.Client` with Basic auth over nginx's answers replayed from memory."""
    import httpx

    transport = httpx.MockTransport(nginx_replay(url))
    return raw_calls(httpx.Client(base_url=url, auth=httpx.BasicAuth(*CREDENTIALS), transport=transport))


JsonCall = Callable[[str, str, bytes | None], Any]


def json_calls(call: JsonCall) -> dict[str, SyncCall]:
    """The three operations through `call(method, path, body)`, which checks the status and decodes the JSON."""

    def get() -> str:
        return str(call("GET", f"{KEY_PATH}/{KEY_ID}", None)["key"]["id"])

    def list_() -> str:
        return str(call("GET", KEY_PATH, None)["keys"][0]["id"])

    def create() -> str:
        return str(call("POST", KEY_PATH, json.dumps({"displayName": DISPLAY_NAME}).encode())["key"]["id"])

    return {"get": get, "list": list_, "create": create}


def basic_headers() -> tuple[dict[str, str], dict[str, str]]:
    """Precomputed request headers (Basic auth, JSON accepted), without and with a JSON body."""
    import base64

    token = base64.b64encode(":".join(CREDENTIALS).encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    return headers, {**headers, "Content-Type": "application/json"}


def http_client_calls(url: str) -> dict[str, SyncCall]:
    """The floor: the standard library's `http.client` on one connection, a precomputed Basic header, json.loads."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    headers, post_headers = basic_headers()

    def call(method: str, path: str, body: bytes | None) -> Any:
        connection.request(method, path, body=body, headers=post_headers if body is not None else headers)
        response = connection.getresponse()
        data = response.read()
        if not 200 <= response.status < 300:
            raise RuntimeError(f"HTTP {response.status}")
        return json.loads(data)

    return json_calls(call)


def urllib3_calls(url: str) -> dict[str, SyncCall]:
    """The official SDK's HTTP library by hand: urllib3's `PoolManager`, a precomputed Basic header, json.loads."""
    import urllib3

    pool = urllib3.PoolManager()
    headers, post_headers = basic_headers()

    def call(method: str, path: str, body: bytes | None) -> Any:
        response = pool.request(method, url + path, body=body, headers=post_headers if body is not None else headers)
        if not 200 <= response.status < 300:
            raise RuntimeError(f"HTTP {response.status}")
        return json.loads(response.data)

    return json_calls(call)


def official_calls(url: str) -> dict[str, SyncCall]:
    """The official SDK 17.0.1, sync only: its CustomIntegrationApiKeysApi with Basic auth (urllib3 + pydantic)."""
    from sunshine_conversations_client.api.custom_integration_api_keys_api import CustomIntegrationApiKeysApi
    from sunshine_conversations_client.api_client import ApiClient
    from sunshine_conversations_client.configuration import Configuration
    from sunshine_conversations_client.model.api_key import ApiKey
    from sunshine_conversations_client.model.integration_api_key import IntegrationApiKey

    configuration = Configuration(host=url, username=CREDENTIALS[0], password=CREDENTIALS[1])
    api = CustomIntegrationApiKeysApi(ApiClient(configuration))

    def get() -> str:
        return key_id(api.get_custom_integration_key(APP_ID, INTEGRATION_ID, KEY_ID).key, ApiKey)

    def list_() -> str:
        keys = api.list_custom_integration_keys(APP_ID, INTEGRATION_ID).keys
        assert keys is not None
        return key_id(keys[0], ApiKey)

    def create() -> str:
        body = IntegrationApiKey(displayName=DISPLAY_NAME)
        return key_id(api.create_custom_integration_key(APP_ID, INTEGRATION_ID, body).key, ApiKey)

    return {"get": get, "list": list_, "create": create}


# --------------------------------------------------------------------------------------------- clients, async


def sunco_keys_async_calls(url: str, async_backend: Literal["aiohttp", "httpx"] = "aiohttp") -> dict[str, AsyncCall]:
    """sunco_keys from `connect()`, driven through the generated `asyncio` functions."""
    from sunco_keys import connect
    from sunco_keys.api.custom_integration_api_keys import (
        create_custom_integration_key,
        get_custom_integration_key,
        list_custom_integration_keys,
    )
    from sunco_keys.models import ApiKey, IntegrationApiKey, IntegrationApiKeyListResponse, IntegrationApiKeyResponse

    client = connect(*CREDENTIALS, base_url=url, async_backend=async_backend)

    async def get() -> str:
        result = await get_custom_integration_key.asyncio(APP_ID, INTEGRATION_ID, KEY_ID, client=client)
        assert isinstance(result, IntegrationApiKeyResponse)
        return key_id(result.key, ApiKey)

    async def list_() -> str:
        result = await list_custom_integration_keys.asyncio(APP_ID, INTEGRATION_ID, client=client)
        assert isinstance(result, IntegrationApiKeyListResponse)
        assert isinstance(result.keys, list)
        return key_id(result.keys[0], ApiKey)

    async def create() -> str:
        body = IntegrationApiKey(display_name=DISPLAY_NAME)
        result = await create_custom_integration_key.asyncio(APP_ID, INTEGRATION_ID, body=body, client=client)
        assert isinstance(result, IntegrationApiKeyResponse)
        return key_id(result.key, ApiKey)

    return {"get": get, "list": list_, "create": create}


def raw_async_calls(client: httpx.AsyncClient) -> dict[str, AsyncCall]:
    """`get` through an `httpx.AsyncClient` by hand: status checked, JSON decoded, nothing else."""

    async def get() -> str:
        response = await client.get(f"{KEY_PATH}/{KEY_ID}")
        response.raise_for_status()
        return str(response.json()["key"]["id"])

    return {"get": get}


def httpx_async_calls(url: str) -> dict[str, AsyncCall]:
    """Raw `httpx.AsyncClient` with its defaults (a pool of at most 100 connections) and Basic auth."""
    import httpx

    # No pool timeout: with 1000 calls queued on its 100 connections, httpx's default 5 s would fail the run.
    timeout = httpx.Timeout(30, pool=None)
    return raw_async_calls(httpx.AsyncClient(base_url=url, auth=httpx.BasicAuth(*CREDENTIALS), timeout=timeout))


def httpx_async_in_memory_calls(url: str) -> dict[str, AsyncCall]:
    """httpx's own async client layer alone: raw `httpx.AsyncClient` over nginx's answers replayed from memory."""
    import httpx

    transport = httpx.MockTransport(nginx_replay(url))
    return raw_async_calls(httpx.AsyncClient(base_url=url, auth=httpx.BasicAuth(*CREDENTIALS), transport=transport))


def aiohttp_calls(url: str) -> dict[str, AsyncCall]:
    """The async HTTP library under sunco_keys by hand: one aiohttp `ClientSession` (its default pool of 100
    connections), a precomputed Basic header, json.loads."""
    import aiohttp

    headers, _ = basic_headers()
    sessions: list[aiohttp.ClientSession] = []  # made on the first call: a session belongs to the running loop

    async def get() -> str:
        if not sessions:
            sessions.append(aiohttp.ClientSession())
        async with sessions[0].get(f"{url}{KEY_PATH}/{KEY_ID}", headers=headers) as response:
            response.raise_for_status()
            return str(json.loads(await response.read())["key"]["id"])

    return {"get": get}


SYNC_CLIENTS: dict[str, Callable[[str], dict[str, SyncCall]]] = {
    "sunco_keys": sunco_keys_calls,
    # The optional sync backend: pyreqwest's transport (Rust's reqwest) behind httpx's interface.
    "sunco_keys_pyreqwest": lambda url: sunco_keys_calls(url, "pyreqwest"),
    "sunco_keys_stack": sunco_keys_stack_calls,
    "httpx": httpx_calls,
    "http_client": http_client_calls,
    "urllib3": urllib3_calls,
    "httpx_in_memory": httpx_in_memory_calls,
    "official": official_calls,
}
ASYNC_CLIENTS: dict[str, Callable[[str], dict[str, AsyncCall]]] = {
    "sunco_keys_async": sunco_keys_async_calls,
    # The async backend before bench/: httpx's own AsyncHTTPTransport (httpcore).
    "sunco_keys_async_httpx": lambda url: sunco_keys_async_calls(url, "httpx"),
    "httpx_async": httpx_async_calls,
    "httpx_async_in_memory": httpx_async_in_memory_calls,
    "aiohttp": aiohttp_calls,
}
# ------------------------------------------------------------------------------------------------- workloads


def time_sync_calls(call: SyncCall, calls: int, warmup: int) -> tuple[list[int], str]:
    """Per-call durations (ns) of `calls` calls after `warmup` untimed ones, and the last result."""
    result = ""
    for _ in range(warmup):
        result = call()
    durations = [0] * calls
    clock = time.perf_counter_ns
    for index in range(calls):
        start = clock()
        result = call()
        durations[index] = clock() - start
    return durations, result


async def time_async_calls(call: AsyncCall, calls: int, warmup: int) -> tuple[list[int], str]:
    """Like `time_sync_calls`, awaiting one call at a time on one event loop."""
    result = ""
    for _ in range(warmup):
        result = await call()
    durations = [0] * calls
    clock = time.perf_counter_ns
    for index in range(calls):
        start = clock()
        result = await call()
        durations[index] = clock() - start
    return durations, result


def latency_summary(durations: list[int]) -> dict[str, float]:
    """Median, p99 and mean of per-call durations, in microseconds."""
    ordered = sorted(durations)
    count = len(ordered)
    return {
        "median_us": ordered[count // 2] / 1000,
        "p99_us": ordered[min(count - 1, int(count * 0.99))] / 1000,
        "mean_us": sum(ordered) / count / 1000,
        "calls": count,
    }


def run_latency(client: str, workload: str, url: str, calls: int) -> dict[str, Any]:
    """Sequential calls of one operation over one keep-alive connection."""
    warmup = max(50, calls // 10)
    if client in SYNC_CLIENTS:
        durations, last = time_sync_calls(SYNC_CLIENTS[client](url)[workload], calls, warmup)
    else:
        import asyncio

        call = ASYNC_CLIENTS[client](url)[workload]
        durations, last = asyncio.run(time_async_calls(call, calls, warmup))
    if last != EXPECTED_KEY_ID:
        raise RuntimeError(f"{client} {workload} decoded {last!r}, expected {EXPECTED_KEY_ID!r}")
    return latency_summary(durations)


async def _gather_once(call: AsyncCall, concurrency: int) -> tuple[float, list[str]]:
    import asyncio

    start = time.perf_counter()
    results = await asyncio.gather(*(call() for _ in range(concurrency)))
    return time.perf_counter() - start, results


async def _gather_async(call: AsyncCall, concurrency: int, repeats: int) -> tuple[list[float], list[str]]:
    await _gather_once(call, min(concurrency, WARMUP_GATHER))  # warm-up: opens the pool's connections
    elapsed: list[float] = []
    results: list[str] = []
    for _ in range(repeats):
        seconds, results = await _gather_once(call, concurrency)
        elapsed.append(seconds)
    return elapsed, results


def _gather_threads(url: str, concurrency: int, repeats: int) -> tuple[list[float], list[str]]:
    from concurrent.futures import ThreadPoolExecutor

    call = official_calls(url)["get"]

    def get(_: int) -> str:
        return call()

    elapsed: list[float] = []
    results: list[str] = []
    with ThreadPoolExecutor(SDK_THREADS) as pool:
        list(pool.map(get, range(min(concurrency, WARMUP_GATHER))))  # warm-up: opens the pool's connections
        for _ in range(repeats):
            start = time.perf_counter()
            results = list(pool.map(get, range(concurrency)))
            elapsed.append(time.perf_counter() - start)
    return elapsed, results


def run_gather(client: str, url: str, concurrency: int, repeats: int = GATHER_REPEATS) -> dict[str, Any]:
    """`concurrency` concurrent gets, `repeats` times after a warm-up; best and median calls per second."""
    if client == "official":
        elapsed, results = _gather_threads(url, concurrency, repeats)
    else:
        import asyncio

        call = ASYNC_CLIENTS[client](url)["get"]
        elapsed, results = asyncio.run(_gather_async(call, concurrency, repeats))
    if len(results) != concurrency or set(results) != {EXPECTED_KEY_ID}:
        raise RuntimeError(f"{client} gather decoded {set(results)!r}")
    rates = sorted(concurrency / seconds for seconds in elapsed)
    return {
        "calls_per_s": rates[len(rates) // 2],
        "best_calls_per_s": rates[-1],
        "best_us_per_call": 1e6 / rates[-1],  # what one call costs at full throughput: parts of a client add up
        "concurrency": concurrency,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run one workload, print its JSON result."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("client", choices=sorted({*SYNC_CLIENTS, *ASYNC_CLIENTS}))
    parser.add_argument("workload", choices=("get", "list", "create", "gather"))
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--calls", type=int, default=2000, help="calls per latency run, or the gather concurrency")
    parser.add_argument("--repeats", type=int, default=GATHER_REPEATS, help="timed gathers after the warm-up")
    args = parser.parse_args(argv)
    if args.workload == "gather":
        result = run_gather(args.client, args.url, args.calls, args.repeats)
    else:
        result = run_latency(args.client, args.workload, args.url, args.calls)
    print(json.dumps({"client": args.client, "workload": args.workload, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
