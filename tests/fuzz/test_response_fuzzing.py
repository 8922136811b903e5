"""Response fuzzing: generated answers, served over a real socket by the local server, against the real client.

For each of the four operations, sync and asyncio, Hypothesis draws answers (seeded with `SUNCO_FUZZ_SEED`, at
least 300 per operation and path at scale 1, see tests/fuzz/figures.py): bodies valid under the spec's schemas
(tests/fuzz/spec_strategies.py) and broken ones (truncated JSON, a proxy's HTML page, an empty body, a JSON array,
string or number where an object belongs, members of the wrong type, trailing garbage, NaN, deep nesting, 10 MB
bodies), under documented and undocumented statuses (302, 418, 599, ...), with right, wrong or missing content
types, sent plain or gzip- or deflate-encoded, or no answer at all (a dropped or truncated connection, an answer
slower than the client's timeout). The local server serves each as a queued fault; the client is
`sunco_keys.connect(...)` without retries.

Each outcome must be exactly the documented one, decided from the answer alone:
- a non-2xx status: the ApiError subclass of that status (`status_code`, the body's error list);
- the operation's success status with a JSON object of the documented shape: the documented model, whose
  `to_dict()` is the body (lengths are not held against the server: only types and shapes are);
- any other 2xx answer: ResponseDecodeError;
- no complete answer: TransportError;
and never another exception type, never a call longer than its timeout (plus a margin), never a secret (every
generated `secret` carries the suite's canary marker) in an exception's message or a result's repr, nor in
anything the test prints or logs (the leak scan).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
import typing
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # jsonschema ships no types

import sunco_keys
from sunco_keys.lib.decode import check_types
from sunco_keys.models import ErrorResponse, IntegrationApiKey
from tests.fuzz import figures, spec_strategies
from tests.fuzz.spec_strategies import Json, Schema
from tests.support.canaries import KEY_SECRET_MARKER
from tests.support.mock_api import MISSING_KEY, MockApi

# The client's timeout for ordinary answers (generous: the machine is shared), and the impatient one used against
# answers delayed past it; every call must end within its timeout plus MARGIN.
TIMEOUT = 5.0
SHORT_TIMEOUT = 0.2
DELAY = 0.6
MARGIN = 2.0
# Generated secrets start with the marker of the suite's key secrets: the test checks that none shows in an
# exception's message or a result's repr, and the leak scan (tests/support/leak_scan.py) that none shows in
# anything the test prints or logs. Failure messages here mask it, so a failure reads as one.
TEN_MB = 10 * 1024 * 1024
NESTING = 100_000
BODILESS = frozenset({204, 304})
DOCUMENTED_ERRORS = {
    400: sunco_keys.BadRequestError,
    401: sunco_keys.UnauthorizedError,
    403: sunco_keys.ForbiddenError,
    404: sunco_keys.NotFoundError,
    409: sunco_keys.ConflictError,
    429: sunco_keys.RateLimitError,
}
# Statuses the spec lists for no operation, or only for some (a 201 to a GET, a 200 to a POST).
UNDOCUMENTED = [200, 201, 202, 203, 204, 206, 226, 299, 300, 301, 302, 303, 304, 307, 308, 405, 409, 410, 418, 422]
UNDOCUMENTED += [451, 499, 501, 599]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/problem+json",
    "text/html; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    "",
    "garbage/;;;",
]
HTML_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>"
    "\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)


# --- the operations, from the spec --------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    module: ModuleType
    success: int
    success_schema: Schema = field(repr=False)
    errors: dict[int, Schema] = field(repr=False)
    model: type

    @property
    def name(self) -> str:
        return self.module.__name__.rsplit(".", 1)[-1]

    def args(self, api: MockApi) -> tuple[str, ...]:
        values = {"appId": api.app_id, "integrationId": api.integration_id, "keyId": MISSING_KEY}
        return tuple(values[name] for name in re.findall(r"{(\w+)}", self.path))

    def kwargs(self) -> dict[str, Any]:
        return {"body": IntegrationApiKey(display_name="fuzz")} if self.method == "POST" else {}

    def schema_for(self, status: int) -> Schema | None:
        if status == self.success:
            return self.success_schema
        return self.errors.get(status, self.errors.get(status // 100 * 100 + 99))


def _operations() -> list[Operation]:
    found = []
    for spec_operation in spec_strategies.operations():
        operation_id, module = spec_operation.operation_id, spec_operation.module
        entries = [e for e in spec_strategies.response_schemas() if e.operation_id == operation_id]
        (success,) = (e for e in entries if e.status.startswith("2"))
        errors: dict[int, Schema] = {}
        for entry in entries:
            if not entry.status.startswith("2"):
                # "5XX" is kept under 599, the key schema_for() falls back to.
                errors[int(entry.status.replace("XX", "99"))] = entry.schema
        returned = typing.get_args(typing.get_type_hints(module.sync)["return"])
        (model,) = (t for t in returned if t not in (ErrorResponse, type(None)))
        found.append(
            Operation(
                operation_id,
                spec_operation.method,
                spec_operation.template,
                module,
                int(success.status),
                success.schema,
                errors,
                model,
            )
        )
    return found


OPERATIONS = _operations()


# --- answers -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One generated answer: what the local server is told to send, and how it was made (`kind`)."""

    kind: str
    status: int
    body: str | None = None  # the raw body; None when the server makes it (server_body) or sends none
    server_body: str = "raw"  # the fault's body kind
    content_type: str | None = None
    transport: str = "normal"  # "normal", "drop" (no answer) or "slow" (answers after the client gave up)
    compress: str | None = None  # the content coding the server sends the body in; the outcome is the same

    def fault(self, operation: Operation) -> dict[str, Any]:
        fault: dict[str, Any] = {"status": self.status, "body": self.server_body, "method": operation.method}
        if self.server_body == "raw":
            fault["raw_body"] = self.body or ""
        if self.content_type is not None:
            fault["content_type"] = self.content_type
        if self.compress is not None:
            fault["compress"] = self.compress
        if self.transport == "drop":
            fault["drop"] = True
        if self.transport == "slow":
            fault["delay"] = DELAY
        return fault

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How Hypothesis shows a failing answer: the short repr, never 10 MB."""
        printer.text(repr(self))

    def __repr__(self) -> str:
        body = None if self.body is None else _short(self.body)
        return (
            f"Answer(kind={self.kind!r}, status={self.status}, body={body}, server_body={self.server_body!r}, "
            f"content_type={self.content_type!r}, transport={self.transport!r}, compress={self.compress!r})"
        )


def _short(text: str, limit: int = 300) -> str:
    shown = text[:limit].replace(KEY_SECRET_MARKER, "<marker>")
    return repr(shown) + (f"... ({len(text)} characters)" if len(text) > limit else "")


def _marked_secrets(schema: Schema) -> st.SearchStrategy[str] | None:
    if schema.get("format") == "password":
        return st.builds(lambda rest: KEY_SECRET_MARKER + rest, spec_strategies.strings())
    return None


def documents(schema: Schema) -> st.SearchStrategy[Json]:
    """Bodies valid under `schema`, unknown members and marked secrets included (one strategy per schema)."""
    return _documents(json.dumps(schema, sort_keys=True))


@functools.cache
def _documents(schema: str) -> st.SearchStrategy[Json]:
    # Built once: Hypothesis prepares a strategy on its first draw, which costs far more than a draw.
    return spec_strategies.from_schema(json.loads(schema), unknown_members=True, strings_for=_marked_secrets)


def encoded(document: Json) -> st.SearchStrategy[str]:
    """A JSON text of `document`, in one of the spellings a server may use."""
    return st.sampled_from([(None, False), (2, False), (None, True)]).map(
        lambda style: json.dumps(document, indent=style[0], ensure_ascii=style[1])
    )


SENTINEL = "<<not JSON>>"
# What replaces a value: the shapes a parser may mistake for an object or a list, and any JSON value.
REPLACEMENTS: st.SearchStrategy[Json] = st.one_of(
    st.sampled_from([None, True, 0, 1.5, "", "ab", [], {}, [["id", "x"], ["secret", "y"]], ["ab"], [{}]]),
    spec_strategies.json_values(max_leaves=4),
)


def wrong_typed(document: Json, only: Json = None) -> st.SearchStrategy[Json]:
    """`document` with one value (at any depth) replaced by a value of another JSON type (or by `only`)."""
    paths: list[tuple[Any, ...]] = []

    def walk(value: Json, path: tuple[Any, ...]) -> None:
        if path:
            paths.append(path)
        if isinstance(value, dict):
            for name, member in value.items():
                walk(member, (*path, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(document, ())
    if not paths:
        return st.just({"unknown": only})

    def replace(path: tuple[Any, ...], replacement: Json) -> Json:
        copy = json.loads(json.dumps(document))
        target = copy
        for step in path[:-1]:
            target = target[step]
        original = target[path[-1]]
        same_type = type(replacement) is type(original) or (
            isinstance(original, dict) and isinstance(replacement, dict)
        )
        if same_type and only is None:
            replacement = [replacement]
        target[path[-1]] = replacement
        return copy

    return st.builds(replace, st.sampled_from(paths), REPLACEMENTS if only is None else st.just(only))


def _big_member(document: Json) -> str:
    """A valid body of about 10 MB: the document with one more, unknown, member."""
    return json.dumps({**document, "padding": "x" * TEN_MB}) if isinstance(document, dict) else "{}"


# The families of answers, each with its share of the examples at scale 1 (300 per operation and path in all).
# One Hypothesis run per family keeps the shares exact: Hypothesis's own choices favour some branches heavily.
# Outcomes.check holds every run to its share (answers really served, one request each), and the figures table
# shows the total per path.
FAMILIES = {
    "valid body": 110,  # valid under the schema of the status, unknown members and marked secrets included
    "broken body": 150,  # wrong member types, truncated JSON, non-objects, HTML, empty, garbage, NaN, BOM, nesting
    "server-made body": 20,  # the local server's own HTML page, empty body or malformed JSON
    "connection": 12,  # truncated or dropped by the server
    "10 MB body": 5,
    "slow answer": 3,
}
BROKEN = [
    "wrong member type",
    "truncated JSON",
    "not an object",
    "HTML page",
    "empty body",
    "trailing garbage",
    "NaN or Infinity",
    "byte order mark",
    "deep nesting",
]


@st.composite
def answers(draw: st.DrawFn, operation: Operation, family: str) -> Answer:
    """An answer of `family` to `operation`: its status first, then a body for that status (valid or broken)."""
    status = draw(
        st.one_of(
            st.just(operation.success),
            st.just(operation.success),
            st.sampled_from(sorted(operation.errors)).map(lambda s: 500 if s == 599 else s),
            st.sampled_from(UNDOCUMENTED),
            st.integers(200, 599),
        )
    )
    schema = operation.schema_for(status) or operation.success_schema
    document = draw(documents(schema))
    text = draw(encoded(document))
    content_type = draw(st.one_of(st.none(), st.none(), st.sampled_from(CONTENT_TYPES)))
    compress = draw(st.sampled_from([None, None, "gzip", "deflate"]))

    def raw(kind: str, body: str) -> Answer:
        return Answer(kind, status, body, content_type=content_type, compress=compress)

    if family == "valid body":
        return raw("valid", text)
    if family == "broken body":
        return raw(*draw(broken(document, text)))
    if family == "server-made body":
        kind = draw(st.sampled_from(["html", "empty", "malformed"]))
        return Answer(f"server {kind} body", status, server_body=kind, content_type=content_type, compress=compress)
    if family == "connection":
        if draw(st.booleans()):
            return Answer("truncated connection", status, server_body="truncated")
        return Answer("dropped connection", status, transport="drop")
    if family == "10 MB body":
        if draw(st.booleans()):
            return raw("10 MB valid body", _big_member(document))
        return raw("10 MB garbage", "{" + "x" * TEN_MB)
    assert family == "slow answer", family
    return Answer("slower than the timeout", status, text, transport="slow")


def broken(document: Json, text: str) -> st.SearchStrategy[tuple[str, str]]:
    """(kind, body): `document` (spelled `text`) broken in one of the BROKEN ways."""
    nesting = "[" * NESTING + "]" * NESTING
    nan = st.sampled_from(["NaN", "Infinity", "-Infinity"])
    ways: dict[str, st.SearchStrategy[str]] = {
        "wrong member type": wrong_typed(document).map(json.dumps),
        "truncated JSON": st.integers(0, max(0, len(text) - 1)).map(lambda cut: text[:cut]),
        "not an object": st.one_of(
            st.lists(st.just(document), min_size=1, max_size=2), spec_strategies.json_values(max_leaves=3)
        ).map(lambda top: json.dumps([top] if isinstance(top, dict) else top)),
        "HTML page": st.just(HTML_PAGE),
        "empty body": st.sampled_from(["", " ", "\r\n", "\t \n"]),
        "trailing garbage": st.sampled_from([" x", "}", ",", "\x00", " {}", "\n<html>"]).map(lambda junk: text + junk),
        "NaN or Infinity": st.tuples(wrong_typed(document, SENTINEL), nan).map(
            lambda pair: json.dumps(pair[0]).replace(f'"{SENTINEL}"', pair[1])
        ),
        "byte order mark": st.just("\ufeff" + text),
        "deep nesting": st.sampled_from(["keys", "key", "errors", "unknown"]).map(
            lambda member: f'{{"{member}": {nesting}}}'
        ),
    }
    return st.sampled_from(BROKEN).flatmap(lambda kind: st.tuples(st.just(kind), ways[kind]))


# --- the oracle --------------------------------------------------------------------------------------------


def _shape_only(schema: Json) -> Json:
    """`schema` with its references inlined and without length limits: what a client should hold a body to."""
    if isinstance(schema, dict):
        schema = spec_strategies.resolve(schema)
        return {k: _shape_only(v) for k, v in schema.items() if k not in ("minLength", "maxLength", "format")}
    if isinstance(schema, list):
        return [_shape_only(item) for item in schema]
    return schema


def _is_documented_shape(schema: Schema, document: Json) -> bool:
    return bool(_shape_validator(json.dumps(schema, sort_keys=True)).is_valid(document))


@functools.cache
def _shape_validator(schema: str) -> Any:
    return Draft202012Validator(_shape_only(json.loads(schema)))


@dataclass(frozen=True)
class Expected:
    outcome: type  # the model, or the exception class
    status: int | None = None
    document: Json = None  # the parsed body a model must give back; for an ApiError, the body (text) itself


def _json(body: str) -> Json:
    """The body as JSON, read as the client must read it: as UTF-8 bytes, a leading byte order mark ignored (RFC 8259
    allows that), NaN and Infinity refused (they are not JSON); ValueError or RecursionError when it is not JSON."""

    def not_json(constant: str) -> Json:
        raise ValueError(constant)

    return json.loads(body.encode(), parse_constant=not_json)


def _parsed(body: str) -> tuple[bool, Json]:
    """Whether the body is one JSON object, and that object."""
    try:
        document = _json(body)
    except (ValueError, RecursionError):
        return False, None
    return isinstance(document, dict), document


def expected(operation: Operation, answer: Answer) -> Expected:
    if answer.transport in ("drop", "slow"):
        return Expected(sunco_keys.TransportError)
    if answer.server_body == "truncated" and answer.status not in BODILESS:
        return Expected(sunco_keys.TransportError)
    status = answer.status
    body = answer.body if answer.server_body == "raw" and status not in BODILESS else None
    if not 200 <= status < 300:
        exception = DOCUMENTED_ERRORS.get(status)
        if exception is None:
            exception = sunco_keys.ServerError if status >= 500 else sunco_keys.ApiError
        return Expected(exception, status, body)
    if status == operation.success and body is not None:
        is_object, document = _parsed(body)
        if is_object:
            try:
                documented = _is_documented_shape(operation.success_schema, document)
            except RecursionError:
                documented = False
            if documented:
                return Expected(operation.model, status, document)
    return Expected(sunco_keys.ResponseDecodeError, status)


# The items of an errorResponse, from the spec (any operation's documented error will do: they share it).
ERROR_ITEM = Draft202012Validator(
    _shape_only(
        spec_strategies.resolve(
            spec_strategies.resolve(next(iter(OPERATIONS[0].errors.values())))["properties"]["errors"]
        )["items"]
    )
)


def error_items(body: str | None) -> list[dict[str, Any]]:
    """The items of the body's error list that are of the documented shape (what ApiError.errors must hold)."""
    if body is None:
        return []
    try:
        document = _json(body)
    except (ValueError, RecursionError):
        return []
    items = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and ERROR_ITEM.is_valid(item)]


