"""connect(): credentials, where to connect, timeouts and retries are checked before any request."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable
from typing import Any, Literal

import httpx
import pytest

import sunco_keys
from sunco_keys.lib.arguments import DEFAULT_TIMEOUT
from sunco_keys.lib.auth import BasicAuth, JwtAuth
from sunco_keys.lib.transport import SuncoTransport

SECRET = "canary-secret-3f9a1c"


def options(client: sunco_keys.Client) -> dict[str, object]:
    """The httpx arguments connect() configured (what the generated Client hands to httpx)."""
    return client._httpx_args


PROXY_VARIABLES = [f"{scheme}_proxy" for scheme in ("http", "https", "all", "no")]


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUNCO_KEY_ID", "SUNCO_KEY_SECRET", "SUNCO_BASE_URL", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_returns_the_generated_client_with_basic_auth_by_default() -> None:
    client = sunco_keys.connect("app_1", SECRET)
    assert type(client) is sunco_keys.Client
    assert client._base_url == "https://api.smooch.io"
    assert isinstance(options(client)["auth"], BasicAuth)
    assert isinstance(options(client)["transport"], SuncoTransport)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUNCO_KEY_ID", "app_env")
    monkeypatch.setenv("SUNCO_KEY_SECRET", SECRET)
    auth = options(sunco_keys.connect())["auth"]
    assert isinstance(auth, BasicAuth) and auth.key_id == "app_env"


@pytest.mark.parametrize(
    ("key_id", "secret", "named"),
    [
        (None, None, "SUNCO_KEY_ID and SUNCO_KEY_SECRET"),
        ("app_1", None, "SUNCO_KEY_SECRET"),
        (None, "s", "SUNCO_KEY_ID"),
        ("", "s", "SUNCO_KEY_ID"),
        ("app_1", "", "SUNCO_KEY_SECRET"),
    ],
)
def test_missing_credentials_name_the_environment_variables(key_id: str | None, secret: str | None, named: str) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match=named):
        sunco_keys.connect(key_id, secret)


@pytest.mark.parametrize(
    ("kwargs", "url"),
    [
        ({}, "https://api.smooch.io"),
        ({"region": "us"}, "https://api.smooch.io"),
        ({"region": "eu"}, "https://api.eu-1.smooch.io"),
        ({"subdomain": "acme"}, "https://acme.zendesk.com/sc"),
        ({"base_url": "https://proxy.example.com/sunco/"}, "https://proxy.example.com/sunco"),
        ({"base_url": "http://127.0.0.1:8080"}, "http://127.0.0.1:8080"),
        ({"base_url": "http://localhost:8080"}, "http://localhost:8080"),
        ({"base_url": "http://localhost.:8080"}, "http://localhost.:8080"),
        ({"base_url": "http://[::1]:8080"}, "http://[::1]:8080"),
    ],
)
def test_where_to_connect(kwargs: dict[str, str], url: str) -> None:
    assert sunco_keys.connect("app_1", SECRET, **kwargs)._base_url == url  # type: ignore[arg-type]


def test_a_base_url_from_the_environment_is_checked_like_an_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUNCO_BASE_URL", "http://api.smooch.io")
    with pytest.raises(sunco_keys.InvalidArgumentError, match="must use https"):
        sunco_keys.connect("app_1", SECRET)


def test_base_url_from_the_environment_when_no_target_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUNCO_BASE_URL", "http://127.0.0.1:9999")
    assert sunco_keys.connect("app_1", SECRET)._base_url == "http://127.0.0.1:9999"
    assert sunco_keys.connect("app_1", SECRET, region="eu")._base_url == "https://api.eu-1.smooch.io"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "http://api.smooch.io"}, "must use https"),
        ({"base_url": "http://10.0.0.8"}, "must use https"),
        ({"base_url": "ftp://127.0.0.1"}, "must use https"),
        ({"base_url": "/v2/apps"}, "must be absolute"),
        ({"base_url": "https://app_1:hunter2@api.smooch.io"}, "must not carry credentials"),
        ({"region": "ap"}, "region must be one of"),
        ({"subdomain": "acme.evil.com/x"}, "one DNS label"),
        ({"subdomain": ""}, "one DNS label"),
        ({"region": "eu", "subdomain": "acme"}, "only one of"),
        ({"auth": "oauth"}, "auth must be"),
        ({"auth": "jwt", "scope": "integration"}, "scope must be one of"),
        ({"timeout": 0}, "timeout must be"),
        ({"timeout": "5"}, "timeout must be"),
        ({"retries": -1}, "retries must be"),
        ({"retries": "3"}, "retries must be"),
        ({"timeout": float("nan")}, "timeout must be"),
        ({"timeout": float("inf")}, "timeout must be"),
        ({"subdomain": 5}, "subdomain must be a str"),
        ({"region": ["us"]}, "region must be a str"),
        ({"verify": 5}, "verify must be a bool, an SSLContext or the path"),
        ({"verify": "/no/such/ca-bundle.pem"}, "not a readable CA bundle .FileNotFoundError"),
        ({"verify": __file__}, "not a readable CA bundle .SSLError"),
        ({"verify": "/tmp/ca\0bundle.pem"}, "not a readable CA bundle .ValueError: embedded null byte"),
        ({"verify": pathlib.Path("/no/such/ca-bundle.pem")}, "not a readable CA bundle .FileNotFoundError"),
        # httpx's sync transport wrapped a port over 65535 (99999 -> 34463): the credentials went to another port.
        ({"base_url": "http://127.0.0.1:99999"}, "port must be from 1 to 65535, got 99999"),
        ({"base_url": "https://api.smooch.io:65536"}, "port must be from 1 to 65535, got 65536"),
        ({"base_url": "http://127.0.0.1:0"}, "port must be from 1 to 65535, got 0"),
        ({"base_url": "http://127.0.0.1:8080/?x=1"}, "must not have a query or a fragment"),
        ({"base_url": "https://api.smooch.io/base?"}, "must not have a query or a fragment"),
        ({"base_url": "https://api.smooch.io/#top"}, "must not have a query or a fragment"),
        ({"region": ""}, "region must be one of us, eu, got ''"),
        ({"timeout": 1e10}, "timeout must be a number of seconds over 0 and at most 86400"),
        ({"timeout": 2**31}, "timeout must be"),
        ({"timeout": -1}, "timeout must be"),
        ({"timeout": True}, "timeout must be"),
        ({"timeout": None}, "httpx.Timeout\\(None\\) for no limit"),
        ({"timeout": httpx.Timeout(-1)}, "timeout.connect must be None .no limit. or a number of seconds"),
        ({"timeout": httpx.Timeout(5.0, read=float("nan"))}, "timeout.read must be"),
        ({"timeout": httpx.Timeout(5.0, write=float("inf"))}, "timeout.write must be"),
        ({"timeout": httpx.Timeout(5.0, pool=86_401)}, "timeout.pool must be"),
        ({"timeout": httpx.Timeout(5.0, connect=0)}, "timeout.connect must be"),
        ({"sync_backend": "urllib3"}, "sync_backend must be one of httpx, pyreqwest, got 'urllib3'"),
        ({"async_backend": "trio"}, "async_backend must be one of aiohttp, httpx, got 'trio'"),
        ({"sync_backend": "pyreqwest", "verify": __import__("certifi").where()}, "takes verify=True or False only"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match=message) as caught:
        sunco_keys.connect("app_1", SECRET, **kwargs)  # type: ignore[arg-type]
    assert "hunter2" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("key_id", "secret", "message"),
    [
        (123, SECRET, "key_id must be a str, got int"),
        ("app_1", b"bytes-secret", "secret must be a str, got bytes"),
        ("app_1", SECRET + "\ud800", "secret is not valid text"),
        ("app:1", SECRET, "key_id must not contain ':'"),
    ],
)
@pytest.mark.parametrize("auth", ["basic", "jwt"])
def test_bad_credentials_are_refused_before_any_request(
    key_id: object, secret: object, message: str, auth: str
) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match=message) as caught:
        sunco_keys.connect(key_id, secret, auth=auth)  # type: ignore[arg-type]
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # a UnicodeEncodeError holds the text
    assert SECRET not in str(caught.value) and "bytes-secret" not in str(caught.value)


@pytest.mark.parametrize("as_given", [str, pathlib.Path], ids=["str", "Path"])
def test_a_ca_bundle_path_becomes_an_ssl_context_checked_at_connect(as_given: Callable[[str], Any]) -> None:
    import ssl

    import certifi

    transport = options(sunco_keys.connect("app_1", SECRET, verify=as_given(certifi.where())))["transport"]
    assert isinstance(transport, SuncoTransport)
    verify = transport._attempts._options["verify"]
    assert isinstance(verify, ssl.SSLContext) and verify.cert_store_stats()["x509_ca"] > 100  # certifi's CAs


def test_the_pyreqwest_backend_without_pyreqwest_installed_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyreqwest" else real(name, *a))
    with pytest.raises(sunco_keys.InvalidArgumentError, match=r"pip install 'sunco-keys\[pyreqwest\]'"):
        sunco_keys.connect("app_1", SECRET, sync_backend="pyreqwest")
    assert sunco_keys.connect("app_1", SECRET) is not None  # the default backend needs nothing more


@pytest.mark.parametrize("verify", [True, False])
def test_the_pyreqwest_backend_gets_the_timeouts_and_verification_asked_for(verify: bool) -> None:
    timeout = httpx.Timeout(7.0, connect=2.0)
    client = sunco_keys.connect("app_1", SECRET, sync_backend="pyreqwest", timeout=timeout, verify=verify)
    attempts = options(client)["transport"]._attempts  # type: ignore[attr-defined]
    # Each call's pool is bounded by the timeout the call carries: its client's (tests/e2e/test_shared_pool.py).
    assert attempts._sync_backend == "pyreqwest" and client._timeout == timeout
    assert attempts._options["verify"] is verify


def test_default_timeout_fits_a_management_api() -> None:
    timeout = sunco_keys.connect("app_1", SECRET)._timeout
    assert timeout == DEFAULT_TIMEOUT
    assert timeout is not None and timeout.connect == 5.0 and timeout.read == 30.0


def test_timeout_is_overridable() -> None:
    assert sunco_keys.connect("app_1", SECRET, timeout=2)._timeout == httpx.Timeout(2.0, connect=2.0)
    assert sunco_keys.connect("app_1", SECRET, timeout=60)._timeout == httpx.Timeout(60.0, connect=5.0)
    custom = httpx.Timeout(1.0, connect=0.5)
    assert sunco_keys.connect("app_1", SECRET, timeout=custom)._timeout is custom
    unbounded = httpx.Timeout(None)  # no limit at all, as httpx takes it
    assert sunco_keys.connect("app_1", SECRET, timeout=unbounded)._timeout is unbounded
    assert sunco_keys.connect("app_1", SECRET, timeout=86_400)._timeout == httpx.Timeout(86_400.0, connect=5.0)


@pytest.mark.parametrize(
    ("retries", "attempts"),
    [(None, None), (0, None), (False, None), (2, 3), (sunco_keys.RetryPolicy(max_attempts=7), 7)],
)
def test_retries_setting(retries: object, attempts: int | None) -> None:
    transport = options(sunco_keys.connect("app_1", SECRET, retries=retries))["transport"]  # type: ignore[arg-type]
    assert isinstance(transport, SuncoTransport)
    assert (transport.policy.max_attempts if transport.policy else None) == attempts


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"backoff_factor": -1},
        {"max_total_wait": "1"},
        {"backoff_factor": float("nan")},
        {"max_backoff": float("inf")},
    ],
)
def test_bad_retry_policy_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError):
        sunco_keys.RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("auth", ["basic", "jwt"])
def test_the_secret_never_shows_in_the_client_repr(auth: str) -> None:
    client = sunco_keys.connect("app_1", SECRET, auth=auth)  # type: ignore[arg-type]
    text = repr(client) + str(client) + repr(options(client))
    assert SECRET not in text
    assert "app_1" in text


def test_jwt_scope_is_passed_to_the_auth() -> None:
    auth = options(sunco_keys.connect("act_1", SECRET, auth="jwt", scope="account"))["auth"]
    assert isinstance(auth, JwtAuth) and auth.scope == "account"


def run_in_a_fresh_interpreter(code: str) -> None:
    """Run `code` in a new Python process (nothing imported yet); it fails the test by failing there."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_package_exports_load_lazily_and_never_shadow_generated_modules() -> None:
    run_in_a_fresh_interpreter(
        "import sys, sunco_keys\n"
        "assert 'sunco_keys.lib.connection' not in sys.modules and 'jwt' not in sys.modules\n"
        "import sunco_keys.lib.errors\n"
        "from sunco_keys import errors\n"
        "assert errors.__name__ == 'sunco_keys.errors', errors.__name__\n"
        "assert callable(sunco_keys.connect) and sunco_keys.lib.connect is sunco_keys.connect\n"
        "import sunco_keys.lib.connection\n"
        "assert callable(sunco_keys.lib.connect)\n"
        "try:\n    sunco_keys.no_such_name\nexcept AttributeError:\n    pass\nelse:\n    raise SystemExit(1)\n"
    )


