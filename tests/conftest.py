"""Fixtures shared by the whole suite: one local server per session (`mock_server`), reset for each test (`api`).

The session server runs with canary credentials, and every key secret it creates carries a canary marker, so the
leak scan (tests/support/leak_scan.py, registered here) can fail any test whose output shows a secret.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.canaries import CANARY_KEY_SECRET, KEY_SECRET_MARKER, leaks
from tests.support.mock_api import MockApi

pytest_plugins = ["tests.support.leak_scan"]


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockApi]:
    """The local server, started once per test session and stopped at its end, whatever happened."""
    server = MockApi.start(secret=CANARY_KEY_SECRET, extra_args=["--key-secret-prefix", KEY_SECRET_MARKER])
    try:
        yield server
    finally:
        server.stop()
        found = leaks(server.stderr_text())
        assert not found, f"secret leak: the local server's log shows {found}"


@pytest.fixture
def api(mock_server: MockApi) -> MockApi:
    """The session's local server with no keys, faults or logged requests left by an earlier test."""
    mock_server.reset()
    return mock_server