def verdict(operation: Operation, answer: Answer, outcome: object) -> str | None:
    """None when `outcome` is the documented one for `answer`, else what is wrong with it."""
    want = expected(operation, answer)
    if not isinstance(outcome, want.outcome) or (
        isinstance(outcome, sunco_keys.ApiError) and type(outcome) is not want.outcome
    ):
        return f"expected {want.outcome.__name__}, got {type(outcome).__name__}: {_short(str(outcome))}"
    if isinstance(outcome, sunco_keys.ApiError | sunco_keys.ResponseDecodeError) and outcome.status_code != want.status:
        return f"status_code {outcome.status_code}, expected {want.status}"
    if isinstance(outcome, sunco_keys.ApiError):
        errors = [error.to_dict() for error in outcome.errors]
        if errors != error_items(want.document):
            return f"errors {_short(repr(errors))}, expected those of the body"
        try:
            for error in outcome.errors:
                check_types(error)
        except TypeError as exc:
            return f"an error in ApiError.errors breaks its own type annotations: {exc}"
    if attrs.has(type(outcome)):
        if outcome.to_dict() != want.document:  # type: ignore[attr-defined]
            return "the model's to_dict() is not the body"
    return None


def leaked(outcome: object) -> bool:
    text = f"{outcome!s} {outcome!r}"
    if isinstance(outcome, BaseException):
        text += " ".join(str(arg) for arg in outcome.args)
    return KEY_SECRET_MARKER in text


