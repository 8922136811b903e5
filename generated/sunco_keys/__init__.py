"""A client library for accessing Sunshine Conversations Custom Integration API Keys"""

from .client import AuthenticatedClient, Client
from .lib import (
    ApiError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    RetryPolicy,
    ServerError,
    SuncoKeysError,
    TransportError,
    UnauthorizedError,
    connect,
)

__all__ = (
    "ApiError",
    "AuthenticatedClient",
    "BadRequestError",
    "Client",
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
)
