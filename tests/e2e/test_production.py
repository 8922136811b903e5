"""Production behaviour over a real socket: retries, typed errors, decode errors, JWT, redaction, for sync and async."""

from __future__ import annotations

import asyncio
import email.utils
import gc
import json
import logging
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import aiohttp
import httpcore
import httpx
import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import (
    create_custom_integration_key,
    delete_custom_integration_key,
    get_custom_integration_key,
    list_custom_integration_keys,
)
from sunco_keys.models import ApiKey, IntegrationApiKey, IntegrationApiKeyListResponse, IntegrationApiKeyResponse
from tests.support.canaries import KEY_SECRET_MARKER
from tests.support.echo import chained, signed
from tests.support.mock_api import MISSING_KEY, MockApi
from tests.support.worker import get_key

# Short waits so that the rules, not the clock, are under test; Retry-After is honoured as given.
FAST = sunco_keys.RetryPolicy(max_attempts=4, backoff_factor=0.01, max_backoff=5.0, max_total_wait=10.0)


def connect(api: MockApi, **kwargs: Any) -> sunco_keys.Client:
    kwargs.setdefault("retries", FAST)
    return api.connect(**kwargs)


def api_requests(api: MockApi, method: str) -> list[dict[str, Any]]:
    return [r for r in api.requests() if r["method"] == method]


class Calls:
    """The four operations, called the sync or the asyncio way, so each rule is checked for both."""

    def __init__(self, api: MockApi, client: sunco_keys.Client, mode: str) -> None:
        self.api, self.client, self.mode = api, client, mode
        # One loop for all the async calls: the client's pooled connections belong to the loop that opened them.
        self.loop = asyncio.new_event_loop() if mode == "async" else None

    def run(self, sync: Callable[[], Any], make_async: Callable[[], Awaitable[Any]]) -> Any:
        if self.loop is None:
            return sync()
        return self.loop.run_until_complete(make_async())

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.client.get_async_httpx_client().aclose())
            self.loop.close()
        else:
            self.client.get_httpx_client().close()

    def __enter__(self) -> Calls:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def create(self, name: str = "ci-bot") -> Any:
        module, body = create_custom_integration_key, IntegrationApiKey(display_name=name)
        args = (self.api.app_id, self.api.integration_id)
        return self.run(
            lambda: module.sync(*args, client=self.client, body=body),
            lambda: module.asyncio(*args, client=self.client, body=body),
        )

    def list(self) -> Any:
        module, args = list_custom_integration_keys, (self.api.app_id, self.api.integration_id)
        return self.run(
            lambda: module.sync(*args, client=self.client), lambda: module.asyncio(*args, client=self.client)
        )

    def get(self, key_id: str, detailed: bool = False) -> Any:
        module, args = get_custom_integration_key, (self.api.app_id, self.api.integration_id, key_id)
        if detailed:
            return self.run(
                lambda: module.sync_detailed(*args, client=self.client),
                lambda: module.asyncio_detailed(*args, client=self.client),
            )
        return self.run(
            lambda: module.sync(*args, client=self.client), lambda: module.asyncio(*args, client=self.client)
        )

    def delete(self, key_id: str) -> Any:
        module, args = delete_custom_integration_key, (self.api.app_id, self.api.integration_id, key_id)
        return self.run(
            lambda: module.sync(*args, client=self.client), lambda: module.asyncio(*args, client=self.client)
        )


@pytest.fixture(params=["sync", "sync-pyreqwest", "async"])
def calls(request: pytest.FixtureRequest, api: MockApi) -> Iterator[Calls]:
    """Each rule for sync calls through httpx's transport and through pyreqwest's, and for async calls."""
    mode, _, sync_backend = request.param.partition("-")
    with Calls(api, connect(api, sync_backend=sync_backend or "httpx"), mode) as calls:
        yield calls


# --- retries -------------------------------------------------------------------------------------------------------


def test_post_is_not_retried_after_503(api: MockApi, calls: Calls) -> None:
    api.inject({"status": 503, "method": "POST"})
    with pytest.raises(sunco_keys.ServerError) as caught:
        calls.create()
    assert caught.value.status_code == 503
    assert len(api_requests(api, "POST")) == 1
    assert calls.list().keys == []


