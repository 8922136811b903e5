"""The README's Python examples work as written: each runs here against the embedded local server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import sunco_keys
import sunco_keys.lib.connection as connect_module
from sunco_keys.api.custom_integration_api_keys import list_custom_integration_keys
from sunco_keys.lib.paths import with_absolute_url
from tests.support.mock_api import MockApi

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def block(containing: str) -> str:
    (found,) = [str(code) for code in BLOCKS if containing in code]
    return found


def run(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, str(README), "exec"), namespace)
    return namespace


@pytest.fixture
def environment(api: MockApi, monkeypatch: pytest.MonkeyPatch) -> MockApi:
    """The environment the README's quickstart asks for, pointing at the local server."""
    monkeypatch.setenv("SUNCO_KEY_ID", api.key_id)
    monkeypatch.setenv("SUNCO_KEY_SECRET", api.secret)
    monkeypatch.setenv("SUNCO_BASE_URL", api.url)
    return api


def test_readme_has_the_examples_this_file_runs() -> None:
    assert len(BLOCKS) == 3


def test_quickstart_runs_as_written(environment: MockApi, capsys: pytest.CaptureFixture[str]) -> None:
    assert (environment.app_id, environment.integration_id) == ("5d8cff3cd55b040010928b5b", "029c31f25a21b47effd7be90")
    namespace = run(block("APP_ID, INTEGRATION_ID ="))
    printed = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"ApiKey\(id='int_[0-9a-f]{24}', display_name='ci-bot', additional_properties=\{\}\)", printed[0]
    )
    assert printed[1] == "404 not_found"
    assert namespace["secret_for_the_vault"] not in "\n".join(printed)
    methods = [r["method"] for r in environment.requests()]
    assert methods == ["POST", "GET", "GET", "DELETE", "GET"]


def test_async_audit_runs_as_written(environment: MockApi, capsys: pytest.CaptureFixture[str]) -> None:
    run(block("async def audit"))
    assert capsys.readouterr().out.strip() == "{'029c31f25a21b47effd7be90': 0}"


def test_connect_examples_reach_the_server_they_name(environment: MockApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """Basic, JWT, EU and Zendesk subdomain clients run against the local server; US and EU under hosts of their own.

    The Zendesk URL's shape (https, the subdomain, the /sc prefix) is checked without a socket below.
    """
    port = environment.url.rsplit(":", 1)[1]
    monkeypatch.delenv("SUNCO_BASE_URL")
    monkeypatch.setitem(connect_module.REGIONS, "us", f"http://127.0.0.1:{port}")
    monkeypatch.setitem(connect_module.REGIONS, "eu", f"http://localhost:{port}")
    monkeypatch.setattr(connect_module, "ZENDESK_URL", f"http://127.0.0.1:{port}" + "{subdomain:.0}")
    namespace = run(block("jwt_client = "))
    expected = {
        "us": "127.0.0.1",
        "jwt_client": "127.0.0.1",
        "eu": "localhost",
        "zendesk": "127.0.0.1",
        "tuned": "127.0.0.1",
    }
    for name, host in expected.items():
        client: sunco_keys.Client = namespace[name]
        with client:
            answer = list_custom_integration_keys.sync(environment.app_id, environment.integration_id, client=client)
        assert answer is not None
        last = environment.requests()[-1]
        assert last["headers"]["Host"] == f"{host}:{port}", name
        assert last["auth"] == ("bearer" if name in ("jwt_client", "eu", "zendesk") else "basic"), name


def test_zendesk_subdomain_keeps_the_sc_prefix_in_every_request() -> None:
    client = sunco_keys.connect("app_1", "s" * 40, subdomain="acme")
    httpx_client = client.get_httpx_client()
    kwargs = list_custom_integration_keys._get_kwargs("a", "b")
    request = httpx_client.build_request(**with_absolute_url(httpx_client, kwargs))
    assert str(request.url) == "https://acme.zendesk.com/sc/v2/apps/a/integrations/b/keys"
