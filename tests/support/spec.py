"""openapi.yaml as the tests read it: its operations (with the generated module of each) and its schemas.

Shared by the contract tests (tests/contract/postman.py) and the fuzz strategies (tests/fuzz/spec_strategies.py).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # jsonschema ships no types
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
SPEC_URI = "urn:sunco-keys:openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON = "application/json"


class ContractError(AssertionError):
    """A recording, the spec and the generated client disagree."""


def snake_case(name: str) -> str:
    """`CreateCustomIntegrationKey` -> `create_custom_integration_key`, `appId` -> `app_id` (the generator's names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _local_pointer(ref: object, where: str) -> str:
    """The JSON pointer of a local `$ref` ("#/components/..."); anything else is refused."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise ContractError(f"{where}: only local references are supported, not {ref!r}")
    return ref[1:]


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: where it sits in the document and the generated module that calls it."""

    operation_id: str
    method: str
    template: str
    pointer: str
    definition: Mapping[str, Any]
    path_params: tuple[str, ...]
    tag: str

    @property
    def module(self) -> ModuleType:
        package = f"sunco_keys.api.{snake_case(self.tag)}"
        return importlib.import_module(f"{package}.{snake_case(self.operation_id)}")


class Spec:
    """openapi.yaml: its operations, and its schemas as JSON Schema (OpenAPI 3.1 is Draft 2020-12)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource: Resource[Any] = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._resolver = self.registry.resolver()

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Spec:
        return cls(cast(dict[str, Any], yaml.safe_load(path.read_text(encoding="utf-8"))))

    def resolve(self, pointer: str) -> tuple[str, Mapping[str, Any]]:
        """The object at `pointer`, following `$ref`s (responses may be references); returns its own pointer too."""
        contents = cast(Mapping[str, Any], self._resolver.lookup(f"{SPEC_URI}#{pointer}").contents)
        while "$ref" in contents:
            pointer = _local_pointer(contents["$ref"], pointer)
            contents = cast(Mapping[str, Any], self._resolver.lookup(f"{SPEC_URI}#{pointer}").contents)
        return pointer, contents

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        found: list[Operation] = []
        for template, path_item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method not in path_item:
                    continue
                operation = path_item[method]
                parameters = [*path_item.get("parameters", []), *operation.get("parameters", [])]
                resolved = [self.resolve_object(parameter) for parameter in parameters]
                found.append(
                    Operation(
                        operation_id=operation["operationId"],
                        method=method.upper(),
                        template=template,
                        pointer=f"/paths/{_escape(template)}/{method}",
                        definition=operation,
                        path_params=tuple(p["name"] for p in resolved if p["in"] == "path"),
                        tag=operation["tags"][0],
                    )
                )
        return tuple(found)

    def resolve_object(self, value: Mapping[str, Any]) -> Mapping[str, Any]:
        """`value`, or what its `$ref` (followed repeatedly) points at."""
        if "$ref" in value:
            return self.resolve(_local_pointer(value["$ref"], "an object"))[1]
        return value

    def match(self, method: str, template: str, what: str) -> Operation:
        """The one operation with this method and path template."""
        matches = [op for op in self.operations if op.method == method.upper() and op.template == template]
        if len(matches) != 1:
            known = ", ".join(f"{op.method} {op.template}" for op in self.operations)
            raise ContractError(
                f"{what}: {method.upper()} {template} matches {len(matches)} operations of openapi.yaml, "
                f"not exactly one (it has: {known})"
            )
        return matches[0]

    def response_key(self, operation: Operation, code: int) -> str:
        """The `responses` key documenting `code`: the code, its range (`4XX`), or `default` for a non-2xx status."""
        responses = operation.definition["responses"]
        for key in (str(code), f"{code // 100}XX"):
            if key in responses:
                return key
        if "default" in responses and not 200 <= code < 300:
            return "default"
        raise ContractError(
            f"{operation.operation_id} does not document status {code} (documented: {', '.join(responses)})"
        )

    def response_schema_pointer(self, operation: Operation, code: int) -> str:
        key = self.response_key(operation, code)
        pointer, response = self.resolve(f"{operation.pointer}/responses/{_escape(key)}")
        if JSON not in response.get("content", {}):
            raise ContractError(f"{operation.operation_id} {key}: the spec documents no {JSON} body")
        return f"{pointer}/content/{_escape(JSON)}/schema"

    def request_schema_pointer(self, operation: Operation) -> str | None:
        if "requestBody" not in operation.definition:
            return None
        pointer, body = self.resolve(f"{operation.pointer}/requestBody")
        if JSON not in body.get("content", {}):
            raise ContractError(f"{operation.operation_id}: the spec documents no {JSON} request body")
        return f"{pointer}/content/{_escape(JSON)}/schema"

    def model_name(self, operation: Operation, code: int) -> str:
        """The generated model for the documented body, named as openapi-python-client names it: the component's
        class for a `$ref`, `<OperationId>Response<key>` for an inline schema."""
        pointer = self.response_schema_pointer(operation, code)
        schema = self._resolver.lookup(f"{SPEC_URI}#{pointer}").contents
        if "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            return name[0].upper() + name[1:]
        key = self.response_key(operation, code)
        return f"{operation.operation_id}Response{key[0].upper()}{key[1:]}"

    def validate(self, pointer: str, instance: object, what: str) -> None:
        """Validate `instance` against the schema at `pointer` with jsonschema, `$ref`s resolved in the registry."""
        validator = Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))
        if errors:
            # Name where and which keyword failed, never the instance: it may hold a secret.
            found = "; ".join(f"{error.json_path}: {error.validator} {error.validator_value!r}" for error in errors)
            raise ContractError(f"{what} does not match the schema at {pointer}: {found}")


@cache
def spec() -> Spec:
    """openapi.yaml, loaded once per test process."""
    return Spec.load()
