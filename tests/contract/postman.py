"""Recorded Postman examples checked against openapi.yaml and the generated client: the helpers the contract tests use.

Each check raises ContractError with a message naming the example and the place that broke, never the values
(recorded bodies carry key secrets).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal, cast, get_type_hints
from urllib.parse import unquote

import httpx

import sunco_keys
import sunco_keys.models
from sunco_keys.lib.paths import with_absolute_url
from sunco_keys.types import Response
from tests.support.spec import ContractError, Operation, Spec, snake_case

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = sorted((ROOT / "tests" / "postman").glob("*.postman_collection.json"))
POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
_VARIABLE = re.compile(r"\{\{([^{}]+)\}\}")


# --- the recordings ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One recorded response of one Postman item, with the request that produced it."""

    item: str
    name: str
    method: str
    base_url: str
    path: tuple[str, ...]
    variables: Mapping[str, str]
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: str | None
    code: int
    status: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: str

    @property
    def id(self) -> str:
        return f"{self.item}/{self.name}"

    @property
    def template(self) -> str:
        return template_of(self.path)

    @property
    def success(self) -> bool:
        return 200 <= self.code < 300


def template_of(path: tuple[str, ...] | list[str]) -> str:
    """Postman's `v2/apps/:appId` path segments -> the spec's `/v2/apps/{appId}`."""
    return "/" + "/".join(f"{{{segment[1:]}}}" if segment.startswith(":") else segment for segment in path)


def item_route(item: dict[str, Any]) -> tuple[str, str]:
    """The method and path template an item's own request records."""
    return item["request"]["method"].upper(), template_of(_url(item["request"]["url"])["path"])


def load_collection(path: Path) -> dict[str, Any]:
    collection = cast(dict[str, Any], json.loads(path.read_text(encoding="utf-8")))
    if collection.get("info", {}).get("schema") != POSTMAN_SCHEMA:
        raise ContractError(f"{path.name}: info.schema is not {POSTMAN_SCHEMA}")
    return collection


def walk_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The requests of a collection, depth first; folders (an `item` list of their own) are walked into."""
    for item in items:
        if "item" in item:
            yield from walk_items(item["item"])
        else:
            yield item


def _substitute(text: str, variables: Mapping[str, str], what: str) -> str:
    def value(match: re.Match[str]) -> str:
        if match.group(1) not in variables:
            raise ContractError(f"{what}: the collection defines no variable {match.group(1)}")
        return variables[match.group(1)]

    return _VARIABLE.sub(value, text)


def _headers(entries: list[dict[str, Any]]) -> dict[str, str]:
    return {entry["key"].lower(): entry["value"] for entry in entries if not entry.get("disabled")}


def _url(url: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(url, str):
        raise ContractError(f"{url}: give the URL as an object (host, path, variable), not only a string")
    return url


def item_examples(item: dict[str, Any], variables: Mapping[str, str]) -> list[Example]:
    """The examples of one item. An example's originalRequest gives its request; the item's request fills gaps."""
    request = item["request"]
    examples = []
    for response in item.get("response", []):
        what = f"{item['name']}/{response['name']}"
        original = response.get("originalRequest") or request
        url = _url(original.get("url", request["url"]))
        values = {**_variables(_url(request["url"])), **_variables(url)}
        body = original.get("body")
        if body is not None and body.get("mode") != "raw":
            raise ContractError(f"{what}: only raw bodies are supported, not mode {body.get('mode')}")
        host, raw = ".".join(url["host"]), str(url.get("raw", "")).split("?")[0]
        if raw and raw != "/".join([host, *url["path"]]):
            raise ContractError(f"{what}: url.raw {raw} disagrees with url.host and url.path")
        examples.append(
            Example(
                item=item["name"],
                name=response["name"],
                method=original.get("method", request["method"]),
                base_url=_substitute(host, variables, what),
                path=tuple(url["path"]),
                variables=values,
                query=tuple((q["key"], q.get("value") or "") for q in url.get("query", []) if not q.get("disabled")),
                headers={**_headers(request.get("header", [])), **_headers(original.get("header", []))},
                body=None if body is None else body["raw"],
                code=response["code"],
                status=response["status"],
                response_headers=tuple((h["key"], h["value"]) for h in response.get("header", [])),
                response_body=response["body"],
            )
        )
    return examples


def _variables(url: dict[str, Any]) -> dict[str, str]:
    return {v["key"]: v["value"] for v in url.get("variable", []) if v.get("value") is not None}


def collection_items(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return list(walk_items(collection.get("item", [])))


def collection_examples(collection: dict[str, Any]) -> list[Example]:
    variables = {v["key"]: v["value"] for v in collection.get("variable", [])}
    return [example for item in collection_items(collection) for example in item_examples(item, variables)]


def load_examples(paths: list[Path] = COLLECTIONS) -> list[Example]:
    return [example for path in paths for example in collection_examples(load_collection(path))]


def missing_operations(spec: Spec, examples: list[Example]) -> list[str]:
    """The operations of the spec without one recorded success example."""
    covered = {spec.match(e.method, e.template, e.id).operation_id for e in examples if e.success}
    return [op.operation_id for op in spec.operations if op.operation_id not in covered]


# --- the generated client against the recordings ------------------------------------------------------------------


def path_arguments(operation: Operation, example: Example) -> dict[str, str]:
    """The recorded path variables, as the generated functions' keyword arguments (`appId` -> `app_id`)."""
    missing = [name for name in operation.path_params if name not in example.variables]
    if missing:
        raise ContractError(f"{example.id}: the recording gives no value for path variable(s) {', '.join(missing)}")
    return {snake_case(name): example.variables[name] for name in operation.path_params}


