"""`MockApi`: the local server (scripts/mock_server.py) run as a subprocess, and a handle on its control API.

    with MockApi.start() as api:
        client = api.connect()  # sunco_keys.connect() with its URL and credentials
        api.inject({"status": 503, "method": "GET"})
        ...
        assert [r["status"] for r in api.requests()] == [503, 200]

The server runs with the interpreter running the tests; it answers on `url` (loopback, a free port) and accepts
the key `key_id`/`secret`. See the server's docstring for the API's rules and the fault members `inject` takes.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import sunco_keys

SERVER_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mock_server.py"
# The server's own defaults (scripts/mock_server.py); a test checks that they agree.
DEFAULT_KEY_ID = "app_64f0c1d2e3a4b5c6d7e8f901"
# A LOCAL DEVELOPMENT DEFAULT, not a credential of any real account.
DEFAULT_SECRET = "local-dev-only_mock-server-secret_not-a-real-credential_0123456789abcdefghijklmnopqrst"
# A key id of the right shape that the server never issues (for 404s and for paths that need some key id).
MISSING_KEY = "int_000000000000000000000000"
SECRET_ENV = "SUNCO_MOCK_SECRET"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


class MockApiError(RuntimeError):
    """The server could not be started, or its control API refused a call."""


class MockApi:
    """A running local server: where it listens, the credentials and seeds it has, and its control API."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        url: str,
        key_id: str,
        secret: str,
        seeds: Mapping[str, str],
        stderr: IO[bytes],
        control: httpx.Client,
    ) -> None:
        self.url = url
        self.key_id = key_id
        self.secret = secret
        self.app_id = seeds["app_id"]
        self.integration_id = seeds["integration_id"]
        self.non_custom_integration_id = seeds["non_custom_integration_id"]
        self._process = process
        self._stderr = stderr
        self._stderr_text: str | None = None
        self._control = control

    def __repr__(self) -> str:
        return f"MockApi(url={self.url!r}, key_id={self.key_id!r})"

    def connect(self, **options: Any) -> sunco_keys.Client:
        """`sunco_keys.connect()` to this server with its credentials; `options` are connect's other arguments."""
        import sunco_keys

        return sunco_keys.connect(key_id=self.key_id, secret=self.secret, base_url=self.url, **options)

    @classmethod
    def start(
        cls,
        key_id: str = DEFAULT_KEY_ID,
        secret: str = DEFAULT_SECRET,
        extra_args: Sequence[str] = (),
    ) -> MockApi:
        """Start the server on a free loopback port and wait until it listens; MockApiError if it does not.

        The secret reaches the server through its environment (SUNCO_MOCK_SECRET), never its command line.
        `extra_args` are more flags for the server (e.g. `["--app-id", "..."]`; give the key as `key_id`, not as a
        flag); the seeds are read back from the server.
        """
        command = [sys.executable, str(SERVER_SCRIPT), "--port", "0", "--key-id", key_id, "--watch-stdin", *extra_args]
        stderr = tempfile.TemporaryFile()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, SECRET_ENV: secret},
        )
        control: httpx.Client | None = None
        try:
            url = _first_line(process, START_TIMEOUT)
            if not url.startswith("http://"):
                raise MockApiError(f"the server's first line is not a URL: {url[:200]!r}")
            control = httpx.Client(base_url=url, timeout=10.0, trust_env=False)
            seeds = control.get("/__mock__/seeds").raise_for_status().json()
        except (MockApiError, httpx.HTTPError) as exc:
            if control is not None:
                control.close()
            terminate(process)
            message = f"the local server did not start: {exc}\n--- its stderr ---\n{_read(stderr)}"
            stderr.close()
            raise MockApiError(message) from None
        return cls(process, url, key_id, secret, seeds, stderr, control)

    # --- the control API ------------------------------------------------------------------------------------

    def inject(self, *faults: Mapping[str, object]) -> None:
        """Queue faults (FIFO); each applies to the next `times` API requests it matches."""
        self._call("POST", "/__mock__/faults", {"faults": list(faults)})

    def faults(self) -> list[dict[str, Any]]:
        """The faults still queued."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock__/faults")["faults"]
        return result

    def requests(self) -> list[dict[str, Any]]:
        """Every API request since the last reset, in order of arrival (method, raw_path, path, headers, auth,
        body, status)."""
        result: list[dict[str, Any]] = self._call("GET", "/__mock__/requests")["requests"]
        return result

    def reset(self) -> None:
        """Remove every created key, queued fault and logged request."""
        self._call("POST", "/__mock__/reset")

    def _call(self, method: str, path: str, body: object = None) -> Any:
        response = self._control.request(method, path, json=body)
        if response.status_code != 200:
            raise MockApiError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json()

    # --- lifetime -------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        """The server's exit status once it has exited, else None."""
        return self._process.poll()

    def stderr_text(self) -> str:
        """What the server wrote to stderr so far (all of it, once stopped)."""
        return self._stderr_text if self._stderr_text is not None else _read(self._stderr)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers); calling it again does nothing."""
        if self._stderr_text is not None:
            return
        self._control.close()
        terminate(self._process)
        self._stderr_text = _read(self._stderr)
        self._stderr.close()

    def __enter__(self) -> MockApi:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _first_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The first line of the process's stdout, waiting at most `timeout` seconds."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MockApiError(f"no URL on stdout within {timeout:.0f} s")
        ready, _, _ = select.select([descriptor], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(descriptor, 4096)
        if not chunk:
            raise MockApiError(f"the server exited with status {process.wait()} before printing its URL")
        data += chunk
    return data.partition(b"\n")[0].decode(errors="replace").strip()


def terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT; close its pipes."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _read(stream: IO[bytes]) -> str:
    """The whole file, read without moving the offset the server writes at (the two share it)."""
    descriptor = stream.fileno()
    return os.pread(descriptor, os.fstat(descriptor).st_size, 0).decode(errors="replace")
