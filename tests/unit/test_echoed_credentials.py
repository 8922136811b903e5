"""What a server echoes of the request's own credentials is masked in every error, and refusals chain to nothing.

A server or a proxy in front of it may quote the Authorization header, the key's secret or the JWT back in an error
title or a body; the error built from that answer must not carry them into its message, its parsed errors or the
exceptions under it.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import create_custom_integration_key, get_custom_integration_key
from sunco_keys.lib.auth import BasicAuth, JwtAuth
from sunco_keys.lib.errors import error_for
from sunco_keys.lib.redaction import HIDDEN_EXTENSION, excerpt, sent_secrets
from sunco_keys.lib.transport import SuncoTransport
from sunco_keys.models import IntegrationApiKey
from tests.support import echo

KEY_ID = "app_64f0c1d2e3a4b5c6d7e8f901"
SECRET = "canary-secret-echoed-4c8e1f-with-enough-length-for-hs256"
URL = "https://api.smooch.io/v2/apps/a/integrations/b/keys"


def signed(auth: httpx.Auth) -> httpx.Request:
    return echo.signed(auth, URL)


def credentials(request: httpx.Request) -> list[str]:
    """Every spelling of the request's credentials that must never be shown."""
    header = request.headers["Authorization"]
    token = header.split(" ", 1)[1]
    spellings = [header, token, SECRET]
    if header.startswith("Basic "):
        spellings.append(base64.b64decode(token).decode())  # key_id:secret
    return spellings


def assert_shows_none_of(error: BaseException, hidden: list[str]) -> None:
    shown = [str(error), repr(error), repr(getattr(error, "errors", None)), getattr(error, "body_excerpt", "")]
    shown += [repr(below.args) for below in echo.chained(error)]
    for text in shown:
        for value in hidden:
            assert value not in text


AUTHS = [BasicAuth(KEY_ID, SECRET), JwtAuth(KEY_ID, SECRET)]


@pytest.mark.parametrize("auth", AUTHS, ids=["basic", "jwt"])
@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (401, '{{"errors": [{{"code": "unauthorized", "title": "Invalid key secret {secret}"}}]}}', "json"),
        (401, '{{"errors": [{{"code": "unauthorized", "title": "Bad header {header}"}}]}}', "json"),
        (403, '{{"errors": [{{"code": "{token}", "title": "forbidden"}}]}}', "json"),
        (400, "Bad request\nAuthorization: {header}\n", "text/plain"),
        (400, "error=invalid&secret={secret}&token={token}", "application/x-www-form-urlencoded"),
        (502, "<html><pre>{pair}</pre></html>", "text/html"),
        (429, '{{"errors": [{{"code": "x", "title": "{secret}"}}], "echo": "{header}"}}', "json"),
        (401, '{{"errors": [{{"code": "c", "title": "see /login?h={quoted}"}}]}}', "json"),
        (401, '{{"errors": [{{"code": "c", "title": "signature {signature} does not match"}}]}}', "json"),
        (400, "the secret in base64: {secret64}", "text/plain"),
    ],
    ids=[
        "secret-in-title",
        "header-in-title",
        "token-in-code",
        "header-in-text",
        "form",
        "html-pair",
        "rate-limit",
        "percent-encoded",
        "jwt-signature",
        "base64-secret",
    ],
)
def test_an_error_answer_echoing_the_credentials_shows_none_of_them(
    auth: httpx.Auth, status: int, body: str, content_type: str
) -> None:
    request = signed(auth)
    header = request.headers["Authorization"]
    token = header.split(" ", 1)[1]
    pair = base64.b64decode(token).decode() if header.startswith("Basic ") else token
    signature = token.rpartition(".")[2]  # a JWT's: its header and payload are predictable (kid, scope)
    secret64 = base64.b64encode(SECRET.encode()).decode()
    quoted = quote(header, safe="")  # a Basic token ends in "=", "%3D" once encoded
    text = body.format(
        secret=SECRET, header=header, token=token, pair=pair, quoted=quoted, signature=signature, secret64=secret64
    )
    headers = {"Content-Type": "application/json" if content_type == "json" else content_type}
    error = error_for(httpx.Response(status, headers=headers, content=text.encode()), request)
    hidden = [*credentials(request), quoted, secret64]
    assert_shows_none_of(error, hidden + ([signature] if header.startswith("Bearer ") else []))
    assert "***" in str(error)
    assert f"{status} " in str(error)


