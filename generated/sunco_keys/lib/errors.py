"""The exceptions sunco_keys raises: one base class, API errors named by status, decode and transport failures."""

from __future__ import annotations

import datetime
import email.utils
import math
from collections.abc import Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from .redaction import clipped, excerpt, scrubbed, sent_secrets

if TYPE_CHECKING:
    from ..models.error import Error


class SuncoKeysError(Exception):
    """Base class of every exception raised by sunco_keys."""

    def __reduce__(self) -> tuple[Any, ...]:
        # An exception pickles as `cls(*args)` by default, which these constructors do not take: it is rebuilt from
        # its state instead, so that one raised in a worker process (multiprocessing, ProcessPoolExecutor) reaches
        # the parent whole rather than breaking the pool.
        return (_rebuilt, (type(self), self.args, self._pickled_state()))

    def _pickled_state(self) -> dict[str, Any]:
        return dict(vars(self))


def _rebuilt(kind: type[SuncoKeysError], args: tuple[Any, ...], state: dict[str, Any]) -> SuncoKeysError:
    """A pickled sunco_keys error, rebuilt without calling its constructor."""
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidArgumentError(SuncoKeysError, ValueError):
    """An argument was refused before any request was sent."""


class TransportError(SuncoKeysError):
    """The request failed on the network (connection, timeout, protocol) after any retries; no answer to map.

    `may_have_taken_effect` is False only when no attempt reached the server, or every one that did was answered
    429 (refused, connect or pool timeout otherwise): then a create surely made no key, and may be sent again.
    """

    def __init__(self, method: str, path: str, reason: str, *, may_have_taken_effect: bool = True) -> None:
        self.method = method
        self.path = path
        self.may_have_taken_effect = may_have_taken_effect
        super().__init__(f"{method} {path} failed: {reason}")


class ResponseDecodeError(SuncoKeysError):
    """A response body was not the documented JSON: not JSON at all, or not the documented shape.

    `response` is the whole answer, body included, never shown in the message: after a 2xx the request may have
    taken effect (a create's answer holds the new key's only copy of its secret), so nothing of it is lost. A body
    that could not be decoded (corrupt, or in a content coding not asked for) is there as received, still encoded
    (without its Content-Encoding header, so that nothing decodes it unbounded); `response` is None for a body
    refused past the size limit. `hide`: values masked wherever the message holds them (redaction.sent_secrets);
    `head_only`: `body` is only the first bytes of the body, which may end inside one of them.
    """

    def __init__(
        self,
        status_code: int,
        content_type: str,
        body: bytes,
        reason: str,
        response: httpx.Response | None = None,
        *,
        hide: Sequence[str] = (),
        head_only: bool = False,
    ) -> None:
        self.status_code = status_code
        self.content_type = clipped(scrubbed(content_type, hide), 200)  # a header: a server may echo into it too
        self.body_excerpt = excerpt(body, hide=hide, cut=head_only)
        self.response = response
        reason = scrubbed(reason, hide)  # it may quote a header
        kept = ": the whole answer is in .response" if response is not None else ""
        took_effect = f" (the request may have taken effect{kept})" if 200 <= status_code < 300 else ""
        super().__init__(
            f"cannot decode the {status_code} response ({self.content_type or 'no content type'}): {reason}; "
            f"body starts {self.body_excerpt!r}{took_effect}"
        )

    def _pickled_state(self) -> dict[str, Any]:
        # The response as it came, answering a request that carries no header, and with any echo of the request's
        # credentials in its headers masked: the credentials stay in this process. The body is kept as received
        # (a create's answer holds the new key's only secret; it may be encoded, so nothing could be masked in it).
        state = super()._pickled_state()
        response = self.response
        if response is not None:
            request = answered_request(response)
            hide = sent_secrets(request)
            try:
                content = response.content
            except httpx.ResponseNotRead:  # not from sunco_keys, which reads every body it refuses
                state["response"] = None
            else:
                state["response"] = httpx.Response(
                    response.status_code,
                    headers=[(name, scrubbed(value, hide)) for name, value in response.headers.items()],
                    content=content,
                    request=httpx.Request(request.method, request.url) if request is not None else None,
                )
        return state


