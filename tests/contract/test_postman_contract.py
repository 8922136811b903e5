"""One contract test per recorded Postman example and concern, found by walking tests/postman/*.postman_collection.json.

A new item or example in a collection adds its tests here without a code change. Ids are `<item>/<example>`.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest

from tests.support.spec import ContractError, Spec

from .postman import (
    COLLECTIONS,
    Example,
    build_request,
    call_recorded,
    check_bodies,
    check_generated_client,
    check_generated_request,
    check_parsed,
    check_request,
    check_status,
    collection_examples,
    collection_items,
    item_route,
    load_collection,
    load_examples,
    missing_operations,
)

SPEC = Spec.load()
EXAMPLES = load_examples()
ITEMS = [item for path in COLLECTIONS for item in collection_items(load_collection(path))]
REFERENCE_SECRET = "JWSooRf7mjKYQereu5ueIjxKdclNs7cdCDaT7bGHEitHFUbNxFb8C0Cwi0s7SG0vhjMDef_w5d-TVetWHanIBA"

each_example = pytest.mark.parametrize("example", EXAMPLES, ids=[example.id for example in EXAMPLES])


def example(example_id: str) -> Example:
    return next(e for e in EXAMPLES if e.id == example_id)


def with_body(recorded: Example, body: dict[str, Any]) -> Example:
    return replace(recorded, response_body=json.dumps(body))


# --- every example -------------------------------------------------------------------------------------------------


@each_example
def test_recorded_status_is_documented_by_the_operation(example: Example) -> None:
    check_status(SPEC, example)


@each_example
def test_generated_request_is_the_recorded_request(example: Example) -> None:
    check_generated_request(SPEC, example)


@each_example
def test_generated_client_parses_the_recorded_response(example: Example) -> None:
    check_generated_client(SPEC, example)


@each_example
def test_recorded_bodies_match_the_spec_schemas(example: Example) -> None:
    check_bodies(SPEC, example)


# --- coverage --------------------------------------------------------------------------------------------------------


def test_the_collections_are_found() -> None:
    assert COLLECTIONS, "no tests/postman/*.postman_collection.json"
    assert len({e.id for e in EXAMPLES}) == len(EXAMPLES), "two examples share an <item>/<example> name"


@pytest.mark.parametrize("operation_id", [op.operation_id for op in SPEC.operations])
def test_every_operation_has_a_recorded_success(operation_id: str) -> None:
    missing = missing_operations(SPEC, EXAMPLES)
    assert operation_id not in missing, f"{operation_id} has no recorded success example in the Postman collection"


@pytest.mark.parametrize("item", ITEMS, ids=[item["name"] for item in ITEMS])
def test_every_item_maps_to_exactly_one_operation(item: dict[str, Any]) -> None:
    method, template = item_route(item)
    SPEC.match(method, template, item["name"])
    assert item.get("response"), f"{item['name']} records no response"


def test_the_seed_recording_is_kept_as_recorded() -> None:
    created = example("Create Integration Key/Created")
    assert created.response_body == (
        '{\n "key": {\n  "id": "int_5e4b0f225aca01092928f917",\n  "displayName": "Duis",\n'
        '  "secret": "Ck1LjzzlUzvlCTtqAdQ2z1QukuBTrN3TIx"\n }\n}'
    )
    assert created.code == 201


# --- the checks can fail -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example_id", "body", "where"),
    [
        (
            "Get Integration Key/Ok",
            {"key": {"id": "int_1", "displayName": 42, "secret": REFERENCE_SECRET}},
            "$.key.displayName",
        ),
        (
            "Get Integration Key/Ok",
            {"key": {"id": "int_1", "displayName": "", "secret": REFERENCE_SECRET}},
            "$.key.displayName",
        ),
        ("List Integration Keys/Ok", {"keys": {"id": "int_1", "secret": REFERENCE_SECRET}}, "$.keys"),
        ("List Integration Keys/Ok", {"keys": [{"id": 7}]}, "$.keys[0].id"),
        ("Delete Integration Key/Not Found", {"errors": ["Resource not found"]}, "$.errors[0]"),
    ],
    ids=["displayName a number", "displayName empty", "keys an object", "id a number", "error a string"],
)
def test_a_body_breaking_the_schema_is_rejected_by_place_not_value(
    example_id: str, body: dict[str, Any], where: str
) -> None:
    with pytest.raises(ContractError, match=re.escape(f": {where}: ")) as raised:
        check_bodies(SPEC, with_body(example(example_id), body))
    assert REFERENCE_SECRET not in str(raised.value)


def test_a_success_request_body_breaking_the_schema_is_rejected() -> None:
    recorded = replace(example("Create Integration Key/Created"), body='{"displayName": ""}')
    with pytest.raises(ContractError, match=r"the request body .*\$\.displayName: minLength"):
        check_bodies(SPEC, recorded)


def test_several_errors_are_rejected_except_with_400() -> None:
    two_errors = example("Create Integration Key/Bad Request (two errors)")
    check_bodies(SPEC, two_errors)
    with pytest.raises(ContractError, match="2 errors with 429; the API lists several only with 400"):
        check_bodies(SPEC, replace(two_errors, code=429, status="Too Many Requests"))


def test_an_undocumented_status_is_rejected() -> None:
    recorded = replace(example("Create Integration Key/Created"), code=200, status="OK")
    with pytest.raises(ContractError, match="CreateCustomIntegrationKey does not document status 200"):
        check_status(SPEC, recorded)
    with pytest.raises(ContractError, match="does not name code 200"):
        check_status(SPEC, replace(recorded, status="Created"))


def test_a_missing_recorded_operation_is_named() -> None:
    without_delete = [e for e in EXAMPLES if e.item != "Delete Integration Key"]
    assert missing_operations(SPEC, without_delete) == ["DeleteCustomIntegrationKey"]
    only_errors = [e for e in EXAMPLES if e.item != "Delete Integration Key" or not e.success]
    assert missing_operations(SPEC, only_errors) == ["DeleteCustomIntegrationKey"]


def test_an_item_of_no_operation_is_rejected() -> None:
    recorded = replace(example("List Integration Keys/Ok"), path=("v2", "apps", ":appId", "webhooks"))
    with pytest.raises(ContractError, match=r"List Integration Keys/Ok: GET /v2/apps/\{appId\}/webhooks matches 0"):
        check_status(SPEC, recorded)


def test_a_request_differing_from_the_recording_is_rejected() -> None:
    created, listed = example("Create Integration Key/Created"), example("List Integration Keys/Ok")
    with pytest.raises(ContractError, match="method GET, recorded POST"):
        check_request(build_request(SPEC.match(listed.method, listed.template, listed.id), listed), created)
    wrong = httpx.Request(
        "POST",
        "https://api.smooch.io/v2/apps/5d8cff3cd55b040010928b5b/integrations/other/keys",
        content=b'{"displayName": "Other"}',
        headers={"Content-Type": "text/plain"},
    )
    with pytest.raises(ContractError) as raised:
        check_request(wrong, created)
    assert "path segments" in str(raised.value)
    assert "Content-Type 'text/plain', recorded 'application/json'" in str(raised.value)
    assert "the JSON body differs from the recorded one at $.displayName" in str(raised.value)


def test_a_parsed_response_differing_from_the_recording_is_rejected_by_place_not_value() -> None:
    full, only_id = example("Get Integration Key/Ok"), example("Get Integration Key/Ok (only an id)")
    response, _ = call_recorded(SPEC.match(full.method, full.template, full.id), full)
    with pytest.raises(
        ContractError, match=r"differs from the recorded body at \$\.key\.displayName, \$\.key\.id, \$\.key\.secret$"
    ):
        check_parsed(response, only_id, "IntegrationApiKeyResponse")
    with pytest.raises(ContractError, match="parsed as IntegrationApiKeyResponse, the spec documents ErrorResponse"):
        check_parsed(response, full, "ErrorResponse")
    with pytest.raises(ContractError) as raised:
        check_parsed(response, replace(only_id, code=404), "IntegrationApiKeyResponse")
    assert "status 200, recorded 404" in str(raised.value)
    assert REFERENCE_SECRET not in str(raised.value)


# --- new recordings need no code ----------------------------------------------------------------------------------


def test_nested_folders_and_new_examples_are_walked_and_checked() -> None:
    collection = load_collection(COLLECTIONS[0])
    get_item = copy.deepcopy(
        next(item for item in collection_items(collection) if item["name"] == "Get Integration Key")
    )
    forbidden = copy.deepcopy(get_item["response"][0])
    forbidden.update(
        name="Forbidden",
        code=403,
        status="Forbidden",
        body='{"errors": [{"code": "forbidden", "title": "Cannot perform this action"}]}',
    )
    get_item["response"] = [forbidden]
    nested = {**collection, "item": [{"name": "outer", "item": [{"name": "inner", "item": [get_item]}]}]}
    [new] = collection_examples(nested)
    assert new.id == "Get Integration Key/Forbidden"
    for check in (check_status, check_generated_request, check_generated_client, check_bodies):
        check(SPEC, new)
