"""A client used before fork() (a prefork server, a 'fork' process pool): each forked worker calls on connections of
its own, never on the parent's pooled ones, and pyreqwest, which cannot run in a fork, says so instead of hanging."""

from __future__ import annotations

import http.server
import json
import multiprocessing
import threading
from collections.abc import Callable, Iterator

import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import get_custom_integration_key
from sunco_keys.models import ApiKey, IntegrationApiKeyResponse
from tests.support.worker import outcome_in_this_process

KEY_ID, SECRET = "app_fork_key", "fork-test-secret"


class _Keys(http.server.BaseHTTPRequestHandler):
    """Answers GET .../keys/{id} with that key, and notes the client port each id was asked from."""

    protocol_version = "HTTP/1.1"  # keep-alive: a client reuses its pooled connection
    asked_from: dict[str, int]

    def do_GET(self) -> None:
        key_id = self.path.rsplit("/", 1)[-1]
        self.asked_from[key_id] = self.client_address[1]
        body = json.dumps({"key": {"id": key_id, "displayName": "fork test"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, int]]]:
    """The server's URL, and the client port each key id was asked from (filled as requests arrive)."""
    asked_from: dict[str, int] = {}
    handler = type("Keys", (_Keys,), {"asked_from": asked_from})
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_port}", asked_from
        httpd.shutdown()


def get(client: sunco_keys.Client, key_id: str) -> str:
    found = get_custom_integration_key.sync("app", "integration", key_id, client=client)
    assert isinstance(found, IntegrationApiKeyResponse) and isinstance(found.key, ApiKey)
    return str(found.key.id)


def in_a_fork(call: Callable[[], object]) -> tuple[str, str]:
    """How `call` ended in a forked child: ("returned", its result as a string) or (exception class, message)."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=outcome_in_this_process, args=(call, sending))
    child.start()
    ended = receiving.poll(60)
    if not ended:
        child.kill()
    child.join(10)
    assert ended, "the call in the forked child did not end"
    kind, message = receiving.recv()
    return str(kind), str(message)


def test_a_forked_worker_calls_on_a_connection_of_its_own_and_leaves_the_parent_s_alone(
    server: tuple[str, dict[str, int]],
) -> None:
    """Shared by two processes, one pooled socket would hand each the other's answers (seen with several workers:
    a get answered with another worker's key)."""
    url, asked_from = server
    with sunco_keys.connect(KEY_ID, SECRET, base_url=url, retries=0) as client:
        assert get(client, "parent") == "parent"  # the parent now has a pooled connection
        assert in_a_fork(lambda: get(client, "child")) == ("returned", "child")
        assert get(client, "parent-again") == "parent-again"
    assert asked_from["child"] != asked_from["parent"]
    assert asked_from["parent-again"] == asked_from["parent"]


@pytest.mark.parametrize("client_in_child", ["the parent's", "a new one"])
def test_pyreqwest_in_a_forked_worker_is_refused_with_what_to_do_instead_of_waiting_forever(
    server: tuple[str, dict[str, int]], client_in_child: str
) -> None:
    """pyreqwest's Tokio threads do not survive fork(): a call on the parent's client in a forked worker waited
    forever, timeouts included, and a new client there raised pyreqwest's bare RuntimeError."""
    url, _ = server
    with sunco_keys.connect(KEY_ID, SECRET, base_url=url, retries=0, sync_backend="pyreqwest") as client:
        assert get(client, "parent") == "parent"  # pyreqwest's runtime now runs in this process
        if client_in_child == "a new one":

            def call() -> str:
                return get(sunco_keys.connect(KEY_ID, SECRET, base_url=url, sync_backend="pyreqwest"), "child")

        else:

            def call() -> str:
                return get(client, "child")

        kind, message = in_a_fork(call)
        assert kind == "InvalidArgumentError", (kind, message)
        assert "pyreqwest" in message and "spawn" in message and SECRET not in message
        assert get(client, "parent-again") == "parent-again"  # the parent's client still works
