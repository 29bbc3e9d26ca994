"""Readiness probes: each returns None when its service answers, or raises ``NotReady``.

Client libraries are imported lazily so the rest of the package works without them.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from lineage_stream_dev.infra.layout import Settings


class NotReady(Exception):
    """The service does not answer (yet); the message says what was tried and what happened."""


def http_ok(url: str, timeout: float = 3.0) -> None:
    """GET ``url``; NotReady unless it answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL
            status = response.status
    except urllib.error.HTTPError as exc:
        raise NotReady(f"GET {url} answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotReady(f"GET {url} failed: {reason}") from exc
    if status != 200:
        raise NotReady(f"GET {url} answered {status}")


def kafka(settings: Settings, timeout: float = 5.0) -> None:
    """A metadata request through the AdminClient must list at least one broker."""
    try:
        from confluent_kafka.admin import AdminClient
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotReady("confluent_kafka is not installed; cannot probe Kafka") from exc
    client = AdminClient(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "socket.connection.setup.timeout.ms": 3000,
            "log_level": 0,  # connection-refused noise while the broker starts
        }
    )
    try:
        metadata = client.list_topics(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - KafkaException and friends
        raise NotReady(f"metadata request to {settings.kafka_bootstrap} failed: {exc}") from exc
    if not metadata.brokers:
        raise NotReady(f"metadata from {settings.kafka_bootstrap} lists no broker")


def neo4j(settings: Settings, timeout: float = 5.0) -> None:
    """``verify_connectivity()`` with the configured credentials."""
    try:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotReady("the neo4j driver is not installed; cannot probe Neo4j") from exc
    driver = GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password),
        connection_timeout=timeout,
        max_connection_lifetime=30,
    )
    try:
        driver.verify_connectivity()
    except AuthError as exc:
        raise NotReady(
            f"{settings.neo4j_uri} refused user {settings.neo4j_user!r}: {exc.message}"
        ) from exc
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        raise NotReady(f"{settings.neo4j_uri} unreachable: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - driver raises assorted errors while starting
        raise NotReady(f"{settings.neo4j_uri}: {type(exc).__name__}: {exc}") from exc
    finally:
        driver.close()


def registry(settings: Settings, timeout: float = 3.0) -> None:
    http_ok(f"{settings.registry_url}/subjects", timeout)


def prometheus(settings: Settings, timeout: float = 3.0) -> None:
    http_ok(f"{settings.prometheus_url}/-/ready", timeout)