# --- running it --------------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """What one test saw, for its assertions and the figures."""

    category: str
    examples: int
    calls: int = 0

    def record(self, outcome: object, duration: float, limit: float) -> None:
        self.calls += 1
        figures.record(self.category, leaks=int(leaked(outcome)), hangs=int(duration > limit))
        figures.note(self.category, type(outcome).__name__)

    def check(self, api: MockApi) -> None:
        """After the run: enough cases, every request sent exactly once (no retries, none hidden either)."""
        assert self.calls >= figures.scaled(self.examples), f"only {self.calls} answers were generated"
        sent = len(api.requests())
        assert sent == self.calls, f"{self.calls} calls without retries sent {sent} requests"


def exercise(
    api: MockApi, operation: Operation, answer: Answer, run: Callable[[float], object], outcomes: Outcomes
) -> None:
    """Serve `answer` to one call of `operation` (made by `run(timeout)`); check the outcome, its duration, its text."""
    api.inject(answer.fault(operation))
    timeout = SHORT_TIMEOUT if answer.transport == "slow" else TIMEOUT
    started = time.monotonic()
    outcome = run(timeout)
    duration = time.monotonic() - started
    outcomes.record(outcome, duration, timeout + MARGIN)
    context = f"{operation.name} answered {answer!r}"
    assert not api.faults(), f"{context}: the answer was not consumed by the call"
    problem = verdict(operation, answer, outcome)
    assert problem is None, f"{context}: {problem}"
    assert duration <= timeout + MARGIN, f"{context}: the call took {duration:.2f} s (timeout {timeout} s)"
    assert not leaked(outcome), f"{context}: a generated secret shows in {type(outcome).__name__}"


