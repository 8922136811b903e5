"""lib/reqwest.py: pyreqwest's failures reach the retry rules and typed errors as httpx's own transport names them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pyreqwest import exceptions as failed
from pyreqwest.exceptions import CauseErrorDetails

from sunco_keys.lib.reqwest import ReqwestTransport, httpx_error

REQUEST = httpx.Request("GET", "https://api.smooch.io/v2/apps/a/integrations/i/keys")
CUT_SHORT: CauseErrorDetails = {
    "causes": [
        {"message": "error reading a body from connection"},
        {"message": "end of file before message length reached"},
    ]
}


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        (failed.ConnectTimeoutError, httpx.ConnectTimeout),
        (failed.ReadTimeoutError, httpx.ReadTimeout),
        (failed.WriteTimeoutError, httpx.WriteTimeout),
        (failed.PoolTimeoutError, httpx.PoolTimeout),
        (failed.RequestTimeoutError, httpx.TimeoutException),
        (failed.ConnectError, httpx.ConnectError),
        (failed.ReadError, httpx.ReadError),
        (failed.WriteError, httpx.WriteError),
        (failed.NetworkError, httpx.NetworkError),
        (failed.BodyDecodeError, httpx.RemoteProtocolError),  # decoding is off: only a broken answer raises it
        (failed.RequestError, httpx.RemoteProtocolError),
    ],
)
def test_each_failure_is_httpx_s_error_of_the_same_kind(theirs: type[failed.RequestError], ours: type) -> None:
    details = (
        causes("client error (Connect)", "tcp connect error", "os error") if "Connect" in theirs.__name__ else CUT_SHORT
    )
    error = httpx_error(theirs("error sending request", details), REQUEST)
    assert type(error) is ours and error.request is REQUEST
    assert str(error) == f"error sending request ({(details.get('causes') or [])[-1]['message']})"


def causes(*messages: str) -> CauseErrorDetails:
    return {"causes": [{"message": message} for message in messages]}


@pytest.mark.parametrize(
    ("details", "ours"),
    [
        (causes("error sending request", "client error (Connect)", "tcp connect error", "refused"), httpx.ConnectError),
        (
            causes("error sending request", "client error (SendRequest)", "connection closed before message completed"),
            httpx.RemoteProtocolError,
        ),
        (
            causes("error sending request", "client error (SendRequest)", "connection error", "reset (os error 104)"),
            httpx.ReadError,
        ),
    ],
)
def test_a_connect_error_on_a_connection_already_open_is_named_by_what_happened(
    details: CauseErrorDetails, ours: type
) -> None:
    """pyreqwest says ConnectError for every failure under hyper's SendRequest too, which would read as "never
    sent" for a request that the server may have acted on."""
    error = httpx_error(failed.ConnectError("connection error", details), REQUEST)
    assert type(error) is ours
    innermost = (details.get("causes") or [{"message": "?"}])[-1]["message"]
    assert str(error) == f"connection error ({innermost})"


@pytest.mark.parametrize(
    ("details", "ours"),
    [
        (
            causes("error sending request", "client error (Connect)", "tcp connect error", "deadline has elapsed"),
            httpx.ConnectTimeout,
        ),
        (causes("error sending request", "operation timed out"), httpx.ReadTimeout),  # waiting for the answer
    ],
)
def test_a_connect_timeout_is_one_only_while_connecting(details: CauseErrorDetails, ours: type) -> None:
    error = httpx_error(failed.ConnectTimeoutError("connection timeout", details), REQUEST)
    assert type(error) is ours
    innermost = (details.get("causes") or [{"message": "?"}])[-1]["message"]
    assert str(error) == f"connection timeout ({innermost})"


def test_the_decoding_error_pyreqwest_s_transport_makes_of_a_body_cut_short_is_a_protocol_error() -> None:
    theirs = failed.BodyDecodeError("error decoding body", CUT_SHORT)
    mapped = httpx.DecodingError("error decoding body", request=REQUEST)
    mapped.__cause__ = theirs

    def answer(request: httpx.Request) -> httpx.Response:
        raise mapped

    with pytest.raises(httpx.RemoteProtocolError, match="^error decoding body .end of file") as caught:
        ReqwestTransport(httpx.MockTransport(answer)).handle_request(REQUEST)
    assert caught.value.__cause__ is mapped


def test_the_httpx_error_pyreqwest_s_transport_made_is_named_again_and_any_other_passes_through() -> None:
    theirs = failed.ConnectError("connection error", causes("client error (SendRequest)", "reset by peer"))
    mapped = httpx.ConnectError("connection error", request=REQUEST)
    mapped.__cause__ = theirs
    own = httpx.ConnectError("from elsewhere", request=REQUEST)

    def answer(request: httpx.Request) -> httpx.Response:
        raise mapped if request.url.path.endswith("keys") else own

    with pytest.raises(httpx.ReadError, match=r"^connection error \(reset by peer\)$") as caught:
        ReqwestTransport(httpx.MockTransport(answer)).handle_request(REQUEST)
    assert caught.value.__cause__ is mapped
    with pytest.raises(httpx.ConnectError) as passed:
        ReqwestTransport(httpx.MockTransport(answer)).handle_request(httpx.Request("GET", "https://h/other"))
    assert passed.value is own


class _Breaks(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b'{"keys": ['
        raise failed.ReadError("error reading a body from connection", CUT_SHORT)


def test_a_failure_while_the_body_is_read_is_httpx_s_error_too() -> None:
    transport = ReqwestTransport(httpx.MockTransport(lambda request: httpx.Response(200, stream=_Breaks())))
    response = transport.handle_request(REQUEST)
    with pytest.raises(httpx.ReadError, match="^error reading a body") as caught:
        response.read()
    assert isinstance(caught.value.__cause__, failed.ReadError)


def test_an_answer_and_its_body_pass_through_unchanged() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(201, json={"key": {"id": "int_1"}}))
    response = ReqwestTransport(inner).handle_request(REQUEST)
    assert response.status_code == 201 and response.read() == b'{"key":{"id":"int_1"}}'


def test_a_decoding_error_with_no_cause_keeps_its_own_words() -> None:
    error = httpx_error(httpx.DecodingError("error decoding body", request=REQUEST), REQUEST)
    assert type(error) is httpx.RemoteProtocolError and str(error) == "error decoding body"