def test_post_is_not_retried_after_a_dropped_connection(api: MockApi, calls: Calls) -> None:
    api.inject({"drop": True, "method": "POST"})
    with pytest.raises(sunco_keys.TransportError) as caught:
        calls.create()
    assert caught.value.method == "POST"
    assert len(api_requests(api, "POST")) == 1


def test_get_is_retried_after_503_503_then_succeeds(api: MockApi, calls: Calls) -> None:
    key = calls.create().key
    before = len(api_requests(api, "GET"))
    api.inject({"status": 503, "method": "GET", "times": 2})
    assert calls.get(key.id).key.id == key.id
    assert len(api_requests(api, "GET")) - before == 3


@pytest.mark.parametrize("status", [502, 504])
def test_delete_is_retried_after_gateway_errors(api: MockApi, calls: Calls, status: int) -> None:
    key = calls.create().key
    api.inject({"status": status, "method": "DELETE"})
    assert calls.delete(key.id).to_dict() == {}
    assert len(api_requests(api, "DELETE")) == 2
    with pytest.raises(sunco_keys.NotFoundError):
        calls.get(key.id)


def test_a_delete_whose_lost_answer_was_retried_into_a_404_says_it_may_have_taken_effect(
    api: MockApi, calls: Calls
) -> None:
    key = calls.create().key
    api.inject({"drop": True, "method": "DELETE"})  # processed (the key is gone), then the answer is lost
    with pytest.raises(sunco_keys.NotFoundError) as caught:
        calls.delete(key.id)
    assert [r["status"] for r in api_requests(api, "DELETE")] == ["dropped", 404]
    assert caught.value.may_have_taken_effect is True
    assert "an earlier attempt reached the server" in str(caught.value)


def test_an_error_answering_the_only_attempt_that_reached_the_server_took_no_effect(api: MockApi, calls: Calls) -> None:
    api.inject({"status": 429, "method": "DELETE"})  # refused before processing: retried, then a real 404
    with pytest.raises(sunco_keys.NotFoundError) as caught:
        calls.delete(MISSING_KEY)
    assert len(api_requests(api, "DELETE")) == 2
    assert caught.value.may_have_taken_effect is False
    assert "earlier attempt" not in str(caught.value)


def test_a_server_error_may_have_taken_effect_and_keeps_its_retry_after(api: MockApi) -> None:
    with Calls(api, connect(api, retries=None), "sync") as calls:
        api.inject({"status": 503, "retry_after": "120", "method": "DELETE"})
        with pytest.raises(sunco_keys.ServerError) as caught:
            calls.delete(MISSING_KEY)
    assert caught.value.retry_after == 120.0
    assert caught.value.may_have_taken_effect is True


def test_get_is_retried_after_a_dropped_connection(api: MockApi, calls: Calls) -> None:
    api.inject({"drop": True, "method": "GET"})
    assert calls.list().keys == []
    assert len(api_requests(api, "GET")) == 2


def test_429_is_retried_for_post_honouring_retry_after_seconds(api: MockApi, calls: Calls) -> None:
    api.inject({"status": 429, "retry_after": "1", "method": "POST"})
    started = time.monotonic()
    created = calls.create()
    assert time.monotonic() - started >= 1.0
    assert created.key.id.startswith("int_")
    assert len(api_requests(api, "POST")) == 2
    assert len(calls.list().keys) == 1


def test_429_honours_retry_after_as_an_http_date(api: MockApi, calls: Calls) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    api.inject({"status": 429, "retry_after": when, "method": "GET"})
    started = time.monotonic()
    calls.list()
    assert time.monotonic() - started >= 0.9
    assert len(api_requests(api, "GET")) == 2


def test_retry_after_is_capped_by_max_backoff(api: MockApi) -> None:
    policy = sunco_keys.RetryPolicy(max_attempts=2, backoff_factor=0.01, max_backoff=0.2, max_total_wait=60.0)
    with Calls(api, connect(api, retries=policy), "sync") as calls:
        api.inject({"status": 429, "retry_after": "3600", "method": "GET"})
        started = time.monotonic()
        calls.list()
        assert time.monotonic() - started < 30  # a generous bound: uncapped, it would wait an hour
        assert len(api_requests(api, "GET")) == 2


