"""The exceptions sunco_keys raises: one base class, API errors named by status, decode and transport failures."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, ClassVar

import httpx

from .redaction import excerpt

if TYPE_CHECKING:
    from ..models.error import Error


class SuncoKeysError(Exception):
    """Base class of every exception raised by sunco_keys."""


class InvalidArgumentError(SuncoKeysError, ValueError):
    """An argument was refused before any request was sent."""


class TransportError(SuncoKeysError):
    """The request failed on the network (connection, timeout, protocol) after any retries; no answer to map."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        super().__init__(f"{method} {path} failed: {reason}")


class ResponseDecodeError(SuncoKeysError):
    """A response body was not the documented JSON: not JSON at all, or not the documented shape.

    `response` is the whole answer, body included, never shown in the message: after a 2xx the request may have
    taken effect (a create's answer holds the new key's only copy of its secret), so nothing of it is lost. A body
    that could not be decoded (corrupt, or in a content coding not asked for) is there as received, still encoded
    (without its Content-Encoding header, so that nothing decodes it unbounded); `response` is None for a body
    refused past the size limit.
    """

    def __init__(
        self, status_code: int, content_type: str, body: bytes, reason: str, response: httpx.Response | None = None
    ) -> None:
        self.status_code = status_code
        self.content_type = content_type
        self.body_excerpt = excerpt(body)
        self.response = response
        kept = ": the whole answer is in .response" if response is not None else ""
        took_effect = f" (the request may have taken effect{kept})" if 200 <= status_code < 300 else ""
        super().__init__(
            f"cannot decode the {status_code} response ({content_type or 'no content type'}): {reason}; "
            f"body starts {self.body_excerpt!r}{took_effect}"
        )


class ApiError(SuncoKeysError):
    """The API answered with a non-2xx status; `errors` holds its parsed error list (code, title)."""

    status: ClassVar[int | None] = None

    def __init__(
        self,
        status_code: int,
        errors: list[Error],
        method: str,
        path: str,
        body: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.errors = errors
        self.method = method
        self.path = path
        summary = "; ".join(f"{e.code}: {e.title}" for e in errors) or f"body starts {excerpt(body, 120)!r}"
        try:
            phrase = HTTPStatus(status_code).phrase
        except ValueError:
            phrase = "Unknown Status"
        super().__init__(f"{status_code} {phrase} from {method} {path}: {summary}")


class BadRequestError(ApiError):
    """400: the request was malformed (the API may list several errors)."""

    status = 400


class UnauthorizedError(ApiError):
    """401: missing or invalid credentials."""

    status = 401


class ForbiddenError(ApiError):
    """403: the credentials may not perform this operation."""

    status = 403


class NotFoundError(ApiError):
    """404: the app, integration or key does not exist."""

    status = 404


class ConflictError(ApiError):
    """409: the request conflicts with the current state."""

    status = 409


class RateLimitError(ApiError):
    """429: rate limited, still after any retries; `retry_after` is the server's wait in seconds, if it gave one."""

    status = 429

    def __init__(self, *args: object, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: a server-side failure, still after any retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls for cls in (BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError, ConflictError)
}


def parse_errors(body: bytes) -> list[Error]:
    """The `errors` list of an errorResponse body; empty when the body is not one.

    Only the items of the documented shape are kept: objects whose `code` and `title` are strings when present
    (the parser would otherwise hand out an Error whose `code` is, say, None, against its annotation).
    """
    from ..models.error import Error
    from .decode import json_document

    try:
        document = json_document(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the interpreter's recursion limit
        return []
    items = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return []
    errors = []
    for item in items:
        if isinstance(item, dict):
            try:
                error = Error.from_dict(item)
            except ValueError:  # InvalidArgumentError: a code or title that is not a string
                continue
            errors.append(error)
    return errors


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    from httpx_retries import Retry

    try:
        return Retry().parse_retry_after(value)
    except ValueError:
        return None


def request_path(request: httpx.Request) -> str:
    """The path as sent on the wire, still percent-encoded (so `a%2Fb` reads as the one segment it was)."""
    return request.url.raw_path.partition(b"?")[0].decode("ascii")


def error_for(response: httpx.Response, request: httpx.Request) -> ApiError:
    """The typed exception for a non-2xx response whose body has been read."""
    status = response.status_code
    args = (status, parse_errors(response.content), request.method, request_path(request), response.content)
    if status == 429:
        return RateLimitError(*args, retry_after=parse_retry_after(response.headers.get("Retry-After")))
    if 500 <= status <= 599:
        return ServerError(*args)
    return _BY_STATUS.get(status, ApiError)(*args)
