"""Response decoding and error mapping: documented results or documented sunco_keys exceptions, secrets masked."""

from __future__ import annotations

import base64
import email.utils
import json
import pickle
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import attrs
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import (
    create_custom_integration_key,
    get_custom_integration_key,
    list_custom_integration_keys,
)
from sunco_keys.lib.decode import check_types
from sunco_keys.lib.errors import error_for, parse_retry_after
from sunco_keys.lib.paths import MAX_SEGMENT_LENGTH, path_segment
from sunco_keys.lib.redaction import excerpt
from sunco_keys.lib.transport import SuncoTransport
from sunco_keys.models import (
    ApiKey,
    ErrorResponse,
    IntegrationApiKey,
    IntegrationApiKeyListResponse,
    IntegrationApiKeyResponse,
)
from tests.support.answering import client_answering

SECRET = "canary-secret-9d41be"
KEY = {"id": "int_67a1110ef0305f4a391e9f01", "displayName": "My Test Key", "secret": SECRET}


def get_key(client: sunco_keys.Client) -> object:
    return get_custom_integration_key.sync("app", "integration", "int_1", client=client)


def test_documented_body_parses_into_the_model() -> None:
    parsed = get_key(client_answering(200, json.dumps({"key": KEY}).encode()))
    assert isinstance(parsed, IntegrationApiKeyResponse)
    assert parsed.to_dict() == {"key": KEY}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"key": {"id": "int_1", "secret": "' + SECRET.encode(), "application/json"),
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (b"", "application/json"),
        (b"", None),
        (b"[]", "application/json"),
        (b'"a string"', "application/json"),
        (b"null", "application/json"),
        (b'{"key": "not an object"}', "application/json"),
        (b'{"key": null}', "application/json"),
        (b'{"key": [1, 2]}', "application/json"),
        (b"\xff\xfe{", "application/json"),
        (b'{"key": {"id": "int_1", "displayName": 42}}', "application/json"),
        (b'{"key": {"id": true}}', "application/json"),
        (b'{"key": {"id": "int_1", "secret": ["' + SECRET.encode() + b'"]}}', "application/json"),
    ],
)
def test_undecodable_2xx_raises_response_decode_error(body: bytes, content_type: str | None) -> None:
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        get_key(client_answering(200, body, content_type))
    error = caught.value
    assert error.status_code == 200
    assert error.content_type == (content_type or "")
    assert SECRET not in str(error) and SECRET not in repr(error) and SECRET not in error.body_excerpt


@pytest.mark.parametrize("body", [b'{"keys": "abc"}', b'{"keys": [{"id": 5}]}', b'{"keys": [{"displayName": false}]}'])
def test_list_items_of_the_wrong_shape_raise_response_decode_error(body: bytes) -> None:
    with pytest.raises(sunco_keys.ResponseDecodeError, match="not the documented shape"):
        list_custom_integration_keys.sync("app", "integration", client=client_answering(200, body))


class _DecodedOnce(httpx.Response):
    """A response whose own json() fails: the generated parser must read the document decode_body decoded."""

    def json(self, **kwargs: object) -> object:
        raise AssertionError("the body was decoded a second time")


def test_the_body_is_decoded_once_and_parsed_from_that_document() -> None:
    body = json.dumps({"key": KEY}).encode()
    transport = httpx.MockTransport(lambda request: _DecodedOnce(200, content=body))
    client = sunco_keys.Client(base_url="https://api.smooch.io", httpx_args={"transport": transport})
    parsed = get_key(client)
    assert isinstance(parsed, IntegrationApiKeyResponse)
    assert parsed.to_dict() == {"key": KEY}


def test_fields_a_newer_api_adds_are_kept_and_nulls_accepted() -> None:
    body = {"key": {"id": "int_1", "displayName": None, "createdAt": "2026-01-01"}, "meta": {"v": 2}}
    parsed = get_key(client_answering(200, json.dumps(body).encode()))
    assert isinstance(parsed, IntegrationApiKeyResponse) and parsed.to_dict() == body
    assert parsed.additional_properties == {"meta": {"v": 2}}


def test_undocumented_2xx_raises_response_decode_error_without_the_body_in_its_chain() -> None:
    client = client_answering(204, json.dumps({"key": KEY}).encode())
    client.raise_on_unexpected_status = True
    with pytest.raises(sunco_keys.ResponseDecodeError, match="status 204 is not documented") as caught:
        get_key(client)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert SECRET not in str(caught.value)


