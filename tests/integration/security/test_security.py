"""Security end to end, against the secure local services that ``lineage-stream infra up --secure`` starts.

Kafka with SASL_SSL (SCRAM-SHA-512 and PLAIN) and an mTLS listener, Neo4j with TLS on Bolt, the
schema registry over HTTPS only, a CA generated at start-up. Every client is driven the way a user drives it: the CLI with the settings
file the secure stack writes and ``LINEAGE_*`` variables over it, and the OpenLineage client's
Kafka transport with the same librdkafka settings. Afterwards the known secrets are looked for in
everything users read: output and logs, exception text, ``repr()`` of the settings, ``/metrics``,
``config show`` and the dead-letter headers.

The secure stack is started once per test run through the infra code (about 35 s from a cold start,
nothing when it already runs) and left running, like the plaintext services.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from lineage_stream_dev.infra import certs, manager, secure
from lineage_stream_dev.infra.layout import Layout, default_root
from lineage_stream.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLI = [str(Path(sys.executable).parent / "lineage-stream")]
FAIL_FAST_S = 30.0


@dataclass(frozen=True)
class SecureStack:
    layout: Layout
    creds: secure.Credentials
    ca: Path
    settings_file: Path
    bootstrap: str
    neo4j_uri: str

    def secrets(self) -> list[str]:
        return [*self.creds.kafka.values(), self.creds.neo4j_password]

    def driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(self.neo4j_uri, auth=("neo4j", self.creds.neo4j_password),
                                          encrypted=True, trusted_certificates=neo4j.TrustCustomCAs(str(self.ca)))


@pytest.fixture(scope="session")
def secure_stack() -> SecureStack:
    settings = secure.secure_settings()
    started = time.monotonic()
    results = manager.ensure_up(root=default_root(), settings=settings)
    print(f"\nsecure stack: {[(r.name, r.action, round(r.seconds, 1)) for r in results]} "
          f"in {time.monotonic() - started:.1f} s")
    layout = Layout.for_root(default_root(), settings.profile)
    return SecureStack(layout, secure.ensure_credentials(layout), secure.tls_dir(layout) / "ca.pem",
                       secure.client_config_path(layout), settings.kafka_bootstrap, settings.neo4j_uri)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def user_env(stack: SecureStack, suffix: str, **overrides: str) -> dict[str, str]:
    """The environment a user sets: the secure stack's settings file, then variables over it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
    env.update({
        "LINEAGE_CONFIG_FILE": str(stack.settings_file),
        "LINEAGE_KAFKA__AVRO_TOPIC": f"sec-events-{suffix}",
        "LINEAGE_KAFKA__OPENLINEAGE_TOPICS": f"sec-openlineage-{suffix}",
        "LINEAGE_KAFKA__DLQ_TOPIC": f"sec-dlq-{suffix}",
        "LINEAGE_KAFKA__GROUP_ID": f"sec-worker-{suffix}",
        "LINEAGE_METRICS_PORT": str(_free_port()),
        **overrides,
    })
    return env


def as_producer(stack: SecureStack, mechanism: str = "PLAIN") -> dict[str, str]:
    return {"LINEAGE_KAFKA__SECURITY__SASL_USERNAME": "producer",
            "LINEAGE_KAFKA__SECURITY__SASL_PASSWORD": stack.creds.kafka["producer"],
            "LINEAGE_KAFKA__SECURITY__SASL_MECHANISM": mechanism}


def run_cli(args: list[str], env: dict[str, str], timeout: float = 90.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def openlineage_event(namespace: str, job: str, source: str, target: str) -> dict[str, object]:
    return {
        "eventType": "COMPLETE", "eventTime": "2024-05-01T10:00:00Z", "producer": "https://example.com/security-test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": namespace, "name": job},
        "inputs": [{"namespace": namespace, "name": source}], "outputs": [{"namespace": namespace, "name": target}],
    }


