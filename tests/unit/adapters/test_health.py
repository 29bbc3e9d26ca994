"""/healthz and /readyz: say what is wrong, in JSON, with nothing secret."""

from __future__ import annotations

import json
from wsgiref.util import setup_testing_defaults

from lineage_stream.adapters.health import Health, Partitions, Prober, health_app
from lineage_stream.adapters.metrics import WorkerMetrics


def _get(app, path: str) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, object] = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    seen: dict[str, object] = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return str(seen["status"]), seen["headers"], body  # type: ignore[return-value]


def _app(metrics: WorkerMetrics, partitions: Partitions):
    return health_app(Health(metrics, lambda: partitions), metrics)


def test_ready_only_when_kafka_and_neo4j_are_up_and_partitions_flow():
    metrics = WorkerMetrics()
    status, _, body = _get(_app(metrics, Partitions(0, False)), "/readyz")
    answer = json.loads(body)
    assert status.startswith("503") and answer["ready"] is False
    assert answer["checks"]["kafka"]["detail"] == "not checked yet"
    assert "no partition assigned" in answer["checks"]["partitions"]["detail"]

    metrics.dependency_ok("kafka")
    metrics.dependency_ok("neo4j")
    status, _, body = _get(_app(metrics, Partitions(3, False)), "/readyz")
    assert status.startswith("200") and json.loads(body)["ready"] is True

    metrics.dependency_failed("neo4j", ConnectionError("bolt://neo4j:hunter2@graph:7687 refused"), retried=True)
    status, _, body = _get(_app(metrics, Partitions(3, True)), "/readyz")
    answer = json.loads(body)
    assert status.startswith("503")
    assert answer["checks"]["neo4j"]["ok"] is False and "ConnectionError" in answer["checks"]["neo4j"]["detail"]
    assert answer["checks"]["partitions"]["paused"] is True
    assert b"hunter2" not in body


def test_healthz_answers_while_alive_and_metrics_are_served_beside_it():
    metrics = WorkerMetrics()
    app = _app(metrics, Partitions(0, False))
    status, headers, body = _get(app, "/healthz")
    assert status.startswith("200") and headers["Content-Type"] == "application/json"
    assert json.loads(body)["status"] == "ok"
    status, _, body = _get(app, "/metrics")
    assert status.startswith("200") and b"lineage_build_info{version=" in body


def test_the_prober_turns_each_probe_result_into_the_dependency_state():
    metrics = WorkerMetrics()

    def down() -> None:
        raise TimeoutError("no answer within 5 s")

    Prober(metrics, {"registry": lambda: None, "neo4j": down}, interval_s=60).check_all()
    states = metrics.dependencies()
    assert states["registry"].up is True
    assert states["neo4j"].up is False and states["neo4j"].detail == "TimeoutError: no answer within 5 s"
    assert metrics.registry.get_sample_value("lineage_dependency_errors_total", {"dependency": "neo4j"}) == 1
    assert metrics.registry.get_sample_value("lineage_dependency_retries_total", {"dependency": "neo4j"}) == 0
