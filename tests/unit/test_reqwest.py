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
    error = httpx_error(theirs("error sending request", CUT_SHORT), REQUEST)
    assert type(error) is ours and error.request is REQUEST
    assert str(error) == f"{theirs.__name__}: error sending request (end of file before message length reached)"


def test_the_decoding_error_pyreqwest_s_transport_makes_of_a_body_cut_short_is_a_protocol_error() -> None:
    theirs = failed.BodyDecodeError("error decoding body", CUT_SHORT)
    mapped = httpx.DecodingError("error decoding body", request=REQUEST)
    mapped.__cause__ = theirs

    def answer(request: httpx.Request) -> httpx.Response:
        raise mapped

    with pytest.raises(httpx.RemoteProtocolError, match="BodyDecodeError: error decoding body .end of file") as caught:
        ReqwestTransport(httpx.MockTransport(answer)).handle_request(REQUEST)
    assert caught.value.__cause__ is mapped


class _Breaks(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b'{"keys": ['
        raise failed.ReadError("error reading a body from connection", CUT_SHORT)


def test_a_failure_while_the_body_is_read_is_httpx_s_error_too() -> None:
    transport = ReqwestTransport(httpx.MockTransport(lambda request: httpx.Response(200, stream=_Breaks())))
    response = transport.handle_request(REQUEST)
    with pytest.raises(httpx.ReadError, match="ReadError: error reading a body") as caught:
        response.read()
    assert isinstance(caught.value.__cause__, failed.ReadError)


def test_an_answer_and_its_body_pass_through_unchanged() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(201, json={"key": {"id": "int_1"}}))
    response = ReqwestTransport(inner).handle_request(REQUEST)
    assert response.status_code == 201 and response.read() == b'{"key":{"id":"int_1"}}'


def test_a_decoding_error_with_no_cause_is_named_as_it_is() -> None:
    error = httpx_error(httpx.DecodingError("error decoding body", request=REQUEST), REQUEST)
    assert type(error) is httpx.RemoteProtocolError and str(error) == "DecodingError: error decoding body"