def test_max_total_wait_ends_the_retries_of_a_call(api: MockApi) -> None:
    policy = sunco_keys.RetryPolicy(max_attempts=5, backoff_factor=0.01, max_backoff=10.0, max_total_wait=0.5)
    with Calls(api, connect(api, retries=policy), "sync") as calls:
        api.inject({"status": 429, "retry_after": "2", "method": "GET", "times": 5})
        started = time.monotonic()
        with pytest.raises(sunco_keys.RateLimitError):
            calls.list()
        assert time.monotonic() - started < 10  # without the cap: four waits of 2 s
        assert len(api_requests(api, "GET")) < 5


def test_attempts_stop_at_max_attempts_and_raise_the_last_error(api: MockApi) -> None:
    policy = sunco_keys.RetryPolicy(max_attempts=3, backoff_factor=0.01)
    with Calls(api, connect(api, retries=policy), "sync") as calls:
        api.inject({"status": 503, "method": "GET", "times": 5})
        with pytest.raises(sunco_keys.ServerError):
            calls.list()
        assert len(api_requests(api, "GET")) == 3


# A date whose year no datetime holds: email.utils raises OverflowError, not ValueError, for it.
YEAR_PAST_ANY_DATETIME = "Mon, 01 Jan 1000000000000000000000 00:00:00 GMT"


def test_a_rate_limit_error_with_a_retry_after_past_any_datetime_has_none(api: MockApi) -> None:
    """The RateLimitError of such an answer escaped as a bare OverflowError: its retry_after is None."""
    with Calls(api, connect(api, retries=None), "sync") as calls:
        api.inject({"status": 429, "retry_after": YEAR_PAST_ANY_DATETIME, "method": "GET"})
        with pytest.raises(sunco_keys.RateLimitError) as caught:
            calls.list()
    assert caught.value.retry_after is None


def test_429_after_retries_raises_rate_limit_error_with_retry_after(api: MockApi) -> None:
    with Calls(api, connect(api, retries=None), "sync") as calls:
        api.inject({"status": 429, "retry_after": "7", "method": "GET"})
        with pytest.raises(sunco_keys.RateLimitError) as caught:
            calls.list()
        assert caught.value.retry_after == 7.0
        assert caught.value.errors[0].code
        assert len(api_requests(api, "GET")) == 1


def test_retries_can_be_switched_off(api: MockApi) -> None:
    with Calls(api, connect(api, retries=0), "async") as calls:
        api.inject({"status": 503, "method": "GET"})
        with pytest.raises(sunco_keys.ServerError):
            calls.list()
        assert len(api_requests(api, "GET")) == 1


def test_each_retry_is_logged_at_info_without_secrets(
    api: MockApi, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    api.inject({"status": 503, "method": "GET", "times": 2})
    with caplog.at_level(logging.INFO, logger="sunco_keys"):
        calls.list()
    retries = [r for r in caplog.records if r.name == "sunco_keys" and r.levelno == logging.INFO]
    assert len(retries) == 2
    assert "GET" in retries[0].getMessage() and "503" in retries[0].getMessage()
    assert "attempt 2 of 4" in retries[0].getMessage() and "attempt 3 of 4" in retries[1].getMessage()
    assert all(api.secret not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "echoed",
    ["{secret}", "Mon, 01 Jan 2024 00:00:00 {secret}", "Mon, 01 Jan 2024 00:00:00", YEAR_PAST_ANY_DATETIME],
)
def test_a_retry_after_that_is_no_wait_is_ignored_and_never_logged(
    api: MockApi, calls: Calls, caplog: pytest.LogCaptureFixture, echoed: str
) -> None:
    """A server (or a proxy) may put anything into Retry-After, the request's credentials included: a value that is
    no wait is ignored, not logged, and the call retried after the backoff. A date in a year no datetime holds
    escaped the call as a bare OverflowError from the retry rule's wait.

    At INFO, as the retries are logged (httpcore's DEBUG trace of the wire, response headers and all, is opt-in).
    """
    api.inject({"status": 429, "retry_after": echoed.format(secret=api.secret), "method": "GET"})
    with caplog.at_level(logging.INFO):
        assert calls.list().keys == []
    assert [r["status"] for r in api_requests(api, "GET")] == [429, 200]
    assert not [r for r in caplog.records if "Retry-After" in r.getMessage()]
    assert all(api.secret not in r.getMessage() for r in caplog.records)


# --- typed errors ------------------------------------------------------------------------------------------------


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
        (418, sunco_keys.ApiError),
        (302, sunco_keys.ApiError),
    ],
)
def test_non_2xx_raises_the_typed_error(api: MockApi, status: int, kind: type[sunco_keys.ApiError]) -> None:
    key_id = "int_5d8cff3cd55b040010928b5b"
    for mode in ("sync", "async"):
        with Calls(api, connect(api, retries=None), mode) as calls:
            api.inject({"status": status, "method": "GET"})
            with pytest.raises(kind) as caught:
                calls.get(key_id, detailed=True)
        error = caught.value
        assert type(error) is kind
        assert error.status_code == status
        assert error.method == "GET"
        assert error.path == f"/v2/apps/{api.app_id}/integrations/{api.integration_id}/keys/{key_id}"
        for credential in ("Basic ", "Bearer ", api.secret):
            assert credential not in str(error) and credential not in repr(error)


