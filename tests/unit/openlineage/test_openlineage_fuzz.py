"""Property tests: whatever arrives, the only errors are the typed ones a dead letter needs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage_stream.errors import DecodeError, ValidationError
from lineage_stream.openlineage import decode_openlineage_json, parse_openlineage

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)

# Real member names, so the generated documents reach deep into the parser.
MEMBERS = [
    "eventTime", "eventType", "producer", "schemaURL", "run", "job", "dataset", "inputs", "outputs",
    "runId", "namespace", "name", "facets", "inputFacets", "outputFacets", "parent", "root", "schema",
    "fields", "columnLineage", "inputFields", "field", "transformations", "type", "masking", "symlinks",
    "identifiers", "dataset", "ownership", "owners", "_producer", "_deleted",
]
shaped_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["2024-01-01T00:00:00Z", "x", ""]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(MEMBERS), children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes(value: bytes) -> None:
    try:
        decode_openlineage_json(value)
    except (DecodeError, ValidationError) as problem:
        assert problem.reason


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json(value: Any) -> None:
    try:
        decode_openlineage_json(json.dumps(value).encode())
    except (DecodeError, ValidationError) as problem:
        assert problem.reason


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(MEMBERS), shaped_values, max_size=8))
def test_event_shaped_documents(doc: dict[str, Any]) -> None:
    try:
        parsed = parse_openlineage(doc)
    except ValidationError as problem:
        assert problem.reason
        return
    for dropped in parsed.dropped_facets:
        assert dropped.location and dropped.facet and dropped.reason


FACET_NAMES = [
    "parent", "schema", "columnLineage", "symlinks", "ownership", "sql", "nominalTime", "errorMessage",
    "dataQualityMetrics", "outputStatistics", "documentation", "custom",
]
facet_maps = st.none() | st.dictionaries(st.sampled_from(FACET_NAMES), shaped_values, max_size=4) | shaped_values
datasets = st.fixed_dictionaries(
    {"namespace": st.just("ns"), "name": st.text(max_size=5)},
    optional={"facets": facet_maps, "inputFacets": facet_maps, "outputFacets": facet_maps},
)
valid_cores = st.fixed_dictionaries(
    {
        "eventTime": st.just("2024-01-01T00:00:00Z"),
        "run": st.fixed_dictionaries({"runId": st.just("r")}, optional={"facets": facet_maps}),
        "job": st.fixed_dictionaries(
            {"namespace": st.just("n"), "name": st.just("j")}, optional={"facets": facet_maps}
        ),
    },
    optional={"inputs": st.lists(datasets, max_size=2), "outputs": st.lists(datasets, max_size=2)},
)


@settings(max_examples=300, deadline=None)
@given(valid_cores)
def test_facets_never_reject_a_valid_core(doc: dict[str, Any]) -> None:
    parsed = parse_openlineage(doc)
    dropped = {(d.location, d.facet) for d in parsed.dropped_facets}
    run = parsed.event.run
    assert run is not None
    for name in (doc["run"].get("facets") or {}) if isinstance(doc["run"].get("facets"), dict) else ():
        kept = name in run.facets or (name == "parent" and run.parent is not None)
        assert kept != (("run", name) in dropped), name
