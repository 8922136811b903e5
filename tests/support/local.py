"""Local machinery tests share: a free loopback port, and git run with a throw-away identity."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

# So that a commit works on any machine (no user configured) and is never signed.
_IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def git(root: Path, *arguments: str) -> None:
    """`git -C root ARGUMENTS`, failing the test if git fails."""
    subprocess.run(["git", "-C", str(root), *_IDENTITY, *arguments], check=True, capture_output=True, timeout=60)