def test_real_404_carries_the_parsed_error_list(api: MockApi, calls: Calls) -> None:
    with pytest.raises(sunco_keys.NotFoundError) as caught:
        calls.get(MISSING_KEY)
    assert [(e.code, e.title) for e in caught.value.errors] == [("not_found", "Resource not found")]


def test_wrong_credentials_raise_unauthorized(api: MockApi) -> None:
    for auth in ("basic", "jwt"):
        client = sunco_keys.connect(key_id=api.key_id, secret="wrong-secret-" + "x" * 40, base_url=api.url, auth=auth)
        with Calls(api, client, "sync") as calls, pytest.raises(sunco_keys.UnauthorizedError) as caught:
            calls.list()
        assert caught.value.errors[0].code == "unauthorized"


@pytest.mark.parametrize("body", ["malformed", "html", "empty"])
def test_undecodable_2xx_raises_response_decode_error(api: MockApi, calls: Calls, body: str) -> None:
    api.inject({"status": 200, "body": body, "method": "GET"})
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        calls.list()
    assert caught.value.status_code == 200
    assert len(api_requests(api, "GET")) == 1


def test_a_body_cut_short_is_a_network_failure_retried_for_get(api: MockApi, calls: Calls) -> None:
    api.inject({"status": 200, "body": "truncated", "method": "GET"})
    assert calls.list().keys == []
    assert len(api_requests(api, "GET")) == 2
    api.inject({"status": 200, "body": "truncated", "method": "GET", "times": FAST.max_attempts})
    with pytest.raises(sunco_keys.TransportError, match="GET"):
        calls.list()


def test_truncated_create_response_never_leaks_the_secret(api: MockApi, calls: Calls) -> None:
    secret = KEY_SECRET_MARKER + "-cut-short-abc123"
    cut_short = '{"key": {"id": "int_1", "secret": "' + secret
    api.inject({"status": 201, "body": "raw", "raw_body": cut_short, "method": "POST"})
    with pytest.raises(sunco_keys.ResponseDecodeError) as caught:
        calls.create()
    for text in (str(caught.value), repr(caught.value), caught.value.body_excerpt, repr(caught.value.__cause__)):
        assert secret not in text and KEY_SECRET_MARKER not in text


def test_a_create_answered_in_an_undocumented_way_keeps_the_whole_answer(api: MockApi, calls: Calls) -> None:
    api.inject({"status": 200, "method": "POST"})  # processed: the key exists, but 200 is not create's status
    with pytest.raises(sunco_keys.ResponseDecodeError, match="may have taken effect") as caught:
        calls.create()
    answer = caught.value.response
    assert answer is not None and answer.status_code == 200
    created = answer.json()["key"]
    assert created["secret"].startswith(KEY_SECRET_MARKER)  # the only copy of the new key's secret is not lost
    assert [key.id for key in calls.list().keys] == [created["id"]]
    for text in (str(caught.value), repr(caught.value), repr(answer)):
        assert KEY_SECRET_MARKER not in text


def test_a_create_answered_with_a_load_balancer_s_9_kb_cookie_keeps_the_new_key(api: MockApi, calls: Calls) -> None:
    """aiohttp refused a header line over 8190 bytes by default: the key was made, and its only secret lost in a
    TransportError, where httpx's own transport (which takes a head of up to 100 KiB) returned it."""
    api.inject({"set_cookie": "AWSALB=" + "x" * 9000 + "; Path=/", "method": "POST"})
    created = calls.create()
    assert isinstance(created, IntegrationApiKeyResponse) and isinstance(created.key, ApiKey)
    assert isinstance(created.key.secret, str) and created.key.secret.startswith(KEY_SECRET_MARKER)


