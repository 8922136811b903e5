"""Hand-written production layer of sunco_keys; the generator never writes here (scripts/generate.py keeps it).

It reaches the generated code only through its seams: `connect` configures the generated `Client` with an
`httpx.Auth` and one transport (retries, typed errors); the endpoint template calls `paths.path_segment`,
`paths.with_absolute_url` and `decode.decode_body`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .connection import connect
    from .errors import (
        ApiError,
        BadRequestError,
        ConflictError,
        ForbiddenError,
        InvalidArgumentError,
        NotFoundError,
        RateLimitError,
        ResponseDecodeError,
        ServerError,
        SuncoKeysError,
        TransportError,
        UnauthorizedError,
    )
    from .transport import RetryPolicy

__all__ = [
    "ApiError",
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "InvalidArgumentError",
    "NotFoundError",
    "RateLimitError",
    "ResponseDecodeError",
    "RetryPolicy",
    "ServerError",
    "SuncoKeysError",
    "TransportError",
    "UnauthorizedError",
    "connect",
]

# Each name is imported from its module on first use (PEP 562), so that the generated endpoints, which import
# lib.decode and lib.paths, do not load connect, the transport and auth with them (bench/results.md: import).
_HOME = {name: ".errors" for name in __all__} | {"connect": ".connection", "RetryPolicy": ".transport"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
