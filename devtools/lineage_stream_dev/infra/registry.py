"""Apicurio Registry 2.4 with its Confluent-compatible API (``/apis/ccompat/v7``).

Apicurio ships no runnable jar on Maven Central, so ``deploy/registry/pom.xml`` re-runs the
Quarkus build over ``io.apicurio:apicurio-registry-app`` and produces a runner jar
(``registry-app-1-runner.jar`` + ``lib/``), run here with H2 file storage under
``.local/data/registry``. ``deploy/README.md`` says why 2.4.2 (Apicurio 3.x and later 2.x
releases cannot be resolved from the package registries reachable here).
"""

from __future__ import annotations

from pathlib import Path

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra import maven, probes, toolchain
from lineage_stream_dev.infra.layout import Settings
from lineage_stream_dev.infra.services import Service

README_HINT = "see deploy/README.md (registry section) for what resolves and what does not"
RUNNER_JAR = "registry-app-1-runner.jar"


def registry_properties(settings: Settings, data_dir: Path) -> str:
    """Runtime configuration (``config/application.properties`` in the working directory).

    Apicurio's own defaults are ``%prod.``-qualified, so the overrides must be as well.
    """
    h2 = data_dir / "h2" / "registry"
    lines = [
        "# Rendered by lineage_stream_dev.infra; edits are overwritten on the next `infra up`.",
        f"quarkus.http.host={settings.host}",
        f"quarkus.http.port={settings.registry_port}",
        f"%prod.quarkus.http.port={settings.registry_port}",
        "quarkus.http.access-log.enabled=false",
        f"%prod.quarkus.datasource.jdbc.url=jdbc:h2:file:{h2};DB_CLOSE_ON_EXIT=FALSE",
        "%prod.quarkus.datasource.jdbc.initial-size=2",
        "%prod.quarkus.datasource.jdbc.min-size=2",
        "%prod.quarkus.datasource.jdbc.max-size=10",
        "%prod.registry.sql.init=true",
        "registry.auth.enabled=false",
        "registry.rest.artifact.deletion.enabled=true",
        "quarkus.log.category.\"io.sentry\".level=ERROR",
    ]
    return "\n".join(lines) + "\n"


class Registry(Service):
    """Apicurio Registry (Confluent-compatible API) built from Maven Central artifacts."""


    name = "registry"
    start_timeout = 180.0
    stop_timeout = 30.0

    @property
    def port(self) -> int:
        return self.settings.registry_port

    @property
    def runner(self) -> Path:
        return self.layout.dist(self.name) / "build" / RUNNER_JAR

    @property
    def java(self) -> toolchain.JavaHome:
        return toolchain.find_java(17, purpose="registry")

    def install(self) -> None:
        project = self.layout.deploy / "registry"
        build = maven.MavenBuild(
            service=self.name,
            pom=project / "pom.xml",
            goals=("package",),
            properties={"build.directory.override": str(self.layout.dist(self.name) / "build")},
            out_dir=self.layout.dist(self.name),
            output=self.runner,
            sources=(project / "src",),
            java_home=self.java.home,
        )
        try:
            maven.ensure_built(build, self.layout)
        except InfraError as exc:
            raise InfraError(f"{exc}\nregistry: {README_HINT}") from exc

    def prepare(self) -> None:
        super().prepare()
        (self.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
        self._write(
            "config/application.properties", registry_properties(self.settings, self.data_dir)
        )

    def command(self) -> list[str]:
        return [
            str(self.java.java),
            f"-Xmx{self.settings.registry_heap}",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Djava.io.tmpdir={self.data_dir / 'tmp'}",
            "-jar",
            str(self.runner),
        ]

    def probe(self) -> None:
        probes.registry(self.settings)
