"""A local, in-memory stand-in for the Sunshine Conversations Custom Integration API Keys endpoints.

It serves the four operations of `openapi.yaml` over real HTTP (aiohttp), behaving as the real API does (the rules
below), so that the client can be exercised end to end without network access or real credentials.
It is a development and test tool: never expose it beyond the loopback interface.

Run it:

    python scripts/mock_server.py [--host 127.0.0.1] [--port 0] [--key-id ID] [--secret SECRET]
                                  [--app-id ID] [--integration-id ID] [--non-custom-integration-id ID]
                                  [--watch-stdin]

The first line it writes to stdout is the URL it listens on (e.g. `http://127.0.0.1:43211`), flushed; nothing
else ever goes to stdout. It then serves until SIGTERM or SIGINT and exits with status 0. Warnings and
unexpected errors go to stderr; requests are not logged, and neither secrets nor Authorization headers ever are.

Flags and defaults:

- `--host` (127.0.0.1) and `--port` (0: the system picks a free port).
- `--key-id` (`DEFAULT_KEY_ID`, `app_64f0c1d2e3a4b5c6d7e8f901`): the API key the server accepts; its prefix sets the
  JWT scope it requires (`app_…` → `app`, `act_…`/`svc_…` → `account`).
- `--secret`: that key's secret; default: the environment variable SUNCO_MOCK_SECRET if set (which keeps it out of
  the process list), else `DEFAULT_SECRET`, a fixed 86-character string that is a LOCAL DEVELOPMENT DEFAULT ONLY,
  not a credential of any real account.
- `--app-id` (`5d8cff3cd55b040010928b5b`), `--integration-id` (`029c31f25a21b47effd7be90`, a custom integration)
  and `--non-custom-integration-id` (`5e4af71a81966a0dd8a5ee93`, an integration of another type): the seeds.
- `--key-secret-prefix` (empty): every secret the server creates starts with this (the rest stays random, the
  whole still 86 characters), so that a test suite can scan its output for leaked key secrets.
- `--watch-stdin`: also exit (cleanly) when stdin reaches end of file, so that a parent that dies without
  stopping the server (its end of the pipe closes) does not leave it running.

The API (every path not under `/__mock__/`):

- `POST/GET /v2/apps/{appId}/integrations/{integrationId}/keys`, `GET/DELETE …/keys/{keyId}`: create (201
  `{"key": …}`), list (200 `{"keys": […]}`, in creation order), get (200 `{"key": …}`), delete (200 `{}`).
  Keys are `int_` + 24 lowercase hex digits with a `secrets.token_urlsafe(64)` secret (86 characters).
- Path parameters are the percent-decoded segments of the path exactly as received (`a%2Fb` is the one id `a/b`).
- Checks, in this order: a path of neither shape → 404; credentials → 401 (Basic: username = key id, password =
  secret; or `Bearer` JWT: HS256 only, header `kid` = the key id, payload `scope` as above, `exp` honoured);
  a method the path does not have → 405 with `Allow` and an errorResponse (outside the spec on purpose: it is
  what schemathesis's `unsupported_method` check expects, and its conformance checks skip such probes);
  for create: a body over 100 kB (102400 bytes) → 413, a Content-Type other than application/json or a body
  that is not a JSON object → 400; unknown app or integration → 404; an integration that is not custom → 400
  "API keys are available only for custom integrations"; for create: `displayName` missing, not a string, or not
  1–100 characters → 400, an eleventh key → 400; for get and delete: an unknown key → 404.
- Every error body is an errorResponse: `{"errors": [{"code": …, "title": …}]}`.

The control API (under `/__mock__/`, unauthenticated, never logged, never faulted):

- `POST /__mock__/faults` with `{"faults": [fault, …]}` appends to a FIFO queue (all or nothing: 400 and nothing
  queued if one is invalid); answers `{"queued": n}` (the queue's length). `GET /__mock__/faults` lists the queue.
  A fault is an object with these members, all optional:
    - `status` (int 200–599). At 400 or above the request is NOT processed (no state change) and answered with
      this status. Below 400, the request is processed normally and only the answer's status is replaced.
    - `retry_after` (str): a `Retry-After` header added to the answer.
    - `set_cookie` (str): a `Set-Cookie` header added to the answer (as a proxy or load balancer may add one).
    - `delay` (number ≥ 0, seconds): wait this long before answering (after processing, if it is processed).
    - `body`: what the answer's body becomes:
        `"json"` (default): for a status ≥ 400 from the fault, an errorResponse naming that status; otherwise
        the normal answer (processed normally);
        `"malformed"`: invalid JSON labelled application/json;
        `"truncated"`: the first half of the "json" body, with a Content-Length of the whole, then the
        connection is closed (with no body to cut, a 204 or 304, the answer is whole and says `Connection: close`);
        `"html"`: a proxy's HTML error page (text/html);
        `"empty"`: no body at all (Content-Length 0, no Content-Type);
        `"raw"`: `raw_body` (a str, required with this kind) sent as is, labelled application/json;
        `"endless"`: a JSON list of keys that never ends (chunked, as fast as the client reads), until the client
        hangs up.
      With status 204 or 304 the answer has no body whatever the kind (HTTP allows none there).
    - `content_type` (str): replaces the Content-Type of the answer.
    - `compress` ("gzip" or "deflate"): send the body in this content coding (with its Content-Encoding, chunked),
      whatever the body is; an `"endless"` one compresses ~1000 to 1. aiohttp's compressor buffers: with `drip`,
      the compressed bytes arrive at the end.
    - `content_encoding` (str): a Content-Encoding header on a body not in that coding (a mislabelled body); not
      with `compress`.
    - `drip` (number > 0, at most 60, seconds): send the body one byte at a time, waiting this long after each.
    - `drop` (bool): close the connection without any answer (after processing, if it is processed).
    - `method` (str, case-insensitive): only requests with this method match.
    - `path` (str starting with `/`): only requests whose raw path (as on the wire, without the query string)
      starts with it match; an exact path is its own prefix.
    - `times` (int ≥ 1, default 1): how many matching requests it applies to.
  Each API request takes the first queued fault that matches it (and decrements its `times`, removing it at 0).
  Without `status`, state changes happen even when the answer is then delayed, mangled or dropped: the realistic
  case of a request that reached the server whose answer was lost.
- `GET /__mock__/requests` → `{"requests": [entry, …]}`, every API request since the last reset in order of
  arrival; an entry is `{"method", "raw_path" (the request target exactly as received, still percent-encoded,
  with any query string), "path" (percent-decoded), "headers" (all but Authorization and Proxy-Authorization),
  "auth" ("basic", "bearer", "other" or null: only the scheme of the Authorization header), "body" (text),
  "status" (the status answered, "dropped", or null while the request is still being answered), "client_port"
  (the port of the connection it came on, which tells a reused connection from a new one)}`.
- `POST /__mock__/reset`: removes every created key, queued fault and logged request; the seeds stay.
- `GET /__mock__/seeds` → `{"app_id", "integration_id", "non_custom_integration_id", "key_id"}` (no secret).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import hmac
import json
import logging
import os
import re
import secrets
import signal
import socket
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import jwt
from aiohttp import web

DEFAULT_HOST = "127.0.0.1"
DEFAULT_APP_ID = "5d8cff3cd55b040010928b5b"
DEFAULT_INTEGRATION_ID = "029c31f25a21b47effd7be90"
DEFAULT_NON_CUSTOM_INTEGRATION_ID = "5e4af71a81966a0dd8a5ee93"
DEFAULT_KEY_ID = "app_64f0c1d2e3a4b5c6d7e8f901"
# A LOCAL DEVELOPMENT DEFAULT, not a credential of any real account: as long as a real secret, visibly fake.
DEFAULT_SECRET = "local-dev-only_mock-server-secret_not-a-real-credential_0123456789abcdefghijklmnopqrst"
SECRET_ENV = "SUNCO_MOCK_SECRET"

MAX_BODY_BYTES = 100 * 1024
MAX_KEYS = 10
DISPLAY_NAME_MAX = 100
# Bodies beyond this are not even read (413 all the same).
READ_LIMIT = 16 * 1024 * 1024
CONTROL_PREFIX = "/__mock__/"
JSON_TYPE = "application/json; charset=utf-8"
SCOPES = {"app_": "app", "act_": "account", "svc_": "account"}
BODY_KINDS = ("json", "malformed", "truncated", "html", "empty", "raw", "endless")
CODINGS = ("gzip", "deflate")
# Statuses whose answers never carry a body (RFC 9110 §15.3.5, §15.4.5), whatever body a fault asks for.
BODILESS_STATUSES = frozenset({204, 304})
FAULT_FIELDS = frozenset(
    {
        "status",
        "retry_after",
        "set_cookie",
        "delay",
        "body",
        "raw_body",
        "content_type",
        "content_encoding",
        "compress",
        "drop",
        "drip",
        "method",
        "path",
        "times",
    }
)
# Fault members sent as header values.
HEADER_FIELDS = frozenset({"retry_after", "set_cookie", "content_type", "content_encoding"})
ERROR_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Authorization is required"),
    403: ("forbidden", "Cannot perform this action"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("payload_too_large", "Request body must be at most 100 kB"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_server_error", "Internal server error"),
    502: ("bad_gateway", "Bad gateway"),
    503: ("service_unavailable", "Service unavailable"),
    504: ("gateway_timeout", "Gateway timeout"),
}
KEYS_PATH = re.compile(r"/v2/apps/([^/]*)/integrations/([^/]*)/keys")
KEY_PATH = re.compile(r"/v2/apps/([^/]*)/integrations/([^/]*)/keys/([^/]*)")
ALLOWED_METHODS = {KEYS_PATH: ("GET", "POST"), KEY_PATH: ("DELETE", "GET")}

logger = logging.getLogger("mock_server")
# A short --secret is the operator's choice; do not warn about it on every request.
warnings.filterwarnings("ignore", category=jwt.warnings.InsecureKeyLengthWarning)


def error_document(status: int, title: str | None = None, code: str | None = None) -> dict[str, Any]:
    """An errorResponse for `status`, with the usual code and title unless given."""
    default_code, default_title = ERROR_CODES.get(status, _status_code_and_title(status))
    return {"errors": [{"code": code or default_code, "title": title or default_title}]}


def _status_code_and_title(status: int) -> tuple[str, str]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_") or "error", phrase


@dataclass
class Answer:
    """What the API answers, before any fault mangles it."""

    status: int
    document: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, title: str | None = None, code: str | None = None) -> Answer:
    return Answer(status, error_document(status, title, code))


@dataclass
class Fault:
    """One queued fault; see the module docstring for the meaning of each member."""

    status: int | None = None
    retry_after: str | None = None
    set_cookie: str | None = None
    delay: float = 0.0
    body: str = "json"
    raw_body: str = ""
    content_type: str | None = None
    content_encoding: str | None = None
    compress: str | None = None
    drop: bool = False
    drip: float | None = None
    method: str | None = None
    path: str | None = None
    times: int = 1

    @property
    def short_circuits(self) -> bool:
        """Whether the request is answered by the fault alone, without being processed."""
        return self.status is not None and self.status >= 400

    def matches(self, method: str, raw_path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path is None or raw_path.startswith(self.path)

    def describe(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if value is not None}

    @classmethod
    def parse(cls, spec: object) -> Fault:
        """A Fault from its JSON form; ValueError names what is wrong."""
        if not isinstance(spec, dict):
            raise ValueError("a fault must be a JSON object")
        unknown = sorted(set(spec) - FAULT_FIELDS)
        if unknown:
            raise ValueError(f"unknown fault member(s): {', '.join(unknown)}")
        fault = cls()
        status = spec.get("status")
        if status is not None:
            if not _is_int(status) or not 200 <= status <= 599:
                raise ValueError("status must be an integer from 200 to 599")
            fault.status = status
        for name in ("retry_after", "set_cookie", "content_type", "content_encoding", "method", "path", "raw_body"):
            value = spec.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be a string")
            if name in HEADER_FIELDS and value is not None and not value.isprintable():
                raise ValueError(f"{name} must be a header value: printable, without CR or LF")
        fault.retry_after = spec.get("retry_after")
        fault.set_cookie = spec.get("set_cookie")
        fault.content_type = spec.get("content_type")
        fault.content_encoding = spec.get("content_encoding")
        fault.raw_body = spec.get("raw_body") or ""
        method = spec.get("method")
        fault.method = method.upper() if method is not None else None
        path = spec.get("path")
        if path is not None and not path.startswith("/"):
            raise ValueError("path must start with /")
        fault.path = path
        delay = spec.get("delay", 0)
        if not _is_number(delay) or not 0 <= delay <= 3600:
            raise ValueError("delay must be a number of seconds from 0 to 3600")
        fault.delay = float(delay)
        body = spec.get("body", "json")
        if body not in BODY_KINDS:
            raise ValueError(f"body must be one of {', '.join(BODY_KINDS)}")
        if body == "raw" and not isinstance(spec.get("raw_body"), str):
            raise ValueError('body "raw" needs raw_body, a string')
        fault.body = body
        compress = spec.get("compress")
        if compress is not None and compress not in CODINGS:
            raise ValueError(f"compress must be one of {', '.join(CODINGS)}")
        if compress is not None and fault.content_encoding is not None:
            raise ValueError("compress and content_encoding exclude each other")
        fault.compress = compress
        drop = spec.get("drop", False)
        if not isinstance(drop, bool):
            raise ValueError("drop must be true or false")
        fault.drop = drop
        drip = spec.get("drip")
        if drip is not None:
            if not _is_number(drip) or not 0 < drip <= 60:
                raise ValueError("drip must be a number of seconds above 0, at most 60")
            fault.drip = float(drip)
        times = spec.get("times", 1)
        if not _is_int(times) or times < 1:
            raise ValueError("times must be an integer of at least 1")
        fault.times = times
        return fault


async def _write_endlessly(response: web.StreamResponse) -> None:
    """Write a JSON list of keys that never ends; returns only by the client hanging up (ConnectionError)."""
    await response.write(b'{"keys": [')
    chunk = b'{"id": "int_000000000000000000000000", "displayName": "endless"}, ' * 1024
    while True:
        await response.write(chunk)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class Integration:
    custom: bool
    keys: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    key_id: str
    secret: str = field(repr=False)
    app_id: str = DEFAULT_APP_ID
    integration_id: str = DEFAULT_INTEGRATION_ID
    non_custom_integration_id: str = DEFAULT_NON_CUSTOM_INTEGRATION_ID
    key_secret_prefix: str = ""

    @property
    def scope(self) -> str:
        return SCOPES[self.key_id[:4]]


class ApiState:
    """The state (keys, fault queue, request log) and the aiohttp handler of one server.

    Everything runs on one event loop and state changes never await, so concurrent requests need no lock.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.apps: dict[str, dict[str, Integration]] = {}
        self.faults: list[Fault] = []
        self.log: list[dict[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        self.apps = {
            self.config.app_id: {
                self.config.integration_id: Integration(custom=True),
                self.config.non_custom_integration_id: Integration(custom=False),
            }
        }
        self.faults.clear()
        self.log.clear()

    # --- dispatch -------------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        if raw_path.startswith(CONTROL_PREFIX):
            return await self.control(request, raw_path)
        return await self.api(request, raw_path)

    # --- the API --------------------------------------------------------------------------------------------

    async def api(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        entry: dict[str, Any] = {
            "method": request.method,
            "raw_path": request.raw_path,
            "path": _decoded_path(request),
            "headers": _loggable_headers(request),
            "auth": _auth_scheme(request.headers.get("Authorization")),
            "body": "",
            "status": None,
            "client_port": _client_port(request),
        }
        self.log.append(entry)
        try:
            body: bytes | None = await request.read()
        except web.HTTPRequestEntityTooLarge:
            body = None
        entry["body"] = (body or b"").decode("utf-8", errors="replace")
        fault = self._take_fault(request.method, raw_path)
        try:
            if fault is not None and fault.short_circuits:
                assert fault.status is not None
                answer = error(fault.status)
            else:
                answer = self.answer(request, raw_path, body)
                if fault is not None and fault.status is not None:
                    answer.status = fault.status
        except Exception:
            logger.exception("unexpected error answering %s %s", request.method, raw_path)
            answer = error(500)
        if fault is None:
            entry["status"] = answer.status
            return _json_response(answer)
        return await self._faulty(request, entry, answer, fault)

    def _take_fault(self, method: str, raw_path: str) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.matches(method, raw_path):
                fault.times -= 1
                if fault.times == 0:
                    del self.faults[index]
                return fault
        return None

    def answer(self, request: web.Request, raw_path: str, body: bytes | None) -> Answer:
        """The answer of the API proper: routing, auth, validation and the state change."""
        match = KEY_PATH.fullmatch(raw_path) or KEYS_PATH.fullmatch(raw_path)
        if match is None:
            return error(404)
        if not self.authorized(request.headers.getall("Authorization", [])):
            return error(401)
        allowed = ALLOWED_METHODS[match.re]
        if request.method not in allowed:
            answer = error(405)
            answer.headers["Allow"] = ", ".join(allowed)
            return answer
        app_id, integration_id, *rest = (unquote(part, errors="replace") for part in match.groups())
        document: object = None
        if match.re is KEYS_PATH and request.method == "POST":
            problem, document = _json_body(request, body)
            if problem is not None:
                return problem
        integration = self.apps.get(app_id, {}).get(integration_id)
        if integration is None:
            return error(404)
        if not integration.custom:
            return error(400, "API keys are available only for custom integrations")
        if match.re is KEYS_PATH:
            if request.method == "GET":
                return Answer(200, {"keys": list(integration.keys.values())})
            return _create(integration, document, self.config.key_secret_prefix)
        key = integration.keys.get(rest[0])
        if key is None:
            return error(404)
        if request.method == "GET":
            return Answer(200, {"key": key})
        del integration.keys[rest[0]]
        return Answer(200, {})

    def authorized(self, headers: Sequence[str]) -> bool:
        if len(headers) != 1:
            return False
        scheme, _, credentials = headers[0].strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic":
            return self._basic_ok(credentials)
        if scheme.lower() == "bearer":
            return self._bearer_ok(credentials)
        return False

    def _basic_ok(self, credentials: str) -> bool:
        try:
            decoded = base64.b64decode(credentials, validate=True)
        except (binascii.Error, ValueError):
            return False
        username, separator, password = decoded.partition(b":")
        id_ok = hmac.compare_digest(username, self.config.key_id.encode())
        secret_ok = hmac.compare_digest(password, self.config.secret.encode())
        return bool(separator) and id_ok and secret_ok

    def _bearer_ok(self, token: str) -> bool:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return False
        kid = header.get("kid")
        if header.get("alg") != "HS256" or not isinstance(kid, str):
            return False
        if not hmac.compare_digest(kid.encode(), self.config.key_id.encode()):
            return False
        try:
            payload = jwt.decode(token, self.config.secret, algorithms=["HS256"], options={"verify_aud": False})
        except jwt.PyJWTError:
            return False
        return payload.get("scope") == self.config.scope

    async def _faulty(
        self, request: web.Request, entry: dict[str, Any], answer: Answer, fault: Fault
    ) -> web.StreamResponse:
        if fault.retry_after is not None:
            answer.headers["Retry-After"] = fault.retry_after
        if fault.set_cookie is not None:
            answer.headers["Set-Cookie"] = fault.set_cookie
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            entry["status"] = "dropped"
            _close(request)
            return web.Response(status=204)  # never sent: the transport is closed
        entry["status"] = answer.status
        encoded = json.dumps(answer.document).encode()
        content_type: str | None = JSON_TYPE
        if fault.body == "malformed":
            encoded = b'{"errors": [{"code": "internal_server_error", "title": '
        elif fault.body == "html":
            phrase = _status_code_and_title(answer.status)[1]
            encoded = (
                f"<html>\r\n<head><title>{answer.status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{answer.status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n"
            ).encode()
            content_type = "text/html; charset=utf-8"
        elif fault.body == "empty":
            encoded, content_type = b"", None
        elif fault.body == "raw":
            encoded = fault.raw_body.encode()
        if fault.content_type is not None:
            content_type = fault.content_type
        if answer.status in BODILESS_STATUSES:
            # HTTP forbids a body here: bytes written anyway would be read as the start of the next response on
            # the connection, corrupting an unrelated request.
            encoded = b""
        response = web.StreamResponse(status=answer.status, headers=answer.headers)
        if content_type is not None:
            response.headers["Content-Type"] = content_type
        if fault.content_encoding is not None:
            response.headers["Content-Encoding"] = fault.content_encoding
        if fault.body == "truncated" and not encoded:
            # Nothing to cut: the answer is whole, so the close that follows it is announced, as a server that closes
            # after an answer does (RFC 9112 9.6). Unannounced, the client could pool the connection and send its
            # next request on it before it sees the close: that request would fail without ever reaching here.
            response.force_close()
        endless = fault.body == "endless" and answer.status not in BODILESS_STATUSES
        if fault.compress is not None and answer.status not in BODILESS_STATUSES:
            response.enable_compression(web.ContentCoding(fault.compress))  # chunked: the compressed length is unknown
        elif endless:
            response.enable_chunked_encoding()
        else:
            response.content_length = len(encoded)
        await response.prepare(request)
        try:
            if endless:
                await _write_endlessly(response)
            if fault.body == "truncated":
                await response.write(encoded[: max(1, len(encoded) // 2)])
                _close(request)
                return response
            if fault.drip is not None:
                for index in range(len(encoded)):
                    await response.write(encoded[index : index + 1])
                    await asyncio.sleep(fault.drip)
            else:
                await response.write(encoded)
            await response.write_eof()
        except ConnectionError:
            pass  # the client hung up part-way (as it should, on an endless or dripping body)
        return response

    # --- the control API ------------------------------------------------------------------------------------

    async def control(self, request: web.Request, raw_path: str) -> web.StreamResponse:
        route = (request.method, raw_path[len(CONTROL_PREFIX) :])
        if route == ("POST", "faults"):
            try:
                document = json.loads(await request.read())
                specs = document.get("faults") if isinstance(document, dict) else None
                if not isinstance(specs, list):
                    raise ValueError('the body must be {"faults": [fault, ...]}')
                faults = [Fault.parse(spec) for spec in specs]
            except ValueError as exc:
                return web.json_response({"error": str(exc)}, status=400)
            self.faults.extend(faults)
            return web.json_response({"queued": len(self.faults)})
        if route == ("GET", "faults"):
            return web.json_response({"faults": [fault.describe() for fault in self.faults]})
        if route == ("GET", "requests"):
            return web.json_response({"requests": self.log})
        if route == ("POST", "reset"):
            self.reset()
            return web.json_response({})
        if route == ("GET", "seeds"):
            config = self.config
            return web.json_response(
                {
                    "app_id": config.app_id,
                    "integration_id": config.integration_id,
                    "non_custom_integration_id": config.non_custom_integration_id,
                    "key_id": config.key_id,
                }
            )
        return web.json_response({"error": f"no control endpoint {request.method} {raw_path}"}, status=404)


def _json_body(request: web.Request, body: bytes | None) -> tuple[Answer | None, object]:
    """The create body as JSON, or the error answering it."""
    if body is None or len(body) > MAX_BODY_BYTES:
        return error(413), None
    media_type = request.headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        return error(400, "Content-Type must be application/json"), None
    try:
        document = json.loads(body)
    except ValueError:
        return error(400, "The request body must be a valid JSON object"), None
    if not isinstance(document, dict):
        return error(400, "The request body must be a valid JSON object"), None
    return None, document


def _create(integration: Integration, document: object, secret_prefix: str) -> Answer:
    assert isinstance(document, dict)
    display_name = document.get("displayName")
    if "displayName" not in document:
        return error(400, "displayName is required")
    if not isinstance(display_name, str):
        return error(400, "displayName must be a string")
    if not 1 <= len(display_name) <= DISPLAY_NAME_MAX:
        return error(400, f"displayName must be between 1 and {DISPLAY_NAME_MAX} characters")
    if len(integration.keys) >= MAX_KEYS:
        return error(400, f"An integration can hold at most {MAX_KEYS} keys; delete one first")
    key_id = f"int_{secrets.token_hex(12)}"
    while key_id in integration.keys:  # pragma: no cover - 96 random bits
        key_id = f"int_{secrets.token_hex(12)}"
    secret = secrets.token_urlsafe(64)
    secret = secret_prefix + secret[len(secret_prefix) :]
    key = {"id": key_id, "displayName": display_name, "secret": secret}
    integration.keys[key_id] = key
    return Answer(201, {"key": key})


def _json_response(answer: Answer) -> web.Response:
    headers = {**answer.headers, "Content-Type": JSON_TYPE}
    return web.Response(status=answer.status, body=json.dumps(answer.document).encode(), headers=headers)


def _close(request: web.Request) -> None:
    """Close the connection (after what has been written is flushed); aiohttp then writes nothing more."""
    if request.transport is not None:
        request.transport.close()


def _decoded_path(request: web.Request) -> str:
    try:
        return request.path
    except ValueError:
        return request.raw_path


def _loggable_headers(request: web.Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        if name.lower() in ("authorization", "proxy-authorization"):
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _client_port(request: web.Request) -> int | None:
    """The client's port of the connection `request` came on; None once that connection is gone."""
    peer = request.transport.get_extra_info("peername") if request.transport is not None else None
    return peer[1] if isinstance(peer, tuple) and len(peer) >= 2 else None


def _auth_scheme(value: str | None) -> str | None:
    if value is None:
        return None
    scheme = value.strip().partition(" ")[0].lower()
    return scheme if scheme in ("basic", "bearer") else "other"


def build_app(config: Config) -> web.Application:
    """The aiohttp application: one catch-all handler, so that routing sees the raw path, never a normalized one."""
    app = web.Application(client_max_size=READ_LIMIT)
    state = ApiState(config)
    # `[\s\S]`, not `.`: the router matches the percent-decoded path, and `.` stops at a decoded `%0A`, which would
    # leave such a path to aiohttp's own plain-text 404 (outside the spec) instead of this API's JSON one.
    app.router.add_route("*", r"/{tail:[\s\S]*}", state.handle)
    return app


def format_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(config: Config, host: str, port: int, watch_stdin: bool) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        print(f"mock_server: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    runner = web.AppRunner(build_app(config), access_log=None, shutdown_timeout=0.5, handle_signals=False)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if watch_stdin:
        try:
            await loop.connect_read_pipe(lambda: _StdinWatcher(stop), sys.stdin)
        except (ValueError, OSError) as exc:  # a regular file, say: there is no other end to watch
            logger.warning("not watching stdin: %s", exc)
    print(format_url(host, sock.getsockname()[1]), flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


class _StdinWatcher(asyncio.Protocol):
    """Sets `stop` when stdin reaches end of file (or fails): the parent holding its other end is gone."""

    def __init__(self, stop: asyncio.Event) -> None:
        self._stop = stop

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool | None:
        self._stop.set()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop.set()


def parse_args(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Local in-memory stand-in for the Sunshine Conversations integration API keys endpoints.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default: 0)")
    parser.add_argument("--key-id", default=DEFAULT_KEY_ID, help="API key id accepted (default: %(default)s)")
    parser.add_argument(
        "--secret",
        default=environ.get(SECRET_ENV) or DEFAULT_SECRET,
        help=f"that key's secret (default: ${SECRET_ENV}, else a fixed local-development-only value)",
    )
    parser.add_argument("--app-id", default=DEFAULT_APP_ID, help="the seeded app (default: %(default)s)")
    parser.add_argument(
        "--integration-id", default=DEFAULT_INTEGRATION_ID, help="the seeded custom integration (default: %(default)s)"
    )
    parser.add_argument(
        "--non-custom-integration-id",
        default=DEFAULT_NON_CUSTOM_INTEGRATION_ID,
        help="the seeded integration that is not custom (default: %(default)s)",
    )
    parser.add_argument(
        "--key-secret-prefix", default="", help="every created key secret starts with this (default: none)"
    )
    parser.add_argument("--watch-stdin", action="store_true", help="also exit when stdin reaches end of file")
    args = parser.parse_args(argv)
    if args.key_id[:4] not in SCOPES or len(args.key_id) == 4:
        parser.error("--key-id must start with app_, act_ or svc_ (the keys that may manage integration keys)")
    if not args.secret:
        parser.error("--secret must not be empty")
    for name in ("app_id", "integration_id", "non_custom_integration_id"):
        if not re.fullmatch(r"[A-Za-z0-9_-]+", getattr(args, name)):
            parser.error(f"--{name.replace('_', '-')} must be letters, digits, _ or -")
    if args.integration_id == args.non_custom_integration_id:
        parser.error("--integration-id and --non-custom-integration-id must differ")
    if not re.fullmatch(r"[A-Za-z0-9_-]{0,40}", args.key_secret_prefix):
        parser.error("--key-secret-prefix must be at most 40 url-safe characters (letters, digits, _ or -)")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be from 0 to 65535")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="mock_server: %(levelname)s %(message)s")
    config = Config(
        key_id=args.key_id,
        secret=args.secret,
        app_id=args.app_id,
        integration_id=args.integration_id,
        non_custom_integration_id=args.non_custom_integration_id,
        key_secret_prefix=args.key_secret_prefix,
    )
    return asyncio.run(serve(config, args.host, args.port, args.watch_stdin))


if __name__ == "__main__":
    sys.exit(main())
