"""Model round trips: every body valid under a response schema of openapi.yaml parses and comes back unchanged.

Bodies are drawn by Hypothesis from the spec's own JSON Schemas (tests/fuzz/spec_strategies.py walks them; nothing
is written per field), checked valid with `jsonschema`, served as an `httpx.Response` of a status the spec lists
for the operation, and parsed the way the client parses them (the generated endpoint's `_parse_response` through
`sunco_keys.lib.decode.decode_body`) and by the model class alone (`from_dict`, which holds the model to its types
either way). `to_dict()` must give the body back exactly: `null` display names, missing optional members, long
and non-ASCII strings included. Members the spec does not know (a newer API adding one) must be tolerated and
kept in `additional_properties` at their level.

Seeded: `SUNCO_FUZZ_SEED` (tests/fuzz/figures.py); `SUNCO_FUZZ_SCALE` multiplies the example counts.
"""

from __future__ import annotations

import json
import typing
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sunco_keys
from sunco_keys.lib.decode import decode_body
from tests.fuzz import figures, spec_strategies
from tests.fuzz.spec_strategies import Json, ResponseSchema, Schema
from tests.support.spec import snake_case

CATEGORY = figures.CATEGORIES["test_model_roundtrip.py"]
RESPONSES = spec_strategies.response_schemas()
# A client only for the parsers: they read `raise_on_unexpected_status` from it, nothing is sent.
CLIENT = sunco_keys.Client(base_url="http://127.0.0.1:9", raise_on_unexpected_status=True)


def endpoint(operation_id: str) -> ModuleType:
    """The generated module of an operation (CreateCustomIntegrationKey -> create_custom_integration_key)."""
    (operation,) = (op for op in spec_strategies.operations() if op.operation_id == operation_id)
    return operation.module


def parse(entry: ResponseSchema, status: int, body: Json) -> Any:
    response = httpx.Response(status, json=body)
    return decode_body(endpoint(entry.operation_id)._parse_response, client=CLIENT, response=response)


def assert_unknown_members_kept(model: Any, body: Json, schema: Schema) -> int:
    """Walk model and body together: every object keeps exactly its undeclared members; returns how many there were."""
    schema = spec_strategies.resolve(schema)
    if isinstance(body, dict) and attrs.has(type(model)):
        declared = spec_strategies.declared_members(schema)
        unknown = {name: value for name, value in body.items() if name not in declared}
        assert model.additional_properties == unknown
        count = len(unknown)
        for name in declared & set(body):
            count += assert_unknown_members_kept(
                getattr(model, snake_case(name)), body[name], schema["properties"][name]
            )
        return count
    if isinstance(body, list) and isinstance(model, list):
        assert len(model) == len(body)
        items = schema.get("items", {})
        return sum(assert_unknown_members_kept(m, b, items) for m, b in zip(model, body, strict=True))
    assert model == body
    return 0


def features(body: Json, schema: Schema) -> set[str]:
    """Which awkward cases a body shows: null, a missing optional member, long or non-ASCII strings."""
    schema = spec_strategies.resolve(schema)
    found: set[str] = set()
    if body is None:
        found.add("null")
    elif isinstance(body, str):
        if len(body) >= 200:
            found.add("long string")
        if any(ord(character) > 127 for character in body):
            found.add("non-ASCII string")
    elif isinstance(body, list):
        for item in body:
            found |= features(item, schema.get("items", {}))
    elif isinstance(body, dict) and "properties" in schema:
        if set(schema["properties"]) - set(body):
            found.add("missing member")
        for name, value in body.items():
            if name in schema["properties"]:
                found |= features(value, schema["properties"][name])
    return found


def possible_features(schema: Schema) -> set[str]:
    """The awkward cases a schema admits (what the generation must have shown after enough examples)."""
    schema = spec_strategies.resolve(schema)
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    found: set[str] = set()
    if "null" in kinds:
        found.add("null")
    if "string" in kinds:
        found.add("non-ASCII string")
        if schema.get("maxLength") is None:
            found.add("long string")
    if "array" in kinds:
        found |= possible_features(schema.get("items", {}))
    properties = schema.get("properties", {})
    if set(properties) - set(schema.get("required", [])):
        found.add("missing member")
    for sub in properties.values():
        found |= possible_features(sub)
    return found


