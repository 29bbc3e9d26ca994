"""A real worker, scraped by a real Prometheus of the test's own, while events flow.

Through Prometheus's HTTP API: every dashboard panel expression and every rule expression parses and
returns data, the latency histograms count the events just sent, and the coverage gauges equal the
figures of the known graph. The worker's /readyz says ready once it has partitions.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from confluent_kafka import Producer

from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream_dev.infra import config as infra_config
from lineage_stream_dev.infra.layout import Settings as InfraSettings
from lineage_stream_dev.infra.toolchain import ensure_binary
from conftest import settings_for
from coverage_graph import known_graph_events, publish_json

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
_COMPARISON = re.compile(r"(==|!=|>=|<=|>|<)(?!\s*bool)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except (urllib.error.URLError, ConnectionError):
        return 0, {}  # not listening yet


def with_bool(expr: str) -> str:
    """The expression with each comparison made a ``bool`` one: it returns its operands' data whether or
    not the condition holds (label matchers and strings are left alone)."""
    out, depth, quoted = [], 0, None
    i = 0
    while i < len(expr):
        ch = expr[i]
        if quoted:
            out.append(ch)
            quoted = None if ch == quoted else quoted
        elif ch in "\"'":
            quoted = ch
            out.append(ch)
        elif ch == "{":
            depth += 1
            out.append(ch)
        elif ch == "}":
            depth -= 1
            out.append(ch)
        elif depth == 0 and (m := _COMPARISON.match(expr, i)):
            out.append(f"{m.group(1)} bool")
            i = m.end()
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _panel_expressions() -> list[tuple[str, str]]:
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                found.append((f"{path.stem}: {panel['title']}", target["expr"]))
    return found


def _rule_expressions() -> list[tuple[str, str]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [(rule.get("alert") or rule["record"], rule["expr"]) for g in groups for rule in g["rules"]]


class _Prometheus:
    def __init__(self, tmp: Path, target: str) -> None:
        self.port = _free_port()
        infra = InfraSettings(prometheus_port=self.port, metrics_target=target, scrape_interval_s=1)
        config = tmp / "prometheus.yml"
        config.write_text(infra_config.prometheus_yml(infra, [str(RULES)]), encoding="utf-8")
        binary = ensure_binary("prometheus", package="prometheus", log_file=tmp / "apt.log")
        self.log = tmp / "prometheus.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(binary), *infra_config.prometheus_args(infra, config, tmp / "tsdb")],
                stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def query(self, expr: str) -> tuple[str, list[dict]]:
        status, body = _get(f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
        if not body:
            return "unreachable", []
        return body["status"] + ("" if status == 200 else f" {body.get('error')}"), body.get("data", {}).get("result", [])

    def value(self, expr: str) -> float | None:
        _, result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _wait(what: str, check, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_prometheus_scrapes_a_running_worker_and_every_panel_and_rule_returns_data(services, graph, unique, tmp_path):
    port = _free_port()
    settings = settings_for(services, unique, LINEAGE_METRICS_PORT=str(port),
                            LINEAGE_OBSERVABILITY__COVERAGE_INTERVAL_S="2",
                            LINEAGE_OBSERVABILITY__PROBE_INTERVAL_S="2",
                            LINEAGE_OBSERVABILITY__KAFKA_STATISTICS_S="1")
    alpha, beta, jobs = f"alpha-{unique}", f"beta-{unique}", f"jobs-{unique}"
    topic = settings.kafka.openlineage_topics[0]
    events = known_graph_events(alpha, beta, jobs)
    publish_json(services.kafka_bootstrap, topic, events[:4])

    prometheus = _Prometheus(tmp_path, f"127.0.0.1:{port}")
    metrics, stop = WorkerMetrics(), threading.Event()
    worker = threading.Thread(target=run_worker, kwargs=dict(settings=settings, metrics=metrics, stop=stop), daemon=True)
    worker.start()
    try:
        base = f"http://127.0.0.1:{port}"
        ready = _wait("/readyz", lambda: _get(f"{base}/readyz")[0] == 200 and _get(f"{base}/readyz")[1])
        assert ready["checks"]["partitions"]["assigned"] >= 1
        # Events keep flowing while Prometheus scrapes: the rest, plus one record no decoder can read.
        # A JobEvent whose documentation names a person (redacted), a duplicate, and a record no decoder reads.
        documented = {"eventTime": events[-1]["eventTime"], "producer": events[0]["producer"],
                      "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/JobEvent",
                      "job": {"namespace": jobs, "name": "E", "facets": {"documentation": {
                          "_producer": events[0]["producer"],
                          "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json",
                          "description": "owner: jane.doe@example.com"}}},
                      "inputs": [], "outputs": []}
        publish_json(services.kafka_bootstrap, topic, [*events[4:], documented, events[0]])
        producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
        producer.produce(topic, b"{not json")
        assert producer.flush(30) == 0

        sent = len(events) + 1
        _wait("Prometheus to see every event written",
              lambda: prometheus.value("sum(lineage_events_written_total)") == sent, timeout_s=90)
        _wait("a coverage computation over the whole graph",
              lambda: prometheus.value(f'lineage_datasets{{namespace="{beta}"}}') == 4)
        time.sleep(3)  # a few more scrapes and rule evaluations, so that rates have two points

        # The latency histograms count exactly the events just sent, all from the JSON topic.
        assert prometheus.value('sum(lineage_ingestion_latency_seconds_count{source="openlineage_json"})') == sent
        assert prometheus.value('sum(lineage_kafka_latency_seconds_count{source="openlineage_json"})') == sent
        assert prometheus.value('sum(lineage_events_rejected_total{stage="decode"})') == 1
        assert prometheus.value("sum(lineage_events_duplicate_total)") == 1
        assert prometheus.value("sum(lineage_redactions_total)") >= 1

        # The coverage gauges equal the known graph (tests/integration/coverage_graph.py).
        def ns(metric: str, namespace: str) -> float | None:
            return prometheus.value(f'{metric}{{namespace="{namespace}"}}')

        assert ns("lineage_coverage_ratio", alpha) == pytest.approx(2 / 3)
        assert ns("lineage_coverage_ratio", beta) == 0.5
        assert ns("lineage_datasets_unlinked", beta) == 1
        assert ns("lineage_column_lineage_ratio", alpha) == 0.5
        assert ns("lineage_schema_changes", alpha) == 1
        assert ns("lineage_schema_drift_total", alpha) == 1    # the same change, counted in the stream
        assert ns("lineage_runs_stuck", jobs) == 1
        assert ns("lineage_jobs_silent", jobs) == 1
        assert prometheus.value("lineage:coverage_ratio") == pytest.approx(4 / 7)

        # Every panel and every rule: parses, and returns data (comparisons made `bool`).
        failures = []
        for name, expr in [*_panel_expressions(), *_rule_expressions()]:
            status, result = prometheus.query(with_bool(expr))
            if status != "success" or not result:
                failures.append(f"{name}: {status}, {len(result)} series: {expr}")
        assert not failures, "\n".join(failures)
        _, rules = _get(f"{prometheus.url}/api/v1/rules")
        unhealthy = [r["name"] for g in rules["data"]["groups"] for r in g["rules"] if r["health"] == "err"]
        assert not unhealthy
    finally:
        stop.set()
        worker.join(timeout=30)
        prometheus.stop()