def test_importing_the_endpoints_loads_no_optional_machinery() -> None:
    """`import sunco_keys` with its endpoints stays light (bench/results.md, import cost): httpx (with ssl and the
    stdlib's cookie jar) loads when the first httpx client is made; connect, the transport, auth, the error
    classes, PyJWT, aiohttp and httpx-retries on first use; and each still works then. (The models load
    lib.redaction: it shows what a server adds to a model with credentials masked.)"""
    run_in_a_fresh_interpreter(
        "import sys\n"
        "import sunco_keys\n"
        "from sunco_keys.api.custom_integration_api_keys import get_custom_integration_key as get\n"
        "from sunco_keys.api.custom_integration_api_keys import list_custom_integration_keys\n"
        "from sunco_keys.api.custom_integration_api_keys import create_custom_integration_key\n"
        "from sunco_keys.api.custom_integration_api_keys import delete_custom_integration_key\n"
        "import sunco_keys.models\n"
        "lib = ('connection', 'transport', 'auth', 'errors', 'body_limits', 'cookies')\n"
        "lazy = ['sunco_keys.lib.' + m for m in lib]\n"
        "lazy += ['jwt', 'aiohttp', 'httpx_aiohttp', 'httpx_retries', 'httpx', 'httpcore', 'ssl', 'http.cookiejar']\n"
        "loaded = [m for m in lazy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        # Making the httpx clients loads httpx and the cookie jar, for sync and async alike.
        "client = sunco_keys.Client(base_url='https://api.smooch.io')\n"
        "made = client.get_httpx_client(), client.get_async_httpx_client()\n"
        "assert 'httpx' in sys.modules and 'sunco_keys.lib.cookies' in sys.modules\n"
        "import httpx\n"
        "assert isinstance(made[0], httpx.Client) and isinstance(made[1], httpx.AsyncClient), made\n"
        "try:\n    get.sync('app', 'integration', '..', client=client)\n"
        "except sunco_keys.InvalidArgumentError as exc:\n    assert 'key_id' in str(exc)\n"
        "else:\n    raise SystemExit('not refused')\n"
        # A whole call then: the request as the API expects it, the answer decoded into the model.
        "sent = []\n"
        "def answer(request):\n"
        "    sent.append(request)\n"
        "    return httpx.Response(200, json={'key': {'id': 'key_1', 'displayName': 'ci', 'secret': 's'}})\n"
        "transport = httpx.MockTransport(answer)\n"
        "client = sunco_keys.Client(base_url='https://api.smooch.io', httpx_args={'transport': transport})\n"
        "key = get.sync('app', 'integration', 'key_1', client=client)\n"
        "assert key.key.id == 'key_1', key\n"
        "assert str(sent[0].url) == 'https://api.smooch.io/v2/apps/app/integrations/integration/keys/key_1', sent\n"
    )