def call_arguments(operation: Operation, example: Example) -> dict[str, Any]:
    """Every argument but `client`: path variables, and the body built through the generated request model."""
    arguments: dict[str, Any] = path_arguments(operation, example)
    if example.body is not None:
        if "requestBody" not in operation.definition:
            raise ContractError(f"{example.id}: the recording has a body but {operation.operation_id} takes none")
        model = get_type_hints(operation.module._get_kwargs)["body"]
        arguments["body"] = model.from_dict(json.loads(example.body))
    return arguments


def build_request(operation: Operation, example: Example) -> httpx.Request:
    """The request the generated code builds for the recorded arguments, its URL joined as the endpoints join it."""
    kwargs = operation.module._get_kwargs(**call_arguments(operation, example))
    with httpx.Client(base_url=example.base_url) as client:
        return client.build_request(**with_absolute_url(client, kwargs))


def check_request(request: httpx.Request, example: Example) -> None:
    """`request` is the recorded one: method, path after substitution, query, Content-Type and JSON body."""
    problems = []
    if request.method != example.method.upper():
        problems.append(f"method {request.method}, recorded {example.method.upper()}")
    base = httpx.URL(example.base_url)
    if (request.url.scheme, request.url.host) != (base.scheme, base.host):
        problems.append(f"sent to {request.url.scheme}://{request.url.host}, recorded {example.base_url}")
    sent = [unquote(segment) for segment in request.url.raw_path.split(b"?")[0].decode("ascii").split("/")]
    recorded = [*base.path.rstrip("/").split("/"), *(_segment(s, example) for s in example.path)]
    if sent != recorded:
        problems.append(f"path segments {sent}, recorded {recorded}")
    if list(request.url.params.multi_items()) != list(example.query):
        problems.append(f"query {list(request.url.params.multi_items())}, recorded {list(example.query)}")
    if example.body is not None:
        recorded_type = example.headers.get("content-type")
        if recorded_type is None:
            problems.append("the recording has a body but no Content-Type")
        elif request.headers.get("content-type") != recorded_type:
            problems.append(f"Content-Type {request.headers.get('content-type')!r}, recorded {recorded_type!r}")
        try:
            if differences := differing_paths(json.loads(request.content), json.loads(example.body)):
                problems.append(f"the JSON body differs from the recorded one at {', '.join(differences)}")
        except ValueError:
            problems.append("the body sent is not JSON")
    elif request.content:
        problems.append("a body is sent, none is recorded")
    if problems:
        raise ContractError(f"{example.id}: the generated request is not the recorded one: " + "; ".join(problems))


def _segment(segment: str, example: Example) -> str:
    return example.variables.get(segment[1:], segment) if segment.startswith(":") else segment


