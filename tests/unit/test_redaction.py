"""Secrets stay out of text: body excerpts, the reprs of responses, clients and models, whatever shape they come in."""

from __future__ import annotations

import json

import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import create_custom_integration_key
from sunco_keys.lib.redaction import excerpt, masked, masked_repr
from sunco_keys.models import ApiKey, IntegrationApiKey
from tests.support.answering import client_answering

SECRET = "canary-secret-9d41be-0123456789"


@pytest.mark.parametrize(
    "document",
    [
        {"secret": SECRET},
        {"client_secret": SECRET},
        {"access_token": SECRET},
        {"previousSecret": SECRET},
        {"Authorization": SECRET},
        {"credentials": {"value": SECRET}},
        {"secret": {"kind": "raw", "value": SECRET}},
        {"secret": [SECRET, SECRET]},
        {"key": {"id": "int_1", "secret": SECRET}},
        {"keys": [{"id": "int_1", "password": SECRET}]},
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32-be"])
def test_excerpt_masks_credential_members_of_json_in_any_encoding(document: object, encoding: str) -> None:
    text = excerpt(json.dumps(document).encode(encoding), limit=10_000)
    assert SECRET not in text
    assert "***" in text


def test_excerpt_reads_escaped_member_names() -> None:
    body = b'{"\\u0073ecret": "' + SECRET.encode() + b'", "id": "int_1"}'
    assert SECRET not in excerpt(body)
    assert SECRET not in excerpt(body[:-5])  # not JSON any more: scanned as text, names still unescaped


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ('{"id": "int_1", "client_secret": "' + SECRET, "int_1"),  # cut inside the secret
        ('{"id": "int_1", "token": ' + "1234567890123, " + '"x": 1', "int_1"),  # a number
        ('{"id": "int_1", "secret": {"value": "' + SECRET + '"}, "more": ', "int_1"),  # an object: masked to the end
        ("<html>secret: " + SECRET + "</html>", "<html>"),  # not JSON members at all: nothing to mask, kept
    ],
)
def test_excerpt_of_text_that_is_not_json(body: str, kept: str) -> None:
    text = excerpt(body.encode())
    assert kept in text
    if body.startswith("{"):
        assert SECRET not in text and "1234567890123" not in text


def test_excerpt_is_cut_at_its_limit() -> None:
    assert excerpt(b"x" * 500, limit=10) == "x" * 10 + "..."
    assert excerpt(b"x" * 500) == "x" * 200 + "..."  # what exception messages show
    assert excerpt(b'{"id": "int_1"}', limit=200) == '{"id": "int_1"}'


def test_masked_copies_and_leaves_the_original_alone() -> None:
    key = {"id": "int_1", "secret": SECRET}
    document = {"key": key, "list": [{"token": SECRET}]}
    assert masked(document) == {"key": {"id": "int_1", "secret": "***"}, "list": [{"token": "***"}]}
    assert key["secret"] == SECRET


def test_what_a_server_adds_to_a_model_is_shown_masked() -> None:
    key = ApiKey.from_dict({"id": "int_1", "secret": SECRET, "previousSecret": SECRET, "region": "eu"})
    assert key.additional_properties == {"previousSecret": SECRET, "region": "eu"}
    assert SECRET not in repr(key) and SECRET not in str(key)
    assert "'region': 'eu'" in repr(key) and "int_1" in repr(key)
    assert masked_repr({"a": {"b": {"password": SECRET}}}) == "{'a': {'b': {'password': '***'}}}"


def test_a_responses_repr_leaves_out_its_raw_body() -> None:
    body = json.dumps({"key": {"id": "int_1", "displayName": "x", "secret": SECRET}}).encode()
    response = create_custom_integration_key.sync_detailed(
        "app", "integration", client=client_answering(201, body), body=IntegrationApiKey("x")
    )
    assert json.loads(response.content)["key"]["secret"] == SECRET
    assert SECRET not in repr(response) and SECRET not in str(response)
    assert "int_1" in repr(response)  # the parsed model, with its secret hidden


def test_authenticated_clients_repr_leaves_out_the_token_and_headers() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"keys": []}))
    client = sunco_keys.AuthenticatedClient(
        base_url="https://api.smooch.io", token=SECRET, cookies={"session": SECRET}, httpx_args={"transport": transport}
    )
    client.get_httpx_client().get("/v2/apps/a/integrations/i/keys")  # the Authorization header is now in _headers
    assert client.token == SECRET
    assert SECRET not in repr(client) and SECRET not in str(client)
    assert "api.smooch.io" in repr(client)