def answering_with_a_cookie(sent: list[str | None]) -> httpx.MockTransport:
    """A transport that records each request's Cookie header and answers with a Set-Cookie of its own."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("Cookie"))
        return httpx.Response(200, headers={"Set-Cookie": "AWSALB=sticky; Path=/"}, json={})

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("derive", "own_cookies"),
    [
        (lambda client: client, "chosen=by-hand"),
        (lambda client: client.with_headers({"X-Trace": "1"}), "chosen=by-hand"),
        (lambda client: client.with_cookies({"also": "by-hand"}), "chosen=by-hand; also=by-hand"),
        (lambda client: client.with_timeout(httpx.Timeout(5.0)), "chosen=by-hand"),
    ],
    ids=["client", "with_headers", "with_cookies", "with_timeout"],
)
@pytest.mark.parametrize(
    "make",
    [
        lambda **options: sunco_keys.Client(**options),
        lambda **options: sunco_keys.AuthenticatedClient(token="t", **options),
    ],
    ids=["Client", "AuthenticatedClient"],
)
def test_cookies_a_server_sets_are_dropped_and_the_clients_own_are_sent(
    make: Callable[..., Any], derive: Callable[[Any], Any], own_cookies: str
) -> None:
    sent: list[str | None] = []
    base = make(
        base_url="https://api.smooch.io",
        cookies={"chosen": "by-hand"},
        httpx_args={"transport": answering_with_a_cookie(sent)},
    )
    with derive(base).get_httpx_client() as http:
        http.get("/")
        http.get("/")
    assert sent == [own_cookies, own_cookies]


def test_async_clients_drop_server_cookies_too() -> None:
    sent: list[str | None] = []
    client = sunco_keys.Client(
        base_url="https://api.smooch.io", httpx_args={"transport": answering_with_a_cookie(sent)}
    )

    async def twice() -> None:
        async with client.get_async_httpx_client() as http:
            await http.get("/")
            await http.get("/")

    asyncio.run(twice())
    assert sent == [None, None]


# --- proxies ---------------------------------------------------------------------------------------------------------


def proxy_of(client: sunco_keys.Client) -> str | None:
    """The proxy URL the client's transport sends through (without credentials), or None."""
    transport = options(client)["transport"]
    assert isinstance(transport, SuncoTransport)
    return None if transport.proxy is None else str(transport.proxy.url)


