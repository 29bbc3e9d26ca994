"""The Grafana dashboards: provisioned, well-formed, and built from metrics docs/metrics.md defines.

(That every panel's expression parses and returns data is checked against a real Prometheus in
tests/integration/test_operators_view.py.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"


def _dashboards() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))}


def test_the_three_dashboards_exist_with_unique_uids_and_well_placed_panels():
    dashboards = _dashboards()
    assert set(dashboards) == {"lineage-stream-executive", "lineage-stream-on-call", "lineage-stream-debug"}
    assert len({d["uid"] for d in dashboards.values()}) == 3
    datasource = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    for name, dashboard in dashboards.items():
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), name
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, (name, panel["title"])
            assert panel["targets"], (name, panel["title"])
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == datasource["uid"] and target["expr"].strip()


def test_the_dashboards_show_what_the_issue_asks_for():
    titles = {name: " | ".join(p["title"].lower() for p in d["panels"]) for name, d in _dashboards().items()}
    for words, name in (
        (["coverage", "trend", "freshness", "throughput", "largest namespaces"], "lineage-stream-executive"),
        (["p95", "slo", "lag", "dead letters by", "dependencies up", "stuck runs", "silent jobs"], "lineage-stream-on-call"),
        (["batch size", "write duration", "retries", "lag per partition", "rejections per stage"], "lineage-stream-debug"),
    ):
        for word in words:
            assert word in titles[name], (name, word)


def test_the_dashboards_use_only_defined_metrics_and_are_provisioned_by_compose():
    documented = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for name, dashboard in _dashboards().items():
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                for found in re.findall(r"\blineage[_:][a-z0-9_:]+", target["expr"]):
                    metric = re.sub(r"_(bucket|count|sum)$", "", found)
                    assert f"`{metric}`" in documented, (name, panel["title"], metric)
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "lineage-stream.yml").read_text())["providers"][0]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in compose
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in compose