class ApiError(SuncoKeysError):
    """The API answered with a non-2xx status; `errors` holds its parsed error list (code, title).

    `retry_after`: the seconds to wait that the answer's Retry-After header gave (a 429's or a 503's), if any.
    `may_have_taken_effect`: True for a 5xx (the server failed, maybe part-way; a gateway may have lost the answer
    of a request done) and when an earlier attempt of the call reached the server (`earlier_attempt_reached`,
    its answer lost or a 502/503/504): a retried DELETE answered 404 may be 404 because that attempt deleted the key.
    The message shows the errors (at most SUMMARY_LIMIT characters of them) or the start of the body, with each
    value of `hide` masked (redaction.sent_secrets: the request's credentials, should the server echo them).
    """

    status: ClassVar[int | None] = None
    SUMMARY_LIMIT: ClassVar[int] = 500

    def __init__(
        self,
        status_code: int,
        errors: list[Error],
        method: str,
        path: str,
        body: bytes = b"",
        *,
        hide: Sequence[str] = (),
        retry_after: float | None = None,
        earlier_attempt_reached: bool = False,
    ) -> None:
        self.status_code = status_code
        self.errors = errors
        self.method = method
        self.path = path
        self.retry_after = retry_after
        self.may_have_taken_effect = earlier_attempt_reached or 500 <= status_code <= 599
        listed = "; ".join(f"{e.code}: {e.title}" for e in errors)
        summary = clipped(scrubbed(listed, hide), self.SUMMARY_LIMIT) or f"body starts {excerpt(body, 120, hide)!r}"
        try:
            phrase = HTTPStatus(status_code).phrase
        except ValueError:
            phrase = "Unknown Status"
        earlier = "; an earlier attempt reached the server: the request may have taken effect"
        super().__init__(
            f"{status_code} {phrase} from {method} {path}: {summary}{earlier if earlier_attempt_reached else ''}"
        )


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


class ServerError(ApiError):
    """5xx: a server-side failure, still after any retries; it may have taken effect (`may_have_taken_effect`)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls for cls in (BadRequestError, UnauthorizedError, ForbiddenError, NotFoundError, ConflictError)
}


def parse_errors(body: bytes, hide: Sequence[str] = ()) -> list[Error]:
    """The `errors` list of an errorResponse body; empty when the body is not one.

    Only the items of the documented shape are kept: objects whose `code` and `title` are strings when present
    (the parser would otherwise hand out an Error whose `code` is, say, None, against its annotation). Each value
    of `hide` is masked in their text, as in the message (an Error's repr shows its title).
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
                error = Error.from_dict(_scrubbed_json(item, hide) if hide else item)
            except ValueError:  # InvalidArgumentError: a code or title that is not a string
                continue
            errors.append(error)
    return errors


def _scrubbed_json(value: Any, hide: Sequence[str]) -> Any:
    """A copy of a JSON value with each of `hide` masked in its string values (names are kept: a short secret
    inside `code` must not unmake the member)."""
    if isinstance(value, str):
        return scrubbed(value, hide)
    if isinstance(value, dict):
        return {name: _scrubbed_json(item, hide) for name, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed_json(item, hide) for item in value]
    return value


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or invalid.

    A date without a zone is read as UTC. A count of seconds too large for a float (hundreds of digits) is invalid
    too: `inf` would only move the failure to the caller's `time.sleep` or `timedelta`. Nothing is logged: a server
    or a proxy may echo anything into the header, the request's credentials included.
    """
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year past any datetime's (22 digits)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def answered_request(response: httpx.Response) -> httpx.Request | None:
    """The request `response` answers; None for a response built by hand (httpx raises RuntimeError there)."""
    try:
        return response.request
    except RuntimeError:
        return None


def request_path(request: httpx.Request) -> str:
    """The path as sent on the wire, still percent-encoded (so `a%2Fb` reads as the one segment it was)."""
    return request.url.raw_path.partition(b"?")[0].decode("ascii")


def error_for(response: httpx.Response, request: httpx.Request, *, earlier_attempt_reached: bool = False) -> ApiError:
    """The typed exception for a non-2xx response whose body has been read; the request's credentials masked."""
    status = response.status_code
    hide = sent_secrets(request)
    kind = (
        RateLimitError if status == 429 else ServerError if 500 <= status <= 599 else _BY_STATUS.get(status, ApiError)
    )
    return kind(
        status,
        parse_errors(response.content, hide),
        request.method,
        request_path(request),
        response.content,
        hide=hide,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        earlier_attempt_reached=earlier_attempt_reached,
    )
