"""Every invalid OpenLineage event of the shared conformance suite is dealt with explicitly.

The requirement: such events "must reach the dead-letter topic, or be ingested with the bad
facet dropped and counted". Each known file has its outcome pinned below; a file added to
``events/invalid/`` later is still checked by the generic rule (rejected with a reason, or at
least one facet dropped with a reason).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lineage_stream.errors import ValidationError
from lineage_stream.openlineage import DroppedFacet, ParsedEvent, parse_openlineage

PROJECT_ROOT = Path(__file__).resolve().parents[3]
INVALID = PROJECT_ROOT.parent / "shared" / "conformance" / "openlineage" / "events" / "invalid"
MISSING = f"OpenLineage conformance suite not found at {INVALID} (expected beside the project)"


@dataclass(frozen=True)
class Rejected:
    reason: str
    """Text the ValidationError's reason must contain."""


@dataclass(frozen=True)
class FacetDropped:
    location: str
    facet: str
    reason: str
    """Text the DroppedFacet's reason must contain."""


EXPECTATIONS: Mapping[str, Rejected | FacetDropped] = {
    # No run ID: nothing to attach the lineage to.
    "ol_fluentd_event_no_run_id.json": Rejected("run.runId is missing"),
    # The parent facet's run has no runId; the run itself is fine.
    "ol_fluentd_event_invalid_run_facet.json": FacetDropped("run", "parent", "run.runId is missing"),
    # ownership owners without a name.
    "ol_fluentd_event_invalid_job_facet.json": FacetDropped("job", "ownership", "owners[0].name is missing"),
    "ol_fluentd_event_invalid_dataset_facet.json": FacetDropped("outputs[0]", "ownership", "owners[0].name is missing"),
    # dataQualityMetrics with neither rowCount nor columnMetrics (only "noRowCount").
    "ol_fluentd_event_invalid_input_dataset_facet.json": FacetDropped(
        "inputs[0].inputFacets", "dataQualityMetrics", "neither rowCount nor columnMetrics"
    ),
    # outputStatistics.rowCount is "wrong".
    "ol_fluentd_event_invalid_output_dataset_facet.json": FacetDropped(
        "outputs[0].outputFacets", "outputStatistics", "rowCount must be integer, got string"
    ),
}


def _invalid_files() -> list[Any]:
    if not INVALID.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="suite-missing")]
    return [pytest.param(p, id=p.name) for p in sorted(INVALID.iterdir()) if p.suffix == ".json"]


def outcome(path: Path) -> ParsedEvent | ValidationError:
    """Parse the file's event; the ValidationError if it is rejected."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    try:
        return parse_openlineage(doc)
    except ValidationError as rejected:
        return rejected


def check_generic_rule(path: Path) -> None:
    """Any invalid event: rejected with a reason, or ingested with ≥1 facet dropped with a reason."""
    result = outcome(path)
    if isinstance(result, ValidationError):
        assert result.reason.strip(), f"{path.name}: rejected without a reason"
        return
    assert result.dropped_facets, f"{path.name}: accepted as valid, but it is in events/invalid/"
    for dropped in result.dropped_facets:
        assert dropped.location and dropped.facet and dropped.reason.strip(), dropped


@pytest.mark.parametrize("path", _invalid_files())
def test_invalid_event_is_rejected_or_loses_the_bad_facet(path: Path) -> None:
    check_generic_rule(path)
    expected = EXPECTATIONS.get(path.name)
    if expected is None:
        return  # a new file: the generic rule above is all we know about it
    result = outcome(path)
    if isinstance(expected, Rejected):
        assert isinstance(result, ValidationError), f"{path.name} should be rejected, got {result!r}"
        assert expected.reason in result.reason
        assert result.stage == "validate"
    else:
        assert isinstance(result, ParsedEvent), f"{path.name} should be ingested, got {result!r}"
        assert [(d.location, d.facet) for d in result.dropped_facets] == [(expected.location, expected.facet)]
        assert expected.reason in result.dropped_facets[0].reason


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_expectation_names_an_existing_file(name: str) -> None:
    if not INVALID.is_dir():
        pytest.skip(MISSING)
    assert (INVALID / name).is_file(), f"stale expectation: {name} is no longer in {INVALID}"


def test_ingested_invalid_events_keep_everything_but_the_bad_facet() -> None:
    path = INVALID / "ol_fluentd_event_invalid_run_facet.json"
    if not path.is_file():
        pytest.skip(MISSING)
    result = outcome(path)
    assert isinstance(result, ParsedEvent)
    assert result.event.run is not None
    assert result.event.run.run_id == "41fb5137-f0fd-4ee5-ba5c-56f8571d1bd7"
    assert result.event.run.parent is None
    assert "parent" not in result.event.run.facets
    assert result.event.job is not None and result.event.job.name == "myjob"


def test_a_new_unknown_file_is_held_to_the_generic_rule(tmp_path: Path) -> None:
    valid: dict[str, Any] = {
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": "p",
        "run": {"runId": "r"},
        "job": {"namespace": "n", "name": "j"},
    }
    rejected = tmp_path / "new_rejected.json"
    rejected.write_text(json.dumps({**valid, "run": {"runId": "  "}}))
    dropped = tmp_path / "new_dropped.json"
    dropped.write_text(json.dumps({**valid, "job": {**valid["job"], "facets": {"sql": {"query": 1}}}}))
    not_invalid = tmp_path / "new_but_valid.json"
    not_invalid.write_text(json.dumps(valid))

    check_generic_rule(rejected)
    check_generic_rule(dropped)
    result = outcome(dropped)
    assert isinstance(result, ParsedEvent)
    assert result.dropped_facets == (DroppedFacet("job", "sql", "query must be string, got integer"),)
    with pytest.raises(AssertionError, match="accepted as valid"):
        check_generic_rule(not_invalid)
