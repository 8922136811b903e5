"""Runs nginx on a free loopback port with bench/nginx.conf.template, every runtime file in a temporary folder.

`nginx_server()` is a context manager: it yields the base URL and always stops nginx (and removes the folder)
on the way out, so a benchmark that fails leaves no process and no file behind.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
PLACEHOLDERS = ("${PREFIX}", "${PORT}")


class ServerError(RuntimeError):
    """nginx is missing, its configuration is refused, or it did not start listening."""


def nginx_binary() -> str:
    """The nginx executable: on PATH or in one of Debian's and the upstream build's usual places."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in NGINX_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise ServerError("nginx is not installed (make bench installs it: apt-get install -y nginx-light)")


def render_config(template: str, prefix: Path, port: int) -> str:
    """The template with its two placeholders filled; any other `${...}` left over is a template error."""
    text = template.replace("${PREFIX}", str(prefix)).replace("${PORT}", str(port))
    if "${" in text:
        raise ServerError("nginx.conf.template has a placeholder other than " + ", ".join(PLACEHOLDERS))
    return text


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"nginx exited with status {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise ServerError(f"nginx did not listen on 127.0.0.1:{port} in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT)  # graceful: the master waits for its worker
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def nginx_server(attempts: int = 3) -> Iterator[str]:
    """Start nginx on a free loopback port; yield its base URL; stop it and remove its files afterwards."""
    binary = nginx_binary()
    template = TEMPLATE.read_text(encoding="utf-8")
    prefix = Path(tempfile.mkdtemp(prefix="sunco-bench-nginx-"))
    try:
        for attempt in range(attempts):
            port = free_port()
            config = prefix / "nginx.conf"
            config.write_text(render_config(template, prefix, port), encoding="utf-8")
            error_log = prefix / "error.log"
            command = [binary, "-p", str(prefix), "-c", str(config), "-e", str(error_log)]
            with (prefix / "stderr.log").open("wb") as stderr:
                process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
            try:
                _wait_listening(port, process, time.monotonic() + 10)
            except ServerError:
                _stop(process)
                if attempt == attempts - 1:
                    log = "".join(
                        p.read_text(errors="replace") for p in (prefix / "stderr.log", error_log) if p.exists()
                    )
                    raise ServerError(f"nginx did not start; error.log:\n{log}") from None
                continue
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                _stop(process)
            return
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