def assert_no_secret(where: str, text: str, secrets: list[str]) -> None:
    found = [s[:3] + "…" for s in secrets if s and s in text]
    assert not found, f"a secret appears in {where}: {found}"


def test_secure_end_to_end_and_secret_grep(secure_stack: SecureStack, unique: str, tmp_path: Path) -> None:
    """Producer CLI (PLAIN, Avro through the HTTPS registry) and the OpenLineage Kafka transport (SCRAM) over
    SASL_SSL, the worker CLI over SASL_SSL/SCRAM, HTTPS to the registry and TLS Bolt into Neo4j, a dead
    letter; then no secret anywhere users read."""
    stack, ns = secure_stack, f"sec-{unique}"
    env = user_env(stack, unique)
    settings = load_settings(env=env)
    assert settings.kafka.security.protocol == "SASL_SSL" and settings.neo4j.trusted_ca == stack.ca
    assert settings.registry.url.startswith("https://") and settings.registry.ssl_ca_location == stack.ca

    # 1. The worker CLI, running as the `worker` user: it creates the topics (the producer may not).
    worker = subprocess.Popen([*CLI, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    metrics_text = health_text = ""
    try:
        wanted = {settings.kafka.avro_topic, *settings.kafka.openlineage_topics, settings.kafka.dlq_topic}
        admin = AdminClient({**settings.kafka.client_config("admin"), "log_level": 0})
        deadline = time.monotonic() + 30
        while not wanted <= set(admin.list_topics(timeout=5).topics) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert worker.poll() is None, worker.communicate()[0]
        # 2. The producer CLI, as the `producer` user over PLAIN, Avro through the HTTPS registry.
        source_file = tmp_path / "events.jsonl"
        source_file.write_text(json.dumps(openlineage_event(ns, "avro_job", "raw.orders", "mart.orders")) + "\n")
        # The password from a mounted secrets directory, as Kubernetes provides it.
        mounted = tmp_path / "secrets"
        mounted.mkdir()
        (mounted / "LINEAGE_KAFKA__SECURITY__SASL_PASSWORD").write_text(stack.creds.kafka["producer"] + "\n")
        as_producer_from_file = {k: v for k, v in as_producer(stack).items() if not k.endswith("SASL_PASSWORD")}
        produced = run_cli(["produce", str(source_file)], {**env, **as_producer_from_file,
                                                           "LINEAGE_SECRETS_DIR": str(mounted)})
        assert produced.returncode == 0, produced.stderr

        # 3. The OpenLineage client's Kafka transport with the same librdkafka settings (SCRAM, as `producer`).
        from openlineage.client import OpenLineageClient
        from openlineage.client.transport.kafka import KafkaConfig, KafkaTransport

        producer_settings = load_settings(env={**env, **as_producer(stack, "SCRAM-SHA-512")})
        config = producer_settings.kafka.client_config("producer")
        ol_topic = settings.kafka.openlineage_topics[0]
        transport = KafkaTransport(KafkaConfig(config=dict(config), topic=ol_topic, flush=True))
        transport.emit(openlineage_event(ns, "ol_job", "mart.orders", "report.daily"))
        OpenLineageClient(transport=transport)  # the client accepts the transport as configured
        # 4. A record that is not an event: it must become a dead letter.
        bad = Producer(dict(config))
        bad.produce(ol_topic, value=b'{"not": "an event"', headers=[("origin", b"security-test")])
        assert bad.flush(20) == 0

        # 5. Until both events are in the graph, over TLS Bolt.
        with stack.driver() as driver:
            deadline, count = time.monotonic() + 60, 0
            while time.monotonic() < deadline and worker.poll() is None:
                count = driver.execute_query("MATCH (j:Job {namespace: $ns}) RETURN count(j) AS n", ns=ns).records[0]["n"]
                if count == 2:
                    break
                time.sleep(1)
            assert count == 2, "both jobs should reach Neo4j over TLS"
            path = driver.execute_query(
                "MATCH (:Dataset {namespace: $ns, name: 'raw.orders'})-[:INPUT_TO]->(:Job {namespace: $ns, name: 'avro_job'})"
                "-[:OUTPUTS]->(:Dataset {namespace: $ns, name: 'mart.orders'})-[:INPUT_TO]->"
                "(:Job {namespace: $ns, name: 'ol_job'}) RETURN count(*) AS n",
                ns=ns).records[0]["n"]
            assert path == 1
        port = env["LINEAGE_METRICS_PORT"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the dead letter is counted once it is written
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:  # noqa: S310
                metrics_text = response.read().decode()
            if any(line.startswith("lineage_events_rejected_total{") for line in metrics_text.splitlines()):
                break
            time.sleep(1)
        for path in ("/healthz", "/readyz"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:  # noqa: S310
                    health_text += response.read().decode()
            except urllib.error.HTTPError as error:  # /readyz answers 503 while not ready: its body counts too
                health_text += error.read().decode()
        assert "status" in health_text
    finally:
        worker.send_signal(signal.SIGTERM)
        worker_output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, worker_output

    # 6. The dead letter, through the dlq CLI and as raw headers.
    dlq_list = run_cli(["dlq", "list"], env)
    assert dlq_list.returncode == 0 and "1 dead letter(s)" in dlq_list.stdout, dlq_list.stdout + dlq_list.stderr
    consumer = Consumer({**settings.kafka.client_config("consumer"), "group.id": f"sec-dlq-reader-{unique}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([settings.kafka.dlq_topic])
    headers: list[tuple[str, bytes]] = []
    deadline = time.monotonic() + 20
    while not headers and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            headers = list(message.headers() or [])
    consumer.close()
    assert headers, "the dead letter should carry headers"
    config_show = run_cli(["config", "show"], env)
    assert config_show.returncode == 0, config_show.stderr

    # 7. The secret grep.
    places = {
        "worker output and log": worker_output,
        "produce output": produced.stdout + produced.stderr,
        "dlq list output": dlq_list.stdout + dlq_list.stderr,
        "config show": config_show.stdout + config_show.stderr,
        "repr of the settings": repr(settings) + str(settings) + repr(settings.kafka) + repr(settings.neo4j),
        "/metrics": metrics_text,
        "/healthz and /readyz": health_text,
        "dead-letter headers": repr(headers),
    }
    for where, text in places.items():
        assert_no_secret(where, text, stack.secrets())
    print(f"\nsecret grep: {len(stack.secrets())} secrets, 0 hits in {', '.join(places)} "
          f"({sum(len(t) for t in places.values())} characters)")


def _other_ca(tmp_path: Path) -> Path:
    files = certs.TlsFiles(tmp_path / "other-ca")
    certs.issue(files, ("localhost",))
    return files.ca_cert


KAFKA_CASES = {
    "wrong password": ({"LINEAGE_KAFKA__SECURITY__SASL_PASSWORD": "Wrong-Kafka-Pw-4711"}, "refused user 'worker'"),
    "untrusted certificate": ({"LINEAGE_KAFKA__SECURITY__SSL_CA_LOCATION": "{other_ca}"}, "is not signed by a CA"),
    "hostname mismatch": ({"LINEAGE_KAFKA__BOOTSTRAP": "127.0.0.1:9192"}, "does not name the host"),
}
NEO4J_CASES = {
    "wrong password": ({"LINEAGE_NEO4J__PASSWORD": "Wrong-Neo4j-Pw-4711"}, "SinkAuthError: Neo4j refused user 'neo4j'"),
    "untrusted certificate": ({"LINEAGE_NEO4J__TRUSTED_CA": "{other_ca}"}, "SinkTlsError: TLS with Neo4j failed while creating the schema: the server's certificate is not signed"),
    "hostname mismatch": ({"LINEAGE_NEO4J__URI": "bolt://127.0.0.1:7787"}, "SinkTlsError: TLS with Neo4j failed while creating the "
                                                           "schema: the host in neo4j.uri is not a name"),
}


@pytest.mark.parametrize("service,case", [("kafka", c) for c in KAFKA_CASES] + [("neo4j", c) for c in NEO4J_CASES])
def test_refused_fast_with_a_clear_error_and_no_secret(secure_stack: SecureStack, unique: str,
                                                        tmp_path: Path, service: str, case: str) -> None:
    overrides, expected = (KAFKA_CASES if service == "kafka" else NEO4J_CASES)[case]
    other_ca = str(_other_ca(tmp_path))
    overrides = {k: v.format(other_ca=other_ca) for k, v in overrides.items()}
    env = user_env(secure_stack, unique, **overrides)
    started = time.monotonic()
    result = run_cli(["worker", "--until-idle", "--no-metrics"], env, timeout=FAIL_FAST_S + 30)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    last = output.strip().splitlines()[-1] if output.strip() else ""
    print(f"\n{service} / {case}: exit {result.returncode} after {elapsed:.1f} s: {last[:400]}")
    assert result.returncode == 2, output
    assert expected in output, output
    assert elapsed < FAIL_FAST_S
    assert "Traceback" not in output
    wrong = [v for v in overrides.values() if v.startswith("Wrong-")]
    assert_no_secret(f"{service} {case} output", output, secure_stack.secrets() + wrong)


@pytest.mark.parametrize("command", [["produce", "{file}"], ["dlq", "list"]])
def test_cli_commands_refuse_a_wrong_password_fast(secure_stack: SecureStack, unique: str, tmp_path: Path,
                                                   command: list[str]) -> None:
    source_file = tmp_path / "events.jsonl"
    source_file.write_text(json.dumps(openlineage_event(f"sec-{unique}", "job", "a", "b")) + "\n")
    wrong = {**as_producer(secure_stack), "LINEAGE_KAFKA__SECURITY__SASL_PASSWORD": "Wrong-Producer-Pw-4711"}
    started = time.monotonic()
    result = run_cli([part.format(file=source_file) for part in command], user_env(secure_stack, unique, **wrong))
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    print(f"\n{command[0]} with a wrong password: exit {result.returncode} after {elapsed:.1f} s: "
          f"{output.strip().splitlines()[-1][:200]}")
    assert result.returncode == 2 and "KafkaAuthError" in output and "refused user 'producer' (SASL PLAIN)" in output
    assert elapsed < FAIL_FAST_S
    assert_no_secret(f"{command[0]} output", output, secure_stack.secrets() + ["Wrong-Producer-Pw-4711"])


REGISTRY_CASES = {
    "untrusted certificate": ({"LINEAGE_REGISTRY__SSL_CA_LOCATION": "{other_ca}"},
                              "is not signed by a CA in registry.ssl_ca_location"),
    "hostname mismatch": ({"LINEAGE_REGISTRY__URL": "https://127.0.0.1:8182/apis/ccompat/v7"},
                          "the host in registry.url is not a name"),
}


@pytest.mark.parametrize("case", list(REGISTRY_CASES))
def test_registry_tls_refusals_are_clear(secure_stack: SecureStack, unique: str, tmp_path: Path, case: str) -> None:
    overrides, expected = REGISTRY_CASES[case]
    overrides = {k: v.format(other_ca=_other_ca(tmp_path)) for k, v in overrides.items()}
    source_file = tmp_path / "events.jsonl"
    source_file.write_text(json.dumps(openlineage_event(f"sec-{unique}", "job", "a", "b")) + "\n")
    started = time.monotonic()
    result = run_cli(["produce", str(source_file)], user_env(secure_stack, unique, **as_producer(secure_stack),
                                                             **overrides))
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    print(f"\nregistry / {case}: exit {result.returncode} after {elapsed:.1f} s: {output.strip().splitlines()[-1][:300]}")
    assert result.returncode == 2 and "RegistryTlsError" in output and expected in output, output
    assert elapsed < FAIL_FAST_S
    assert_no_secret(f"registry {case} output", output, secure_stack.secrets())


def test_acls_keep_the_producer_from_reading_and_creating(secure_stack: SecureStack, unique: str) -> None:
    """The secure Kafka authorizes: the `producer` user may write but neither read nor create topics."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import NewTopic

    env = user_env(secure_stack, unique, **as_producer(secure_stack, "SCRAM-SHA-512"))
    kafka = load_settings(env=env).kafka
    topic = f"sec-acl-{unique}"
    worker_kafka = load_settings(env=user_env(secure_stack, unique)).kafka  # the worker may create topics
    worker_admin = AdminClient({**worker_kafka.client_config("admin"), "log_level": 0})
    created = worker_admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    created[topic].result(timeout=20)
    delivered: list[object] = []
    producer = Producer({**kafka.client_config("producer"), "log_level": 0})
    producer.produce(topic, value=b"{}", on_delivery=lambda error, _msg: delivered.append(error))
    producer.flush(20)
    assert delivered == [None], "the producer may write"
    admin = AdminClient({**kafka.client_config("admin"), "log_level": 0})
    future = admin.create_topics([NewTopic(f"{topic}-new", num_partitions=1, replication_factor=1)])[f"{topic}-new"]
    with pytest.raises(KafkaException) as refused_create:
        future.result(timeout=20)
    assert refused_create.value.args[0].code() in (KafkaError.TOPIC_AUTHORIZATION_FAILED,
                                                   KafkaError.CLUSTER_AUTHORIZATION_FAILED)
    consumer = Consumer({**kafka.client_config("consumer"), "group.id": f"sec-acl-{unique}", "log_level": 0,
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    errors: list[str] = []
    deadline = time.monotonic() + 20
    while not errors and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is not None and message.error() is not None:
            errors.append(message.error().name())
    consumer.close()
    print(f"\nACLs: producer wrote 1 record; create refused with "
          f"{refused_create.value.args[0].name()}; read refused with {errors}")
    assert errors and errors[0] in ("GROUP_AUTHORIZATION_FAILED", "TOPIC_AUTHORIZATION_FAILED")


def test_mtls_listener_needs_a_client_certificate(secure_stack: SecureStack, unique: str) -> None:
    """The SSL listener requires a client certificate: with the generated one a client gets metadata,
    without one the check reports a TLS failure."""
    from lineage_stream.adapters.kafka_check import check_kafka
    from lineage_stream.errors import KafkaAuthError

    tls = secure.tls_dir(secure_stack.layout)
    port = secure.secure_settings().kafka_mtls_port
    base = {"bootstrap.servers": f"localhost:{port}", "security.protocol": "SSL", "ssl.ca.location": str(tls / "ca.pem"),
            "log_level": 0}
    env = {"LINEAGE_KAFKA__BOOTSTRAP": f"localhost:{port}", "LINEAGE_KAFKA__SECURITY__PROTOCOL": "SSL",
           "LINEAGE_KAFKA__SECURITY__SSL_CA_LOCATION": str(tls / "ca.pem"),
           "LINEAGE_KAFKA__SECURITY__SSL_CERTIFICATE_LOCATION": str(tls / "client.crt"),
           "LINEAGE_KAFKA__SECURITY__SSL_KEY_LOCATION": str(tls / "client.key")}
    check_kafka(load_settings(env=env).kafka.client_config("admin"), timeout_s=10)
    with pytest.raises(KafkaAuthError, match="TLS with the broker failed") as refused:
        check_kafka(base, timeout_s=10)
    print(f"\nmTLS without a client certificate: {refused.value}")