def test_the_rest_of_an_echoing_title_is_kept() -> None:
    request = signed(BasicAuth(KEY_ID, SECRET))
    body = {"errors": [{"code": "unauthorized", "title": f"Invalid key secret {SECRET} for {KEY_ID}"}]}
    error = error_for(httpx.Response(401, json=body), request)
    assert [(e.code, e.title) for e in error.errors] == [("unauthorized", f"Invalid key secret *** for {KEY_ID}")]
    assert str(error).endswith(f"unauthorized: Invalid key secret *** for {KEY_ID}")


def test_a_secret_json_escapes_is_masked_as_the_body_spells_it() -> None:
    secret = 'canary-"quoted"\\-secret-with-enough-length-for-hs256'
    request = signed(JwtAuth(KEY_ID, secret))
    body = json.dumps({"echo": secret, "n": 1})  # escaped in the raw body, shown in the message's excerpt
    for answer in (body, body[:-5]):  # JSON, and text that is no longer JSON
        error = error_for(httpx.Response(400, content=answer.encode()), request)
        assert "***" in str(error)
        for spelling in (secret, json.dumps(secret)[1:-1]):
            assert spelling not in str(error)


def test_a_long_error_list_is_clipped_in_the_message() -> None:
    errors = [{"code": f"c{n}", "title": "t" * 300} for n in range(50)]
    error = error_for(httpx.Response(400, json={"errors": errors}), httpx.Request("GET", URL))
    assert len(error.errors) == 50  # all kept, for code to read
    assert len(str(error)) < 700 and str(error).endswith("...")


def test_the_credentials_a_request_carried_are_found_only_where_they_are() -> None:
    basic = signed(BasicAuth(KEY_ID, SECRET))
    found = sent_secrets(basic)
    assert SECRET in found and f"{KEY_ID}:{SECRET}" in found and basic.headers["Authorization"] in found
    assert KEY_ID not in found  # the key id is no secret: messages may name it
    jwt_request = signed(JwtAuth(KEY_ID, SECRET))
    assert SECRET in sent_secrets(jwt_request)  # signed with, never sent: handed on by the auth
    assert SECRET not in repr(jwt_request.extensions[HIDDEN_EXTENSION])
    assert sent_secrets(httpx.Request("GET", URL)) == ()
    assert sent_secrets(None) == ()
    assert list(sent_secrets(basic)) == sorted(found, key=len, reverse=True)  # a longer value is masked whole


@pytest.mark.parametrize("auth", AUTHS, ids=["basic", "jwt"])
@pytest.mark.parametrize(
    "body",
    [
        b'{"key": {"id": "int_1", "displayName": "caf\xe9", "secret": "NEWKEY-zzz"}}',  # not UTF-8
        b'{"key": {"id": "int_1", "secret": "NEWKEY-zzz"}',  # not JSON
        b'{"key": {"id": 5, "secret": "NEWKEY-zzz"}}',  # not the documented types
        b'{"key": {"id": "int_1", "secret": "NEWKEY-zzz", "n": NaN}}',  # not JSON either
        b"<p>created, for {header}</p>",  # a proxy's page, echoing the header
    ],
    ids=["not-utf8", "not-json", "wrong-types", "nan", "html-echo"],
)
def test_a_refused_2xx_chains_to_nothing_and_shows_no_secret(auth: httpx.Auth, body: bytes) -> None:
    header = signed(auth).headers["Authorization"]
    answer = body.replace(b"{header}", header.encode())
    transport = httpx.MockTransport(lambda request: httpx.Response(201, content=answer))
    client = sunco_keys.Client(base_url="https://api.smooch.io", httpx_args={"transport": transport, "auth": auth})
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        create_custom_integration_key.sync("a", "b", client=client, body=IntegrationApiKey(display_name="x"))
    error = caught.value
    assert error.__cause__ is None and error.__context__ is None
    assert_shows_none_of(error, [*credentials(signed(auth)), "NEWKEY-zzz"])
    assert error.response is not None and error.response.content == answer  # the whole answer is kept


