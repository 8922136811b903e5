"""A loopback HTTPS server that answers every GET with an empty key list and every POST with a new key named as
asked, under a certificate for localhost signed by a throw-away CA that nothing trusts (the CA's certificate is
written out, for `verify=`)."""

from __future__ import annotations

import datetime
import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.canaries import KEY_SECRET_MARKER

# The secret of every key the server makes (a canary: the leak scan fails a test that shows it).
NEW_SECRET = KEY_SECRET_MARKER + "-tls-server-key-secret"


@dataclass(frozen=True)
class HttpsServer:
    url: str  # https://localhost:PORT
    ca_file: Path  # the certificate of the CA that signed the server's


def _signed(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    """A certificate for `subject`'s key, valid from yesterday to tomorrow, signed by `signer`."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """The CA's certificate file, and the server's certificate and key files."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sunco-keys test CA")])
    host = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    signing_only = x509.KeyUsage(False, False, False, False, False, True, True, False, False)  # cert and CRL signing
    ca_certificate = _signed(
        ca_name,
        ca_key,
        ca_name,
        ca_key,
        [
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (signing_only, True),
            (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
        ],
    )
    certificate = _signed(
        host,
        key,
        ca_name,
        ca_key,
        [
            (x509.SubjectAlternativeName([x509.DNSName("localhost")]), False),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
        ],
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, cert_file, key_file


class _NoKeys(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the API

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b'{"keys": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = {"id": "int_5d8cff3cd55b040010928b5c", "secret": NEW_SECRET, "displayName": asked["displayName"]}
        body = json.dumps({"key": key}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        pass


@contextmanager
def https_server(folder: Path) -> Iterator[HttpsServer]:
    """Serve on a free loopback port (certificates written to `folder`) until the block ends."""
    ca_file, cert_file, key_file = _certificates(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoKeys)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HttpsServer(f"https://localhost:{server.server_address[1]}", ca_file)
    finally:
        server.shutdown()
        server.server_close()