def test_a_malformed_answer_through_aiohttp_chains_to_nothing_holding_the_credentials(api: MockApi) -> None:
    # A header line over the 100 KiB taken: aiohttp's error keeps the request's headers in its request_info.
    api.inject({"set_cookie": "a=" + "x" * (100 * 1024 + 10), "method": "GET", "times": 2})
    for auth in ("basic", "jwt"):
        with Calls(api, connect(api, auth=auth, retries=0), "async") as calls:
            with pytest.raises(sunco_keys.TransportError, match="RemoteProtocolError") as caught:
                calls.list()
            credentials = calls.client._httpx_args["auth"]
            sent = signed(credentials, api.url).headers["Authorization"].split()[1]
        for error in chained(caught.value):
            assert sent not in repr(error) and api.secret not in repr(error)
            assert sent not in repr(vars(error)) and api.secret not in repr(vars(error))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("auth", ["basic", "jwt"])
def test_answers_echoing_the_credentials_raise_errors_that_mask_them(api: MockApi, auth: str, mode: str) -> None:
    client = connect(api, auth=auth, retries=0)
    header = signed(client._httpx_args["auth"], api.url).headers["Authorization"]
    hidden = [header, header.split()[1], api.secret]
    title = f"Invalid key secret {api.secret} in {header}"
    api.inject(
        {"status": 401, "body": "raw", "raw_body": json.dumps({"errors": [{"code": "c", "title": title}]})},
        {"status": 400, "body": "raw", "raw_body": f"Bad\nAuthorization: {header}", "content_type": "text/plain"},
        {"status": 200, "body": "raw", "raw_body": f"<p>{header}</p>", "content_type": "text/html"},  # decode refuses
        # Refused by the transport, which shows no byte of a body it cannot decode.
        {"status": 200, "body": "raw", "raw_body": f"echo {api.secret}", "content_encoding": "gzip"},
    )
    expected = [
        (sunco_keys.UnauthorizedError, "Invalid key secret *** in ***"),
        (sunco_keys.BadRequestError, "Authorization: ***"),
        (sunco_keys.ResponseDecodeError, "body starts '<p>***</p>'"),
        (sunco_keys.ResponseDecodeError, "its gzip body is corrupt"),
    ]
    with Calls(api, client, mode) as calls:
        for kind, message in expected:
            with pytest.raises(kind) as caught:
                calls.list()
            shown = [str(caught.value), repr(getattr(caught.value, "errors", None))]
            shown += [repr(error.args) for error in chained(caught.value)]
            assert message in shown[0]
            for text in shown:
                assert not [value for value in hidden if value in text]
    assert [r["status"] for r in api.requests()] == [401, 400, 200, 200]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_body_dripping_in_ends_the_call_at_its_read_timeout(api: MockApi, mode: str) -> None:
    api.inject({"drip": 0.05, "method": "GET"})  # ~40 bytes a second: the list would take seconds to arrive
    with Calls(api, connect(api, timeout=0.5, retries=0), mode) as calls:
        started = time.monotonic()
        with pytest.raises(sunco_keys.TransportError, match="ReadTimeout.*read timeout"):
            calls.list()
        assert time.monotonic() - started < 2.0  # the body's whole time is bounded, by ~0.5 s plus one read
        assert calls.list().keys == []  # a new connection serves the next call


def test_a_body_dripping_in_through_pyreqwest_ends_the_call_at_the_sum_of_the_timeouts(api: MockApi) -> None:
    # pyreqwest reads up to 64 KiB of a body before handing the answer on, so the read timeout (per read) bounds
    # no whole body there: the call is bounded by its timeout's four phases together (0.2 s each: 0.8 s).
    api.inject({"drip": 0.1, "method": "GET"})  # the 12-byte list would take 1.2 s
    with Calls(api, connect(api, timeout=0.2, retries=0, sync_backend="pyreqwest"), "sync") as calls:
        started = time.monotonic()
        with pytest.raises(sunco_keys.TransportError, match="Timeout"):
            calls.list()
        assert time.monotonic() - started < 1.5
        assert calls.list().keys == []