@pytest.mark.parametrize(
    ("environment", "kwargs", "expected"),
    [
        ({}, {}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, {}, "http://proxy.corp:3128"),
        ({"https_proxy": "http://lower.corp:3128"}, {}, "http://lower.corp:3128"),
        ({"ALL_PROXY": "http://all.corp:3128"}, {}, "http://all.corp:3128"),
        ({"HTTPS_PROXY": "https://tls.corp:8443", "ALL_PROXY": "http://all.corp:3128"}, {}, "https://tls.corp:8443"),
        ({"HTTPS_PROXY": "proxy.corp:3128"}, {}, "http://proxy.corp:3128"),  # host:port, as curl reads it
        ({"HTTP_PROXY": "http://plain.corp:3128"}, {}, None),  # for http:// URLs only
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "api.smooch.io"}, {}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".smooch.io"}, {}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "*"}, {}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "zendesk.com"}, {}, "http://proxy.corp:3128"),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, {"trust_env": False}, None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, {"proxy": "http://given.corp:8080"}, "http://given.corp:8080"),
        ({"HTTPS_PROXY": "socks5://proxy.corp:1080"}, {"proxy": "http://given.corp:8080"}, "http://given.corp:8080"),
        ({"NO_PROXY": "*"}, {"proxy": "http://given.corp:8080"}, "http://given.corp:8080"),
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, {"base_url": "http://127.0.0.1:8080"}, None),  # loopback
        ({"ALL_PROXY": "http://proxy.corp:3128"}, {"base_url": "http://localhost:8080"}, None),
        ({}, {"base_url": "http://127.0.0.1:8080", "proxy": "http://127.0.0.1:3128"}, "http://127.0.0.1:3128"),
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, {"base_url": "http://[::ffff:127.0.0.1]:8080"}, None),  # mapped
        ({"HTTPS_PROXY": " http://proxy.corp:3128\n"}, {}, "http://proxy.corp:3128"),  # spaces around it
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "api.corp:8443"},
            {"base_url": "https://api.corp:8443"},
            None,
        ),  # a port in NO_PROXY, as urllib reads it
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "api.corp:8443"},
            {"base_url": "https://api.corp:9443"},
            "http://proxy.corp:3128",
        ),
    ],
)
def test_the_proxy_is_the_one_given_else_the_environment_s_for_the_api_s_host(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], kwargs: dict[str, Any], expected: str | None
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert proxy_of(sunco_keys.connect("app_1", SECRET, **kwargs)) == expected


