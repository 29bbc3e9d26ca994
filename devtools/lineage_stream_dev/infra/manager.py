"""Bring local services up, take them down, and report their state."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra import process
from lineage_stream_dev.infra.layout import Endpoints, Layout, Settings
from lineage_stream_dev.infra.probes import NotReady
from lineage_stream_dev.infra.registry import Registry
from lineage_stream_dev.infra.services import Kafka, Neo4j, Prometheus, Service, env_for_children

log = logging.getLogger(__name__)

SERVICE_TYPES: tuple[type[Service], ...] = (Kafka, Neo4j, Registry, Prometheus)
SERVICE_NAMES: tuple[str, ...] = tuple(t.name for t in SERVICE_TYPES)
LOG_TAIL_LINES = 20
EXTERNAL = "external"


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    pid: int | None
    address: str
    log: Path
    rss_kib: int | None = None
    port_open: bool = False

    @property
    def state(self) -> str:
        """running (ours), external (port answers, not started from this root) or stopped."""
        if self.running:
            return "running"
        return EXTERNAL if self.port_open else "stopped"


@dataclass(frozen=True)
class UpResult:
    name: str
    action: str  # "started", "already running" or "external" (another root's process)
    pid: int | None
    address: str
    log: Path
    seconds: float


def select(
    names: Sequence[str] | None, layout: Layout, settings: Settings
) -> list[Service]:
    """Service objects for ``names`` (all when None/empty), in start order."""
    wanted = list(dict.fromkeys(names)) if names else list(SERVICE_NAMES)
    unknown = [n for n in wanted if n not in SERVICE_NAMES]
    if unknown:
        raise InfraError(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}"
        )
    return [t(layout, settings) for t in SERVICE_TYPES if t.name in wanted]


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def _failure(service: Service, what: str) -> InfraError:
    lines = process.tail(service.log_file, LOG_TAIL_LINES).rstrip()
    body = f"\n--- last {LOG_TAIL_LINES} lines of {service.log_file} ---\n{lines}" if lines else ""
    return InfraError(f"{service.name}: {what}; log: {service.log_file}{body}")


def _wait_ready(service: Service, proc: subprocess.Popen[bytes] | None, pid: int) -> None:
    deadline = time.monotonic() + service.start_timeout
    last: NotReady | None = None
    while True:
        exited = proc.poll() if proc is not None else None
        if exited is not None or not process.is_alive(pid, service.marker):
            code = f" with exit code {exited}" if exited is not None else ""
            raise _failure(service, f"process {pid} exited{code} before answering")
        try:
            service.probe()
            return
        except NotReady as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise _failure(
                service,
                f"not ready after {service.start_timeout:.0f} s at {service.address} ({last})",
            )
        time.sleep(1.0)


def _external(service: Service) -> bool:
    """True when another process (e.g. another checkout's) serves this service's port and answers.

    Such a service is used as it is; when the port is taken but the probe fails, InfraError.
    """
    if not _port_in_use(service.settings.host, service.port):
        return False
    try:
        service.probe()
    except NotReady as exc:
        raise InfraError(
            f"{service.name}: {service.address} is already in use by a process that "
            f"{service.layout.root} did not start (no live pid in {service.pid_file}) and that "
            f"does not answer as {service.name} ({exc}); stop it first"
        ) from exc
    log.warning(
        "%s: %s already answers but was not started from %s; using it as it is",
        service.name, service.address, service.layout.root,
    )
    return True


def _start(service: Service) -> tuple[subprocess.Popen[bytes], int]:
    service.prepare()
    proc = process.spawn(
        service.command(),
        log_file=service.log_file,
        pid_file=service.pid_file,
        marker=service.marker,
        cwd=service.data_dir,
        env=env_for_children(),
    )
    log.info("%s: started pid %s, waiting for %s", service.name, proc.pid, service.address)
    return proc, proc.pid


def ensure_up(
    names: Sequence[str] | None = None,
    *,
    root: Path | None = None,
    settings: Settings | None = None,
) -> list[UpResult]:
    """Start the services that are not running and wait until every selected one answers.

    Raises ``InfraError`` naming every service that failed (after trying all of them); the
    others are left running.
    """
    settings = settings or Settings()
    layout = Layout.for_root(root)
    layout.ensure()
    services = select(names, layout, settings)
    with process.exclusive(_lock_file(layout)):
        return _ensure_up(services)


def _lock_file(layout: Layout) -> Path:
    return layout.local / "run" / "infra.lock"


def _ensure_up(services: list[Service]) -> list[UpResult]:
    results: list[UpResult] = []
    failures: list[InfraError] = []
    waiting: list[tuple[Service, subprocess.Popen[bytes] | None, int, str, float]] = []
    for service in services:
        began = time.monotonic()
        pid = process.running_pid(service.pid_file)
        if pid is not None:
            waiting.append((service, None, pid, "already running", began))
            continue
        process.remove_pid_file(service.pid_file)
        try:
            if _external(service):
                results.append(
                    UpResult(service.name, EXTERNAL, None, service.address, service.log_file, 0.0)
                )
                continue
            service.install()
            started, pid = _start(service)
        except InfraError as exc:
            failures.append(exc)
            continue
        except (OSError, subprocess.SubprocessError) as exc:
            failures.append(_failure(service, f"could not be installed or started: {exc}"))
            continue
        waiting.append((service, started, pid, "started", began))
    for service, proc, pid, action, began in waiting:
        if proc is None:
            began = time.monotonic()  # time only the readiness check of a running service
        try:
            _wait_ready(service, proc, pid)
        except InfraError as exc:
            failures.append(exc)
            if proc is not None:
                process.stop(service.pid_file, timeout=service.stop_timeout)
            continue
        seconds = time.monotonic() - began
        log.info("%s: %s (pid %s) at %s after %.1f s", service.name, action, pid, service.address, seconds)
        results.append(UpResult(service.name, action, pid, service.address, service.log_file, seconds))
    if failures:
        raise InfraError("\n\n".join(str(f) for f in failures))
    return sorted(results, key=lambda r: SERVICE_NAMES.index(r.name))


def up(
    names: Sequence[str] | None = None,
    *,
    root: Path | None = None,
    settings: Settings | None = None,
) -> Endpoints:
    """Make sure the selected services (all by default) run and answer; return the endpoints."""
    settings = settings or Settings()
    ensure_up(names, root=root, settings=settings)
    return Endpoints.from_settings(settings)


def down(
    names: Sequence[str] | None = None,
    *,
    root: Path | None = None,
    settings: Settings | None = None,
) -> list[tuple[str, int | None]]:
    """Stop the selected services (SIGTERM, wait, SIGKILL); returns (name, stopped pid or None)."""
    layout = Layout.for_root(root)
    services = select(names, layout, settings or Settings())
    stopped: list[tuple[str, int | None]] = []
    if not layout.local.is_dir():
        return [(service.name, None) for service in reversed(services)]
    with process.exclusive(_lock_file(layout)):
        for service in reversed(services):
            pid = process.stop(service.pid_file, timeout=service.stop_timeout)
            stopped.append((service.name, pid))
    return stopped


def status(
    names: Sequence[str] | None = None,
    *,
    root: Path | None = None,
    settings: Settings | None = None,
) -> list[ServiceStatus]:
    layout = Layout.for_root(root)
    result: list[ServiceStatus] = []
    for service in select(names, layout, settings or Settings()):
        pid = process.running_pid(service.pid_file)
        rss = process.rss_kib(pid) if pid is not None else None
        port_open = pid is None and _port_in_use(service.settings.host, service.port)
        result.append(
            ServiceStatus(
                service.name, pid is not None, pid, service.address, service.log_file, rss, port_open
            )
        )
    return result


def start_service(
    name: str, *, root: Path | None = None, settings: Settings | None = None
) -> Endpoints:
    """Start one service (keeping its data) and wait until it answers."""
    return up([name], root=root, settings=settings)


def stop_service(
    name: str, *, root: Path | None = None, settings: Settings | None = None
) -> int | None:
    """Stop one service, keeping its data; returns the pid that was stopped (None if none)."""
    return down([name], root=root, settings=settings)[0][1]
