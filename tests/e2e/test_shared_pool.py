"""One client's connection pool, shared by the clients derived from it and by threads and event loops: closing one
client never breaks a call under way on another, first calls made at once open one pool, and a pool meets only
the event loop it belongs to. Over real sockets, on every backend."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import (
    create_custom_integration_key,
    list_custom_integration_keys,
)
from sunco_keys.models import IntegrationApiKey, IntegrationApiKeyListResponse
from tests.support.backends import BACKENDS, backend_options
from tests.support.mock_api import MockApi


def _wait_for(api: MockApi, method: str) -> None:
    """Until the server has a `method` request under way (logged, not yet answered)."""
    deadline = time.monotonic() + 10
    while not any(r["method"] == method and r["status"] is None for r in api.requests()):
        assert time.monotonic() < deadline, f"no {method} reached the server"
        time.sleep(0.02)


@pytest.mark.parametrize("backend", BACKENDS)
def test_closing_a_derived_client_lets_a_call_under_way_on_its_parent_finish(api: MockApi, backend: str) -> None:
    """A derived client closed (`with parent.with_headers(...) as child:`) while the parent's create was waiting for
    its answer closed the shared pool under it: the key was made on the server, and its secret lost to the caller."""
    mode, options = backend_options(backend)
    parent = api.connect(**options)
    api.inject({"delay": 1.5, "method": "POST"})
    body = IntegrationApiKey(display_name="ci-bot")
    args = (api.app_id, api.integration_id)
    if mode == "sync":
        outcome: dict[str, Any] = {}

        def create() -> None:
            try:
                outcome["key"] = create_custom_integration_key.sync(*args, client=parent, body=body)
            except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
                outcome["key"] = exc

        worker = threading.Thread(target=create)
        worker.start()
        _wait_for(api, "POST")
        with parent.with_headers({"X-Trace-Id": "t1"}) as child:
            list_custom_integration_keys.sync(*args, client=child)
        worker.join()
        created = outcome["key"]
        with parent:
            listed = list_custom_integration_keys.sync(*args, client=parent)  # the parent's pool opens again
    else:

        async def in_one_loop() -> tuple[Any, Any]:
            task = asyncio.create_task(create_custom_integration_key.asyncio(*args, client=parent, body=body))
            await asyncio.to_thread(_wait_for, api, "POST")
            async with parent.with_headers({"X-Trace-Id": "t1"}) as child:
                await list_custom_integration_keys.asyncio(*args, client=child)
            created = await task
            async with parent:
                return created, await list_custom_integration_keys.asyncio(*args, client=parent)

        created, listed = asyncio.run(in_one_loop())
    assert not isinstance(created, Exception), created
    assert created.key is not None and created.key.secret
    assert [r["status"] for r in api.requests() if r["method"] == "POST"] == [201]
    assert isinstance(listed, IntegrationApiKeyListResponse) and isinstance(listed.keys, list)
    assert [k.id for k in listed.keys] == [created.key.id]


def _socket_count() -> int:
    """Open sockets of this process (the mock server is another process)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:  # closed since listed
            pass
    return count


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switched as often as the interpreter allows, so that a race in the code under test shows up."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts sockets in /proc")
def test_first_calls_made_at_once_from_many_threads_open_one_pool_that_close_closes(
    api: MockApi, fast_switching: None
) -> None:
    """16 threads making a client's first call at once each made a pool of their own: all but one were orphaned,
    their connections never closed, not even by client.close()."""
    before = _socket_count()
    client = api.connect()
    start = threading.Barrier(16)
    failures: list[BaseException] = []

    def first_call() -> None:
        start.wait()
        try:
            list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)

    threads = [threading.Thread(target=first_call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    client.get_httpx_client().close()
    assert _socket_count() == before


@pytest.mark.parametrize("async_backend", ["aiohttp", "httpx"])
def test_first_calls_made_at_once_from_many_event_loops_meet_one_of_them(
    api: MockApi, async_backend: str, fast_switching: None
) -> None:
    """Threads each running an event loop made a client's first calls at once: every loop was let through, each
    replaced the pool, and calls failed with a bare RuntimeError ("attached to a different loop"). One loop wins;
    every call from the others is refused with the documented InvalidArgumentError."""
    client = api.connect(async_backend=async_backend)
    start, end = threading.Barrier(8), threading.Barrier(8)
    outcomes: list[list[object]] = []

    def loop_of_calls() -> None:
        async def calls() -> list[object]:
            start.wait()
            results = await asyncio.gather(
                *(
                    list_custom_integration_keys.asyncio(api.app_id, api.integration_id, client=client)
                    for _ in range(5)
                ),
                return_exceptions=True,
            )
            end.wait()
            if not isinstance(results[0], Exception):  # the loop the connections belong to closes them
                await client.get_async_httpx_client().aclose()
            return list(results)

        outcomes.append(asyncio.run(calls()))

    threads = [threading.Thread(target=loop_of_calls) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kinds = sorted({type(result).__name__ for results in outcomes for result in results})
    assert kinds == ["IntegrationApiKeyListResponse", "InvalidArgumentError"], kinds
    served = [results for results in outcomes if not isinstance(results[0], Exception)]
    assert len(served) == 1 and all(not isinstance(result, Exception) for result in served[0])


@pytest.mark.parametrize("async_backend", ["aiohttp", "httpx"])
def test_a_client_used_in_an_earlier_event_loop_is_closed_and_used_again_in_a_later_one(
    api: MockApi, async_backend: str
) -> None:
    """A module-level client used under one asyncio.run(), then entered under the next (pytest-asyncio's pattern):
    the call refused with InvalidArgumentError, and leaving the block raised a bare RuntimeError ("Event loop is
    closed") in its place, from closing the first loop's connections in the second. Once closed, the client opens
    new connections in whichever loop uses it next."""
    client = api.connect(async_backend=async_backend)
    args = (api.app_id, api.integration_id)
    asyncio.run(list_custom_integration_keys.asyncio(*args, client=client))

    async def entered_in_a_later_loop() -> None:
        async with client:
            await list_custom_integration_keys.asyncio(*args, client=client)

    with pytest.raises(sunco_keys.InvalidArgumentError, match="event loop that first used it"):
        asyncio.run(entered_in_a_later_loop())

    async def after_it_was_closed() -> Any:
        async with client.with_headers({"X-Trace-Id": "t1"}) as derived:  # the closed client's pool, reopened here
            return await list_custom_integration_keys.asyncio(*args, client=derived)

    listed = asyncio.run(after_it_was_closed())
    assert isinstance(listed, IntegrationApiKeyListResponse) and listed.keys == []


def test_pyreqwest_bounds_a_derived_client_s_call_by_its_own_timeout(api: MockApi) -> None:
    """pyreqwest's client bounds each phase itself, once per pool: with_timeout() on a client whose pool existed
    was ignored, so a derived client allowed 10 s still failed at its parent's 1 s read timeout."""
    parent = api.connect(sync_backend="pyreqwest", retries=0, timeout=1)
    args = (api.app_id, api.integration_id)
    with parent:
        list_custom_integration_keys.sync(*args, client=parent)  # the parent's pool, bounded by 1 s
        patient = parent.with_timeout(httpx.Timeout(10))
        api.inject({"delay": 2.0, "method": "GET"})
        listed = list_custom_integration_keys.sync(*args, client=patient)
        api.inject({"delay": 2.0, "method": "GET"})
        with pytest.raises(sunco_keys.TransportError, match="Timeout"):
            list_custom_integration_keys.sync(*args, client=parent)
    assert isinstance(listed, IntegrationApiKeyListResponse) and listed.keys == []


def _sockets_back_to(count: int) -> int:
    """This process's open sockets once they are down to `count`, or after 2 s: pyreqwest closes them in its own
    threads a moment after close() returns, and closes an idle one itself after the 5 s keep-alive expiry (which
    would hide one left open)."""
    deadline = time.monotonic() + 2
    while _socket_count() > count and time.monotonic() < deadline:
        time.sleep(0.05)
    return _socket_count()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts sockets in /proc")
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_client_closed_while_a_call_waits_to_retry_leaves_no_connection_open(api: MockApi, backend: str) -> None:
    """A GET answered 503 waits (Retry-After) before its next attempt; the client was closed meanwhile. That
    attempt opened a new pool, which nothing closed once the call ended: its connection stayed open for as long as
    the client object lived (aiohttp: "Unclosed client session" when it went). The call holds its pool for all its
    attempts, closed as it ends."""
    mode, options = backend_options(backend)
    gc.collect()  # an earlier test's clients, whose sockets would otherwise close during this one
    before = _socket_count()
    client = api.connect(**options)
    api.inject({"status": 503, "retry_after": "1", "method": "GET"})
    args = (api.app_id, api.integration_id)
    if mode == "sync":
        outcome: dict[str, Any] = {}

        def call() -> None:
            outcome["listed"] = list_custom_integration_keys.sync(*args, client=client)

        with client:
            worker = threading.Thread(target=call)
            worker.start()
            while not any(r["status"] == 503 for r in api.requests()):
                time.sleep(0.02)
        worker.join()
        listed = outcome["listed"]
    else:

        async def closed_under_a_call() -> Any:
            async with client:
                task = asyncio.create_task(list_custom_integration_keys.asyncio(*args, client=client))
                while not any(r["status"] == 503 for r in await asyncio.to_thread(api.requests)):
                    await asyncio.sleep(0.02)
            return await task

        listed = asyncio.run(closed_under_a_call())
    assert isinstance(listed, IntegrationApiKeyListResponse) and listed.keys == []
    assert [r["status"] for r in api.requests()] == [503, 200]
    assert _sockets_back_to(before) == before  # `client` still alive: a pool it holds would keep its socket


def test_pyreqwest_keeps_the_pool_in_use_while_derived_timeouts_come_and_go(api: MockApi) -> None:
    """Each timeout gets a pyreqwest pool of its own, of which the 4 most recently used are kept: a client in
    constant use keeps its connection while clients derived with other timeouts come and go (with_timeout() per
    call, from a deadline). Evicting the oldest made instead closed the busy pool once every 4 new timeouts."""
    client = api.connect(sync_backend="pyreqwest", retries=0)
    args = (api.app_id, api.integration_id)
    with client:
        list_custom_integration_keys.sync(*args, client=client)
        for seconds in (5, 6, 7, 8, 9, 10):
            list_custom_integration_keys.sync(*args, client=client.with_timeout(httpx.Timeout(seconds)))
            list_custom_integration_keys.sync(*args, client=client)
    ports = [r["client_port"] for r in api.requests()]
    assert len(ports) == 13 and None not in ports
    assert len(set(ports[::2])) == 1  # the client's own calls: one connection throughout
    assert len(set(ports[1::2])) == 6  # each derived timeout: a pool, and so a connection, of its own