def test_plain_generated_client_parses_documented_errors_into_the_error_model() -> None:
    body = {"errors": [{"code": "not_found", "title": "Resource not found"}]}
    parsed = get_key(client_answering(404, json.dumps(body).encode()))
    assert isinstance(parsed, ErrorResponse) and parsed.to_dict() == body


def test_excerpt_masks_credential_members_even_when_truncated() -> None:
    body = json.dumps({"key": {"id": "int_1", "secret": SECRET, "token": "tok-123"}}).encode()
    assert SECRET not in excerpt(body) and "tok-123" not in excerpt(body)
    assert "int_1" in excerpt(body)
    assert SECRET[:10] not in excerpt(body[: body.index(SECRET.encode()) + 10])
    assert excerpt(b"x" * 500, limit=10) == "x" * 10 + "..."


def api_error(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> sunco_keys.ApiError:
    request = httpx.Request("DELETE", "https://api.smooch.io/v2/apps/a/integrations/b/keys/int_1")
    return error_for(httpx.Response(status, headers=headers, content=body), request)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, sunco_keys.BadRequestError),
        (401, sunco_keys.UnauthorizedError),
        (403, sunco_keys.ForbiddenError),
        (404, sunco_keys.NotFoundError),
        (409, sunco_keys.ConflictError),
        (429, sunco_keys.RateLimitError),
        (500, sunco_keys.ServerError),
        (503, sunco_keys.ServerError),
        (599, sunco_keys.ServerError),
        (302, sunco_keys.ApiError),
        (413, sunco_keys.ApiError),
        (418, sunco_keys.ApiError),
    ],
)
def test_each_status_maps_to_its_exception(status: int, kind: type[sunco_keys.ApiError]) -> None:
    body = b'{"errors": [{"code": "c1", "title": "first"}, {"code": "c2", "title": "second"}]}'
    error = api_error(status, body)
    assert type(error) is kind
    assert error.status_code == status
    assert [(e.code, e.title) for e in error.errors] == [("c1", "first"), ("c2", "second")]
    assert (error.method, error.path) == ("DELETE", "/v2/apps/a/integrations/b/keys/int_1")
    assert f"{status} " in str(error) and "DELETE /v2/apps/a/integrations/b/keys/int_1" in str(error)


@pytest.mark.parametrize(
    ("status", "earlier", "expected"), [(404, False, False), (404, True, True), (500, False, True)]
)
def test_an_api_error_may_have_taken_effect_after_a_5xx_or_an_earlier_attempt_that_reached_the_server(
    status: int, earlier: bool, expected: bool
) -> None:
    request = httpx.Request("DELETE", "https://api.smooch.io/v2/apps/a/integrations/b/keys/int_1")
    error = error_for(httpx.Response(status, content=b"{}"), request, earlier_attempt_reached=earlier)
    assert error.may_have_taken_effect is expected
    assert ("an earlier attempt reached the server" in str(error)) is earlier
    assert pickle.loads(pickle.dumps(error)).may_have_taken_effect is expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:00", 0.0),  # no zone: read as UTC
        (" 7 ", 7.0),
        ("-7", None),
        ("1" + "0" * 400, None),  # digits only, but past a float's range
        ("9" * 300, float("9" * 300)),  # large, still a float: kept
        ("Mon, 01 Jan 1000000000000000000000 00:00:00 GMT", None),  # a year past any datetime (OverflowError)
    ],
)
@pytest.mark.parametrize("status", [429, 503])
def test_a_rate_limit_or_server_error_carries_retry_after(
    value: str | None, seconds: float | None, status: int
) -> None:
    error = api_error(status, b"{}", {"Retry-After": value} if value else None)
    assert isinstance(error, sunco_keys.RateLimitError if status == 429 else sunco_keys.ServerError)
    assert error.retry_after == seconds


@pytest.mark.parametrize("value", ["\u00b2", "\u0667"])  # digits to str.isdigit(), not to HTTP
def test_a_retry_after_of_non_ascii_digits_is_invalid(value: str) -> None:
    assert parse_retry_after(value) is None


