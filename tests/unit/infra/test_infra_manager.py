"""Service selection, status and CLI output without starting real services."""

from __future__ import annotations

import argparse
import io
import socket
from pathlib import Path

import pytest

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra import cli, maven, manager, toolchain
from lineage_stream_dev.infra.layout import Layout, Settings


def test_select_orders_and_validates(tmp_path: Path) -> None:
    layout = Layout.for_root(tmp_path)
    names = [s.name for s in manager.select(["prometheus", "kafka", "kafka"], layout, Settings())]
    assert names == ["kafka", "prometheus"]
    assert [s.name for s in manager.select(None, layout, Settings())] == list(manager.SERVICE_NAMES)
    with pytest.raises(InfraError, match="unknown service"):
        manager.select(["kafak"], layout, Settings())


def _unused_ports_settings() -> Settings:
    """Settings on ports nothing listens on (the real services may run on the defaults)."""
    sockets = [socket.socket() for _ in range(6)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        ports = [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    return Settings(
        kafka_port=ports[0], kafka_controller_port=ports[1], neo4j_bolt_port=ports[2],
        registry_port=ports[3], prometheus_port=ports[4], neo4j_http_port=ports[5],
    )


def test_status_of_nothing_running(tmp_path: Path) -> None:
    statuses = manager.status(root=tmp_path, settings=_unused_ports_settings())
    assert [s.name for s in statuses] == ["kafka", "neo4j", "registry", "prometheus"]
    assert all(s.state == "stopped" and s.pid is None for s in statuses)
    assert statuses[0].log == tmp_path / ".local" / "logs" / "kafka.log"


def test_status_state_names() -> None:
    def st(running: bool, port_open: bool) -> manager.ServiceStatus:
        return manager.ServiceStatus("kafka", running, 1 if running else None, "a", Path("l"), None, port_open)

    assert st(True, False).state == "running"
    assert st(False, True).state == "external"
    assert st(False, False).state == "stopped"


def test_down_of_nothing_running_is_harmless(tmp_path: Path) -> None:
    assert manager.down(root=tmp_path) == [
        ("prometheus", None), ("registry", None), ("neo4j", None), ("kafka", None)
    ]


def test_cli_status_lines(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["infra", "--root", str(tmp_path), "status", "kafka", "neo4j"])
    out = io.StringIO()
    assert cli.run(args, out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "kafka"
    assert lines[0].split()[1] in ("stopped", "external")  # the real services may be running
    assert "127.0.0.1:9092" in lines[0] and str(tmp_path / ".local" / "logs" / "kafka.log") in lines[0]


def test_cli_reports_unknown_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["infra", "--root", str(tmp_path), "up", "nope"])
    assert cli.run(args, io.StringIO()) == 1
    assert "unknown service(s) nope" in capsys.readouterr().err


def test_failure_message_names_service_and_log(tmp_path: Path) -> None:
    service = manager.select(["kafka"], Layout.for_root(tmp_path), Settings())[0]
    service.log_file.parent.mkdir(parents=True)
    service.log_file.write_text("".join(f"l{i}\n" for i in range(30)))
    message = str(manager._failure(service, "not ready after 1 s"))
    assert message.startswith("kafka: not ready after 1 s; log: ")
    assert str(service.log_file) in message
    assert "l29" in message and "l9\n" not in message


def test_parse_java_major() -> None:
    assert toolchain.parse_major("17.0.15") == 17
    assert toolchain.parse_major("1.8.0_392") == 8
    assert toolchain.parse_major("25") == 25
    assert toolchain.parse_major("21-ea") == 21
    assert toolchain.parse_major("x") is None


def test_inspect_java_home(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").write_text("#!/bin/sh\n")
    (tmp_path / "release").write_text('IMPLEMENTOR="X"\nJAVA_VERSION="21.0.2"\n')
    found = toolchain.inspect_home(tmp_path)
    assert found is not None and found.major == 21
    assert toolchain.inspect_home(tmp_path / "missing") is None


def test_find_java_explains_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchain, "candidates", lambda: [toolchain.JavaHome(11, Path("/jdk11"))])
    with pytest.raises(InfraError, match=r"needs Java 17\+; installed JDKs: 11 \(/jdk11\)"):
        toolchain.find_java(17, purpose="kafka")


def test_maven_stamp_tracks_inputs(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<project/>")
    src = tmp_path / "src"
    src.mkdir()
    (src / "A.java").write_text("class A {}")
    out = tmp_path / "out"
    build = maven.MavenBuild(
        service="x", pom=pom, goals=("package",), out_dir=out, output=out / "lib",
        properties={"a": "1"}, sources=(src,),
    )
    assert not maven.is_current(build)
    (out / "lib").mkdir(parents=True)
    (out / maven.STAMP_NAME).write_text(build.inputs_digest())
    assert maven.is_current(build)
    (src / "A.java").write_text("class A { int x; }")
    assert not maven.is_current(build)
    (out / maven.STAMP_NAME).write_text(build.inputs_digest())
    changed = maven.MavenBuild(
        service="x", pom=pom, goals=("package",), out_dir=out, output=out / "lib",
        properties={"a": "2"}, sources=(src,),
    )
    assert not maven.is_current(changed)


def test_maven_command_uses_project_local_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maven, "mvn_executable", lambda: "/usr/bin/mvn")
    layout = Layout.for_root(tmp_path)
    build = maven.MavenBuild(
        service="x", pom=tmp_path / "deploy" / "x" / "pom.xml", goals=("package",),
        out_dir=tmp_path / "o", output=tmp_path / "o" / "lib", properties={"k": "v"},
    )
    cmd = maven.command(build, layout)
    assert f"-Dmaven.repo.local={tmp_path / '.local' / 'm2'}" in cmd
    assert cmd[cmd.index("-s") + 1] == str(tmp_path / "deploy" / "maven-settings.xml")
    assert "-Dk=v" in cmd and cmd[-1] == "package"
