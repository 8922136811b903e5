"""`connect()`: the one obvious way to get a ready, safe client for the real API or the local server."""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from typing import Literal

import httpx

from ..client import Client
from .arguments import DEFAULT_TIMEOUT, checked_timeout
from .auth import JWT_SCOPES, BasicAuth, JwtAuth
from .body_limits import ACCEPT_ENCODING
from .errors import InvalidArgumentError
from .transport import RetryPolicy, SuncoTransport, checked_proxy, is_host

REGIONS = {"us": "https://api.smooch.io", "eu": "https://api.eu-1.smooch.io"}
ZENDESK_URL = "https://{subdomain}.zendesk.com/sc"
KEY_ID_ENV = "SUNCO_KEY_ID"
SECRET_ENV = "SUNCO_KEY_SECRET"
BASE_URL_ENV = "SUNCO_BASE_URL"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def connect(
    key_id: str | None = None,
    secret: str | None = None,
    *,
    auth: Literal["basic", "jwt"] = "basic",
    scope: Literal["app", "account"] = "app",
    region: Literal["us", "eu"] | None = None,
    subdomain: str | None = None,
    base_url: str | None = None,
    timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
    retries: RetryPolicy | int | None = RetryPolicy(),
    verify: bool | str | os.PathLike[str] | ssl.SSLContext = True,
    async_backend: Literal["aiohttp", "httpx"] = "aiohttp",
    sync_backend: Literal["httpx", "pyreqwest"] = "httpx",
    proxy: str | None = None,
    trust_env: bool = True,
) -> Client:
    """A generated `Client` with credentials, retries and typed errors configured; usable sync, async, as a context manager.

    Credentials default to the environment variables SUNCO_KEY_ID and SUNCO_KEY_SECRET. Where to connect:
    `region` "us" or "eu", a Zendesk `subdomain`, or an explicit `base_url` (https only, except loopback); with
    none of them, SUNCO_BASE_URL if set, else region "us". `retries` is a RetryPolicy, a number of retries, or 0/None for none. Everything is checked here,
    before any request; errors are InvalidArgumentError and never contain the secret. Async calls go through
    aiohttp's connection pool (`async_backend="aiohttp"`, ~8x the throughput of 200 concurrent calls) or httpx's own.
    Sync calls go through httpx's own transport, or pyreqwest's (`sync_backend="pyreqwest"`: 0.7-0.95x the time per call;
    verify True or False only; a slow answer is bounded by the sum of the timeout's phases, lib/reqwest.py).
    As with every Client, no cookie a server sets is kept (lib/cookies.py). `proxy`: an http:// or https:// proxy URL
    (credentials in it are sent as Proxy-Authorization and never shown); with none, and `trust_env`, the proxy the
    environment gives (HTTPS_PROXY, ALL_PROXY, NO_PROXY..., as urllib reads them) unless the host is loopback.
    """
    key_id = key_id if key_id is not None else os.environ.get(KEY_ID_ENV)
    secret = secret if secret is not None else os.environ.get(SECRET_ENV)
    missing = [env for env, value in ((KEY_ID_ENV, key_id), (SECRET_ENV, secret)) if not value]
    if missing:
        raise InvalidArgumentError("no API key credentials: pass key_id= and secret= or set " + " and ".join(missing))
    _check_credential("key_id", key_id)
    _check_credential("secret", secret)
    assert isinstance(key_id, str) and isinstance(secret, str)
    url, limits, signer = (
        _base_url(region, subdomain, base_url),
        checked_timeout(timeout),
        _auth(auth, scope, key_id, secret),
    )
    if not isinstance(trust_env, bool):
        raise InvalidArgumentError(f"trust_env must be True or False, got {type(trust_env).__name__}")
    transport = SuncoTransport(
        _policy(retries),
        async_backend=async_backend,
        sync_backend=sync_backend,
        verify=_verify(verify),
        proxy=_proxy(proxy, trust_env, url),
        trust_env=trust_env,
    )
    return Client(
        base_url=url,
        timeout=limits,
        raise_on_unexpected_status=True,
        headers={"Accept-Encoding": ACCEPT_ENCODING},  # the codings whose decoded size the transport bounds
        httpx_args={"auth": signer, "transport": transport, "trust_env": trust_env},
    )


