"""A request's JSON body, checked and encoded before anything is sent (called by the generated endpoints)."""

from __future__ import annotations

import json
from typing import Any

from .paths import invalid_argument


def json_content(name: str, body: object, model: type[Any]) -> bytes:
    """`body` (an instance of `model`) as the UTF-8 JSON httpx would send; InvalidArgumentError when it cannot be.

    Checked here so that a wrong argument (None, a dict) or a value JSON cannot carry (NaN, an object, a lone
    surrogate) is refused with a clear error, not an AttributeError, TypeError or ValueError from deep inside httpx.
    """
    if not isinstance(body, model):
        raise invalid_argument(f"{name} must be a {model.__name__}, not {type(body).__name__}")
    try:
        return json.dumps(body.to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise invalid_argument(f"{name} cannot be sent as JSON ({type(exc).__name__}: {exc})") from None
