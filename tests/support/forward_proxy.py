"""`ForwardProxy`: proxy.py (a real HTTP forward proxy: plain requests and CONNECT tunnels, Basic auth) run as a
subprocess on a loopback port, for the tests of connect(proxy=...)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 20.0


class ForwardProxy:
    """A running proxy: its URL (credentials included, when it asks for them) and what it wrote to stderr."""

    def __init__(self, port: int, user: str | None, password: str | None, log: Path) -> None:
        self.port = port
        self.user, self.password = user, password
        self._log = log

    @property
    def url(self) -> str:
        credentials = f"{self.user}:{self.password}@" if self.user else ""
        return f"http://{credentials}127.0.0.1:{self.port}"

    def url_as(self, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self._log.read_text(errors="replace")


@contextmanager
def forward_proxy(user: str | None = None, password: str | None = None) -> Iterator[ForwardProxy]:
    """Start proxy.py on a free loopback port (asking for `user`/`password` when given); stop it on exit."""
    with tempfile.TemporaryDirectory(prefix="sunco-proxy-") as folder:
        root = Path(folder)
        port_file, log = root / "port", root / "stderr.log"
        arguments = ["--hostname", "127.0.0.1", "--port", "0", "--port-file", str(port_file)]
        arguments += ["--threaded", "--num-workers", "1", "--num-acceptors", "1", "--log-level", "WARNING"]
        arguments += ["--data-dir", str(root / "data")]  # not ~/.proxy
        if user is not None:
            arguments += ["--basic-auth", f"{user}:{password}"]
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "proxy", *arguments], stdout=subprocess.DEVNULL, stderr=stderr
            )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"proxy.py did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.05)
            yield ForwardProxy(int(port_file.read_text()), user, password, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
