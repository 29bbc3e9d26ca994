"""`lineage_stream_dev.infra.up()` starts real local services, and each one answers.

Starts (or reuses) every service with the same code as ``lineage-stream infra up``; the services
are left running for the rest of the suite (``.ci/run`` ends with ``infra down``).
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from lineage_stream_dev import infra
from lineage_stream_dev.infra import Endpoints

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def endpoints() -> Iterator[Endpoints]:
    yield infra.up()


def test_up_is_idempotent_and_status_reports_running(endpoints: Endpoints) -> None:
    results = infra.ensure_up()
    assert sorted(r.name for r in results) == sorted(infra.SERVICE_NAMES)
    # "external": served by a process another checkout started (it answered, so it is reused).
    assert {r.action for r in results} <= {"already running", "external"}
    assert infra.up() == endpoints == infra.local_endpoints()
    statuses = infra.status()
    assert [s.name for s in statuses] == list(infra.SERVICE_NAMES)
    for st in statuses:
        assert st.state in ("running", "external")
        assert (st.pid is not None) == (st.state == "running")
        assert st.log.name == f"{st.name}.log"


def test_kafka_produce_and_consume(endpoints: Endpoints) -> None:
    topic = f"infra-test-{uuid.uuid4().hex[:10]}"
    payload = uuid.uuid4().bytes
    producer = Producer({"bootstrap.servers": endpoints.kafka_bootstrap})
    producer.produce(topic, payload, key=b"k")
    assert producer.flush(30) == 0
    consumer = Consumer(
        {
            "bootstrap.servers": endpoints.kafka_bootstrap,
            "group.id": f"{topic}-group",
            "auto.offset.reset": "earliest",
        }
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 60
        received = None
        while received is None and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                received = message.value()
        assert received == payload
    finally:
        consumer.close()


def test_neo4j_requires_the_password(endpoints: Endpoints) -> None:
    auth = (endpoints.neo4j_user, endpoints.neo4j_password)
    with neo4j.GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
    with neo4j.GraphDatabase.driver(endpoints.neo4j_uri, auth=(endpoints.neo4j_user, "wrong-password")) as bad:
        with pytest.raises(neo4j.exceptions.AuthError):
            bad.verify_connectivity()


def test_registry_registers_and_fetches_avro(endpoints: Endpoints) -> None:
    client = SchemaRegistryClient({"url": endpoints.registry_url})
    subject = f"infra-test-{uuid.uuid4().hex[:10]}-value"
    definition = {
        "type": "record",
        "name": "InfraProbe",
        "namespace": "io.lineagestream.test",
        "fields": [{"name": "id", "type": "string"}],
    }
    schema_id = client.register_schema(subject, Schema(json.dumps(definition), "AVRO"))
    assert isinstance(schema_id, int)
    fetched = client.get_schema(schema_id)
    assert fetched.schema_type == "AVRO"
    assert json.loads(fetched.schema_str)["name"] == "InfraProbe"
    assert subject in client.get_subjects()


def test_prometheus_ready_and_scrapes_the_worker(endpoints: Endpoints) -> None:
    with urllib.request.urlopen(f"{endpoints.prometheus_url}/-/ready", timeout=5) as response:
        assert response.status == 200
    # Right after start-up, target discovery may not have run yet: give it a few seconds.
    worker: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not worker and time.monotonic() < deadline:
        with urllib.request.urlopen(f"{endpoints.prometheus_url}/api/v1/targets", timeout=5) as response:
            targets = json.load(response)["data"]["activeTargets"]
        worker = [t for t in targets if t["labels"]["job"] == "lineage-stream-worker"]
        if not worker:
            time.sleep(1)
    assert worker and worker[0]["scrapeUrl"] == "http://127.0.0.1:9108/metrics"
    assert worker[0]["scrapeInterval"] == "5s"


@pytest.mark.slow
def test_neo4j_stop_and_start_keeps_data(endpoints: Endpoints) -> None:
    if infra.status(["neo4j"])[0].state != "running":
        pytest.skip("Neo4j on this port was started by another checkout; not ours to stop")
    marker = uuid.uuid4().hex
    auth = (endpoints.neo4j_user, endpoints.neo4j_password)
    with neo4j.GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        driver.execute_query("CREATE (:InfraRestartProbe {id: $id})", id=marker)
    assert infra.stop_service("neo4j") is not None
    assert [s.state for s in infra.status(["neo4j"])] == ["stopped"]
    with neo4j.GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as down:
        with pytest.raises(neo4j.exceptions.ServiceUnavailable):
            down.verify_connectivity()
    assert infra.start_service("neo4j") == endpoints
    with neo4j.GraphDatabase.driver(endpoints.neo4j_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (n:InfraRestartProbe {id: $id}) DETACH DELETE n RETURN count(*) AS c", id=marker
        )
        assert records[0]["c"] == 1