def test_an_endless_body_is_refused_past_its_size_limit_and_not_retried(api: MockApi, calls: Calls) -> None:
    api.inject({"body": "endless", "method": "GET"})
    with pytest.raises(sunco_keys.ResponseDecodeError, match="larger than 16777216 bytes") as caught:
        calls.list()
    assert caught.value.status_code == 200 and caught.value.body_excerpt.startswith('{"keys": [{"id": "int_')
    assert len(api_requests(api, "GET")) == 1
    assert calls.list().keys == []


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_compressed_answers_decode_and_only_the_bounded_codings_are_asked_for(
    api: MockApi, calls: Calls, coding: str
) -> None:
    api.inject({"compress": coding, "method": "POST"}, {"compress": coding, "method": "GET", "times": 2})
    api.inject({"compress": coding, "method": "DELETE"})
    key = calls.create().key
    assert calls.get(key.id).key.id == key.id
    assert [listed.id for listed in calls.list().keys] == [key.id]
    with pytest.raises(sunco_keys.NotFoundError) as caught:  # an error body decodes too
        calls.delete(MISSING_KEY)
    assert caught.value.errors[0].code == "not_found"
    assert api.faults() == []  # all four answers were compressed
    assert {request["headers"]["Accept-Encoding"] for request in api.requests()} == {"gzip, deflate"}


def test_a_compressed_body_is_refused_once_it_decodes_past_the_size_limit(api: MockApi, calls: Calls) -> None:
    # ~1000 to 1: the wire's 16 MiB limit alone would let this body decode to ~16 GiB before refusing it.
    api.inject({"body": "endless", "compress": "gzip", "method": "GET"})
    with pytest.raises(sunco_keys.ResponseDecodeError, match="larger than 16777216 bytes once decoded") as caught:
        calls.list()
    assert caught.value.status_code == 200 and caught.value.body_excerpt.startswith('{"keys": [{"id": "int_')
    assert len(api_requests(api, "GET")) == 1
    assert calls.list().keys == []


def test_an_error_status_whose_body_does_not_decode_is_still_typed_and_retried(api: MockApi, calls: Calls) -> None:
    api.inject({"status": 503, "content_encoding": "gzip", "method": "GET"})  # a plain body labelled gzip
    assert calls.list().keys == []
    assert len(api_requests(api, "GET")) == 2
    api.inject({"status": 404, "content_encoding": "br", "method": "GET"})
    with pytest.raises(sunco_keys.NotFoundError) as caught:
        calls.get(MISSING_KEY)
    assert caught.value.errors[0].code == "not_found"  # its body, as received, was plain JSON


def test_a_created_key_answered_in_a_coding_not_asked_for_is_not_lost(api: MockApi, calls: Calls) -> None:
    api.inject({"content_encoding": "br", "method": "POST"})
    with pytest.raises(sunco_keys.ResponseDecodeError, match="only a single gzip or deflate") as caught:
        calls.create()
    answer = caught.value.response
    assert answer is not None and answer.status_code == 201
    created = answer.json()["key"]  # the body as received: here plain JSON under a wrong label
    assert [key.id for key in calls.list().keys] == [created["id"]]
    assert KEY_SECRET_MARKER not in str(caught.value)


@pytest.mark.parametrize(("mode", "kind"), [("sync", httpcore.Request), ("async", aiohttp.ClientResponse)])
def test_finished_calls_leave_the_garbage_collector_nothing_of_the_http_library(
    api: MockApi, mode: str, kind: type
) -> None:
    # httpx ties each response to its stream in a reference cycle: what that stream still held (the HTTP library's
    # request or response, its locks, headers and request info) would otherwise live on until a collection.
    with Calls(api, connect(api), mode) as calls:
        calls.list()
        gc.collect()
        gc.disable()
        try:
            before = sum(isinstance(thing, kind) for thing in gc.get_objects())
            for _ in range(20):
                assert calls.list().keys == []
            left = sum(isinstance(thing, kind) for thing in gc.get_objects()) - before
        finally:
            gc.enable()
    assert left == 0


