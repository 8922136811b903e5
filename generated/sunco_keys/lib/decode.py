"""Turns every failure to decode a response body into ResponseDecodeError (called by the generated endpoints)."""

from __future__ import annotations

import functools
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ..errors import UnexpectedStatus

if TYPE_CHECKING:
    import httpx

    from .errors import ResponseDecodeError

T = TypeVar("T")
_HTTP_STATUSES = frozenset(status.value for status in HTTPStatus)


def decode_body(parse: Callable[..., T], *, client: Any, response: httpx.Response) -> T:
    """Run the generated parser; a body that is not a JSON object of the documented shape raises ResponseDecodeError.

    Every response schema of this API is a JSON object, so anything else (an HTML page from a proxy, an array,
    an empty body) is refused before the generated parser, whose models' from_dict then refuses a body not of
    their types (checked_from_dict). A status HTTPStatus does not know (299, 520) is refused too.
    The body is decoded once: the parser reads the same document through `DecodedResponse`.
    A refusal chains to nothing: what failed under it may hold the body (a UnicodeDecodeError's `object`, a
    JSONDecodeError's `doc`, an UnexpectedStatus's `content`), secrets included, and its reason says what failed.
    """
    if response.status_code not in _HTTP_STATUSES:
        # The generated Response holds an HTTPStatus, which cannot hold it (HTTPStatus(299) raises ValueError).
        raise _refusal(response, f"status {response.status_code} is not a registered HTTP status")
    content = response.content
    problem: str | None
    try:
        document = json_document(content)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the interpreter allows
        problem = f"not JSON ({exc.__class__.__name__})"
    else:
        problem = None if isinstance(document, dict) else "expected a JSON object"
    if problem is not None:  # raised here, out of the except block, so that nothing is chained
        raise _refusal(response, problem)
    try:
        # The models' from_dict (checked_from_dict) holds the model to its types and to the body it came from.
        parsed = parse(client=client, response=DecodedResponse(response.status_code, content, document))
        if parsed is None:  # what the generated parser returns for an undocumented status, unless told to raise
            raise UnexpectedStatus(response.status_code, b"")
    except UnexpectedStatus:
        problem = f"status {response.status_code} is not documented for this operation"
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        from .errors import InvalidArgumentError

        # A model's from_dict explains its refusal itself (which model, which member, which type).
        reason = str(exc) if isinstance(exc, InvalidArgumentError) else f"{exc.__class__.__name__}: {exc}"
        problem = f"not the documented shape ({reason})"
    else:
        return parsed
    raise _refusal(response, problem)


M = TypeVar("M")


def checked_from_dict(parse: Callable[[type[M], Mapping[str, Any]], M]) -> Callable[[type[M], Mapping[str, Any]], M]:
    """Wrap a generated model's `from_dict`: input not of the model's shape or types raises InvalidArgumentError
    (a ValueError), not the KeyError, TypeError or AttributeError the generated parser stumbles into.

    The generated parser casts values without checking them and builds a model from whatever sits where an object
    or a list belongs (dict() turns ["ab"] into {"a": "b"}; an object where a list of keys belongs becomes an
    empty list). So anything but a mapping is refused, the model built is held to its own annotations, and it
    must give the input back from `to_dict()`, as every input of the documented shape does
    (tests/fuzz/test_model_roundtrip.py). Undeclared members are kept as given, unchecked; constraints other
    than types (a name's length) are the server's to enforce. The parsers copy what they read, so the input is
    still as it came.

    A call made by another model's generated from_dict (a nested model) only builds: the outermost call checks
    the whole tree, once. Nesting is told by the caller, so a from_dict called from anywhere but a generated
    from_dict's own code (a Mapping's methods, another thread, a response being decoded) is checked.
    """
    _PARSERS.add(parse.__code__)

    @functools.wraps(parse)
    def from_dict(cls: type[M], src_dict: Mapping[str, Any]) -> M:
        try:
            if type(src_dict) is not dict and not isinstance(src_dict, Mapping):  # the type test first: quicker
                raise TypeError("not a mapping")
            model = parse(cls, src_dict)
            if sys._getframe(1).f_code not in _PARSERS:  # not a nested model's call
                check_types(model)
                _check_gives_back(model, src_dict)
            return model
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            failure = exc
        raise _refused(cls, src_dict, failure)

    return from_dict


# The code of every generated from_dict checked_from_dict wraps: a call from one of them is a nested model's.
_PARSERS: set[types.CodeType] = set()


def _refused(cls: type, src_dict: object, failure: Exception) -> ValueError:
    """The InvalidArgumentError for `failure`; a nested model's own, already explained, as it is."""
    from .errors import InvalidArgumentError  # on a refusal only: not for every model of every response

    if isinstance(failure, InvalidArgumentError):
        return failure
    reason = f"{type(failure).__name__}: {failure}"
    return InvalidArgumentError(f"{cls.__name__} cannot be built from this {type(src_dict).__name__} ({reason})")


def _check_gives_back(model: Any, src_dict: Mapping[str, Any]) -> None:
    """Raise TypeError naming the first declared member the model does not give back as it came (never a value).

    Undeclared members come back as the very objects given, so a difference is in a declared member, whose name
    is the spec's; any other name is not repeated.
    """
    given_back = model.to_dict()
    if given_back != src_dict:
        differs = (
            n
            for n in (*src_dict, *given_back)
            if n not in src_dict or n not in given_back or given_back[n] != src_dict[n]
        )
        name = next(differs, None)
        declared = isinstance(name, str) and name not in model.additional_properties
        raise TypeError(
            f"member {name!r} is not of the documented shape" if declared else "not of the documented shape"
        )


