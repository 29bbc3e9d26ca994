"""Where local infrastructure lives on disk, its fixed local settings, and its endpoints.

Everything is under ``<root>/.local``: the Maven cache (``m2``), resolved runtimes (``dist``),
service data (``data/<service>``), logs (``logs/<service>.log``) and pid files
(``run/<service>.pid``). ``root`` is the project root (the directory holding ``deploy/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


def default_root() -> Path:
    """The project root: the checkout holding ``devtools/lineage_stream_dev/infra``."""
    return Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Settings:
    """Ports, credentials and memory limits of the local services (all on 127.0.0.1)."""

    host: str = LOOPBACK
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    neo4j_bolt_port: int = 7687
    # Neo4j's HTTP server and Browser; None turns the HTTP connector off (a second Neo4j beside the
    # default one must pick another port or None).
    neo4j_http_port: int | None = 7474
    neo4j_user: str = "neo4j"
    neo4j_password: str = "lineage-stream-dev"
    registry_port: int = 8081
    prometheus_port: int = 9090
    metrics_target: str = "127.0.0.1:9108"
    scrape_interval_s: int = 5
    kafka_heap: str = "1g"
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "512m"
    registry_heap: str = "512m"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def neo4j_uri(self) -> str:
        return f"bolt://{self.host}:{self.neo4j_bolt_port}"

    @property
    def neo4j_browser_url(self) -> str | None:
        return None if self.neo4j_http_port is None else f"http://{self.host}:{self.neo4j_http_port}/browser/"

    @property
    def registry_base_url(self) -> str:
        return f"http://{self.host}:{self.registry_port}"

    @property
    def registry_url(self) -> str:
        """The Confluent-compatible API root (what ``SchemaRegistryClient`` wants as ``url``)."""
        return f"{self.registry_base_url}/apis/ccompat/v7"

    @property
    def prometheus_url(self) -> str:
        return f"http://{self.host}:{self.prometheus_port}"


@dataclass(frozen=True)
class Layout:
    """Paths under the project root used by the local infrastructure."""

    root: Path

    @classmethod
    def for_root(cls, root: Path | None = None) -> Layout:
        return cls((root if root is not None else default_root()).resolve())

    @property
    def local(self) -> Path:
        return self.root / ".local"

    @property
    def m2(self) -> Path:
        return self.local / "m2"

    @property
    def deploy(self) -> Path:
        return self.root / "deploy"

    @property
    def maven_settings(self) -> Path:
        return self.deploy / "maven-settings.xml"

    def dist(self, service: str) -> Path:
        """Resolved jars / built application of ``service``."""
        return self.local / "dist" / service

    def data(self, service: str) -> Path:
        """Persistent data and rendered configuration of ``service``."""
        return self.local / "data" / service

    def log(self, service: str) -> Path:
        return self.local / "logs" / f"{service}.log"

    def pid(self, service: str) -> Path:
        return self.local / "run" / f"{service}.pid"

    def ensure(self) -> None:
        for sub in ("m2", "dist", "data", "logs", "run"):
            (self.local / sub).mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class Endpoints:
    """Where the local services listen.

    ``registry_url`` is the Confluent-compatible API root (``.../apis/ccompat/v7``), ready for
    ``confluent_kafka.schema_registry.SchemaRegistryClient({"url": registry_url})``.
    """

    kafka_bootstrap: str
    registry_url: str
    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str
    prometheus_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpoints:
        return cls(
            kafka_bootstrap=settings.kafka_bootstrap,
            registry_url=settings.registry_url,
            neo4j_uri=settings.neo4j_uri,
            neo4j_user=settings.neo4j_user,
            neo4j_password=settings.neo4j_password,
            prometheus_url=settings.prometheus_url,
        )


def local_endpoints(settings: Settings | None = None) -> Endpoints:
    """The endpoints of the local services (default ports on 127.0.0.1); starts nothing."""
    return Endpoints.from_settings(settings if settings is not None else Settings())
