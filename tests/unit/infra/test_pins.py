"""Checksums of the Maven artifacts: a changed, unpinned or missing jar stops the install."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra import pins

ROOT = Path(__file__).resolve().parents[3]


def _runtime(tmp_path: Path) -> tuple[Path, Path]:
    runtime = tmp_path / "dist"
    (runtime / "lib").mkdir(parents=True)
    (runtime / "lib" / "a-1.0.jar").write_bytes(b"artifact a")
    (runtime / "lib" / "b-2.0.jar").write_bytes(b"artifact b")
    (runtime / "launcher-1.jar").write_bytes(b"built here")
    pin_file = tmp_path / "artifacts.sha256"
    pins.record(runtime, pin_file, own=("launcher-1.jar",))
    return runtime, pin_file


def test_recorded_pins_verify(tmp_path: Path) -> None:
    runtime, pin_file = _runtime(tmp_path)
    assert "launcher-1.jar" not in pin_file.read_text()
    assert pins.verify("svc", runtime, pin_file, own=("launcher-1.jar",)) == 2


def test_a_changed_jar_fails_with_both_digests(tmp_path: Path) -> None:
    runtime, pin_file = _runtime(tmp_path)
    (runtime / "lib" / "b-2.0.jar").write_bytes(b"artifact b, tampered")
    with pytest.raises(InfraError) as error:
        pins.verify("svc", runtime, pin_file, own=("launcher-1.jar",))
    message = str(error.value)
    assert "svc: 1 artifact(s) do not match" in message
    assert f"lib/b-2.0.jar: sha256 {pins.sha256(runtime / 'lib' / 'b-2.0.jar')}, pinned " in message
    assert "delete the Maven cache" in message


def test_unpinned_and_missing_jars_fail(tmp_path: Path) -> None:
    runtime, pin_file = _runtime(tmp_path)
    (runtime / "lib" / "a-1.0.jar").unlink()
    (runtime / "lib" / "c-3.0.jar").write_bytes(b"new")
    with pytest.raises(InfraError, match=r"lib/c-3.0.jar: not pinned[\s\S]*lib/a-1.0.jar: pinned but not resolved"):
        pins.verify("svc", runtime, pin_file, own=("launcher-1.jar",))


def test_no_list_and_a_malformed_list_fail(tmp_path: Path) -> None:
    runtime, pin_file = _runtime(tmp_path)
    with pytest.raises(InfraError, match="no checksum list"):
        pins.verify("svc", runtime, tmp_path / "absent.sha256")
    pin_file.write_text("not-a-digest  lib/a-1.0.jar\n")
    with pytest.raises(InfraError, match=r"artifacts.sha256:1: expected"):
        pins.verify("svc", runtime, pin_file)


@pytest.mark.parametrize("service", ["kafka", "neo4j", "registry"])
def test_every_maven_service_ships_a_pin_list_matching_its_pom(service: str) -> None:
    listed = pins.read_pins(ROOT / "deploy" / service / pins.PIN_FILE)
    assert len(listed) > 20
    pom = (ROOT / "deploy" / service / "pom.xml").read_text()
    if service == "kafka":
        version = pom.split("<kafka.version>")[1].split("<")[0]
        assert f"lib/kafka_2.13-{version}.jar" in listed
