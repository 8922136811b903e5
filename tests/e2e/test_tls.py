"""TLS through the pyreqwest sync backend, over a real socket: a certificate no trusted CA signed is refused unless
`verify=False`, so verification is on by default (rustls, certifi's CAs and the system's)."""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import sunco_keys
from sunco_keys.api.custom_integration_api_keys import list_custom_integration_keys

APP_ID, INTEGRATION_ID = "5d8cff3cd55b040010928b5b", "029c31f25a21b47effd7be90"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost signed by a throw-away CA that nothing trusts; its file and its key's."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sunco-keys test CA")])
    host = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(host)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class _NoKeys(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b'{"keys": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        pass


@pytest.fixture(scope="module")
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cert_file, key_file = _self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoKeys)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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
