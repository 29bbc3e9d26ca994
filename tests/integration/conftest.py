"""Real services for integration tests.

Endpoints come from the environment when ``LINEAGE_TEST_KAFKA_BOOTSTRAP`` is set (with
``LINEAGE_TEST_REGISTRY_URL``, ``LINEAGE_TEST_NEO4J_URI``, ``LINEAGE_TEST_NEO4J_USER``,
``LINEAGE_TEST_NEO4J_PASSWORD``); else from testcontainers when a Docker engine answers; else from
the local services, started by the same code as ``lineage-stream infra up``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import neo4j
import pytest

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.settings import Neo4jSettings, worker_settings


@dataclass(frozen=True)
class Services:
    kafka_bootstrap: str
    registry_url: str
    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str
    origin: str


def _from_environment() -> Services | None:
    bootstrap = os.environ.get("LINEAGE_TEST_KAFKA_BOOTSTRAP")
    if not bootstrap:
        return None
    return Services(
        bootstrap,
        os.environ["LINEAGE_TEST_REGISTRY_URL"],
        os.environ["LINEAGE_TEST_NEO4J_URI"],
        os.environ.get("LINEAGE_TEST_NEO4J_USER", "neo4j"),
        os.environ["LINEAGE_TEST_NEO4J_PASSWORD"],
        "environment",
    )


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _from_testcontainers(stack: list[object]) -> Services:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.kafka import KafkaContainer
    from testcontainers.neo4j import Neo4jContainer

    kafka = KafkaContainer("confluentinc/cp-kafka:7.7.1").with_kraft()
    kafka.start()
    stack.append(kafka)
    graph = Neo4jContainer("neo4j:5.26-community", password="lineage-stream-test")
    graph.start()
    stack.append(graph)
    registry = DockerContainer("apicurio/apicurio-registry:3.0.6").with_exposed_ports(8080)
    registry.start()
    stack.append(registry)
    wait_for_logs(registry, "Installed features", timeout=120)
    url = f"http://{registry.get_container_host_ip()}:{registry.get_exposed_port(8080)}/apis/ccompat/v7"
    return Services(kafka.get_bootstrap_server(), url, graph.get_connection_url(), "neo4j", "lineage-stream-test",
                    "testcontainers")


def _from_local_infra() -> Services:
    from lineage_stream_dev import infra

    endpoints = infra.up(["kafka", "registry", "neo4j"])
    return Services(endpoints.kafka_bootstrap, endpoints.registry_url, endpoints.neo4j_uri,
                    endpoints.neo4j_user, endpoints.neo4j_password, "local")


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    stack: list[object] = []
    found = _from_environment()
    if found is None:
        found = _from_testcontainers(stack) if _docker_answers() else _from_local_infra()
    print(f"\nintegration services ({found.origin}): kafka {found.kafka_bootstrap}, neo4j {found.neo4j_uri}")
    yield found
    for container in reversed(stack):
        container.stop()  # type: ignore[attr-defined]


@pytest.fixture
def graph(services: Services) -> Iterator[neo4j.Driver]:
    """A driver on an empty graph (Community has one database, so each test starts by clearing it)."""
    driver = neo4j.GraphDatabase.driver(services.neo4j_uri, auth=(services.neo4j_user, services.neo4j_password))
    for attempt in range(10):
        try:
            with driver.session() as session:
                # Relationships first: ten thousand nodes detached at once may carry more relationships
                # (a hot dataset's runs) than a transaction's memory limit allows.
                session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
                session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            break
        except neo4j.exceptions.TransientError:  # a deadlock with a concurrent writer: try again
            time.sleep(0.5 * (attempt + 1))
    yield driver
    driver.close()


@pytest.fixture
def sink(services: Services) -> Iterator[Neo4jSink]:
    """The worker's Neo4j sink on the test services, for tests that write planned batches."""
    with Neo4jSink(Neo4jSettings(services.neo4j_uri, services.neo4j_user, services.neo4j_password, "neo4j")) as sink:
        yield sink


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


def settings_for(services: Services, suffix: str, **overrides: str):
    """Worker settings on topics and a consumer group of the test's own."""
    env = {
        "LINEAGE_KAFKA_BOOTSTRAP": services.kafka_bootstrap,
        "LINEAGE_REGISTRY_URL": services.registry_url,
        "LINEAGE_NEO4J_URI": services.neo4j_uri,
        "LINEAGE_NEO4J_USER": services.neo4j_user,
        "LINEAGE_NEO4J_PASSWORD": services.neo4j_password,
        "LINEAGE_AVRO_TOPIC": f"lineage-events-{suffix}",
        "LINEAGE_OPENLINEAGE_TOPICS": f"openlineage-{suffix}",
        "LINEAGE_DLQ_TOPIC": f"lineage-dlq-{suffix}",
        "LINEAGE_GROUP_ID": f"worker-{suffix}",
        **overrides,
    }
    return worker_settings(env)