def test_a_retry_after_date_ahead_gives_the_seconds_until_then() -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    retry_after = api_error(429, b"{}", {"Retry-After": when}).retry_after
    assert retry_after is not None and 100 < retry_after <= 120


@pytest.mark.parametrize("body", [b"<html>bad gateway</html>", b"", b"[]", b'{"errors": "x"}', b'{"errors": [1]}'])
def test_error_bodies_that_are_not_error_responses_give_an_empty_list(body: bytes) -> None:
    error = api_error(502, body)
    assert error.errors == [] and isinstance(error, sunco_keys.ServerError)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("int_5d8cff3cd55b040010928b5b", "int_5d8cff3cd55b040010928b5b"),
        ("a/b", "a%2Fb"),
        ("../keys", "..%2Fkeys"),
        ("a?b#c", "a%3Fb%23c"),
        ("100%", "100%25"),
        ("a\r\nb", "a%0D%0Ab"),
        ("clé", "cl%C3%A9"),
        ("...", "..."),
    ],
)
def test_path_segment_encodes_into_one_segment(value: str, encoded: str) -> None:
    assert path_segment("key_id", value) == encoded


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_path_segment_refuses_what_would_change_the_endpoint(value: str) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="key_id"):
        path_segment("key_id", value)


def test_path_segment_refuses_an_id_too_long_to_send() -> None:
    assert path_segment("key_id", "a" * MAX_SEGMENT_LENGTH) == "a" * MAX_SEGMENT_LENGTH
    assert path_segment("key_id", "é" * (MAX_SEGMENT_LENGTH // 6)) == "%C3%A9" * (MAX_SEGMENT_LENGTH // 6)
    for value in ("a" * (MAX_SEGMENT_LENGTH + 1), "é" * (MAX_SEGMENT_LENGTH // 6 + 1), "a" * 70_000):
        with pytest.raises(sunco_keys.InvalidArgumentError, match="key_id is .* characters percent-encoded"):
            path_segment("key_id", value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "body must be a IntegrationApiKey, not NoneType"),
        ({"displayName": "x"}, "body must be a IntegrationApiKey, not dict"),
        (IntegrationApiKey(display_name=float("nan")), "cannot be sent as JSON .ValueError"),  # type: ignore[arg-type]
        (IntegrationApiKey(display_name=object()), "cannot be sent as JSON .TypeError"),  # type: ignore[arg-type]
        (IntegrationApiKey(display_name="\ud800"), "cannot be sent as JSON .UnicodeEncodeError"),
    ],
)
def test_a_body_that_cannot_be_sent_is_refused_before_sending(body: object, message: str) -> None:
    sent: list[httpx.Request] = []
    client = client_answering(201, b"", sent=sent)
    with pytest.raises(sunco_keys.InvalidArgumentError, match=message):
        create_custom_integration_key.sync("app", "int", client=client, body=body)  # type: ignore[arg-type]
    assert sent == []


def test_a_body_is_sent_as_compact_utf8_json() -> None:
    sent: list[httpx.Request] = []
    answer = {"key": {"id": "int_1", "displayName": "clé"}}
    client = client_answering(201, json.dumps(answer).encode(), sent=sent)
    created = create_custom_integration_key.sync(
        "app", "int", client=client, body=IntegrationApiKey(display_name="clé")
    )
    assert created is not None and created.to_dict() == answer
    assert sent[0].content == '{"displayName":"clé"}'.encode()
    assert sent[0].headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("call", [lambda c: get_custom_integration_key.sync("app", "int", "", client=c)])
def test_refused_path_values_send_nothing(call: Callable[[sunco_keys.Client], object]) -> None:
    sent: list[httpx.Request] = []
    client = client_answering(200, b"", sent=sent)
    with pytest.raises(sunco_keys.InvalidArgumentError):
        call(client)
    assert sent == []


@settings(deadline=None, database=None)  # not timed (a shared machine), nothing written to disk
@given(st.text(alphabet=string.printable) | st.text())  # mostly ids near the unreserved set, and any text
def test_path_segment_is_quote_for_every_value_it_accepts(value: str) -> None:
    """The unreserved fast path must give what quote() gives: the same bytes on the wire for every id."""
    try:
        expected = quote(value, safe="")
    except UnicodeEncodeError:
        expected = None
    if value in ("", ".", "..") or expected is None:
        with pytest.raises(sunco_keys.InvalidArgumentError):
            path_segment("key_id", value)
    else:
        assert path_segment("key_id", value) == expected


def test_non_string_path_value_is_refused() -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="must be a str"):
        path_segment("app_id", 5)


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (IntegrationApiKey, {}, "IntegrationApiKey cannot be built from this dict (KeyError: 'displayName')"),
        (ApiKey, None, "ApiKey cannot be built from this NoneType (TypeError"),
        (ApiKey, "int_1", "ApiKey cannot be built from this str (TypeError: not a mapping)"),
        (
            IntegrationApiKeyListResponse,
            {"keys": 5},
            "IntegrationApiKeyListResponse cannot be built from this dict (TypeError",
        ),
        (IntegrationApiKeyResponse, {"key": None}, "ApiKey cannot be built from this NoneType"),  # the nested one's own
        # Of the right shape but not of the model's types: the parser would cast them through unchecked.
        (ApiKey, {"id": 5}, "ApiKey cannot be built from this dict (TypeError: ApiKey.id is not str | Unset)"),
        (
            IntegrationApiKeyListResponse,
            {"keys": [{"id": "int_1"}, {"displayName": 3}]},
            "IntegrationApiKeyListResponse cannot be built from this dict (TypeError: ApiKey.display_name is not",
        ),
        (
            ErrorResponse,
            {"errors": [{"code": None}]},
            "ErrorResponse cannot be built from this dict (TypeError: Error.code",
        ),
        # What the parser would turn into something else: an object where the list of keys belongs (an empty list),
        # a list where a key belongs (dict(["id"]) is {"i": "d"}), a tuple where JSON has an array.
        (
            IntegrationApiKeyListResponse,
            {"keys": {}},
            "IntegrationApiKeyListResponse cannot be built from this dict (TypeError: member 'keys' is not of the "
            "documented shape)",
        ),
        (
            IntegrationApiKeyResponse,
            {"key": ["id"]},
            "ApiKey cannot be built from this list (TypeError: not a mapping)",  # the nested one's own
        ),
        (
            IntegrationApiKeyListResponse,
            {"keys": (KEY,)},
            "IntegrationApiKeyListResponse cannot be built from this dict (TypeError: member 'keys'",
        ),
    ],
)
def test_from_dict_refuses_what_is_not_of_the_models_shape(model: Any, data: object, message: str) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError) as caught:
        model.from_dict(data)
    assert str(caught.value).startswith(message)


