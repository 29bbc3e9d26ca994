"""The secure profile: generated certificates, rendered broker and Neo4j settings, the client settings file."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from lineage_stream_dev.infra import certs, config, secure
from lineage_stream_dev.infra.layout import Layout, Settings
from lineage_stream.settings import load_settings


def test_certificates_chain_to_the_ca_and_name_only_the_host(tmp_path: Path) -> None:
    files, issued = certs.ensure_tls(tmp_path / "tls", ("localhost",))
    assert issued and certs.ensure_tls(tmp_path / "tls", ("localhost",)) == (files, False)
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"] and not san.get_values_for_type(x509.IPAddress)
    assert server.not_valid_after_utc - dt.datetime.now(dt.timezone.utc) > dt.timedelta(days=80)
    client = x509.load_pem_x509_certificate(files.client_cert.read_bytes())
    assert ExtendedKeyUsageOID.CLIENT_AUTH in client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert files.server_key.read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8, as Kafka wants
    for key in (files.ca_key, files.server_key, files.client_key, files.server_bundle):
        assert key.stat().st_mode & 0o077 == 0
    # Python's own TLS stack accepts the pair as a server and trusts it through the CA.
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(files.server_cert, files.server_key)
    ssl.create_default_context(cafile=str(files.ca_cert))


def test_other_hosts_reissue(tmp_path: Path) -> None:
    certs.ensure_tls(tmp_path, ("localhost",))
    assert certs.ensure_tls(tmp_path, ("broker.example",))[1]


def test_secure_profile_has_its_own_ports_and_state(tmp_path: Path) -> None:
    plain, safe = Settings(), secure.secure_settings()
    ports = lambda s: {s.kafka_port, s.kafka_controller_port, s.neo4j_bolt_port, s.kafka_mtls_port,  # noqa: E731
                       s.registry_port}
    assert not ports(plain) & ports(safe)
    assert Layout.for_root(tmp_path, safe.profile).data("kafka") != Layout.for_root(tmp_path).data("kafka")
    assert Layout.for_root(tmp_path, safe.profile).dist("kafka") == Layout.for_root(tmp_path).dist("kafka")


def test_broker_listens_only_with_tls_except_the_loopback_controller(tmp_path: Path) -> None:
    creds = secure.Credentials({"admin": "A-pw", "worker": "W-pw", "producer": "P-pw"}, "N-pw")
    text = secure.kafka_server_properties(secure.secure_settings(), tmp_path / "logs", tmp_path / "tls", creds)
    props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert props["listeners"] == "SASL_SSL://127.0.0.1:9192,CONTROLLER://127.0.0.1:9193,MTLS://127.0.0.1:9194"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512,PLAIN"
    assert props["listener.name.mtls.ssl.client.auth"] == "required"
    assert props["ssl.endpoint.identification.algorithm"] == "https"
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    granted = {(p, op) for p, _, ops in secure.KAFKA_ACLS for op in ops}
    assert ("User:producer", "WRITE") in granted and ("User:producer", "READ") not in granted
    assert 'user_worker="W-pw"' in props["listener.name.sasl_ssl.plain.sasl.jaas.config"]
    assert secure.scram_format_args(creds)[:2] == ["--add-scram", "SCRAM-SHA-512=[name=admin,password=A-pw]"]
    assert "N-pw" not in repr(creds) and "A-pw" not in repr(creds)


def test_neo4j_requires_tls_on_bolt_in_the_secure_profile(tmp_path: Path) -> None:
    safe = config.neo4j_conf(secure.secure_settings(), secure.neo4j_bolt_tls(tmp_path))
    assert "server.bolt.tls_level=REQUIRED" in safe and "tls_level=DISABLED" not in safe
    assert "server.bolt.advertised_address=localhost:7787" in safe
    assert "server.bolt.tls_level=DISABLED" in config.neo4j_conf(Settings())


def test_client_settings_file_loads_into_the_settings_model(tmp_path: Path) -> None:
    creds = secure.Credentials({"admin": "A-pw", "worker": "W\"pw\\", "producer": "P-pw"}, "N-pw")
    path = tmp_path / "client.toml"
    path.write_text(secure.client_toml(secure.secure_settings(), tmp_path, creds))
    settings = load_settings(env={}, config_file=path)
    librdkafka = settings.kafka.client_config("consumer")
    assert librdkafka["security.protocol"] == "SASL_SSL" and librdkafka["sasl.mechanism"] == "SCRAM-SHA-512"
    assert librdkafka["sasl.username"] == "worker" and librdkafka["sasl.password"] == "W\"pw\\"
    assert librdkafka["ssl.endpoint.identification.algorithm"] == "https"
    assert settings.neo4j.uri == "bolt://localhost:7787" and settings.neo4j.trusted_ca == tmp_path / "ca.pem"
    assert settings.registry.client_config() == {"url": "https://localhost:8182/apis/ccompat/v7",
                                                 "ssl.ca.location": str(tmp_path / "ca.pem")}
    assert "N-pw" not in repr(settings) and "W\"pw" not in repr(settings)


def test_registry_serves_https_only_in_the_secure_profile(tmp_path: Path) -> None:
    from lineage_stream_dev.infra.registry import registry_properties

    text = registry_properties(secure.secure_settings(), tmp_path, secure.registry_tls(tmp_path))
    assert "quarkus.http.ssl-port=8182" in text and "quarkus.http.insecure-requests=disabled" in text
    assert "quarkus.http.port=" not in text
    assert "quarkus.http.port=8081" in registry_properties(Settings(), tmp_path)
