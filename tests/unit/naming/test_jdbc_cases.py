"""Every row of the shared JDBC normalization cases (OpenLineage Java client test assertions)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lineage_stream.naming import normalize_dataset, normalize_jdbc

CASES = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "conformance"
    / "openlineage"
    / "naming_jdbc_normalization_cases.tsv"
)

# The Java Derby tests depend on JVM state the TSV does not carry: ``user.dir`` (rows whose
# expectation contains ``${currentDir}``) or ``derby.system.home=/some/path`` (set by these
# two test methods). ``normalize_jdbc`` is pure, so the test passes that state as the
# connection properties of the same names.
_DERBY_HOME_TESTS = frozenset(
    {
        "testGetDatasetIdentifierWithCustomDerbyHome",
        "testGetDatasetIdentifierWithCustomDatabasePath",
    }
)
_CURRENT_DIR = "/home/producer/app"


def _rows() -> list[Any]:
    if not CASES.is_file():
        return [pytest.param(None, id="cases-file-missing")]
    with CASES.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    seen: Counter[str] = Counter()
    params = []
    for row in rows:
        case_id = f"{row['platform']}-{row['test_method']}"
        seen[case_id] += 1
        suffix = f"-{seen[case_id]}" if seen[case_id] > 1 else ""
        params.append(pytest.param(row, id=case_id + suffix))
    return params


def _properties(row: dict[str, str]) -> dict[str, str]:
    """``input_properties`` holds ``key=value`` items (``;``-separated if ever several)."""
    properties = {}
    for item in row["input_properties"].split(";"):
        key, equals, value = item.partition("=")
        if equals:
            properties[key.strip()] = value.strip()
    if row["platform"] == "Derby":
        if "${currentDir}" in row["expected_namespace"]:
            properties["user.dir"] = _CURRENT_DIR
        elif row["test_method"] in _DERBY_HOME_TESTS:
            properties["derby.system.home"] = "/some/path"
    return properties


def _expected(row: dict[str, str]) -> tuple[str, str]:
    namespace = row["expected_namespace"].replace("${currentDir}", _CURRENT_DIR)
    return namespace, row["expected_name"]


def _skip_if_missing(row: dict[str, str] | None) -> dict[str, str]:
    if row is None:
        pytest.skip(f"JDBC conformance cases not found at {CASES} (the shared checkout is absent)")
    return row


@pytest.mark.parametrize("row", _rows())
def test_jdbc_case(row: dict[str, str] | None) -> None:
    row = _skip_if_missing(row)
    result = normalize_jdbc(row["input_jdbc_url"], row["input_table"], _properties(row))
    assert (result.namespace, result.name) == _expected(row)
    assert result.rule.startswith("jdbc:")


@pytest.mark.parametrize("row", _rows())
def test_jdbc_case_result_is_already_canonical(row: dict[str, str] | None) -> None:
    row = _skip_if_missing(row)
    result = normalize_jdbc(row["input_jdbc_url"], row["input_table"], _properties(row))
    again = normalize_dataset(result.namespace, result.name)
    assert (again.namespace, again.name) == (result.namespace, result.name)


def test_cases_file_has_every_expected_row() -> None:
    if not CASES.is_file():
        pytest.skip(f"JDBC conformance cases not found at {CASES}")
    assert len(_rows()) == 165