def test_the_proxy_s_credentials_are_kept_apart_from_its_url_and_out_of_every_repr() -> None:
    client = sunco_keys.connect("app_1", SECRET, proxy=f"http://me:{SECRET}x@proxy.corp:3128")
    transport = options(client)["transport"]
    assert isinstance(transport, SuncoTransport) and transport.proxy is not None
    assert transport.proxy.auth == ("me", f"{SECRET}x") and SECRET not in str(transport.proxy.url)
    for shown in (repr(client), repr(transport), repr(transport.proxy)):
        assert SECRET not in shown


@pytest.mark.parametrize(
    ("kwargs", "environment", "message"),
    [
        ({"proxy": 3128}, {}, "proxy must be a str"),
        ({"proxy": f"socks5://me:{SECRET}@proxy.corp:1080"}, {}, "proxy must be an http:// or https:// URL"),
        ({"proxy": f"http://me:{SECRET}@proxy.corp:99999"}, {}, "proxy must name a host, and a port"),
        ({"proxy": f"http://me:{SECRET}@[::1"}, {}, "proxy must be an http:// or https:// URL"),
        ({"proxy": "http://"}, {}, "proxy must name a host"),
        ({}, {"HTTPS_PROXY": f"socks5h://me:{SECRET}@proxy.corp:1080"}, "the environment's HTTPS_PROXY must be"),
        ({}, {"ALL_PROXY": f"ftp://me:{SECRET}@proxy.corp"}, "the environment's ALL_PROXY must be"),
        ({"trust_env": "yes"}, {}, "trust_env must be True or False"),
        ({"proxy": f"http://me:{SECRET}@xn--a-.example:3128"}, {}, "proxy must name a host"),  # bad IDNA
        ({"proxy": f"http://me:{SECRET}@a..b:3128"}, {}, "proxy must name a host"),  # an empty label
        ({}, {"HTTPS_PROXY": f"http://me:{SECRET}@xn--a-.example:3128"}, "the environment's HTTPS_PROXY must name"),
        (
            {"proxy": f"http://me:{SECRET}@[fe80::1%25eth0]:3128", "sync_backend": "pyreqwest"},
            {},
            "proxy must name a host",
        ),
        (
            {"proxy": f"http://me:{SECRET}@exa%20mple.invalid:3128", "sync_backend": "pyreqwest"},
            {},
            "proxy must name a host",  # a space: no resolver takes it, on any backend
        ),
    ],
)
def test_a_bad_proxy_is_refused_without_quoting_its_credentials(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any], environment: dict[str, str], message: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(sunco_keys.InvalidArgumentError, match=message) as caught:
        sunco_keys.connect("app_1", SECRET, **kwargs)
    assert SECRET not in str(caught.value) and caught.value.__cause__ is None