def test_a_transport_failure_quoting_the_credentials_shows_none_of_them() -> None:
    request = signed(BasicAuth(KEY_ID, SECRET))
    header = request.headers["Authorization"]
    failure = httpx.RemoteProtocolError(f"illegal header line: {header!r}", request=request)
    error = SuncoTransport._failed(request, failure)
    assert_shows_none_of(error, credentials(request))
    assert "RemoteProtocolError: illegal header line" in str(error)


@pytest.mark.parametrize("client", [None, httpx.Client(), "https://api.smooch.io"], ids=["none", "httpx", "str"])
def test_a_client_that_is_not_a_generated_client_is_refused(client: object) -> None:
    message = f"client must be a sunco_keys Client .sunco_keys.connect.. gives one., not {type(client).__name__}"
    with pytest.raises(sunco_keys.InvalidArgumentError, match=message):
        get_custom_integration_key.sync("a", "b", "int_1", client=client)  # type: ignore[arg-type]
    with pytest.raises(sunco_keys.InvalidArgumentError, match=message):
        create_custom_integration_key.sync_detailed(
            "a",
            "b",
            client=client,  # type: ignore[arg-type]
            body=IntegrationApiKey(display_name="x"),
        )


@pytest.mark.parametrize("client", [None, httpx.AsyncClient()], ids=["none", "httpx"])
async def test_an_async_call_refuses_what_is_not_a_generated_client(client: object) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="client must be a sunco_keys Client"):
        await get_custom_integration_key.asyncio("a", "b", "int_1", client=client)  # type: ignore[arg-type]


def test_a_short_secret_garbles_text_but_keeps_the_error_members() -> None:
    """Masking by value never unmakes a member: a one-letter secret found inside `code` leaves a code."""
    request = signed(BasicAuth(KEY_ID, "t"))
    body = {"errors": [{"code": "not_found", "title": "Integration not found"}]}
    (error,) = error_for(httpx.Response(404, json=body), request).errors
    assert (error.code, error.title) == ("no***_found", "In***egra***ion no*** found")
    assert error.additional_properties == {}


def test_an_excerpt_of_a_head_cut_inside_a_credential_shows_none_of_it() -> None:
    """The head of a body kept for a refusal (1024 bytes: 256 characters in UTF-32) may end inside an echo."""
    request = signed(BasicAuth(KEY_ID, SECRET))
    token = request.headers["Authorization"].split()[1]
    head = ("x" * 150 + "echo: " + token).encode("utf-32")[:1024]
    assert excerpt(head, hide=sent_secrets(request), cut=True).endswith("echo: ***")
    assert token[:8] in excerpt(head, hide=sent_secrets(request))  # a whole body is not taken as cut


def test_a_refused_2xx_masks_an_echo_in_its_content_type() -> None:
    auth = BasicAuth(KEY_ID, SECRET)
    header = signed(auth).headers["Authorization"]
    answer = httpx.Response(200, headers={"Content-Type": f"text/html; {header}"}, content=b"<html/>")
    transport = httpx.MockTransport(lambda request: answer)
    client = sunco_keys.Client(base_url="https://api.smooch.io", httpx_args={"transport": transport, "auth": auth})
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        get_custom_integration_key.sync("a", "b", "int_1", client=client)
    assert caught.value.content_type == "text/html; ***"
    assert_shows_none_of(caught.value, credentials(signed(auth)))


def test_a_transport_failure_quoting_the_credentials_is_chained_to_nothing() -> None:
    request = signed(BasicAuth(KEY_ID, SECRET))
    header = request.headers["Authorization"]
    transport = SuncoTransport(None)
    for quoted, chained_to_it in ((f"illegal header line: {header!r}", False), ("illegal status line", True)):
        failure = httpx.RemoteProtocolError(quoted, request=request)

        def fail(request: httpx.Request, failure: httpx.RequestError = failure) -> httpx.Response:
            raise failure

        transport._attempts.handle_request = fail  # type: ignore[method-assign]
        with pytest.raises(sunco_keys.TransportError) as caught:
            transport.handle_request(request)
        assert caught.value.__context__ is None
        assert caught.value.__cause__ is (failure if chained_to_it else None)
        assert_shows_none_of(caught.value, credentials(request))
