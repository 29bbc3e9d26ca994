"""docs/metrics.md defines every metric the worker exports, and nothing it does not export."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from lineage_stream.adapters.coverage import CoverageMonitor
from lineage_stream.adapters.metrics import WorkerMetrics

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def _exported() -> set[str]:
    registry = CollectorRegistry()
    WorkerMetrics(registry)
    CoverageMonitor(reader=None, registry=registry, interval_s=60)  # type: ignore[arg-type]
    suffix = {"counter": "_total", "info": "_info"}
    return {family.name + suffix.get(family.type, "") for family in registry.collect()}


def test_every_exported_metric_is_defined_in_docs_metrics_md():
    text = DOC.read_text(encoding="utf-8")
    exported = _exported()
    assert len(exported) > 40
    missing = sorted(name for name in exported if f"| `{name}` |" not in text)
    assert not missing, f"define these in docs/metrics.md: {missing}"


def test_docs_metrics_md_defines_no_metric_the_worker_does_not_export():
    text = DOC.read_text(encoding="utf-8")
    defined = set(re.findall(r"^\| `(lineage_[a-z_]+)` \|", text, flags=re.MULTILINE))
    assert defined - _exported() == set()
