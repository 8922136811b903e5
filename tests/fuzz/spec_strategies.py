"""Hypothesis strategies built from the JSON Schemas in openapi.yaml, by walking them (nothing is written per field).

`from_schema(schema)` understands exactly the vocabulary the spec uses (`$ref`, `type` with one type or a list,
`properties`, `required`, `additionalProperties`, `items`, `minLength`, `maxLength`, `format`, plus the purely
descriptive keywords) and raises NotImplementedError on any other keyword, so that a spec change which adds a
constraint (say `pattern`) fails here loudly instead of letting the strategies produce invalid bodies. Every body
it draws is also validated with `jsonschema` (Draft 2020-12, the dialect of OpenAPI 3.1) by the tests that use it.

Objects may carry members the spec does not know (a newer API adding a field): `unknown_members=True` adds them
at every object level, with arbitrary JSON values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # jsonschema ships no types

from tests.support.spec import JSON, Operation
from tests.support.spec import spec as shared_spec

# Keywords that only describe (the generator ignores them for validation too).
DESCRIPTIVE = frozenset({"description", "example", "examples", "title", "deprecated", "readOnly", "writeOnly"})
UNDERSTOOD = DESCRIPTIVE | {
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minLength",
    "maxLength",
    "format",
}
REGISTERED_STATUSES = frozenset(status.value for status in HTTPStatus)
# Bounds that keep generation fast; long strings are drawn separately (see `_strings`).
MAX_ITEMS = 5
LONG_STRING = 4096

Json = Any
Schema = Mapping[str, Any]


def spec() -> Mapping[str, Any]:
    """openapi.yaml, parsed (tests/support/spec.py loads it once)."""
    return shared_spec().document


def resolve(schema: Schema) -> Schema:
    """`schema` with a local `$ref` followed (repeatedly)."""
    return shared_spec().resolve_object(schema)


def validator(schema: Schema) -> Any:
    """A Draft 2020-12 validator (jsonschema's) for `schema`, its local references resolved against the whole spec."""
    root = {**schema, "components": spec()["components"]}
    return Draft202012Validator(root)


@dataclass(frozen=True)
class ResponseSchema:
    """The JSON schema of one documented response of one operation."""

    operation_id: str
    method: str
    path: str
    status: str  # as in the spec: "200", "5XX"
    schema: Schema

    def statuses(self) -> list[int]:
        """The concrete status codes this entry covers (for "5XX", the ones HTTPStatus knows: see decode_body)."""
        if self.status.endswith("XX"):
            first = int(self.status[0]) * 100
            return [code for code in range(first, first + 100) if code in REGISTERED_STATUSES]
        return [int(self.status)]


def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, with its generated module (tests/support/spec.py)."""
    return shared_spec().operations


def response_schemas() -> list[ResponseSchema]:
    """Every documented JSON response schema of every operation."""
    found = []
    for operation in operations():
        for status, response in operation.definition["responses"].items():
            content = resolve(response).get("content", {})
            if JSON in content:
                schema = content[JSON]["schema"]
                found.append(
                    ResponseSchema(operation.operation_id, operation.method, operation.template, str(status), schema)
                )
    return found


def request_schemas() -> list[tuple[str, Schema]]:
    """(operationId, schema) of every JSON request body."""
    found = []
    for operation in operations():
        body = operation.definition.get("requestBody")
        if body is not None:
            found.append((operation.operation_id, resolve(body)["content"][JSON]["schema"]))
    return found


# --- JSON values and strings -------------------------------------------------------------------------------

# Any code point a JSON text in UTF-8 can carry: everything but the lone surrogates (category Cs).
CHARACTERS = st.characters(exclude_categories=["Cs"])


def _long_text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Long strings, cheaply: a drawn chunk repeated up to a drawn length."""
    return st.builds(
        lambda chunk, length: (chunk * (length // len(chunk) + 1))[:length],
        st.text(CHARACTERS, min_size=1, max_size=16),
        st.integers(min_size, max_size),
    )


def strings(min_length: int = 0, max_length: int | None = None) -> st.SearchStrategy[str]:
    """Strings within the bounds, the bounds themselves favoured, long ones (up to 4 kB) included when unbounded."""
    if max_length is None:
        return st.one_of(
            st.text(CHARACTERS, min_size=min_length, max_size=max(min_length, 40)),
            _long_text(max(min_length, 1), LONG_STRING),
        )
    return st.one_of(
        st.text(CHARACTERS, min_size=min_length, max_size=max_length),
        st.text(CHARACTERS, min_size=max_length, max_size=max_length),
        st.text(CHARACTERS, min_size=min_length, max_size=min_length),
    )


@functools.cache
def json_values(max_leaves: int = 10) -> st.SearchStrategy[Json]:
    """Any JSON value (no NaN or infinities, which JSON cannot carry); one strategy per size, built once."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(CHARACTERS, max_size=20),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(CHARACTERS, max_size=10), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


# --- schemas -----------------------------------------------------------------------------------------------

StringsFor = Callable[[Schema], st.SearchStrategy[str] | None]


def from_schema(
    schema: Schema, *, unknown_members: bool = False, strings_for: StringsFor | None = None
) -> st.SearchStrategy[Json]:
    """Values valid under `schema`.

    `unknown_members`: objects may also carry members the schema does not declare (where it allows them).
    `strings_for(schema)`: a strategy to use for a string schema instead of the default one (None: the default),
    e.g. to mark every `format: password` value so that a leak of it can be recognised.
    """
    return _build(schema, unknown_members, strings_for)


def _build(schema: Schema, unknown_members: bool, strings_for: StringsFor | None) -> st.SearchStrategy[Json]:
    schema = resolve(schema)
    unknown = sorted(set(schema) - UNDERSTOOD)
    if unknown:
        raise NotImplementedError(f"spec_strategies does not understand {', '.join(unknown)} in {dict(schema)!r}")
    kinds = schema.get("type")
    if kinds is None:
        kinds = ["object"] if "properties" in schema else ["null", "boolean", "number", "string", "array", "object"]
    if isinstance(kinds, str):
        kinds = [kinds]
    return st.one_of(*(_of_type(kind, schema, unknown_members, strings_for) for kind in kinds))


def _of_type(
    kind: str, schema: Schema, unknown_members: bool, strings_for: StringsFor | None
) -> st.SearchStrategy[Json]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers()
    if kind == "number":
        return st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False))
    if kind == "string":
        custom = strings_for(schema) if strings_for is not None else None
        if custom is not None:
            return custom
        return strings(schema.get("minLength", 0), schema.get("maxLength"))
    if kind == "array":
        items = _build(schema.get("items", {}), unknown_members, strings_for)
        return st.lists(items, max_size=MAX_ITEMS)
    if kind == "object":
        return _object(schema, unknown_members, strings_for)
    raise NotImplementedError(f"spec_strategies does not understand type {kind!r}")


def _object(schema: Schema, unknown_members: bool, strings_for: StringsFor | None) -> st.SearchStrategy[Json]:
    properties: Mapping[str, Schema] = schema.get("properties", {})
    required = set(schema.get("required", []))
    members = {name: _build(sub, unknown_members, strings_for) for name, sub in properties.items()}
    declared = st.fixed_dictionaries(
        {name: value for name, value in members.items() if name in required},
        optional={name: value for name, value in members.items() if name not in required},
    )
    additional = schema.get("additionalProperties", True)
    if not unknown_members or additional is False:
        return declared
    extra_values = json_values(3) if additional is True else _build(additional, unknown_members, strings_for)
    extra = st.dictionaries(
        st.text(CHARACTERS, min_size=1, max_size=10).filter(lambda name: name not in properties),
        extra_values,
        min_size=1,
        max_size=2,
    )
    # Half the objects carry unknown members (drawing them at every level of every body would be slow).
    return st.builds(lambda known, more: {**more, **known}, declared, st.one_of(st.just({}), extra))


def declared_members(schema: Schema) -> set[str]:
    """The member names an object schema declares."""
    return set(cast(Mapping[str, Any], resolve(schema).get("properties", {})))