@dataclass
class Clients:
    """Clients without retries, one per timeout, sync and async (with the event loop the async ones run on)."""

    sync_clients: dict[float, sunco_keys.Client]
    async_clients: dict[float, sunco_keys.Client]
    runner: asyncio.Runner


@pytest.fixture(scope="module")
def clients(mock_server: MockApi) -> Iterator[Clients]:
    """The module's clients, shared by every test (each call is one request: no retries)."""

    def made() -> dict[float, sunco_keys.Client]:
        return {timeout: mock_server.connect(timeout=timeout, retries=None) for timeout in (TIMEOUT, SHORT_TIMEOUT)}

    with asyncio.Runner() as runner:
        shared = Clients(made(), made(), runner)
        yield shared
        for client in shared.sync_clients.values():
            client.get_httpx_client().close()
        for client in shared.async_clients.values():
            runner.run(client.get_async_httpx_client().aclose())


def _outcome_of(call: Callable[[], object]) -> object:
    try:
        return call()
    except Exception as exc:  # every exception is an outcome to judge, whatever its type
        return exc


def _cases() -> list[Any]:
    return [
        pytest.param(mode, operation, family, id=f"{mode}-{operation.name}-{family.replace(' ', '-')}")
        for mode in ("sync", "asyncio")
        for operation in OPERATIONS
        for family in FAMILIES
    ]


@pytest.mark.timeout(120 * figures.SCALE)
@pytest.mark.parametrize("mode, operation, family", _cases())
def test_the_client_answers_every_generated_response_as_documented(
    api: MockApi, clients: Clients, mode: str, operation: Operation, family: str
) -> None:
    outcomes = Outcomes(f"{figures.CATEGORIES['test_response_fuzzing.py']} ({mode})", FAMILIES[family])

    def run(timeout: float) -> object:
        if mode == "sync":
            client = clients.sync_clients[timeout]
            return _outcome_of(lambda: operation.module.sync(*operation.args(api), client=client, **operation.kwargs()))
        coroutine: Coroutine[Any, Any, object] = operation.module.asyncio(
            *operation.args(api), client=clients.async_clients[timeout], **operation.kwargs()
        )
        return _outcome_of(lambda: clients.runner.run(coroutine))

    @figures.fuzz(FAMILIES[family])
    @given(answer=answers(operation, family))
    def fuzz(answer: Answer) -> None:
        exercise(api, operation, answer, run, outcomes)

    fuzz()
    outcomes.check(api)