def test_from_dict_still_builds_the_documented_shape() -> None:
    assert IntegrationApiKeyResponse.from_dict({"key": KEY}).to_dict() == {"key": KEY}
    listed = {"keys": [KEY, {"id": "int_2", "displayName": None, "note": {"any": ["json"]}}], "next": 1}
    assert IntegrationApiKeyListResponse.from_dict(listed).to_dict() == listed


def test_a_secret_of_the_wrong_type_is_refused_without_its_value() -> None:
    secret = {"canary": SECRET}  # the value a wrong-typed secret field holds must not reach the message
    with pytest.raises(sunco_keys.InvalidArgumentError) as caught:
        IntegrationApiKeyResponse.from_dict({"key": {"id": "int_1", "secret": secret}})
    assert (
        str(caught.value)
        == "IntegrationApiKeyResponse cannot be built from this dict (TypeError: ApiKey.secret is not str | Unset)"
    )
    assert SECRET not in repr(caught.value) and caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_refused_from_dict_leaves_the_next_one_checked() -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError):
        IntegrationApiKeyResponse.from_dict({"key": None})  # refused inside the nested ApiKey's from_dict
    with pytest.raises(sunco_keys.InvalidArgumentError, match=r"ApiKey\.id is not"):
        ApiKey.from_dict({"id": 5})
    with pytest.raises(sunco_keys.InvalidArgumentError, match=r"ApiKey\.id is not"):
        IntegrationApiKeyResponse.from_dict({"key": {"id": 5}})


@pytest.mark.parametrize("data", [[("secret", SECRET), ("id", "int_1")], {"secret": SECRET, "id": 5}.items()])
def test_pairs_that_are_not_a_mapping_are_refused_without_their_values(data: object) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError) as caught:
        ApiKey.from_dict(data)  # type: ignore[arg-type]
    assert str(caught.value) == f"ApiKey cannot be built from this {type(data).__name__} (TypeError: not a mapping)"