def recorded_transport(example: Example, sent: list[httpx.Request]) -> httpx.MockTransport:
    """Answers every request with the recorded response, keeping the requests in `sent`."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            example.code, headers=list(example.response_headers), content=example.response_body.encode()
        )

    return httpx.MockTransport(handler)


def call_recorded(
    operation: Operation, example: Example, mode: Literal["sync", "async"] = "sync"
) -> tuple[Response[Any], httpx.Request]:
    """Call `<module>.sync_detailed` (or `asyncio_detailed`) against the recorded response; one request must be sent."""
    sent: list[httpx.Request] = []
    client = sunco_keys.Client(base_url=example.base_url, httpx_args={"transport": recorded_transport(example, sent)})
    arguments = call_arguments(operation, example)
    if mode == "sync":
        with client:
            response = operation.module.sync_detailed(client=client, **arguments)
    else:

        async def call() -> Response[Any]:
            async with client:
                return cast(Response[Any], await operation.module.asyncio_detailed(client=client, **arguments))

        response = asyncio.run(call())
    if len(sent) != 1:
        raise ContractError(f"{example.id}: {len(sent)} requests sent, expected 1")
    return cast(Response[Any], response), sent[0]


def check_parsed(response: Response[Any], example: Example, model_name: str) -> None:
    """Status as recorded; parsed into `model_name`; `to_dict()` gives back exactly the recorded body."""
    problems = []
    if response.status_code != example.code:
        problems.append(f"status {int(response.status_code)}, recorded {example.code}")
    model = getattr(sunco_keys.models, model_name, None)
    if model is None:
        problems.append(f"sunco_keys.models has no {model_name}")
    elif not isinstance(response.parsed, model):
        problems.append(f"parsed as {type(response.parsed).__name__}, the spec documents {model_name}")
    elif differences := differing_paths(response.parsed.to_dict(), json.loads(example.response_body)):
        problems.append(f"to_dict() differs from the recorded body at {', '.join(differences)}")
    if problems:
        raise ContractError(
            f"{example.id}: the generated client's answer is not the recorded one: " + "; ".join(problems)
        )


def differing_paths(left: object, right: object, path: str = "$") -> list[str]:
    """The JSON paths where two decoded JSON values differ (the values are not shown: they may be secrets)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return [p for key in sorted(left.keys() | right.keys()) for p in _child(left, right, key, f"{path}.{key}")]
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            p for i, (a, b) in enumerate(zip(left, right, strict=True)) for p in differing_paths(a, b, f"{path}[{i}]")
        ]
    return [] if left == right and type(left) is type(right) else [path]


def _child(left: dict[str, Any], right: dict[str, Any], key: str, path: str) -> list[str]:
    if key not in left or key not in right:
        return [path]
    return differing_paths(left[key], right[key], path)


# --- the checks, one per concern, each run on every example -------------------------------------------------------


def check_status_phrase(example: Example) -> None:
    try:
        phrase = HTTPStatus(example.code).phrase
    except ValueError:
        raise ContractError(f"{example.id}: {example.code} is not an HTTP status") from None
    if example.status != phrase:
        raise ContractError(f"{example.id}: status {example.status!r} does not name code {example.code} ({phrase!r})")


def check_status(spec: Spec, example: Example) -> Operation:
    """The example maps to one operation, which documents the recorded status; the status text names the code."""
    check_status_phrase(example)
    operation = spec.match(example.method, example.template, example.id)
    spec.response_key(operation, example.code)
    return operation


def check_generated_request(spec: Spec, example: Example) -> None:
    """What `_get_kwargs` builds from the recorded arguments is the recorded request."""
    operation = spec.match(example.method, example.template, example.id)
    check_request(build_request(operation, example), example)


def check_generated_client(spec: Spec, example: Example) -> None:
    """`sync_detailed` and `asyncio_detailed` send the recorded request and parse the recorded response."""
    operation = spec.match(example.method, example.template, example.id)
    model_name = spec.model_name(operation, example.code)
    if not example.success and model_name != "ErrorResponse":
        raise ContractError(f"{example.id}: the spec documents {model_name} for {example.code}, not ErrorResponse")
    modes: tuple[Literal["sync", "async"], ...] = ("sync", "async")
    for mode in modes:
        response, sent = call_recorded(operation, example, mode)
        check_request(sent, example)
        check_parsed(response, example, model_name)


def check_bodies(spec: Spec, example: Example) -> None:
    """The recorded response body, and the request body of a success, validate against the spec's schemas."""
    operation = spec.match(example.method, example.template, example.id)
    body = json.loads(example.response_body)
    spec.validate(spec.response_schema_pointer(operation, example.code), body, f"{example.id}: the response body")
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and len(errors) > 1 and example.code != 400:
        raise ContractError(
            f"{example.id}: {len(errors)} errors with {example.code}; the API lists several only with 400"
        )
    pointer = spec.request_schema_pointer(operation)
    if pointer is None or not example.success:
        return  # a refused request may be malformed: that is what 400 answers
    if example.body is None:
        raise ContractError(f"{example.id}: {operation.operation_id} takes a request body, none is recorded")
    spec.validate(pointer, json.loads(example.body), f"{example.id}: the request body")
