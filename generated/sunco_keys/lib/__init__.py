"""Hand-written production layer of sunco_keys; the generator never writes here (scripts/generate.py keeps it).

It reaches the generated code only through its seams: `connect` configures the generated `Client` with an
`httpx.Auth` and one transport (retries, typed errors); the endpoint template calls `paths.path_segment`
and `decode.decode_body`.
"""

from .connect import connect
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
