"""``/metrics``, ``/healthz`` and ``/readyz`` on one port, and the probes that keep the up gauges true.

- ``/healthz``: the process is alive and serving (200 while it runs).
- ``/readyz``: 200 when Kafka is reachable, Neo4j accepts writes, and partitions are assigned and not
  paused; 503 otherwise. The JSON body names each check and what is wrong; it carries error classes and
  messages with credentials masked, never settings or data.

The probes run in a daemon thread every ``interval_s``: a metadata request to Kafka (which also checks
that the dead-letter topic exists), the registry's subject list, and a write-routed transaction on
Neo4j. Between probes, the worker's own uses of each dependency update the same state.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import neo4j
from confluent_kafka.admin import AdminClient
from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from lineage_stream import __version__
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.adapters.neo4j_sink import open_driver
from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.settings import Neo4jSettings

log = logging.getLogger(__name__)

Probe = Callable[[], None]
"""Returns when the dependency works; raises (anything) when it does not."""
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True, slots=True)
class Partitions:
    assigned: int
    paused: bool


class Health:
    """The state behind ``/healthz`` and ``/readyz``, read from the metrics and the consumer."""

    def __init__(self, metrics: WorkerMetrics, partitions: Callable[[], Partitions]) -> None:
        self._metrics = metrics
        self._partitions = partitions
        self._started = time.time()

    def alive(self) -> dict[str, object]:
        return {"status": "ok", "version": __version__, "uptime_s": round(time.time() - self._started, 1)}

    def readiness(self) -> tuple[bool, dict[str, object]]:
        deps = self._metrics.dependencies()
        checks: dict[str, dict[str, object]] = {}
        for name, what in (("kafka", "Kafka reachable"), ("neo4j", "Neo4j accepting writes")):
            state = deps[name]
            checks[name] = {"ok": state.up is True, "what": what,
                            "detail": state.detail or ("" if state.up else "not checked yet")}
        parts = self._partitions()
        problem = ("no partition assigned (waiting for the group, or more workers than partitions)"
                   if parts.assigned == 0 else "consumption paused while a dependency is down" if parts.paused else "")
        checks["partitions"] = {"ok": not problem, "what": "partitions assigned and not paused",
                                "assigned": parts.assigned, "paused": parts.paused, "detail": problem}
        ready = all(bool(c["ok"]) for c in checks.values())
        others = {name: {"up": s.up, "detail": s.detail} for name, s in deps.items() if name not in checks}
        return ready, {"ready": ready, "checks": checks, "other_dependencies": others}


def health_app(health: Health, metrics: WorkerMetrics) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app: the two health paths, and Prometheus's exposition for everything else."""
    metrics_app = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, "200 OK", health.alive())
        if path == "/readyz":
            ready, body = health.readiness()
            return _json(start_response, "200 OK" if ready else "503 Service Unavailable", body)
        return metrics_app(environ, start_response)  # type: ignore[no-any-return]

    return app


def _json(start_response: StartResponse, status: str, body: Mapping[str, object]) -> list[bytes]:
    data = json.dumps(body, sort_keys=True).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        return


def serve(health: Health, metrics: WorkerMetrics, host: str, port: int, *, certfile: Path | None = None,
          keyfile: Path | None = None, client_cafile: Path | None = None) -> ThreadingWSGIServer:
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` on ``host:port`` in a daemon thread: over HTTPS with
    ``certfile`` and ``keyfile``, requiring a client certificate signed by ``client_cafile`` when given."""
    server = make_server(host, port, health_app(health, metrics), ThreadingWSGIServer, handler_class=_Quiet)
    if certfile is not None and keyfile is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(certfile), str(keyfile))
        if client_cafile is not None:
            context.load_verify_locations(cafile=str(client_cafile))
            context.verify_mode = ssl.CERT_REQUIRED
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server


def kafka_probe(bootstrap: str, dead_letter_topic: str, config: Mapping[str, Any]) -> tuple[Probe, Probe]:
    """Probes for Kafka (a metadata answer) and the dead-letter topic (it exists in that answer)."""
    admin = AdminClient({"bootstrap.servers": bootstrap, **config})
    seen: dict[str, bool] = {}

    def kafka() -> None:
        topics = admin.list_topics(timeout=5.0).topics
        seen["dead_letter"] = dead_letter_topic in topics

    def dead_letter() -> None:
        if not seen.get("dead_letter", False):
            raise LookupError(f"dead-letter topic {dead_letter_topic} is missing or Kafka did not answer")

    return kafka, dead_letter


def registry_probe(url: str, config: Mapping[str, str]) -> Probe:
    """One ``GET /subjects`` per probe, with the worker's settings and a 5 s timeout."""
    return RegistrySchemas(url, config={**config, "timeout": 5}).check


def neo4j_probe(settings: Neo4jSettings) -> tuple[Probe, Callable[[], None]]:
    """A write-routed transaction that writes nothing (the writer is reachable and takes transactions)."""
    driver = open_driver(settings, connection_acquisition_timeout=5.0, max_transaction_retry_time=0.0)

    def probe() -> None:
        driver.execute_query("RETURN 1", database_=settings.database, routing_=neo4j.RoutingControl.WRITE)

    return probe, driver.close


class Prober:
    """Runs the probes every ``interval_s`` until stopped; each result updates the dependency's state."""

    def __init__(self, metrics: WorkerMetrics, probes: Mapping[str, Probe], interval_s: float) -> None:
        self._metrics = metrics
        self._probes = dict(probes)
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dependency-probes", daemon=True)

    def check_all(self) -> None:
        for name, probe in self._probes.items():
            try:
                probe()
            except Exception as error:  # noqa: BLE001 - any failure means the dependency is not usable
                log.debug("probe %s failed: %s", name, error)
                self._metrics.dependency_failed(name, error, retried=False)
            else:
                self._metrics.dependency_ok(name)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)  # a probe in flight (at most its 5 s timeout) is not waited for

    def _run(self) -> None:
        while True:
            self.check_all()
            if self._stop.wait(self._interval_s):
                return
