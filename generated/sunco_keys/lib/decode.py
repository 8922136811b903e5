"""Turns every failure to decode a response body into ResponseDecodeError (called by the generated endpoints)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from .errors import ResponseDecodeError

T = TypeVar("T")


def decode_body(parse: Callable[..., T], *, client: Any, response: httpx.Response) -> T:
    """Run the generated parser; a body that is not a JSON object of the documented shape raises ResponseDecodeError.

    Every response schema of this API is a JSON object, so anything else (an HTML page from a proxy, an array,
    an empty body) is refused before the generated parser, which would accept some of them silently.
    """
    content_type = response.headers.get("Content-Type", "")
    if not response.content.lstrip().startswith(b"{"):
        raise ResponseDecodeError(response.status_code, content_type, response.content, "expected a JSON object")
    try:
        return parse(client=client, response=response)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ResponseDecodeError(
            response.status_code, content_type, response.content, f"{type(exc).__name__}: not the documented shape"
        ) from exc
