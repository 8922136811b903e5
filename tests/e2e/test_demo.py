"""`make demo` runs the main job end to end and prints each step, never a whole secret."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def test_demo_creates_lists_gets_deletes_and_shows_the_404() -> None:
    result = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"sunco-keys demo against the embedded local server at http://127\.0\.0\.1:\d+", lines[0])
    key_id = re.search(r"int_[0-9a-f]{24}", lines[1])
    assert key_id is not None
    assert [line.split()[:3] for line in lines[1:6]] == [
        ["1.", "create", "201:"],
        ["2.", "list", "200:"],
        ["3.", "get", "200:"],
        ["4.", "delete", "200:"],
        ["5.", "get", "404:"],
    ]
    assert key_id.group() in lines[2] and key_id.group() in lines[3]
    assert "NotFoundError (not_found: Resource not found)" in lines[5]
    assert lines[-1] == "done: the local server has stopped"
    # A secret is 86 url-safe characters: no run of 20 such characters other than ids may appear.
    assert not re.findall(r"(?<![_\w])(?!int_)[A-Za-z0-9_-]{20,}", result.stdout)