def _check_credential(name: str, value: object) -> None:
    """Refuse a key id or secret that is not text sendable as UTF-8; the message never holds the value."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, got {type(value).__name__}")
    if not _is_utf8(value):  # raised here, not in an except block: a UnicodeEncodeError would carry the value
        raise InvalidArgumentError(f"{name} is not valid text: it holds a lone surrogate")
    if name == "key_id" and ":" in value:
        raise InvalidArgumentError("key_id must not contain ':' (it would end the Basic auth user name)")
    if _CONTROL.search(value):  # never in a key the API issues; a trailing newline often comes with a file's text
        raise InvalidArgumentError(
            f"{name} holds a line break or another control character (read from a file? strip it)"
        )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _verify(verify: object) -> bool | ssl.SSLContext:
    """`verify` as httpx takes it, checked now rather than at the first call: a CA bundle path becomes an SSLContext."""
    if isinstance(verify, bool | ssl.SSLContext):
        return verify
    if isinstance(verify, os.PathLike):
        verify = os.fspath(verify)
    if not isinstance(verify, str):
        raise InvalidArgumentError(
            f"verify must be a bool, an SSLContext or the path of a CA bundle, got {type(verify).__name__}"
        )
    directory = os.path.isdir(verify)
    try:
        return ssl.create_default_context(capath=verify) if directory else ssl.create_default_context(cafile=verify)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError; a path with a NUL byte, a ValueError
        reason = f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"
        raise InvalidArgumentError(f"verify={verify!r} is not a readable CA bundle ({reason})") from None


def _auth(auth: str, scope: str, key_id: str, secret: str) -> httpx.Auth:
    if scope not in JWT_SCOPES:  # checked with Basic auth too, which has no use for it: a typo is still a typo
        raise InvalidArgumentError(f"scope must be one of {', '.join(JWT_SCOPES)}, got {scope!r}")
    if auth == "basic":
        return BasicAuth(key_id, secret)
    if auth == "jwt":
        return JwtAuth(key_id, secret, scope)
    raise InvalidArgumentError(f"auth must be 'basic' or 'jwt', got {auth!r}")


def _base_url(region: str | None, subdomain: str | None, base_url: str | None) -> str:
    for name, value in (("region", region), ("subdomain", subdomain)):
        if value is not None and not isinstance(value, str):
            raise InvalidArgumentError(f"{name} must be a str, got {type(value).__name__}")
    chosen = [name for name, value in (("region", region), ("subdomain", subdomain), ("base_url", base_url)) if value]
    if len(chosen) > 1:
        raise InvalidArgumentError(f"give only one of region, subdomain and base_url, not {' and '.join(chosen)}")
    if region is not None and region not in REGIONS:  # "" included: it would mean "us" and pass over SUNCO_BASE_URL
        raise InvalidArgumentError(f"region must be one of {', '.join(REGIONS)}, got {region!r}")
    if subdomain is not None:
        if not _SUBDOMAIN.fullmatch(subdomain):
            raise InvalidArgumentError(f"subdomain must be one DNS label (a-z, 0-9, -), got {subdomain!r}")
        return ZENDESK_URL.format(subdomain=subdomain)
    if base_url is not None:
        return _checked_url(base_url)
    if region is None and os.environ.get(BASE_URL_ENV):
        return _checked_url(os.environ[BASE_URL_ENV])
    return REGIONS[region or "us"]


def _checked_url(base_url: str) -> str:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgumentError(f"base_url is not a URL: {exc}") from None
    if url.userinfo:
        raise InvalidArgumentError("base_url must not carry credentials; pass key_id= and secret=")
    if url.port is not None and not 0 < url.port < 65536:  # httpx's sync transport would wrap it to another port
        raise InvalidArgumentError(f"base_url's port must be from 1 to 65535, got {url.port}")
    if not url.is_absolute_url:
        raise InvalidArgumentError("base_url must be absolute, like https://api.smooch.io")
    if not is_host(url):
        raise InvalidArgumentError("base_url's host is not a valid host name")
    if "?" in str(url) or "#" in str(url):  # unencoded, they only start a query or fragment: paths would go after them
        raise InvalidArgumentError("base_url must not have a query or a fragment, like https://api.smooch.io")
    if url.scheme == "https" or (url.scheme == "http" and _is_loopback(url.host)):
        return str(url).rstrip("/")
    raise InvalidArgumentError(f"base_url must use https (plain http only for loopback), got {url.scheme}://{url.host}")


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _proxy(proxy: object, trust_env: bool, base_url: str) -> httpx.Proxy | None:
    """The proxy to send every request through: `proxy`, else the environment's for `base_url` (if trusted)."""
    if proxy is not None:
        return checked_proxy(proxy)
    if not trust_env:
        return None
    variable, value = _environment_proxy(httpx.URL(base_url))
    if value is None:
        return None
    value = value.strip()
    return checked_proxy(value if "://" in value else f"http://{value}", variable)  # "host:port", as curl reads it


def _environment_proxy(url: httpx.URL) -> tuple[str, str | None]:
    """The variable naming the environment's proxy for `url`, and its value (None: no proxy for it).

    As in urllib (and httpx, and requests): `<scheme>_proxy` then `all_proxy`, in lower or upper case, and
    `no_proxy`'s exceptions. A loopback host is never sent to one (as Go's net/http decides): the local server is
    reachable only from here, and a proxy set for the machine's outbound traffic would not reach it.
    """
    # proxy_bypass reads no_proxy from the environment whenever it sets a proxy, on every platform (as requests does).
    from urllib.request import getproxies_environment, proxy_bypass

    proxies = getproxies_environment()
    scheme = url.scheme if proxies.get(url.scheme) else "all"
    value = proxies.get(scheme)
    host = url.host if url.port is None else f"{url.host}:{url.port}"  # as urllib asks: NO_PROXY may name a port
    if not value or _is_loopback(url.host) or proxy_bypass(host):
        return "", None
    return f"the environment's {scheme.upper()}_PROXY", value


def _policy(retries: RetryPolicy | int | None) -> RetryPolicy | None:
    if retries is None or retries is False or retries == 0:
        return None
    if isinstance(retries, RetryPolicy):
        return retries
    if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0:
        return RetryPolicy(max_attempts=retries + 1)
    raise InvalidArgumentError(f"retries must be a RetryPolicy, a number of retries >= 0, or None, got {retries!r}")
