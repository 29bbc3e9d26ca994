"""parse_openlineage: event kinds, leniency where producers deviate harmlessly, strictness
elsewhere, and how each facet is modeled, kept as JSON text, or dropped."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lineage_stream.errors import ValidationError
from lineage_stream.model import (
    EventKind,
    FieldLineage,
    InputField,
    ParentRun,
    RunState,
    SchemaField,
    Symlink,
    Transformation,
)
from lineage_stream.openlineage import DroppedFacet, ParsedEvent, derive_event_id, parse_openlineage

RUN_ID = "3f5e83fa-3480-44ff-99c5-ff943904e5e8"
BASE = {"_producer": "https://example.com/producer", "_schemaURL": "https://example.com/schema"}


def run_event(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": "2024-07-05T09:04:13.979349Z",
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": RUN_ID},
        "job": {"namespace": "scheduler", "name": "daily.load"},
        "inputs": [{"namespace": "postgres://db:5432", "name": "shop.public.orders"}],
        "outputs": [{"namespace": "s3://bucket", "name": "warehouse/orders"}],
    }
    doc.update(changes)
    return doc


def with_output_facets(facets: Any) -> dict[str, Any]:
    doc = run_event()
    doc["outputs"][0]["facets"] = facets
    return doc


def parse(doc: dict[str, Any]) -> ParsedEvent:
    return parse_openlineage(doc)


def rejected(doc: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_openlineage(doc)
    return caught.value.reason


# --- kinds ----------------------------------------------------------------------------------


def test_run_event() -> None:
    parsed = parse(run_event())
    event = parsed.event
    assert parsed.dropped_facets == ()
    assert event.kind is EventKind.RUN and event.event_type is RunState.COMPLETE
    assert event.event_time_us == 1_720_170_253_979_349
    assert event.producer == "https://example.com/producer"
    assert event.schema_url == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
    assert event.run is not None and event.run.run_id == RUN_ID and event.run.parent is None
    assert event.job is not None and (event.job.namespace, event.job.name) == ("scheduler", "daily.load")
    assert [d.key for d in event.inputs] == [("postgres://db:5432", "shop.public.orders")]
    assert [d.key for d in event.outputs] == [("s3://bucket", "warehouse/orders")]
    assert event.outputs[0].fields is None and event.dataset is None


def test_job_event_has_no_run_and_no_event_type() -> None:
    doc = run_event()
    del doc["run"]
    event = parse(doc).event
    assert event.kind is EventKind.JOB
    assert event.run is None and event.event_type is None
    assert event.job is not None and len(event.inputs) == len(event.outputs) == 1


def test_dataset_event() -> None:
    doc = {
        "eventTime": "2021-11-03T10:53:52.427343",
        "producer": "p",
        "dataset": {"namespace": "ns", "name": "t", "facets": {"schema": {**BASE, "fields": [{"name": "a"}]}}},
    }
    event = parse(doc).event
    assert event.kind is EventKind.DATASET and event.event_type is None
    assert event.run is None and event.job is None and event.inputs == event.outputs == ()
    assert event.dataset is not None and event.dataset.fields == (SchemaField("a"),)


def test_stray_dataset_beside_run_and_job_is_ignored() -> None:
    event = parse(run_event(dataset={"namespace": "123", "name": "1"})).event
    assert event.kind is EventKind.RUN and event.dataset is None


# --- leniency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "state"),
    [(None, RunState.OTHER), ("RESUME", RunState.OTHER), ("complete", RunState.COMPLETE), ("FAIL", RunState.FAIL)],
)
def test_event_type_variants(event_type: str | None, state: RunState) -> None:
    assert parse(run_event(eventType=event_type)).event.event_type is state


def test_missing_event_type_is_other() -> None:
    doc = run_event()
    del doc["eventType"]
    assert parse(doc).event.event_type is RunState.OTHER


def test_missing_inputs_outputs_and_null_facets() -> None:
    doc = run_event()
    del doc["inputs"], doc["outputs"]
    doc["run"]["facets"] = None
    doc["job"]["facets"] = None
    parsed = parse(doc)
    assert parsed.event.inputs == parsed.event.outputs == ()
    assert parsed.dropped_facets == ()


def test_null_inputs_are_none() -> None:
    assert parse(run_event(inputs=None, outputs=None)).event.inputs == ()


def test_missing_producer_and_schema_url() -> None:
    doc = run_event()
    del doc["producer"], doc["schemaURL"]
    event = parse(doc).event
    assert event.producer == "unknown" and event.schema_url is None


def test_facet_without_base_members_and_deleted_null() -> None:
    doc = run_event()
    doc["job"]["facets"] = {"sql": {"query": "SELECT 1"}, "jobType": {**BASE, "_deleted": None, "jobType": "TASK"}}
    parsed = parse(doc)
    assert parsed.dropped_facets == ()
    assert parsed.event.job is not None and set(parsed.event.job.facets) == {"sql", "jobType"}


# --- strictness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"run": {}}, "run.runId is missing"),
        ({"run": {"runId": "   "}}, "run.runId is blank"),
        ({"run": {"runId": 42}}, "run.runId must be string, got integer"),
        ({"run": "abc"}, "run must be object, got string"),
        ({"job": {"name": "x"}}, "job.namespace is missing"),
        ({"job": {"namespace": "x"}}, "job.name is missing"),
        ({"job": None}, "job is missing (a RunEvent needs run and job)"),
        ({"eventTime": None}, "eventTime is missing"),
        ({"eventTime": "yesterday"}, "eventTime 'yesterday' is not an ISO 8601 date-time"),
        ({"eventTime": 1720170253}, "eventTime must be string, got integer"),
        ({"producer": 7}, "producer must be string, got integer"),
        ({"schemaURL": ["x"]}, "schemaURL must be string, got array"),
        ({"eventType": 1}, "eventType must be string, got integer"),
        ({"inputs": {"namespace": "n"}}, "inputs must be array, got object"),
        ({"outputs": ["t"]}, "outputs[0] must be object, got string"),
        ({"inputs": [{"name": "t"}]}, "inputs[0].namespace is missing"),
        ({"outputs": [{"namespace": "n", "name": None}]}, "outputs[0].name is missing"),
    ],
)
def test_rejections_name_the_problem(change: dict[str, Any], reason: str) -> None:
    assert rejected(run_event(**change)) == reason


def test_not_an_object_is_rejected() -> None:
    assert rejected([run_event()]) == "event must be a JSON object, got array"


def test_event_without_run_job_or_dataset_is_rejected() -> None:
    assert rejected({"eventTime": "2024-01-01T00:00:00Z", "producer": "p"}) == "event has neither run, job nor dataset"


def test_dataset_event_dataset_needs_identifiers() -> None:
    doc = {"eventTime": "2024-01-01T00:00:00Z", "dataset": {"namespace": "n"}}
    assert rejected(doc) == "dataset.name is missing"


def test_rejection_is_a_validate_stage_record() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_openlineage(run_event(run={}))
    assert caught.value.stage == "validate"


# --- event ID -------------------------------------------------------------------------------


def test_given_event_id_is_used_else_derived() -> None:
    doc = run_event()
    assert parse_openlineage(doc, event_id="from-header").event.event_id == "from-header"
    assert parse_openlineage(doc).event.event_id == derive_event_id(doc)


def test_parse_does_not_mutate_the_document() -> None:
    doc = with_output_facets({"schema": {**BASE, "fields": [{"name": "a"}]}})
    before = copy.deepcopy(doc)
    parse(doc)
    assert doc == before


# --- facets kept as JSON text ---------------------------------------------------------------


def test_unmodeled_facets_are_compact_sorted_json_text() -> None:
    doc = run_event()
    custom = {"z": 1, "a": "ünïcødé", "_producer": "p", "nested": {"b": [1, 2], "a": None}}
    doc["run"]["facets"] = {"custom": custom}
    event = parse(doc).event
    assert event.run is not None
    assert event.run.facets == {"custom": '{"_producer":"p","a":"ünïcødé","nested":{"a":null,"b":[1,2]},"z":1}'}


def test_io_facets_follow_the_dataset_side() -> None:
    doc = run_event()
    doc["inputs"][0]["inputFacets"] = {"dataQualityMetrics": {**BASE, "rowCount": 10}}
    doc["outputs"][0]["outputFacets"] = {"outputStatistics": {**BASE, "rowCount": 5, "size": 100}}
    event = parse(doc).event
    assert json.loads(event.inputs[0].io_facets["dataQualityMetrics"])["rowCount"] == 10
    assert json.loads(event.outputs[0].io_facets["outputStatistics"])["size"] == 100
    assert event.inputs[0].facets == {} and event.outputs[0].facets == {}


def test_io_facets_on_the_wrong_side_are_dropped() -> None:
    doc = run_event()
    doc["inputs"][0]["outputFacets"] = {"outputStatistics": {"rowCount": 1}}
    parsed = parse(doc)
    assert parsed.event.inputs[0].io_facets == {}
    assert parsed.dropped_facets == (
        DroppedFacet("inputs[0].outputFacets", "outputStatistics", "not allowed on an input dataset"),
    )


# --- malformed facets are dropped and counted -----------------------------------------------


def _input(**changes: Any) -> dict[str, Any]:
    return {"namespace": "n", "name": "t", "field": "f", **changes}


@pytest.mark.parametrize(
    ("name", "facet", "reason"),
    [
        ("custom", [1], "facet must be object, got array"),
        ("custom", {"_producer": 5}, "_producer must be string, got integer"),
        ("custom", {"_deleted": "yes"}, "_deleted must be boolean, got string"),
        ("schema", {"fields": "a,b"}, "fields must be array, got string"),
        ("schema", {"fields": ["a"]}, "fields[0] must be object, got string"),
        ("schema", {"fields": [{"name": 1}]}, "fields[0].name must be string, got integer"),
        ("schema", {"fields": [{"name": "a", "type": {"k": "v"}}]}, "fields[0].type must be string, got object"),
        ("schema", {"fields": [{"name": "s", "fields": [{"type": "int"}]}]}, "fields[0].fields[0].name is missing"),
        ("columnLineage", {"fields": []}, "fields must be object, got array"),
        ("columnLineage", {"fields": {"a": {}}}, "fields.a.inputFields is missing"),
        (
            "columnLineage",
            {"fields": {"a": {"inputFields": [_input(field=None)]}}},
            "fields.a.inputFields[0].field is missing",
        ),
        (
            "columnLineage",
            {"fields": {"a": {"inputFields": [_input(transformations=[{"subtype": "X"}])]}}},
            "fields.a.inputFields[0].transformations[0].type is missing",
        ),
        (
            "columnLineage",
            {"fields": {"a": {"inputFields": [_input(transformations=[{"type": "DIRECT", "masking": "no"}])]}}},
            "fields.a.inputFields[0].transformations[0].masking must be boolean, got string",
        ),
        ("columnLineage", {"fields": {"": {"inputFields": []}}}, "fields has an output field with an empty name"),
        ("columnLineage", {"fields": {}, "dataset": [_input(name=3)]}, "dataset[0].name must be string, got integer"),
        ("symlinks", {"identifiers": [{"namespace": "n"}]}, "identifiers[0].name is missing"),
        ("ownership", {"owners": [{"type": "MAINTAINER"}]}, "owners[0].name is missing"),
        ("version", {"datasetVersion": 3}, "datasetVersion must be string, got integer"),
    ],
)
def test_malformed_dataset_facet_is_dropped(name: str, facet: Any, reason: str) -> None:
    kept = {"documentation": {**BASE, "description": "kept"}}
    parsed = parse(with_output_facets({name: facet, **kept}))
    assert parsed.dropped_facets == (DroppedFacet("outputs[0]", name, reason),)
    output = parsed.event.outputs[0]
    assert output.fields is None and output.column_lineage == () and output.symlinks == ()
    assert set(output.facets) == {"documentation"}


def test_facets_container_that_is_not_an_object_is_dropped() -> None:
    parsed = parse(with_output_facets("oops"))
    assert parsed.dropped_facets == (DroppedFacet("outputs[0]", "*", "facets must be object, got string"),)
    assert parsed.event.outputs[0].facets == {}


@pytest.mark.parametrize(
    "parent",
    [
        {"job": {"namespace": "n", "name": "j"}},
        {"run": {"runId": RUN_ID}},
        {"run": {"runId": ""}, "job": {"namespace": "n", "name": "j"}},
        {"run": {"runId": RUN_ID}, "job": {"namespace": "n"}},
        {"run": {"runId": RUN_ID}, "job": {"namespace": "n", "name": "j"}, "root": {"run": {}, "job": {}}},
        "parent-run-id",
    ],
)
def test_malformed_parent_facet_is_dropped(parent: Any) -> None:
    doc = run_event()
    doc["run"]["facets"] = {"parent": parent}
    parsed = parse(doc)
    assert [(d.location, d.facet) for d in parsed.dropped_facets] == [("run", "parent")]
    assert parsed.event.run is not None and parsed.event.run.parent is None and parsed.event.run.facets == {}


def test_schema_nested_deeper_than_64_is_dropped() -> None:
    field: dict[str, Any] = {"name": "leaf"}
    for level in range(70):
        field = {"name": f"level{level}", "fields": [field]}
    parsed = parse(with_output_facets({"schema": {"fields": [field]}}))
    assert [(d.facet, "deeper than 64" in d.reason) for d in parsed.dropped_facets] == [("schema", True)]


# --- modeled facets -------------------------------------------------------------------------


def test_schema_facet_becomes_fields_and_is_not_stored_twice() -> None:
    schema = {
        **BASE,
        "fields": [
            {"name": "id", "type": "BIGINT", "description": "key", "ordinal_position": 1},
            {"name": "address", "type": "STRUCT", "fields": [{"name": "city", "type": "STRING"}]},
            {"name": "note"},
        ],
    }
    output = parse(with_output_facets({"schema": schema})).event.outputs[0]
    assert output.fields == (
        SchemaField("id", "BIGINT", "key"),
        SchemaField("address", "STRUCT", fields=(SchemaField("city", "STRING"),)),
        SchemaField("note"),
    )
    assert output.facets == {}


def test_schema_facet_without_fields_is_an_empty_schema() -> None:
    assert parse(with_output_facets({"schema": BASE})).event.outputs[0].fields == ()


def test_column_lineage_spec_form() -> None:
    facet = {
        **BASE,
        "fields": {
            "total": {
                "inputFields": [
                    {
                        "namespace": "pg",
                        "name": "orders",
                        "field": "amount",
                        "transformations": [
                            {"type": "DIRECT", "subtype": "AGGREGATION", "description": "sum", "masking": False},
                            {"type": "INDIRECT", "subtype": "FILTER"},
                        ],
                    },
                    {
                        "namespace": "pg",
                        "name": "orders",
                        "field": "email",
                        "transformations": [{"type": "DIRECT", "masking": True}],
                    },
                ]
            }
        },
        "dataset": [
            {
                "namespace": "pg",
                "name": "orders",
                "field": "status",
                "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}],
            }
        ],
    }
    output = parse(with_output_facets({"columnLineage": facet})).event.outputs[0]
    assert output.column_lineage == (
        FieldLineage(
            "total",
            (
                InputField(
                    "pg",
                    "orders",
                    "amount",
                    (Transformation("DIRECT", "AGGREGATION", "sum", False), Transformation("INDIRECT", "FILTER")),
                ),
                InputField("pg", "orders", "email", (Transformation("DIRECT", masking=True),)),
            ),
        ),
        FieldLineage("", (InputField("pg", "orders", "status", (Transformation("INDIRECT", "FILTER"),)),)),
    )
    assert output.facets == {}


def test_column_lineage_legacy_form_gives_one_transformation_per_input() -> None:
    facet = {
        "fields": {
            "email_hash": {
                "inputFields": [
                    {"namespace": "pg", "name": "users", "field": "email"},
                    {"namespace": "pg", "name": "users", "field": "salt"},
                ],
                "transformationType": "MASKED",
                "transformationDescription": "sha256(email || salt)",
            },
            "day": {
                "inputFields": [{"namespace": "pg", "name": "orders", "field": "placed_on"}],
                "transformationType": "",
                "transformationDescription": "",
            },
        }
    }
    lineage = parse(with_output_facets({"columnLineage": facet})).event.outputs[0].column_lineage
    masked = Transformation("MASKED", None, "sha256(email || salt)", True)
    assert lineage == (
        FieldLineage(
            "email_hash",
            (InputField("pg", "users", "email", (masked,)), InputField("pg", "users", "salt", (masked,))),
        ),
        FieldLineage("day", (InputField("pg", "orders", "placed_on"),)),
    )


def test_column_lineage_per_input_transformations_win_over_legacy_ones() -> None:
    facet = {
        "fields": {
            "a": {
                "inputFields": [{"namespace": "n", "name": "t", "field": "a", "transformations": []}],
                "transformationType": "IDENTITY",
            }
        }
    }
    lineage = parse(with_output_facets({"columnLineage": facet})).event.outputs[0].column_lineage
    assert lineage == (FieldLineage("a", (InputField("n", "t", "a"),)),)


def test_symlinks_facet() -> None:
    identifiers = [
        {"namespace": "hive://ms:9083", "name": "db.t", "type": "TABLE"},
        {"namespace": "s3://b", "name": "p"},
    ]
    facet = {**BASE, "identifiers": identifiers}
    output = parse(with_output_facets({"symlinks": facet})).event.outputs[0]
    assert output.symlinks == (Symlink("hive://ms:9083", "db.t", "TABLE"), Symlink("s3://b", "p"))
    assert output.facets == {}


def test_parent_facet_becomes_run_parent() -> None:
    doc = run_event()
    parent = {**BASE, "run": {"runId": "p-run"}, "job": {"namespace": "airflow", "name": "dag"}}
    doc["run"]["facets"] = {"parent": parent}
    run = parse(doc).event.run
    assert run is not None
    assert run.parent == ParentRun("p-run", "airflow", "dag")
    assert run.facets == {}


def test_parent_facet_root_and_forwarded_facets_are_kept_as_json() -> None:
    root = {"run": {"runId": "root-run"}, "job": {"namespace": "airflow", "name": "root-dag"}}
    doc = run_event()
    parent_job = {"namespace": "airflow", "name": "dag"}
    parent = {**BASE, "run": {"runId": "p-run", "facets": {}}, "job": parent_job, "root": root}
    doc["run"]["facets"] = {"parent": parent}
    run = parse(doc).event.run
    assert run is not None and run.parent == ParentRun("p-run", "airflow", "dag")
    assert json.loads(run.facets["parent"]) == {**BASE, "run": {"facets": {}}, "root": root}