@pytest.mark.parametrize("backend", ["aiohttp", "httpx"])
def test_an_async_client_used_from_a_second_event_loop_says_so(api: MockApi, backend: str) -> None:
    client = connect(api, async_backend=backend)
    args = (api.app_id, api.integration_id)
    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(list_custom_integration_keys.asyncio(*args, client=client)) is not None
        with pytest.raises(sunco_keys.InvalidArgumentError, match="event loop that first used it"):
            asyncio.run(list_custom_integration_keys.asyncio(*args, client=client))
        assert len(api_requests(api, "GET")) == 1  # refused before sending
    finally:
        first.run_until_complete(client.get_async_httpx_client().aclose())
        first.close()


def test_detailed_functions_return_the_response_for_2xx(api: MockApi, calls: Calls) -> None:
    key = calls.create().key
    response = calls.get(key.id, detailed=True)
    assert response.status_code == 200
    assert isinstance(response.parsed, IntegrationApiKeyResponse)
    assert response.parsed.to_dict()["key"]["id"] == key.id


# --- JWT and redaction ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_jwt_auth_reaches_the_server_as_a_bearer_token(api: MockApi, mode: str) -> None:
    with Calls(api, connect(api, auth="jwt"), mode) as calls:
        key = calls.create().key
        assert calls.get(key.id).key.id == key.id
    assert {r["auth"] for r in api.requests()} == {"bearer"}


def test_secrets_never_appear_in_reprs_but_stay_readable(
    api: MockApi, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        created = calls.create()
        listed = calls.list()
    secret = created.key.secret
    assert isinstance(secret, str) and len(secret) >= 40
    assert listed.keys[0].secret == secret
    assert created.to_dict()["key"]["secret"] == secret
    assert isinstance(listed, IntegrationApiKeyListResponse)
    for text in (repr(created), str(created), repr(created.key), repr(listed), str(listed.keys), repr(calls.client)):
        assert secret not in text and api.secret not in text
    assert "int_" in repr(created.key)
    assert all(secret not in r.getMessage() and api.secret not in r.getMessage() for r in caplog.records)


def test_client_works_as_a_context_manager_sync_and_async(api: MockApi) -> None:
    with connect(api) as client:
        assert list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client) is not None

    async def use() -> None:
        async with connect(api) as client:
            assert await list_custom_integration_keys.asyncio(api.app_id, api.integration_id, client=client)

    asyncio.run(use())


def test_a_client_already_used_can_still_be_used_as_a_context_manager(api: MockApi) -> None:
    """httpx refuses to enter a client a call has opened (a bare RuntimeError); the with block only closes it here."""
    client = connect(api)
    list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client)
    with client:
        assert list_custom_integration_keys.sync(api.app_id, api.integration_id, client=client) is not None
    assert client.get_httpx_client().is_closed

    async def use() -> bool:
        client = connect(api)
        await list_custom_integration_keys.asyncio(api.app_id, api.integration_id, client=client)
        async with client:
            assert await list_custom_integration_keys.asyncio(api.app_id, api.integration_id, client=client)
        return client.get_async_httpx_client().is_closed

    assert asyncio.run(use())


def test_entering_a_client_whose_with_block_has_ended_says_it_is_closed(api: MockApi) -> None:
    client = connect(api)
    with client:
        pass
    with pytest.raises(sunco_keys.InvalidArgumentError, match="this client is closed"), client:
        pass

    async def use() -> None:
        client = connect(api)
        async with client:
            pass
        with pytest.raises(sunco_keys.InvalidArgumentError, match="this client is closed"):
            async with client:
                pass

    asyncio.run(use())


# --- cookies -------------------------------------------------------------------------------------------------------


def test_a_cookie_the_server_sets_is_not_sent_back(api: MockApi, calls: Calls) -> None:
    api.inject({"set_cookie": "AWSALB=sticky-session; Path=/", "method": "GET", "times": 1})
    calls.list()
    calls.list()
    first, second = api_requests(api, "GET")
    assert api.faults() == []  # the first call took the fault
    assert "Cookie" not in first["headers"] and "Cookie" not in second["headers"]


def test_the_aiohttp_backend_keeps_no_cookie_from_a_named_host_either(api: MockApi) -> None:
    """aiohttp's own jar ignores cookies from an IP address, so the test above cannot see it keep one; a host name
    can."""
    named = api.url.replace("127.0.0.1", "localhost")
    client = sunco_keys.connect(key_id=api.key_id, secret=api.secret, base_url=named, retries=FAST)
    api.inject({"set_cookie": "AWSALB=sticky-session; Path=/", "method": "GET", "times": 1})
    with Calls(api, client, "async") as calls:
        calls.list()
        calls.list()
    first, second = api_requests(api, "GET")
    assert api.faults() == []
    assert "Cookie" not in first["headers"] and "Cookie" not in second["headers"]


