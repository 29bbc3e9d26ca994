"""Local infrastructure for development and tests: Kafka, Neo4j, schema registry, Prometheus.

Every service runs as a detached background process on 127.0.0.1, installed from package
registries into ``<root>/.local`` (Maven jars in ``.local/m2``; Prometheus from Debian)::

    from lineage_stream_dev.infra import up
    endpoints = up(["kafka", "neo4j"])  # idempotent; waits until they answer
    endpoints.kafka_bootstrap           # '127.0.0.1:9092'

``up``/``down``/``status`` take an optional list of service names (``SERVICE_NAMES``) and
``root``, the project root holding ``.local`` (default: the parent of the package directory).
``stop_service``/``start_service`` stop and restart one service keeping its data (for
fault-injection tests). Failures raise ``lineage_stream.errors.InfraError`` naming the service,
what failed and its log file.
"""

from __future__ import annotations

from lineage_stream_dev.infra.layout import Endpoints, Layout, Settings, default_root, local_endpoints
from lineage_stream_dev.infra.manager import (
    SERVICE_NAMES,
    ServiceStatus,
    UpResult,
    down,
    ensure_up,
    start_service,
    status,
    stop_service,
    up,
)

__all__ = [
    "SERVICE_NAMES",
    "Endpoints",
    "Layout",
    "ServiceStatus",
    "Settings",
    "UpResult",
    "default_root",
    "down",
    "ensure_up",
    "local_endpoints",
    "start_service",
    "status",
    "stop_service",
    "up",
]
