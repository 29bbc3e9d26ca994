"""Tools from the machine: a JDK of the right version, and binaries from Debian packages."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra.process import tail

log = logging.getLogger(__name__)

JVM_DIRS = (Path("/usr/lib/jvm"), Path("/opt/java"), Path("/usr/local/lib/jvm"))
_RELEASE_VERSION = re.compile(r'^JAVA_VERSION="?([0-9][^"\s]*)"?', re.MULTILINE)


@dataclass(frozen=True, order=True)
class JavaHome:
    major: int
    home: Path

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"


def parse_major(version: str) -> int | None:
    """``"17.0.15"`` -> 17, ``"1.8.0_392"`` -> 8, ``"25"`` -> 25."""
    parts = version.strip().split(".")
    try:
        first = int(re.sub(r"[^0-9].*$", "", parts[0]))
        if first == 1 and len(parts) > 1:
            return int(re.sub(r"[^0-9].*$", "", parts[1]))
        return first
    except ValueError:
        return None


def inspect_home(home: Path) -> JavaHome | None:
    """The JDK/JRE at ``home`` if it has ``bin/java`` and a readable ``release`` file."""
    if not (home / "bin" / "java").is_file():
        return None
    try:
        release = (home / "release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = _RELEASE_VERSION.search(release)
    major = parse_major(match.group(1)) if match else None
    return JavaHome(major, home.resolve()) if major is not None else None


def candidates() -> list[JavaHome]:
    homes: list[Path] = []
    env_home = os.environ.get("JAVA_HOME")
    if env_home:
        homes.append(Path(env_home))
    on_path = shutil.which("java")
    if on_path:
        homes.append(Path(on_path).resolve().parent.parent)
    for root in JVM_DIRS:
        if root.is_dir():
            homes.extend(sorted(p for p in root.iterdir() if p.is_dir()))
    found: dict[Path, JavaHome] = {}
    for home in homes:
        info = inspect_home(home)
        if info is not None:
            found.setdefault(info.home, info)
    return sorted(found.values())


def find_java(min_major: int, max_major: int | None = None, *, purpose: str = "") -> JavaHome:
    """The lowest installed Java whose major version is in ``[min_major, max_major]``."""
    found = candidates()
    for info in found:
        if info.major >= min_major and (max_major is None or info.major <= max_major):
            log.debug("using Java %s at %s for %s", info.major, info.home, purpose or "?")
            return info
    wanted = f"{min_major}+" if max_major is None else f"{min_major}..{max_major}"
    seen = ", ".join(f"{j.major} ({j.home})" for j in found) or "none"
    raise InfraError(
        f"{purpose or 'infra'}: needs Java {wanted}; installed JDKs: {seen}. "
        "Install a matching JDK (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME."
    )


# --- Debian packages -------------------------------------------------------------------

APT_TIMEOUT_S = 900.0
SEARCH_DIRS = (Path("/usr/bin"), Path("/usr/local/bin"), Path("/usr/sbin"))


def find_binary(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    for directory in SEARCH_DIRS:
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _run(cmd: list[str], log_file: Path) -> None:
    # RUNLEVEL=1 and a noninteractive frontend: install only, never start the Debian service.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    with log_file.open("ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
        out.flush()
        try:
            result = subprocess.run(  # noqa: S603 - fixed command line
                cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                timeout=APT_TIMEOUT_S, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InfraError(f"apt: {' '.join(cmd)} timed out; log: {log_file}") from exc
    if result.returncode != 0:
        raise InfraError(
            f"apt: {' '.join(cmd)} failed (exit code {result.returncode}); "
            f"log: {log_file}\n{tail(log_file)}"
        )


def ensure_binary(name: str, *, package: str, log_file: Path) -> Path:
    """The path of ``name``; installs Debian ``package`` first (as root) when it is missing."""
    found = find_binary(name)
    if found is not None:
        return found
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise InfraError(f"{name}: not installed and apt-get is unavailable; install {package!r}")
    if os.geteuid() != 0:
        raise InfraError(
            f"{name}: not installed; run as root: apt-get update && apt-get install -y {package}"
        )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log.info("%s: installing Debian package %s (log: %s)", name, package, log_file)
    _run([apt_get, "update"], log_file)
    _run([apt_get, "install", "-y", "--no-install-recommends", package], log_file)
    found = find_binary(name)
    if found is None:
        raise InfraError(f"{name}: package {package} installed but no {name} binary; log: {log_file}")
    return found