def _outcome(build: Callable[[], object]) -> object:
    try:
        return build()
    except Exception as exc:  # what the test compares: the exception itself
        return exc


def _wrong_types() -> object:
    return _outcome(lambda: ApiKey.from_dict({"id": 5}))


def _wrong_types_in_another_thread() -> object:
    outcomes: list[object] = []
    thread = threading.Thread(target=lambda: outcomes.append(_wrong_types()))
    thread.start()
    thread.join()
    return outcomes[0]


def _a_wrong_typed_answer() -> object:
    return _outcome(lambda: get_key(client_answering(200, json.dumps({"key": {"id": 5}}).encode())))


class _BuildsWhileRead(Mapping[str, Any]):
    """A key's data whose reading runs `meanwhile` (which builds a model of the wrong types) and keeps its outcome."""

    def __init__(self, meanwhile: Callable[[], object]) -> None:
        self.meanwhile = meanwhile
        self.outcome: object = None

    def __getitem__(self, name: str) -> Any:
        return KEY[name]

    def __iter__(self) -> Iterator[str]:
        self.outcome = self.meanwhile()
        return iter(KEY)

    def __len__(self) -> int:
        return len(KEY)


@pytest.mark.parametrize(
    ("meanwhile", "refusal"),
    [
        (_wrong_types, sunco_keys.InvalidArgumentError),
        (_wrong_types_in_another_thread, sunco_keys.InvalidArgumentError),
        (_a_wrong_typed_answer, sunco_keys.ResponseDecodeError),
    ],
)
def test_a_model_built_while_another_is_built_is_checked_on_its_own(
    meanwhile: Callable[[], object], refusal: type[Exception]
) -> None:
    """A nested model is left to the outermost from_dict to check; a model built by anything else never is."""
    data = _BuildsWhileRead(meanwhile)
    assert IntegrationApiKeyResponse.from_dict({"key": data}).to_dict() == {"key": KEY}
    assert isinstance(data.outcome, refusal), data.outcome
    assert "ApiKey.id is not str" in str(data.outcome)


def test_a_response_of_the_wrong_types_is_refused_in_one_message() -> None:
    body = json.dumps({"key": {"id": "int_1", "displayName": 42}}).encode()
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        get_key(client_answering(200, body))
    assert str(caught.value).startswith(
        "cannot decode the 200 response (application/json): not the documented shape (IntegrationApiKeyResponse "
        "cannot be built from this dict (TypeError: ApiKey.display_name is not None | str | Unset)); body starts"
    )


class _MyKey(ApiKey):
    """A user's subclass of a generated model: its annotations are read where each was declared."""


class _MyKeyResponse(IntegrationApiKeyResponse):
    pass


def test_a_subclass_of_a_model_is_built_and_checked_like_the_model() -> None:
    assert isinstance(_MyKey.from_dict(KEY), _MyKey) and _MyKey.from_dict(KEY).to_dict() == KEY
    assert _MyKeyResponse.from_dict({"key": KEY}).to_dict() == {"key": KEY}
    with pytest.raises(sunco_keys.InvalidArgumentError, match=r"^_MyKey cannot .* \(TypeError: _MyKey\.id is not str"):
        _MyKey.from_dict({"id": 5})


class _FreshNaN(Mapping[str, Any]):
    """A key whose undeclared member reads as a new NaN every time: the model cannot give it back as it came."""

    def __getitem__(self, name: str) -> Any:
        return float("nan") if name == "sk_live_note" else KEY[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*KEY, "sk_live_note"])

    def __len__(self) -> int:
        return len(KEY) + 1


def test_an_undeclared_member_that_does_not_come_back_is_not_named() -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError) as caught:
        ApiKey.from_dict(_FreshNaN())
    assert str(caught.value) == "ApiKey cannot be built from this _FreshNaN (TypeError: not of the documented shape)"


@attrs.define
class _TypedExtras:
    """What the generator would make of a schema whose additionalProperties are keys."""

    id: str
    additional_properties: dict[str, ApiKey] = attrs.field(factory=dict)


