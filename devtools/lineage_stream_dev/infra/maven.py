"""Resolve and build service runtimes with Maven, cached under ``.local``.

Every ``mvn`` call uses the project-local repository ``.local/m2`` (``-Dmaven.repo.local``) and
``deploy/maven-settings.xml``, so a fresh clone behaves the same and nothing depends on ``~/.m2``.
A build writes a stamp (hash of its inputs: POM, sources, goals, properties) into its output
directory; while the stamp matches and the expected output exists, Maven is not run again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra.layout import Layout
from lineage_stream_dev.infra.process import tail

log = logging.getLogger(__name__)

STAMP_NAME = ".lineage-stream-build"
MAVEN_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class MavenBuild:
    """One cached Maven invocation producing ``output`` inside ``out_dir``."""

    service: str
    pom: Path
    goals: tuple[str, ...]
    out_dir: Path
    output: Path
    properties: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[Path, ...] = ()
    java_home: Path | None = None
    clean_out_dir: bool = True

    def inputs_digest(self) -> str:
        digest = hashlib.sha256()
        digest.update(" ".join(self.goals).encode())
        for key in sorted(self.properties):
            digest.update(f"\0{key}={self.properties[key]}".encode())
        for path in (self.pom, *sorted(_files(self.sources))):
            digest.update(f"\0{path.name}\0".encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def _files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            found.append(path)
    return found


def mvn_executable() -> str:
    found = shutil.which("mvn")
    if found is None:
        raise InfraError("maven: `mvn` is not on PATH; install Maven (apt-get install -y maven)")
    return found


def is_current(build: MavenBuild) -> bool:
    stamp = build.out_dir / STAMP_NAME
    try:
        recorded = stamp.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return False
    return build.output.exists() and recorded == build.inputs_digest()


def command(build: MavenBuild, layout: Layout) -> list[str]:
    cmd = [
        mvn_executable(),
        "-B",
        "-q",
        "-Dstyle.color=never",
        "-s",
        str(layout.maven_settings),
        f"-Dmaven.repo.local={layout.m2}",
        "-f",
        str(build.pom),
    ]
    cmd.extend(f"-D{key}={value}" for key, value in build.properties.items())
    cmd.extend(build.goals)
    return cmd


def ensure_built(build: MavenBuild, layout: Layout) -> bool:
    """Run the build unless its stamp is current. Returns True when Maven actually ran."""
    if is_current(build):
        log.debug("%s: runtime in %s is up to date", build.service, build.out_dir)
        return False
    if build.clean_out_dir and build.out_dir.exists():
        shutil.rmtree(build.out_dir)
    build.out_dir.mkdir(parents=True, exist_ok=True)
    layout.m2.mkdir(parents=True, exist_ok=True)
    build_log = layout.local / "logs" / f"{build.service}-build.log"
    build_log.parent.mkdir(parents=True, exist_ok=True)
    cmd = command(build, layout)
    env = dict(os.environ)
    if build.java_home is not None:
        env["JAVA_HOME"] = str(build.java_home)
    log.info("%s: resolving with Maven (log: %s)", build.service, build_log)
    started = time.monotonic()
    with build_log.open("ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
        out.flush()
        try:
            result = subprocess.run(  # noqa: S603 - fixed command line
                cmd,
                cwd=build.pom.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=MAVEN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InfraError(
                f"{build.service}: Maven did not finish within {MAVEN_TIMEOUT_S:.0f} s; "
                f"log: {build_log}\n{tail(build_log)}"
            ) from exc
    if result.returncode != 0 or not build.output.exists():
        what = f"exit code {result.returncode}" if result.returncode else f"{build.output} missing"
        raise InfraError(
            f"{build.service}: Maven build failed ({what}); log: {build_log}\n{tail(build_log)}"
        )
    (build.out_dir / STAMP_NAME).write_text(build.inputs_digest() + "\n", encoding="utf-8")
    log.info("%s: resolved in %.1f s", build.service, time.monotonic() - started)
    return True
