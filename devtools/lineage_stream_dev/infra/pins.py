"""Checksums of the Maven artifacts the local services run: pinned in ``deploy/<service>/artifacts.sha256``.

The POMs pin versions; these files pin content. Every jar Maven puts into a service's runtime is
checked against its SHA-256 at install (right after Maven ran, before the build is marked done): a
jar missing from the list, listed but absent, or with another digest stops the install with
``InfraError``. Jars our own builds produce (the launchers) are not pinned.

Upgrading (docs/security.md): change the version in the POM, run ``infra up`` (it fails on the
unpinned jars), review what changed, then ``lineage-stream infra pins record SERVICE``
and commit the POM and the list together.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

from lineage_stream.errors import InfraError

PIN_FILE = "artifacts.sha256"
HEADER = ("# SHA-256 of every jar Maven resolves for this service, checked by lineage_stream_dev.infra at install.\n"
          "# Regenerate after a reviewed upgrade: lineage-stream infra pins record SERVICE\n")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def jars(runtime: Path, own: Iterable[str] = ()) -> dict[str, Path]:
    """The jars under ``runtime`` by path relative to it, without the ones our builds produce."""
    skip = set(own)
    return {p.relative_to(runtime).as_posix(): p for p in sorted(runtime.rglob("*.jar")) if p.name not in skip}


def read_pins(pin_file: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, line in enumerate(pin_file.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise InfraError(f"{pin_file}:{number}: expected '<sha256>  <path>'")
        pins[name] = digest
    return pins


def render(found: dict[str, Path]) -> str:
    return HEADER + "".join(f"{sha256(path)}  {name}\n" for name, path in found.items())


def verify(service: str, runtime: Path, pin_file: Path, own: Iterable[str] = ()) -> int:
    """Check every jar of ``runtime`` against ``pin_file``; returns how many were checked.

    Raises:
        InfraError: the list is missing, or a jar is unpinned, missing or has another digest.
    """
    if not pin_file.is_file():
        raise InfraError(f"{service}: no checksum list {pin_file}; record one after review with "
                         f"`lineage-stream infra pins record {service}`")
    pins = read_pins(pin_file)
    found = jars(runtime, own)
    problems: list[str] = []
    for name, path in found.items():
        expected = pins.get(name)
        if expected is None:
            problems.append(f"{name}: not pinned")
            continue
        actual = sha256(path)
        if actual != expected:
            problems.append(f"{name}: sha256 {actual}, pinned {expected}")
    problems.extend(f"{name}: pinned but not resolved" for name in sorted(set(pins) - set(found)))
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InfraError(
            f"{service}: {len(problems)} artifact(s) do not match {pin_file}:\n  {shown}\n"
            "A changed digest for a pinned version means the download is not what was reviewed: delete "
            f"the Maven cache (.local/m2) and {runtime} and try again, and do not use it if it persists. "
            "After a deliberate upgrade, record the new list (docs/security.md, supply chain)."
        )
    return len(found)


def record(runtime: Path, pin_file: Path, own: Iterable[str] = ()) -> int:
    found = jars(runtime, own)
    pin_file.write_text(render(found), encoding="utf-8")
    return len(found)


def main(argv: list[str] | None = None) -> int:
    """``lineage-stream infra pins verify|record [SERVICE ...]``: check or record what ``infra up`` resolved."""
    from lineage_stream_dev.infra.layout import Layout, Settings
    from lineage_stream_dev.infra.manager import select

    parser = argparse.ArgumentParser(prog="lineage-stream infra pins")
    parser.add_argument("action", choices=("record", "verify"))
    parser.add_argument("services", nargs="*")
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args(argv)
    layout = Layout.for_root(args.root)
    try:
        for service in select(args.services or ["kafka", "neo4j", "registry"], layout, Settings()):
            runtime, pin_file, own = service.pinned()
            if not (layout.deploy / service.name / "pom.xml").is_file():
                print(f"{service.name}: no Maven artifacts")
                continue
            if args.action == "record":  # what `infra up` resolved (a failed verification leaves it there)
                if not runtime.is_dir():
                    raise InfraError(f"{service.name}: nothing resolved in {runtime}; run `lineage-stream infra up "
                                     f"{service.name}` first")
                print(f"{service.name}: recorded {record(runtime, pin_file, own)} artifact(s) in {pin_file}")
            else:
                print(f"{service.name}: {verify(service.name, runtime, pin_file, own)} artifact(s) match {pin_file}")
    except InfraError as error:
        print(error, file=sys.stderr)
        return 1
    return 0

