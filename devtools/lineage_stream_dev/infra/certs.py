"""A private certificate authority for the secure local services, made with ``cryptography``.

``ensure_tls(directory, hosts)`` writes, once, a CA and a server certificate (for Kafka's TLS
listeners and Neo4j's Bolt) plus a client certificate (mTLS), all PEM, private keys PKCS#8 and
readable by the owner only. Existing files are kept while they are valid for at least another day
and name the same hosts; otherwise everything is issued again (clients must then re-read ``ca.pem``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 90
RENEW_BEFORE = dt.timedelta(days=1)
KEY_BITS = 2048


@dataclass(frozen=True)
class TlsFiles:
    """Where the generated files are (all PEM)."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        """The server certificate followed by the CA's (the chain)."""
        return self.directory / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"

    @property
    def server_bundle(self) -> Path:
        """Key then chain in one file: Kafka's ``ssl.keystore.type=PEM`` keystore."""
        return self.directory / "server-keystore.pem"

    @property
    def client_cert(self) -> Path:
        return self.directory / "client.crt"

    @property
    def client_key(self) -> Path:
        return self.directory / "client.key"

    @property
    def manifest(self) -> Path:
        return self.directory / "hosts.json"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _san(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _builder(subject: str, issuer: str, public_key: rsa.RSAPublicKey, now: dt.datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
    )


def issue(files: TlsFiles, hosts: tuple[str, ...], client_name: str = "lineage-stream-client") -> None:
    """Issue a new CA, server certificate (for ``hosts``) and client certificate into ``files``."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_name = "lineage-stream local CA"
    ca_key = _key()
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(name: str, usage: x509.ObjectIdentifier, san: tuple[str, ...]) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        key = _key()
        builder = (
            _builder(name, ca_name, key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        )
        if san:
            builder = builder.add_extension(_san(san), critical=False)
        return key, builder.sign(ca_key, hashes.SHA256())

    server_key, server_cert = leaf(hosts[0], ExtendedKeyUsageOID.SERVER_AUTH, hosts)
    client_key, client_cert = leaf(client_name, ExtendedKeyUsageOID.CLIENT_AUTH, ())
    files.directory.mkdir(parents=True, exist_ok=True)
    files.directory.chmod(0o700)
    chain = _cert_pem(server_cert) + _cert_pem(ca_cert)
    for path, data, mode in (
        (files.ca_key, _key_pem(ca_key), 0o600),
        (files.ca_cert, _cert_pem(ca_cert), 0o644),
        (files.server_key, _key_pem(server_key), 0o600),
        (files.server_cert, chain, 0o644),
        (files.server_bundle, _key_pem(server_key) + chain, 0o600),
        (files.client_key, _key_pem(client_key), 0o600),
        (files.client_cert, _cert_pem(client_cert) + _cert_pem(ca_cert), 0o644),
    ):
        path.write_bytes(data)
        path.chmod(mode)
    files.manifest.write_text(json.dumps({"hosts": list(hosts)}) + "\n", encoding="utf-8")


def is_current(files: TlsFiles, hosts: tuple[str, ...]) -> bool:
    """True when every file exists, names ``hosts`` and stays valid for at least another day."""
    paths = (files.ca_cert, files.ca_key, files.server_cert, files.server_key, files.server_bundle,
             files.client_cert, files.client_key, files.manifest)
    if not all(p.is_file() for p in paths):
        return False
    try:
        if json.loads(files.manifest.read_text(encoding="utf-8")).get("hosts") != list(hosts):
            return False
        limit = dt.datetime.now(dt.timezone.utc) + RENEW_BEFORE
        for path in (files.ca_cert, files.server_cert, files.client_cert):
            if x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc < limit:
                return False
    except (ValueError, OSError):
        return False
    return True


def ensure_tls(directory: Path, hosts: tuple[str, ...]) -> tuple[TlsFiles, bool]:
    """The TLS files in ``directory`` for ``hosts``, issued when missing or stale; (files, issued now)."""
    files = TlsFiles(directory)
    if is_current(files, hosts):
        return files, False
    issue(files, hosts)
    return files, True