def test_typed_additional_properties_are_held_to_their_type() -> None:
    check_types(_TypedExtras("a", {"first": ApiKey.from_dict(KEY)}))
    with pytest.raises(TypeError, match=r"^ApiKey\.id is not str"):  # a key of the wrong types inside
        check_types(_TypedExtras("a", {"first": ApiKey(id=5)}))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"_TypedExtras\.additional_properties is not dict"):
        check_types(_TypedExtras("a", {"first": KEY}))  # type: ignore[dict-item]


def test_a_member_left_out_shows_as_unset_in_the_repr() -> None:
    key = ApiKey.from_dict({"id": "int_1", "secret": SECRET})
    assert repr(key) == "ApiKey(id='int_1', display_name=UNSET, additional_properties={})"
    assert repr(sunco_keys.types.UNSET) == "UNSET"


@pytest.mark.parametrize("status", [100, 101, 103])
def test_an_interim_status_as_the_final_answer_is_a_transport_error(status: int) -> None:
    """h11 refuses one as a protocol error (sync, httpx's async backend); aiohttp hands it on: the same either way."""
    request = httpx.Request("GET", "https://api.smooch.io/v2/apps/a/integrations/b/keys")
    with pytest.raises(
        sunco_keys.TransportError, match=f"RemoteProtocolError: the final answer's status is {status}"
    ) as caught:
        SuncoTransport._checked(request, httpx.Response(status))
    assert caught.value.may_have_taken_effect is True  # the server answered


# --- pickling: an error raised in a worker process reaches the parent whole -------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 418, 429, 500, 503])
def test_every_api_error_survives_pickling(status: int) -> None:
    body = b'{"errors": [{"code": "c1", "title": "first"}]}'
    error = api_error(status, body, {"Retry-After": "7"})
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error) and back.args == error.args
    assert (back.status_code, back.method, back.path) == (error.status_code, error.method, error.path)
    assert [(e.code, e.title) for e in back.errors] == [("c1", "first")]
    assert back.retry_after == 7.0
    assert back.may_have_taken_effect is error.may_have_taken_effect is (status >= 500)


def test_a_member_left_out_is_still_unset_after_pickling() -> None:
    error = api_error(401, b'{"errors": [{"title": "bad"}]}')
    back = pickle.loads(pickle.dumps(error))
    assert back.errors[0].code is sunco_keys.types.UNSET
    assert back.errors[0].to_dict() == {"title": "bad"}


def test_transport_and_argument_errors_survive_pickling() -> None:
    error = sunco_keys.TransportError("POST", "/v2/apps/a", "ConnectError: refused", may_have_taken_effect=False)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is sunco_keys.TransportError and str(back) == str(error)
    assert (back.method, back.path, back.may_have_taken_effect) == ("POST", "/v2/apps/a", False)
    refused = pickle.loads(pickle.dumps(sunco_keys.InvalidArgumentError("timeout must be positive")))
    assert isinstance(refused, ValueError) and str(refused) == "timeout must be positive"


def test_a_pickled_decode_error_keeps_the_whole_answer_but_not_the_credentials() -> None:
    token = base64.b64encode(f"app_1:{SECRET}".encode()).decode()
    unsigned = httpx.Request("POST", "https://api.smooch.io/v2/apps/a/integrations/b/keys")
    sent = next(httpx.BasicAuth("app_1", SECRET).sync_auth_flow(unsigned))
    body = b'{"key": {"id": "int_1", "secret": "the-new-key-s-only-copy"}, "extra": ['
    echo = {"X-Echo": f"you sent Basic {token}"}  # a server echoing the credentials into a header
    response = httpx.Response(201, content=body, headers={"Content-Type": "application/json", **echo}, request=sent)
    error = sunco_keys.ResponseDecodeError(201, "application/json", body, "not JSON", response, hide=[SECRET, token])
    pickled = pickle.dumps(error)
    assert token.encode() not in pickled and SECRET.encode() not in pickled
    back = pickle.loads(pickled)
    assert type(back) is sunco_keys.ResponseDecodeError and str(back) == str(error)
    kept = back.response
    assert kept is not None and kept.status_code == 201 and kept.content == body  # the new key's secret: not lost
    assert kept.headers["Content-Type"] == "application/json" and kept.headers["X-Echo"] == "you sent ***"
    assert (kept.request.method, kept.request.url) == (sent.method, sent.url)
    assert "Authorization" not in kept.request.headers
    assert response.request.headers["Authorization"] == f"Basic {token}"  # the original is untouched
