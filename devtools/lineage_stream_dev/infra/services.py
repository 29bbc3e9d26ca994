"""The local services: how each is installed, configured, started and probed.

A ``Service`` knows its runtime (resolved by Maven or apt, cached under ``.local``), writes its
configuration under ``.local/data/<name>``, builds its command line and checks readiness.
Starting, stopping and waiting are done by ``lineage_stream_dev.infra.manager``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra import config, maven, probes, toolchain
from lineage_stream_dev.infra.toolchain import ensure_binary
from lineage_stream_dev.infra.layout import Layout, Settings
from lineage_stream_dev.infra.process import tail

log = logging.getLogger(__name__)


class Service(ABC):
    """One local service; subclasses fill in the specifics."""

    name: ClassVar[str]
    start_timeout: ClassVar[float] = 120.0
    stop_timeout: ClassVar[float] = 60.0

    def __init__(self, layout: Layout, settings: Settings) -> None:
        self.layout = layout
        self.settings = settings

    @property
    def data_dir(self) -> Path:
        return self.layout.data(self.name)

    @property
    def log_file(self) -> Path:
        return self.layout.log(self.name)

    @property
    def pid_file(self) -> Path:
        return self.layout.pid(self.name)

    @property
    def marker(self) -> str:
        """Appears in the service's command line; identifies our process behind a pid."""
        return str(self.data_dir)

    @property
    @abstractmethod
    def port(self) -> int: ...

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.port}"

    @abstractmethod
    def install(self) -> None:
        """Make the runtime available (cached: a no-op when already installed)."""

    def prepare(self) -> None:
        """Write configuration files and initialise storage before a start."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

    @abstractmethod
    def command(self) -> list[str]: ...

    @abstractmethod
    def probe(self) -> None:
        """Return when the service answers; raise ``probes.NotReady`` otherwise."""

    def _write(self, name: str, text: str, mode: int = 0o644) -> Path:
        path = self.data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        return path


class Kafka(Service):
    """Apache Kafka 4.x in KRaft mode: one combined broker + controller node."""

    name = "kafka"
    start_timeout = 120.0
    stop_timeout = 60.0

    @property
    def port(self) -> int:
        return self.settings.kafka_port

    @property
    def lib(self) -> Path:
        return self.layout.dist(self.name) / "lib"

    @property
    def java(self) -> toolchain.JavaHome:
        return toolchain.find_java(17, purpose="kafka")

    def install(self) -> None:
        maven.ensure_built(
            maven.MavenBuild(
                service=self.name,
                pom=self.layout.deploy / "kafka" / "pom.xml",
                goals=("dependency:copy-dependencies",),
                properties={"includeScope": "runtime", "outputDirectory": str(self.lib)},
                out_dir=self.layout.dist(self.name),
                output=self.lib,
                java_home=self.java.home,
            ),
            self.layout,
        )

    def prepare(self) -> None:
        super().prepare()
        log_dir = self.data_dir / "kraft-logs"
        self._write("server.properties", config.kafka_server_properties(self.settings, log_dir))
        self._write("log4j2.properties", config.KAFKA_LOG4J2)
        if not (log_dir / "meta.properties").exists():
            self._format(log_dir)

    def _classpath(self) -> str:
        return f"{self.lib}/*"

    def _format(self, log_dir: Path) -> None:
        id_file = self.data_dir / "cluster.id"
        if not id_file.exists():
            id_file.write_text(config.kafka_cluster_id() + "\n", encoding="utf-8")
        cluster_id = id_file.read_text(encoding="utf-8").strip()
        cmd = [
            str(self.java.java),
            "-Xmx256m",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            self._classpath(),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(self.data_dir / "server.properties"),
            "--standalone",
        ]
        log.info("kafka: formatting KRaft storage in %s (cluster %s)", log_dir, cluster_id)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} formatting storage\n".encode())
            out.flush()
            result = subprocess.run(  # noqa: S603 - fixed command line
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                timeout=300, check=False, cwd=self.data_dir,
            )
        if result.returncode != 0:
            raise InfraError(
                f"kafka: formatting storage failed (exit code {result.returncode}); "
                f"log: {self.log_file}\n{tail(self.log_file)}"
            )

    def command(self) -> list[str]:
        return [
            str(self.java.java),
            *config.kafka_jvm_options(self.settings, self.data_dir / "log4j2.properties"),
            "-cp",
            self._classpath(),
            "kafka.Kafka",
            str(self.data_dir / "server.properties"),
        ]

    def probe(self) -> None:
        probes.kafka(self.settings)


class Neo4j(Service):
    """Neo4j Community 5.26 LTS with Neo4j Browser, through our launcher (deploy/neo4j)."""

    name = "neo4j"
    start_timeout = 180.0
    stop_timeout = 90.0

    @property
    def port(self) -> int:
        return self.settings.neo4j_bolt_port

    @property
    def lib(self) -> Path:
        return self.layout.dist(self.name) / "lib"

    @property
    def java(self) -> toolchain.JavaHome:
        return toolchain.find_java(17, 21, purpose="neo4j")

    def install(self) -> None:
        project = self.layout.deploy / "neo4j"
        maven.ensure_built(
            maven.MavenBuild(
                service=self.name,
                pom=project / "pom.xml",
                goals=("package",),
                properties={
                    "build.directory.override": str(self.layout.local / "build" / self.name),
                    "lib.directory": str(self.lib),
                },
                out_dir=self.layout.dist(self.name),
                output=self.lib / "neo4j-launcher-1.jar",
                sources=(project / "src",),
                java_home=self.java.home,
            ),
            self.layout,
        )

    def prepare(self) -> None:
        super().prepare()
        self._write("neo4j.conf", config.neo4j_conf(self.settings))
        self._write("password", self.settings.neo4j_password + "\n", mode=0o600)

    def command(self) -> list[str]:
        return [
            str(self.java.java),
            *config.neo4j_jvm_options(self.settings),
            "-cp",
            f"{self.lib}/*",
            "io.lineagestream.neo4j.Launcher",
            str(self.data_dir),
            str(self.data_dir / "neo4j.conf"),
            str(self.data_dir / "password"),
        ]

    def probe(self) -> None:
        probes.neo4j(self.settings)


class Prometheus(Service):
    """Prometheus from Debian's ``prometheus`` package, run directly (not as a system service)."""

    name = "prometheus"
    start_timeout = 60.0
    stop_timeout = 30.0

    @property
    def port(self) -> int:
        return self.settings.prometheus_port

    def install(self) -> None:
        ensure_binary("prometheus", package="prometheus", log_file=self.layout.log("apt"))

    def prepare(self) -> None:
        super().prepare()
        rules = str(self.layout.deploy / "prometheus" / "alerts*.yml")
        self._write("prometheus.yml", config.prometheus_yml(self.settings, [rules]))

    def command(self) -> list[str]:
        binary = ensure_binary("prometheus", package="prometheus", log_file=self.layout.log("apt"))
        return [
            str(binary),
            *config.prometheus_args(
                self.settings, self.data_dir / "prometheus.yml", self.data_dir / "tsdb"
            ),
        ]

    def probe(self) -> None:
        probes.prometheus(self.settings)


def env_for_children() -> dict[str, str]:
    """The environment services start with (a copy; ``os.environ`` is never modified)."""
    return dict(os.environ)
