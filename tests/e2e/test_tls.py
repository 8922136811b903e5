"""TLS through the pyreqwest sync backend, over a real socket: a certificate no trusted CA signed is refused unless
`verify=False`, so verification is on by default (rustls, certifi's CAs and the system's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import list_custom_integration_keys
from tests.support.tls import https_server

APP_ID, INTEGRATION_ID = "5d8cff3cd55b040010928b5b", "029c31f25a21b47effd7be90"


@pytest.fixture(scope="module")
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with https_server(tmp_path_factory.mktemp("tls")) as server:
        yield server.url


def _list(https_url: str, verify: bool) -> object:
    client = sunco_keys.connect(
        "app_1", "tls-test-secret", base_url=https_url, retries=0, sync_backend="pyreqwest", verify=verify
    )
    with client:
        return list_custom_integration_keys.sync(APP_ID, INTEGRATION_ID, client=client)


def test_a_certificate_no_trusted_ca_signed_is_refused(https_url: str) -> None:
    with pytest.raises(sunco_keys.TransportError, match="ConnectError") as caught:
        _list(https_url, verify=True)
    assert "tls-test-secret" not in str(caught.value)


def test_verify_false_accepts_it(https_url: str) -> None:
    result = _list(https_url, verify=False)
    assert isinstance(result, sunco_keys.models.IntegrationApiKeyListResponse) and result.keys == []
