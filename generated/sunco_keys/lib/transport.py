"""One httpx transport, for sync and async clients alike: safe retries (httpx-retries) and typed errors.

Layers, outermost first: `SuncoTransport` maps what comes back (non-2xx -> ApiError, network failure ->
TransportError); `httpx_retries.RetryTransport` retries by the rule of the request's method; `_Attempts`
sends each attempt on a lazily created transport, reads the body (bounded in time and in size, on the wire and
decoded: lib/body_limits.py), and logs each retry.

Sync requests go through httpx's own `HTTPTransport`, or pyreqwest's transport (`sync_backend="pyreqwest"`,
lib/reqwest.py: 0.7-0.95x the time per call, by machine). Async requests go through aiohttp's connection pool behind
httpx's transport interface (httpx-aiohttp, lib/aiohttp_backend.py) by default: httpcore's async pool rescans every
connection for every queued request and looks for sniffio on every request, which made 200 concurrent calls ~8x
slower than through aiohttp (bench/results.md). `async_backend="httpx"` keeps httpx's own `AsyncHTTPTransport`.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .body_limits import aread, read
from .errors import InvalidArgumentError, TransportError, error_for, request_path
from .redaction import HIDDEN_EXTENSION, Hidden, scrubbed, sent_secrets

if TYPE_CHECKING:
    from httpx_retries import Retry

logger = logging.getLogger("sunco_keys")

# A POST that may have reached the server is never sent again: it would create a second key.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
RATE_LIMITED = (429,)
UNAVAILABLE = (429, 502, 503, 504)
_ATTEMPT = "sunco_keys.attempt"
# Set once an attempt may have taken effect: it reached the server and was not answered 429.
_REACHED = "sunco_keys.reached"
# Whether an attempt before the current one had: the answer to a later one does not say what it did.
_REACHED_BEFORE = "sunco_keys.reached_before"
# httpx's names (on every backend: lib/aiohttp_backend.py, lib/reqwest.py) for failures before any byte was sent,
# or before a whole request was (LocalProtocolError: the HTTP library refused what it was asked to send).
UNSENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
    httpx.LocalProtocolError,
)
ASYNC_BACKENDS = ("aiohttp", "httpx")
SYNC_BACKENDS = ("httpx", "pyreqwest")
_HOST_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?").fullmatch
# The most pyreqwest pools kept at once, one per timeout its clients use (with_timeout() derives a client): the
# least recently used is closed to make room.
MAX_TIMEOUT_POOLS = 4


@dataclass(frozen=True)
class RetryPolicy:
    """How calls are retried: 429 for every method; 502/503/504 and connection failures for GET and DELETE only.

    Waits grow as `backoff_factor * 2**n` with full jitter; a `Retry-After` header (seconds or HTTP date) is
    honoured instead. `max_backoff` caps one wait, `max_total_wait` all the waits of one call.
    """

    max_attempts: int = 4
    backoff_factor: float = 0.5
    max_backoff: float = 30.0
    max_total_wait: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or isinstance(self.max_attempts, bool) or self.max_attempts < 1:
            raise InvalidArgumentError(f"max_attempts must be an int of at least 1, got {self.max_attempts!r}")
        for name in ("backoff_factor", "max_backoff", "max_total_wait"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise InvalidArgumentError(f"{name} must be a finite number of seconds >= 0, got {value!r}")

    def retry_for(self, method: str) -> Retry:
        """The httpx-retries rule for requests of `method`."""
        from .retry_rule import QuietRetry

        idempotent = method.upper() in IDEMPOTENT_METHODS
        return QuietRetry(
            total=self.max_attempts - 1,
            allowed_methods=[method.upper()],
            status_forcelist=UNAVAILABLE if idempotent else RATE_LIMITED,
            retry_on_exceptions=None if idempotent else (),
            backoff_factor=self.backoff_factor,
            backoff_jitter=1.0,
            respect_retry_after_header=True,
            max_backoff_wait=self.max_backoff or 1e-9,
            total_timeout=self.max_total_wait or 1e-9,
        )


class _Pool:
    """A backend transport and the calls under way on it. Once retired (its client closed, or another pool took its
    place) it is closed when its last call ends: closing one client never breaks a call another has under way."""

    __slots__ = ("transport", "calls", "retired")

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.calls = 0
        self.retired = False


def _retired(pools: list[_Pool]) -> list[_Pool]:
    """Mark `pools` retired (under their _Attempts' lock); those with no call under way, to be closed now."""
    for pool in pools:
        pool.retired = True
    return [pool for pool in pools if pool.calls == 0]


class _Attempts(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Sends one attempt on the real transport, reads its body (so a broken body fails inside the retry loop), logs retries.

    Clients derived from one another (with_headers() and the like) share it, from any number of threads. Closing
    one lets go of the pooled connections once the calls under way on them end; a later call opens new ones.
    """

    def __init__(
        self, transport_options: dict[str, Any], async_backend: str = "aiohttp", sync_backend: str = "httpx"
    ) -> None:
        self._options = transport_options
        self._async_backend = async_backend
        self._sync_backend = sync_backend
        self._lock = threading.Lock()  # held only to look up, create or retire a pool; renewed in a forked child
        _LOCKED.add(self)
        # The sync pools: one for httpx; for pyreqwest, which bounds each phase per client, one per timeout.
        self._sync: dict[tuple[float | None, ...], _Pool] = {}
        self._pid: int | None = None  # the process the sync pools' connections belong to
        self._async: _Pool | None = None
        self._loop: Any = None  # the asyncio loop the async pool's connections belong to
        # The pool each call under way holds, by the id() of its request (not in the request's extensions, which
        # pyreqwest keeps a copy of with its answer, and with them the pool, until the garbage collector runs).
        self._held: dict[int, _Pool] = {}
        # The async backend's renaming of its failures to httpx's errors (lib/aiohttp_backend.py), if it needs one.
        self._renamed: Callable[[Exception, httpx.Request], httpx.RequestError | None] | None = None

    def _before(self, request: httpx.Request) -> None:
        attempt = request.extensions.get(_ATTEMPT, 0) + 1
        request.extensions[_ATTEMPT] = attempt
        request.extensions[_REACHED_BEFORE] = bool(request.extensions.get(_REACHED))
        if attempt > 1:
            retry = request.extensions.get("retry")
            limit = f" of {retry.total + 1}" if retry is not None else ""
            reason = request.extensions.get("sunco_keys.outcome", "a failure")
            logger.info(
                "retrying %s %s (attempt %d%s) after %s", request.method, request_path(request), attempt, limit, reason
            )

    @staticmethod
    def _outcome(request: httpx.Request, outcome: httpx.Response | httpx.RequestError) -> None:
        """Note how this attempt ended, for the next one's log line and for TransportError.may_have_taken_effect."""
        if isinstance(outcome, httpx.Response):
            request.extensions["sunco_keys.outcome"] = f"HTTP {outcome.status_code}"
            reached = outcome.status_code != 429
        else:
            request.extensions["sunco_keys.outcome"] = type(outcome).__name__
            reached = not isinstance(outcome, UNSENT)
        if reached:
            request.extensions[_REACHED] = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        transport = self._held[id(request)].transport
        try:
            response = transport.handle_request(request)
            try:
                response = read(response, request)
            except BaseException:
                response.close()  # a body refused part-way leaves the connection unusable: it is closed, not reused
                raise
        except httpx.RequestError as exc:
            self._outcome(request, exc)
            raise
        self._outcome(request, response)
        return response

    def begin_call(self, request: httpx.Request) -> None:
        """Hold the sync pool for every attempt of `request`'s call, to its end (end_call): a client closed while
        the call waits to retry closes the pool as the call ends, where the next attempt would otherwise open a new
        pool that nothing closes."""
        self._held[id(request)] = self._sync_pool(request)

    def begin_async_call(self, request: httpx.Request) -> None:
        """begin_call for an async call (aend_call ends it)."""
        self._held[id(request)] = self._async_pool()

    def end_call(self, request: httpx.Request) -> None:
        """Let go of the pool `request`'s call held; closed if it was retired and this call was its last."""
        pool = self._held.pop(id(request))
        if self._released(pool):
            pool.transport.close()

    async def aend_call(self, request: httpx.Request) -> None:
        """end_call for an async call."""
        pool = self._held.pop(id(request))
        if self._released(pool):
            await pool.transport.aclose()

    def _sync_pool(self, request: httpx.Request) -> _Pool:
        """The pool for `request` in this process, counted as used: made at the first call, and at the first call in
        a process forked after it. The parent's pooled connections are left alone there: shared by two processes,
        one socket would hand each the other's answers (nor are they closed: their locks may be held)."""
        timeout = _timeout_of(request) if self._sync_backend == "pyreqwest" else None
        key = (timeout.connect, timeout.read, timeout.write, timeout.pool) if timeout is not None else ()
        with self._lock:
            if self._pid != os.getpid():
                if self._sync and self._sync_backend == "pyreqwest":
                    # pyreqwest's runtime threads do not survive fork(): a call on its client would wait forever.
                    raise InvalidArgumentError(
                        "this client's sync_backend='pyreqwest' connections belong to the process that first used "
                        "them, and pyreqwest cannot run in a process forked from it: start worker processes with "
                        "'spawn' and connect() in each (or fork them before the parent's first pyreqwest call), or "
                        "use sync_backend='httpx'"
                    )
                self._sync, self._pid = {}, os.getpid()
            pool = self._sync.pop(key, None)  # put back last below: the dict runs from least to most recently used
            if pool is None:
                if len(self._sync) >= MAX_TIMEOUT_POOLS:  # with_timeout(remaining) per call must not pile pools up
                    for idle in _retired([self._sync.pop(next(iter(self._sync)))]):
                        idle.transport.close()
                pool = _Pool(self._new_sync_transport(timeout))
            self._sync[key] = pool
            pool.calls += 1
        return pool

    def _new_sync_transport(self, timeout: httpx.Timeout | None) -> httpx.BaseTransport:
        if timeout is None:
            return httpx.HTTPTransport(**self._options)
        from .reqwest import sync_transport

        return sync_transport(self._options.get("verify", True), timeout, self._options.get("proxy"))

    def _released(self, pool: _Pool) -> bool:
        """Count a call on `pool` as ended; whether it was the last on a retired pool, which is then to be closed."""
        with self._lock:
            pool.calls -= 1
            return pool.retired and pool.calls == 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        try:
            response = await self._read_async(request, self._held[id(request)].transport)
        except httpx.RequestError as exc:
            self._outcome(request, exc)
            raise
        self._outcome(request, response)
        return response

    def _async_pool(self) -> _Pool:
        """The async pool, counted as used: made at the first call, in the event loop its connections then belong to."""
        loop = _running_loop()
        with self._lock:
            if self._async is None:
                self._async, self._loop = _Pool(self._new_async_transport()), loop
            elif self._loop is not None and loop is not self._loop:
                # Its pooled connections would fail with a bare RuntimeError ("Event loop is closed") or hang.
                raise InvalidArgumentError(
                    "this client's async connections belong to the event loop that first used it (an earlier "
                    "asyncio.run()?): use one client per event loop, e.g. `async with connect() as client:` inside it"
                )
            self._async.calls += 1
            return self._async

    async def _read_async(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
        try:
            response = await transport.handle_async_request(request)
            try:
                response = await aread(response, request)
            except BaseException:
                await response.aclose()  # aiohttp frees (closes) the connection only then, not at a failed read
                raise
            return response
        except Exception as exc:
            # The backend's failures by httpcore's names, where it has its own (lib/aiohttp_backend.py). Raised
            # outside this block, so that nothing chains to what the backend's renaming leaves out.
            renamed = self._renamed(exc, request) if self._renamed is not None else None
            if renamed is None:
                raise
            failure = renamed
        raise failure

    def _new_async_transport(self) -> httpx.AsyncBaseTransport:
        if self._async_backend == "httpx":
            return httpx.AsyncHTTPTransport(**self._options)
        from .aiohttp_backend import async_transport, renamed

        self._renamed = renamed
        return async_transport(self._options)

    def close(self) -> None:
        with self._lock:
            pools = list(self._sync.values()) if self._pid == os.getpid() else []  # a parent's: left alone (above)
            self._sync = {}
            idle = _retired(pools)
        for pool in idle:
            pool.transport.close()

    async def aclose(self) -> None:
        with self._lock:
            pool, loop = self._async, self._loop
            self._async = self._loop = None  # the next call, in this loop or another, opens new connections
            if pool is None or not _retired([pool]):  # a call under way closes it as it ends
                return
        here = _running_loop()
        if loop is None or here is loop:
            await pool.transport.aclose()
        elif not loop.is_closed():
            # Its connections belong to a loop running elsewhere (another thread): closed there.
            import asyncio

            asyncio.run_coroutine_threadsafe(pool.transport.aclose(), loop)
        # Else its loop is gone, and its sockets with it: nothing can be awaited there any more.


# Every _Attempts, for a forked child to renew their locks: one held by another thread at fork() stays held.
_LOCKED: weakref.WeakSet[_Attempts] = weakref.WeakSet()


def _renew_locks() -> None:
    for attempts in list(_LOCKED):
        attempts._lock = threading.Lock()


os.register_at_fork(after_in_child=_renew_locks)


def checked_proxy(proxy: object, name: str = "proxy") -> httpx.Proxy:
    """`proxy` (a URL, as str or httpx.URL, or an httpx.Proxy) as an httpx.Proxy every backend can use: http or
    https, to a host a resolver can be asked for and a valid port. The messages call it `name` and never quote
    it: its user information may hold a password."""
    if not isinstance(proxy, str | httpx.URL | httpx.Proxy):
        raise InvalidArgumentError(f"{name} must be a str (an http:// or https:// URL), got {type(proxy).__name__}")
    try:
        checked = proxy if isinstance(proxy, httpx.Proxy) else httpx.Proxy(proxy)
    except (ValueError, httpx.InvalidURL):  # ValueError: a scheme httpx does not proxy
        checked = None
    if checked is None or checked.url.scheme not in ("http", "https"):
        raise InvalidArgumentError(f"{name} must be an http:// or https:// URL (SOCKS proxies are not supported)")
    port = checked.url.port
    if not is_host(checked.url) or (port is not None and not 0 < port < 65536):
        raise InvalidArgumentError(f"{name} must name a host, and a port (if any) from 1 to 65535")
    return checked


def is_host(url: httpx.URL) -> bool:
    """Whether `url` names a host that sockets can be asked to connect to: an IP address, or a name whose IDNA form
    is labels of letters, digits, '-' and '_' (httpx takes a space or '%' in a name, which no resolver would).
    httpx decodes an IDNA name only when asked (UnicodeError for a malformed one), as the socket layer does. An
    IPv6 address with a zone (`fe80::1%eth0`) is refused: httpx cannot resolve it, and pyreqwest's parser refuses it
    only as it would an answer it cannot read."""
    try:
        name = url.host.encode("idna").decode("ascii")
    except UnicodeError:  # idna.IDNAError included; a label empty or over 63 characters
        return False
    if ":" in name:  # only an IPv6 address has one (httpx has checked it)
        return "%" not in name
    return _HOST_NAME(name) is not None


def _timeout_of(request: httpx.Request) -> httpx.Timeout:
    """The timeout httpx put on `request` (its client's, unless the call gave one); none if it put none."""
    phases = request.extensions.get("timeout")
    if not isinstance(phases, dict):
        return httpx.Timeout(None)
    return httpx.Timeout(None, **{phase: phases.get(phase) for phase in ("connect", "read", "write", "pool")})


def _running_loop() -> object:
    """The running asyncio loop; None under another async library (trio, with `async_backend="httpx"`)."""
    import asyncio  # loaded by then in any asyncio program; not imported for sync-only use

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class SuncoTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The transport `connect()` installs: retries by `policy` (None: no retries), then typed errors.

    `transport_options` are httpx's transports' (verify, proxy...); `proxy` goes through checked_proxy, applies on
    every backend, and its credentials are masked in errors as the request's own are.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        async_backend: str = "aiohttp",
        sync_backend: str = "httpx",
        **transport_options: Any,
    ) -> None:
        for name, value, choices in (
            ("async_backend", async_backend, ASYNC_BACKENDS),
            ("sync_backend", sync_backend, SYNC_BACKENDS),
        ):
            if value not in choices:
                raise InvalidArgumentError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        if sync_backend == "pyreqwest" and importlib.util.find_spec("pyreqwest") is None:
            raise InvalidArgumentError(
                "sync_backend='pyreqwest' needs the pyreqwest package: pip install 'sunco-keys[pyreqwest]'"
            )
        if sync_backend == "pyreqwest" and not isinstance(transport_options.get("verify", True), bool):
            raise InvalidArgumentError(
                "sync_backend='pyreqwest' takes verify=True or False only: pyreqwest can add CAs to the ones it "
                "trusts, not trust a given bundle or SSLContext alone; use sync_backend='httpx' for that"
            )
        proxy = transport_options.get("proxy")
        if proxy is not None:
            transport_options["proxy"] = proxy = checked_proxy(proxy)
            if sync_backend == "pyreqwest":
                from .reqwest import proxy_builder

                proxy_builder(proxy)  # refused now rather than at every call
        # The proxy's credentials, masked wherever the request's own are (should the proxy echo them in an answer).
        self._hidden = Hidden((f"{proxy.auth[0]}:{proxy.auth[1]}", proxy.auth[1]) if proxy and proxy.auth else ())
        self.proxy: httpx.Proxy | None = proxy  # every request goes through it (its repr masks the password)
        self.policy = policy
        self._attempts = _Attempts(transport_options, async_backend, sync_backend)
        self._retrying: Any = None
        self._rules: dict[str, Retry] = {}
        if policy is not None and policy.max_attempts > 1:
            from httpx_retries import RetryTransport

            self._retrying = RetryTransport(transport=self._attempts)

    def __repr__(self) -> str:
        return f"SuncoTransport(policy={self.policy!r})"

    def _prepare(self, request: httpx.Request) -> None:
        """Hand the request the proxy's credentials to mask, and the retry rule of its method."""
        if self._hidden:
            request.extensions[HIDDEN_EXTENSION] = Hidden(
                (*request.extensions.get(HIDDEN_EXTENSION, ()), *self._hidden)
            )
        if self._retrying is None or self.policy is None:
            return
        rule = self._rules.get(request.method)
        if rule is None:
            rule = self._rules[request.method] = self.policy.retry_for(request.method)
        request.extensions["retry"] = rule

    @staticmethod
    def _checked(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if 200 <= response.status_code < 300:
            return response
        if response.status_code < 200:  # a 1xx as the final answer: h11 refuses it as a protocol error, aiohttp not
            reason = f"RemoteProtocolError: the final answer's status is {response.status_code}, an interim one"
            raise TransportError(request.method, request_path(request), reason, may_have_taken_effect=True)
        raise error_for(response, request, earlier_attempt_reached=bool(request.extensions.get(_REACHED_BEFORE)))

    @staticmethod
    def _failed(request: httpx.Request, exc: httpx.RequestError) -> TransportError:
        """The TransportError for `exc`, chained to it unless its text quotes the request's credentials (a server
        may echo them into what the HTTP library quotes): then to nothing, so no traceback or log shows them."""
        said = f"{type(exc).__name__}: {exc}"
        reason = scrubbed(said, sent_secrets(request))
        reached = bool(request.extensions.get(_REACHED))  # set by _Attempts._outcome, the last attempt included
        error = TransportError(request.method, request_path(request), reason, may_have_taken_effect=reached)
        error.__cause__ = exc if reason == said else None
        return error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._prepare(request)
        self._attempts.begin_call(request)
        try:
            if self._retrying is None:
                response = self._attempts.handle_request(request)
            else:
                response = self._retrying.handle_request(request)
        except httpx.RequestError as exc:
            failure = exc
        else:
            return self._checked(request, response)
        finally:
            self._attempts.end_call(request)
        raise self._failed(request, failure)  # out of the except block: chained only as _failed decides

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._prepare(request)
        self._attempts.begin_async_call(request)
        try:
            if self._retrying is None:
                response = await self._attempts.handle_async_request(request)
            else:
                response = await self._retrying.handle_async_request(request)
        except httpx.RequestError as exc:
            failure = exc
        else:
            return self._checked(request, response)
        finally:
            await self._attempts.aend_call(request)
        raise self._failed(request, failure)

    def close(self) -> None:
        self._attempts.close()

    async def aclose(self) -> None:
        await self._attempts.aclose()