def test_plain_httpx_does_send_the_cookie_back(api: MockApi) -> None:
    """The control for the test above: the fault does set a cookie, which an httpx client keeps by default."""

    api.inject({"set_cookie": "AWSALB=sticky-session; Path=/", "method": "GET", "times": 1})
    with httpx.Client(base_url=api.url, auth=(api.key_id, api.secret)) as plain:
        for _ in range(2):
            plain.get(f"/v2/apps/{api.app_id}/integrations/{api.integration_id}/keys").raise_for_status()
    first, second = api_requests(api, "GET")
    assert "Cookie" not in first["headers"]
    assert second["headers"].get("Cookie") == "AWSALB=sticky-session"


@pytest.mark.parametrize("backend", ["sync-httpx", "sync-pyreqwest", "async-aiohttp", "async-httpx"])
def test_closing_a_derived_client_leaves_the_client_it_came_from_usable(api: MockApi, backend: str) -> None:
    """A client from with_headers() shares its parent's transport; closing it closed aiohttp's session for both, and
    the parent's next call raised a bare RuntimeError ("Session is closed")."""
    mode, _, name = backend.partition("-")
    list_keys, args = list_custom_integration_keys, (api.app_id, api.integration_id)
    listed: object
    if mode == "sync":
        with connect(api, sync_backend=name) as client:
            with client.with_headers({"X-Request-Id": "r1"}) as traced:
                list_keys.sync(*args, client=traced)
            listed = list_keys.sync(*args, client=client)
    else:

        async def calls() -> object:
            async with connect(api, async_backend=name) as client:
                async with client.with_headers({"X-Request-Id": "r1"}) as traced:
                    await list_keys.asyncio(*args, client=traced)
                return await list_keys.asyncio(*args, client=client)

        listed = asyncio.run(calls())
    assert isinstance(listed, IntegrationApiKeyListResponse)
    assert len(api_requests(api, "GET")) == 2


def test_deriving_a_client_leaves_the_client_it_came_from_unchanged(api: MockApi, calls: Calls) -> None:
    """with_headers(), with_cookies() and with_timeout() changed the live httpx client of the client they were called
    on too (the generator's template): a header, cookie or short timeout meant for one call site leaked into all."""
    calls.list()  # the parent's httpx client exists before anything is derived from it
    parent = calls.client
    hasty = httpx.Timeout(0.05)
    traced, quick = (
        parent.with_headers({"X-Request-Id": "r1"}).with_cookies({"trace": "t1"}),
        parent.with_timeout(hasty),
    )
    calls.client = traced
    calls.list()
    calls.client = parent
    calls.list()
    derived, own = ({k.lower(): v for k, v in r["headers"].items()} for r in api_requests(api, "GET")[1:])
    assert derived.get("x-request-id") == "r1" and derived.get("cookie") == "trace=t1"
    assert "x-request-id" not in own and "cookie" not in own
    live = parent.get_httpx_client() if calls.loop is None else parent.get_async_httpx_client()
    assert live.timeout != hasty
    assert (quick.get_httpx_client() if calls.loop is None else quick.get_async_httpx_client()).timeout == hasty


def test_an_error_raised_in_a_worker_process_reaches_the_parent_typed_and_whole(api: MockApi) -> None:
    """A bulk audit fanned out to a process pool: a 404 in one worker is that NotFoundError in the parent (an
    exception that cannot be unpickled there would break the whole pool instead)."""
    args = (api.url, api.key_id, api.secret, api.app_id, api.integration_id)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(get_key, *args, MISSING_KEY)
        with pytest.raises(sunco_keys.NotFoundError) as caught:
            future.result(timeout=120)
        assert pool.submit(len, "the pool works").result(timeout=60) == 14
    assert caught.value.status_code == 404 and caught.value.method == "GET"
    assert caught.value.path.endswith(f"/keys/{MISSING_KEY}")
    assert [(e.code, e.title) for e in caught.value.errors] == [("not_found", "Resource not found")]
