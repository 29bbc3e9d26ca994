"""The secure profile of the local services (``lineage-stream infra up --secure``).

Kafka gets a SASL_SSL listener (SCRAM-SHA-512 and PLAIN) and an SSL listener that requires a client
certificate (mTLS); Neo4j requires TLS on Bolt; the schema registry serves HTTPS only (no basic
authentication: Apicurio 2.4 authenticates through an OIDC server only). A CA and the certificates are generated at start-up
(``certs``), the users' passwords once, at random. Everything lives under ``.local/secure`` on its
own ports, so the plaintext services keep running beside it. ``client.toml`` there is a settings
file that points lineage-stream at the secure services as the ``worker`` user.

The controller listener stays plaintext on 127.0.0.1: it is the node talking to itself.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra.config import single_node_storage
from lineage_stream_dev.infra.layout import Layout, Settings

PROFILE = "secure"
KAFKA_USERS = ("admin", "worker", "producer")
SCRAM = "SCRAM-SHA-512"


def secure_settings(**changes: object) -> Settings:
    """The secure profile's settings: its own ports and state directory, names clients use."""
    base = Settings(
        profile=PROFILE,
        secure=True,
        advertised_host="localhost",
        kafka_port=9192,
        kafka_controller_port=9193,
        kafka_mtls_port=9194,
        neo4j_bolt_port=7787,
        neo4j_http_port=None,
        registry_port=8182,
        registry_heap="384m",
        kafka_heap="512m",
        neo4j_heap="512m",
        neo4j_pagecache="128m",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Credentials:
    """Generated passwords of the secure services (a 0600 JSON file; never printed)."""

    kafka: dict[str, str]
    neo4j_password: str

    def __repr__(self) -> str:
        return f"Credentials(kafka users={sorted(self.kafka)}, neo4j password=**********)"


def secrets_dir(layout: Layout) -> Path:
    return layout.state / "secrets"


def tls_dir(layout: Layout) -> Path:
    return layout.state / "tls"


def client_config_path(layout: Layout) -> Path:
    return layout.state / "client.toml"


def ensure_credentials(layout: Layout) -> Credentials:
    """The stored credentials, generated on first use."""
    path = secrets_dir(layout) / "credentials.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(dict(data["kafka"]), str(data["neo4j_password"]))
    creds = Credentials({user: secrets.token_urlsafe(18) for user in KAFKA_USERS}, secrets.token_urlsafe(18))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    path.write_text(json.dumps({"kafka": creds.kafka, "neo4j_password": creds.neo4j_password}) + "\n",
                    encoding="utf-8")
    path.chmod(0o600)
    return creds


def cert_hosts(settings: Settings) -> tuple[str, ...]:
    """Names in the server certificate: only the advertised name, so another name is a mismatch."""
    return (settings.public_host,)


def _jaas_plain(creds: Credentials) -> str:
    users = " ".join(f'user_{name}="{password}"' for name, password in creds.kafka.items())
    return ("org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="admin" password="{creds.kafka["admin"]}" {users};')


def _jaas_scram(creds: Credentials) -> str:
    return ("org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="admin" password="{creds.kafka["admin"]}";')


def kafka_server_properties(settings: Settings, log_dir: Path, tls: Path, creds: Credentials) -> str:
    """server.properties of the secure single-node KRaft broker + controller (mode 0600: passwords)."""
    host, public = settings.host, settings.public_host
    listeners = [f"SASL_SSL://{host}:{settings.kafka_port}", f"CONTROLLER://{host}:{settings.kafka_controller_port}"]
    advertised = [f"SASL_SSL://{public}:{settings.kafka_port}"]
    protocols = ["CONTROLLER:PLAINTEXT", "SASL_SSL:SASL_SSL"]
    if settings.kafka_mtls_port is not None:
        listeners.append(f"MTLS://{host}:{settings.kafka_mtls_port}")
        advertised.append(f"MTLS://{public}:{settings.kafka_mtls_port}")
        protocols.append("MTLS:SSL")
    lines = [
        "# Rendered by lineage_stream_dev.infra (secure profile); edits are overwritten on the next `infra up`.",
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.bootstrap.servers={host}:{settings.kafka_controller_port}",
        f"listeners={','.join(listeners)}",
        f"advertised.listeners={','.join(advertised)}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=SASL_SSL",
        f"listener.security.protocol.map={','.join(protocols)}",
        f"sasl.enabled.mechanisms={SCRAM},PLAIN",
        "sasl.mechanism.inter.broker.protocol=PLAIN",
        f"listener.name.sasl_ssl.plain.sasl.jaas.config={_jaas_plain(creds)}",
        f"listener.name.sasl_ssl.{SCRAM.lower()}.sasl.jaas.config={_jaas_scram(creds)}",
        "ssl.keystore.type=PEM",
        f"ssl.keystore.location={tls / 'server-keystore.pem'}",
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={tls / 'ca.pem'}",
        "ssl.endpoint.identification.algorithm=https",
        "ssl.enabled.protocols=TLSv1.3,TLSv1.2",
        # Authorization: admin (inter-broker) and the loopback controller listener (ANONYMOUS) are super
        # users; everyone else gets only the ACLs of KAFKA_ACLS.
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users=User:admin;User:ANONYMOUS",
        "allow.everyone.if.no.acl.found=false",
        "listener.name.mtls.ssl.client.auth=required",
        *single_node_storage(log_dir, io_threads=2, retention_hours=24, segment_bytes=67108864),
    ]
    return "\n".join(lines) + "\n"


CLIENT_PRINCIPAL = "User:CN=lineage-stream-client"
KAFKA_ACLS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (principal, resource "topic:*" or "group:*", operations). Topic names vary per test run, so the
    # local grants cover every topic; docs/security.md lists the per-topic grants for production.
    ("User:producer", "topic:*", ("WRITE", "DESCRIBE")),
    ("User:worker", "topic:*", ("READ", "DESCRIBE", "WRITE", "CREATE")),
    ("User:worker", "group:*", ("READ",)),
    (CLIENT_PRINCIPAL, "topic:*", ("READ", "DESCRIBE", "WRITE")),
    (CLIENT_PRINCIPAL, "group:*", ("READ",)),
)


def apply_kafka_acls(config: dict[str, str], timeout_s: float = 30.0) -> int:
    """Create KAFKA_ACLS (adding an existing ACL is a no-op); returns how many bindings were sent."""
    from confluent_kafka.admin import (  # type: ignore[attr-defined]
        AclBinding,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
    )

    bindings = []
    for principal, resource, operations in KAFKA_ACLS:
        kind, _, name = resource.partition(":")
        for operation in operations:
            bindings.append(AclBinding(ResourceType[kind.upper()], name, ResourcePatternType.LITERAL, principal, "*",
                                       AclOperation[operation], AclPermissionType.ALLOW))
    admin = AdminClient({**config, "log_level": 0})  # kept alive until every future has its answer
    futures = admin.create_acls(bindings, request_timeout=timeout_s)
    try:
        for future in futures.values():
            future.result()
    except Exception as error:  # noqa: BLE001 - KafkaException and friends
        raise InfraError(f"kafka: creating the ACLs failed: {error}") from error
    return len(bindings)


def scram_format_args(creds: Credentials) -> list[str]:
    """``kafka-storage format`` arguments that create every user's SCRAM credential."""
    args: list[str] = []
    for name, password in creds.kafka.items():
        args += ["--add-scram", f"{SCRAM}=[name={name},password={password}]"]
    return args


def neo4j_bolt_tls(tls: Path) -> list[str]:
    """neo4j.conf lines: TLS required on Bolt with the generated key and certificate chain."""
    return [
        "server.bolt.tls_level=REQUIRED",
        "dbms.ssl.policy.bolt.enabled=true",
        f"dbms.ssl.policy.bolt.base_directory={tls}",
        "dbms.ssl.policy.bolt.private_key=server.key",
        "dbms.ssl.policy.bolt.public_certificate=server.crt",
        "dbms.ssl.policy.bolt.client_auth=NONE",
        f"dbms.ssl.policy.bolt.trusted_dir={tls / 'trusted'}",
        f"dbms.ssl.policy.bolt.revoked_dir={tls / 'revoked'}",
        "dbms.ssl.policy.bolt.tls_versions=TLSv1.2,TLSv1.3",
    ]


def registry_tls(tls: Path) -> list[str]:
    """Apicurio (Quarkus) settings: HTTPS only, with the generated key and certificate chain."""
    return [
        "quarkus.http.insecure-requests=disabled",
        "quarkus.http.ssl.certificate.files=" + str(tls / "server.crt"),
        "quarkus.http.ssl.certificate.key-files=" + str(tls / "server.key"),
        "quarkus.http.ssl.protocols=TLSv1.3,TLSv1.2",
    ]


def kafka_admin_config(settings: Settings, tls: Path, creds: Credentials) -> dict[str, str]:
    """librdkafka settings for the admin user over SCRAM (the readiness probe)."""
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": SCRAM,
        "sasl.username": "admin",
        "sasl.password": creds.kafka["admin"],
        "ssl.ca.location": str(tls / "ca.pem"),
    }


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def client_toml(settings: Settings, tls: Path, creds: Credentials, user: str = "worker") -> str:
    """A lineage-stream settings file for the secure services, as ``user`` (mode 0600: passwords)."""
    q = _toml_string
    return "\n".join([
        "# Rendered by `lineage-stream infra up --secure`: use with --config or LINEAGE_CONFIG_FILE.",
        "[kafka]",
        f"bootstrap = {q(settings.kafka_bootstrap)}",
        "[kafka.security]",
        'protocol = "SASL_SSL"',
        f"sasl_mechanism = {q(SCRAM)}",
        f"sasl_username = {q(user)}",
        f"sasl_password = {q(creds.kafka[user])}",
        f"ssl_ca_location = {q(str(tls / 'ca.pem'))}",
        "[registry]",
        f"url = {q(settings.registry_url)}",
        f"ssl_ca_location = {q(str(tls / 'ca.pem'))}",
        "[neo4j]",
        f"uri = {q(settings.neo4j_uri)}",
        f"user = {q(settings.neo4j_user)}",
        f"password = {q(creds.neo4j_password)}",
        f"trusted_ca = {q(str(tls / 'ca.pem'))}",
        "",
    ])
