"""The alert and recording rules load in Prometheus and behave as their unit tests say (promtool)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra.toolchain import ensure_binary

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "tests" / "alerts.test.yml"
PAGE = {"LineageWorkerDown", "LineageNeo4jNotAcceptingWrites", "LineageIngestionLatencyBudgetBurn",
        "LineageConsumerLagGrowing"}
TICKET = {"LineageDeadLetterRate", "LineageCoverageDropping", "LineageSchemaDrift", "LineageJobsSilent",
          "LineageRunsStuck", "LineageCoverageNotComputed", "LineageDependencyDown"}


@pytest.fixture(scope="module")
def promtool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Debian's promtool, installed by the same code as `lineage-stream infra up` when missing."""
    try:
        return ensure_binary("promtool", package="prometheus", log_file=tmp_path_factory.mktemp("apt") / "apt.log")
    except InfraError as error:
        pytest.fail(f"promtool is needed for the alert-rule tests: {error}")


def _alerts() -> list[dict[str, object]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_the_rules_load(promtool: Path):
    result = subprocess.run([str(promtool), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_pass_their_unit_tests(promtool: Path):
    result = subprocess.run([str(promtool), "test", "rules", str(RULE_TESTS)], capture_output=True, text=True,
                            cwd=RULE_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_page_and_ticket_alerts_are_the_intended_ones_and_carry_runbooks():
    alerts = _alerts()
    by_severity: dict[str, set[str]] = {}
    for rule in alerts:
        labels, annotations = rule["labels"], rule["annotations"]
        assert isinstance(labels, dict) and isinstance(annotations, dict)
        by_severity.setdefault(labels["severity"], set()).add(str(rule["alert"]))
        assert {"summary", "description", "runbook"} <= set(annotations), rule["alert"]
        runbook = str(annotations["runbook"])
        assert runbook.startswith("Means:") and ("Check" in runbook or "Helps" in runbook), rule["alert"]
    assert by_severity == {"page": PAGE, "ticket": TICKET}


def test_every_alert_fires_in_some_rule_test():
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    firing = {case["alertname"] for test in tests for case in test.get("alert_rule_test", ()) if case["exp_alerts"]}
    assert firing == PAGE | TICKET


def test_the_rules_use_only_metrics_the_worker_exports_or_records():
    text = RULES.read_text(encoding="utf-8")
    documented = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    used = {re.sub(r"_(bucket|count|sum)$", "", m) for m in re.findall(r"\blineage[_:][a-z0-9_:]+", text)}
    missing = {name for name in used if f"`{name}`" not in documented}
    assert not missing, f"used by the rules but not defined in docs/metrics.md: {sorted(missing)}"