class DecodedResponse:
    """What a generated parser reads of a response (status, body, its JSON), with the JSON decoded once, here.

    `json()` returns the document itself, not a copy: the parsers copy every object they read (`dict(src_dict)`)
    and change only their copies, so the model's from_dict can still compare it with the body afterwards.
    """

    __slots__ = ("_document", "content", "status_code")

    def __init__(self, status_code: int, content: bytes, document: dict[str, Any]) -> None:
        self.status_code = status_code
        self.content = content
        self._document = document

    def json(self) -> dict[str, Any]:
        """The body's JSON document, as decode_body decoded it."""
        return self._document


def not_json(constant: str) -> Any:
    """For json.loads(parse_constant=): NaN and Infinity are not JSON (RFC 8259), though Python reads them.

    Accepted, a NaN would make the model differ from the body it came from (NaN != NaN) where an Infinity would not.
    """
    raise ValueError(f"{constant} is not a JSON value")


# One decoder for every body: json.loads(..., parse_constant=) would build a new one per call.
_DECODER = json.JSONDecoder(parse_constant=not_json)


def json_document(body: bytes) -> Any:
    """The JSON value of a body (UTF-8, -16 or -32, as json.loads detects it); ValueError when it is not JSON."""
    return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))


def _refusal(response: httpx.Response, reason: str) -> ResponseDecodeError:
    """The ResponseDecodeError for `response`, with the credentials of the request it answers masked."""
    # Imported on a refusal only: `import sunco_keys` stays light.
    from .errors import ResponseDecodeError, answered_request
    from .redaction import sent_secrets

    content_type = response.headers.get("Content-Type", "")
    hide = sent_secrets(answered_request(response))
    return ResponseDecodeError(response.status_code, content_type, response.content, reason, response, hide=hide)


def check_types(model: Any) -> None:
    """Raise TypeError naming the first field of `model` (or of a model inside it) whose value breaks its annotation.

    The message names the field and the expected type, never the value, which may be a secret.
    """
    cls: Any = type(model)
    for name, annotation, conforms in _field_checks(cls):
        if not conforms(getattr(model, name)):
            raise TypeError(f"{type(model).__name__}.{name} is not {_describe(annotation)}")


@functools.cache
def _field_checks(cls: type) -> tuple[tuple[str, Any, Callable[[Any], bool]], ...]:
    """Each field of a model (generated, or a subclass of one) with its resolved annotation and its check.

    Each annotation is read in the module of the class that declares it, with the models at hand for the names
    imported under TYPE_CHECKING only. `additional_properties` is checked too: a dict, and of its value type
    should the spec ever give one.
    """
    from .. import models

    try:
        hints = typing.get_type_hints(cls, localns=vars(models))
    except (NameError, TypeError, SyntaxError, AttributeError) as exc:  # a subclass's own, unresolvable
        raise TypeError(f"the annotations of {cls.__name__} do not resolve ({type(exc).__name__}: {exc})") from None
    checks = []
    for field in attrs.fields(cls):
        annotation = hints.get(field.name, Any)  # a field declared without a type is not checked
        checks.append((field.name, annotation, _checker(annotation)))
    return tuple(checks)


@functools.cache
def _checker(annotation: Any) -> Callable[[Any], bool]:
    """A predicate for values of `annotation`, built once per annotation so that checking a response stays cheap."""
    origin = typing.get_origin(annotation)
    if origin is types.UnionType or origin is typing.Union:
        options = typing.get_args(annotation)
        plain = tuple(type(None) if o is None else o for o in options if _is_plain(o))
        others = [_checker(o) for o in options if not _is_plain(o)]
        if len(others) == 1:  # a model or a list beside Unset or None: no generator for the one other check
            (other,) = others
            return lambda value: isinstance(value, plain) or other(value)
        return lambda value: isinstance(value, plain) or any(check(value) for check in others)
    if origin is list:
        (item,) = typing.get_args(annotation)
        check_item = _checker(item)
        return lambda value: isinstance(value, list) and all(check_item(element) for element in value)
    if origin is dict:
        value_type = typing.get_args(annotation)[1:] or (Any,)
        if value_type[0] is Any:
            return lambda value: isinstance(value, dict)
        check_value = _checker(value_type[0])
        return lambda value: isinstance(value, dict) and all(check_value(element) for element in value.values())
    if annotation is Any:
        return lambda value: True
    if annotation in (int, float):
        numbers = int | float if annotation is float else int
        return lambda value: isinstance(value, numbers) and not isinstance(value, bool)
    if attrs.has(annotation):

        def model(value: Any) -> bool:
            if not isinstance(value, annotation):
                return False
            check_types(value)
            return True

        return model
    single = type(None) if annotation is None else annotation
    return lambda value: isinstance(value, single)


def _is_plain(annotation: Any) -> bool:
    """A class that isinstance alone decides (not a container, a number that excludes bool, or a model)."""
    return annotation is None or (
        isinstance(annotation, type) and annotation not in (int, float) and not attrs.has(annotation)
    )


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("sunco_keys.types.", "")
