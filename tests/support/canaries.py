"""The canary credentials the test suite runs with, and how to find them in text (see leak_scan.py)."""

from __future__ import annotations

# The canaries are recognisable on sight but shaped like the real things (long, url-safe).
CANARY_KEY_SECRET = "CANARYkeySecret-7f3c9a1e5b2d4068a9c1e7f0b3d5a2c4e6f8091a3b5c7d9e1f20"
CANARY_INDEX_PASSWORD = "CANARYindexPassword-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b"
CANARY_PROXY_PASSWORD = "CANARYproxyPassword-9d1f3b5a7c9e1d3f5b7a9c1e3d5f7b9a"
# Every key secret the local server creates, when started by the test suite, begins with this.
KEY_SECRET_MARKER = "CANARYsk"
CANARIES = (CANARY_KEY_SECRET, CANARY_INDEX_PASSWORD, CANARY_PROXY_PASSWORD, KEY_SECRET_MARKER)


def leaks(text: str) -> list[str]:
    """The canaries found in `text` (named by their first characters only, so the report leaks nothing)."""
    return [canary[:12] + "…" for canary in CANARIES if canary in text]