# The success bodies carry the keys (null display names, missing members, secrets): most examples go there.
SUCCESS_EXAMPLES = 80
ERROR_EXAMPLES = 15


def label(entry: ResponseSchema) -> str:
    return f"{entry.operation_id}-{entry.status}"


def examples(entry: ResponseSchema) -> int:
    return SUCCESS_EXAMPLES if entry.status.startswith("2") else ERROR_EXAMPLES


@pytest.mark.timeout(120 * figures.SCALE)
@pytest.mark.parametrize("entry", RESPONSES, ids=label)
def test_every_documented_body_parses_and_round_trips(entry: ResponseSchema) -> None:
    check = spec_strategies.validator(entry.schema)
    seen: set[str] = set()

    @figures.fuzz(examples(entry))
    @given(body=spec_strategies.from_schema(entry.schema), status=st.sampled_from(entry.statuses()))
    def run(body: Json, status: int) -> None:
        figures.record(CATEGORY)
        assert check.is_valid(body), "the strategy drew a body the spec does not allow"
        parsed = parse(entry, status, body)
        assert parsed.to_dict() == body
        assert type(parsed).from_dict(body).to_dict() == body
        assert assert_unknown_members_kept(parsed, body, entry.schema) == 0
        seen.update(features(body, entry.schema))

    run()
    missing = possible_features(entry.schema) - seen
    assert not missing, f"{figures.scaled(examples(entry))} examples never showed: {sorted(missing)}"


@pytest.mark.timeout(120 * figures.SCALE)
@pytest.mark.parametrize("entry", RESPONSES, ids=label)
def test_unknown_members_are_tolerated_and_kept(entry: ResponseSchema) -> None:
    check = spec_strategies.validator(entry.schema)
    kept = 0

    @figures.fuzz(examples(entry))
    @given(
        body=spec_strategies.from_schema(entry.schema, unknown_members=True), status=st.sampled_from(entry.statuses())
    )
    def run(body: Json, status: int) -> None:
        nonlocal kept
        figures.record(CATEGORY)
        assert check.is_valid(body), "the strategy drew a body the spec does not allow"
        parsed = parse(entry, status, body)
        assert parsed.to_dict() == body
        assert type(parsed).from_dict(body).to_dict() == body
        kept += assert_unknown_members_kept(parsed, body, entry.schema)

    run()
    assert kept > 0, "no example carried an unknown member"


@pytest.mark.parametrize("entry", [entry for entry in RESPONSES if entry.status.endswith("XX")], ids=label)
def test_a_status_httpstatus_does_not_know_is_refused_as_undecodable(entry: ResponseSchema) -> None:
    """A documented 5XX that HTTPStatus has no member for (Cloudflare's 520, say): the generated Response cannot hold
    it (HTTPStatus(520) raises ValueError), so decode_body refuses it with ResponseDecodeError, body valid or not."""
    unregistered = [code for code in range(500, 600) if code not in spec_strategies.REGISTERED_STATUSES]

    @figures.fuzz(ERROR_EXAMPLES)
    @given(body=spec_strategies.from_schema(entry.schema), status=st.sampled_from(unregistered))
    def run(body: Json, status: int) -> None:
        figures.record(CATEGORY)
        with pytest.raises(sunco_keys.ResponseDecodeError, match="not a registered HTTP status"):
            parse(entry, status, body)

    run()


@pytest.mark.parametrize("operation_id, schema", spec_strategies.request_schemas())
def test_request_bodies_round_trip(operation_id: str, schema: Schema) -> None:
    """What a caller builds from a valid body is sent as that very body."""
    module = endpoint(operation_id)
    model = typing.get_type_hints(module.sync)["body"]
    check = spec_strategies.validator(schema)

    @figures.fuzz(SUCCESS_EXAMPLES)
    @given(body=spec_strategies.from_schema(schema, unknown_members=True))
    def run(body: Json) -> None:
        figures.record(CATEGORY)
        assert check.is_valid(body)
        sent = module._get_kwargs("app", "integration", body=model.from_dict(body))["content"]
        assert json.loads(sent) == body

    run()