@pytest.mark.parametrize("proxy", [f"socks5://me:{SECRET}@proxy.corp:1080", f"http://me:{SECRET}@[::1", 3128])
def test_a_transport_made_by_hand_refuses_a_proxy_no_backend_can_use(proxy: object) -> None:
    with pytest.raises(sunco_keys.InvalidArgumentError, match="proxy must be a") as caught:
        SuncoTransport(proxy=proxy)
    assert SECRET not in str(caught.value) and caught.value.__cause__ is None


def test_a_transport_made_by_hand_takes_a_proxy_url_or_an_httpx_proxy() -> None:
    assert str(SuncoTransport(proxy="http://proxy.corp:3128").proxy.url) == "http://proxy.corp:3128"  # type: ignore[union-attr]
    given = httpx.Proxy("https://proxy.corp:8443")
    assert SuncoTransport(proxy=given).proxy is given


@pytest.mark.parametrize("base_url", ["https://xn--a-.example", "https://a..b", "https://xn--ls8h.invalid"])
def test_a_base_url_whose_host_no_resolver_takes_is_refused(base_url: str) -> None:
    """httpx takes them, then fails the first call with a bare UnicodeError (or idna's IDNAError)."""
    with pytest.raises(sunco_keys.InvalidArgumentError, match="base_url's host is not a valid host name"):
        sunco_keys.connect("app_1", SECRET, base_url=base_url)


@pytest.mark.parametrize("sync_backend", ["httpx", "pyreqwest"])
def test_an_ipv6_address_with_a_zone_is_refused(sync_backend: Literal["httpx", "pyreqwest"]) -> None:
    """No backend connects to one (httpx: name not known; pyreqwest's refusal read as an answer it could not read,
    "may have taken effect" though nothing was sent): refused before any call, for the base URL and a proxy alike."""
    with pytest.raises(sunco_keys.InvalidArgumentError, match="base_url's host is not a valid host name"):
        sunco_keys.connect("app_1", SECRET, base_url="https://[fe80::1%25eth0]:8443", sync_backend=sync_backend)
    with pytest.raises(sunco_keys.InvalidArgumentError, match="proxy must name a host") as caught:
        proxy = f"http://me:{SECRET}@[fe80::1%25eth0]:3128"
        sunco_keys.connect("app_1", SECRET, proxy=proxy, sync_backend=sync_backend)
    assert SECRET not in str(caught.value)
