from __future__ import annotations

import io
import json
from itertools import pairwise

import fastavro
import pytest

from lineage_stream.contract import event_from_record, event_to_record, frame, latest_schema, schema_versions, unframe
from lineage_stream.contract.compat import backward_problems
from lineage_stream.errors import DecodeError
from lineage_stream.model import (
    FieldLineage, InputField, ParentRun, Run, RunState, SchemaField, Symlink, Transformation,
)
from factories import dataset, run_event


def full_event():
    out = dataset(
        "analytics.orders",
        fields=(SchemaField("id", "BIGINT", "key"), SchemaField("address", "STRUCT", fields=(SchemaField("city", "STRING"),))),
        column_lineage=(FieldLineage("id", (InputField("ns", "raw.orders", "order_id",
                                                       (Transformation("DIRECT", "IDENTITY", None, True),)),)),),
        symlinks=(Symlink("hive://metastore", "db.orders", "TABLE"),),
        facets={"documentation": '{"description":"d"}'},
        io_facets={"outputStatistics": '{"rowCount":3}'},
    )
    event = run_event(state=RunState.COMPLETE, inputs=(dataset("raw.orders"),), outputs=(out,))
    from dataclasses import replace
    return replace(event, run=Run("run-1", ParentRun("parent", "airflow", "dag"), {"nominalTime": "{}"}), schema_url="s")


def test_round_trip_through_avro_keeps_every_field():
    schema = latest_schema()
    event = full_event()
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema.parsed, event_to_record(event))
    record = fastavro.schemaless_reader(io.BytesIO(buffer.getvalue()), schema.parsed, schema.parsed)
    assert event_from_record(record) == event


def test_wire_frame_round_trip_and_errors():
    schema_id, body = unframe(frame(42, b"abc"))
    assert (schema_id, bytes(body)) == (42, b"abc")
    for bad, reason in ((b"", "empty"), (None, "empty"), (b"\x00\x00", "shorter"), (b"\x01\x00\x00\x00\x01x", "magic")):
        with pytest.raises(DecodeError, match=reason):
            unframe(bad)


def test_versions_are_numbered_from_one_without_gaps():
    versions = [v.version for v in schema_versions()]
    assert versions == list(range(1, len(versions) + 1))


@pytest.mark.parametrize("old,new", list(pairwise(schema_versions())), ids=lambda v: f"v{v.version}")
def test_each_version_reads_data_written_with_the_previous_one(old, new):
    assert backward_problems(old.text, new.text) == []


def _mutated(mutate):
    document = json.loads(latest_schema().text)
    mutate(document)
    return json.dumps(document)


@pytest.mark.parametrize("mutate,expected", [
    (lambda d: d["fields"].append({"name": "tenant", "type": "string"}), "new field without a default"),
    (lambda d: d["fields"][3].update(type="int"), "long cannot be read as int"),
    (lambda d: (d["fields"][1]["type"]["symbols"].remove("JOB"), d["fields"][1]["type"].pop("default")), "lacks symbols"),
    (lambda d: d["fields"][0].update(type="boolean"), "string cannot be read as boolean"),
])
def test_checker_rejects_incompatible_changes(mutate, expected):
    problems = backward_problems(latest_schema().text, _mutated(mutate))
    assert any(expected in p for p in problems), problems


def test_checker_accepts_compatible_evolution():
    def evolve(d):
        d["fields"].append({"name": "tenant", "type": ["null", "string"], "default": None})
        d["fields"][2]["type"][1]["symbols"].append("PAUSED")  # enum has a default
    assert backward_problems(latest_schema().text, _mutated(evolve)) == []


def test_checker_promotes_numeric_types():
    writer = json.dumps({"type": "record", "name": "R", "fields": [{"name": "n", "type": "int"}]})
    reader = json.dumps({"type": "record", "name": "R", "fields": [{"name": "n", "type": "long"}]})
    assert backward_problems(writer, reader) == []
    assert backward_problems(reader, writer) != []


def test_equal_schemas_decode_to_one_shared_object_and_different_ones_do_not():
    from lineage_stream.contract.codec import Schemas

    schemas = Schemas(entries=2)
    record = event_to_record(full_event())
    first, second = event_from_record(record, schemas), event_from_record(event_to_record(full_event()), schemas)
    assert first == second == full_event()
    assert first.outputs[0].fields is second.outputs[0].fields
    other = event_to_record(full_event())
    other["outputs"][0]["fields"][1]["fields"][0]["type"] = "VARCHAR"  # a nested field's type differs
    changed = event_from_record(other, schemas)
    assert changed.outputs[0].fields is not first.outputs[0].fields
    assert changed.outputs[0].fields[1].fields[0] == SchemaField("city", "VARCHAR")
    for n in range(3):  # bounded (two generations of two), and still builds correctly
        record = event_to_record(full_event())
        record["outputs"][0]["fields"][0]["name"] = f"id_{n}"
        assert event_from_record(record, schemas).outputs[0].fields[0].name == f"id_{n}"
    assert len(schemas._built) <= 4


def test_schemas_share_their_fields_so_a_schema_seen_once_costs_only_what_is_new_in_it():
    """Versions of a table's schema, and tables with the same columns, share the fields both have:
    a changed field (here a description, then a nested type) is a new object, the others are the very
    objects built before, nested fields included; the field memo is bounded and builds correctly
    after forgetting."""
    from lineage_stream.contract.codec import Schemas

    schemas = Schemas(entries=8, field_entries=4)

    def fields(description: str, nested_type: str = "STRING") -> tuple[SchemaField, ...]:
        record = event_to_record(full_event())
        record["outputs"][0]["fields"][0]["description"] = description
        record["outputs"][0]["fields"][1]["fields"][0]["type"] = nested_type
        return event_from_record(record, schemas).outputs[0].fields

    first, second, third = fields("key"), fields("a ticket by jane"), fields("key", "VARCHAR")
    assert first is fields("key") and first == full_event().outputs[0].fields
    assert second[0] == SchemaField("id", "BIGINT", "a ticket by jane") and second[0] is not first[0]
    assert second[1] is first[1] and second[1].fields[0] is first[1].fields[0]
    assert third[0] is first[0] and third[1] is not first[1]
    assert third[1] == SchemaField("address", "STRUCT", fields=(SchemaField("city", "VARCHAR"),))
    for n in range(12):  # many new fields: both memos stay bounded, every schema still built right
        assert fields(f"note {n}")[0] == SchemaField("id", "BIGINT", f"note {n}")
    assert len(schemas._fields) <= 8 and len(schemas._built) <= 16
    assert fields("key") == first


def test_equal_column_lineage_decodes_to_one_shared_object():
    from lineage_stream.contract.codec import Schemas

    schemas = Schemas(entries=2)

    def lineage(transformation_subtype: str):
        record = event_to_record(full_event())
        record["outputs"][0]["column_lineage"][0]["inputs"][0]["transformations"][0]["subtype"] = transformation_subtype
        return event_from_record(record, schemas).outputs[0].column_lineage

    first = lineage("IDENTITY")
    assert first is lineage("IDENTITY") and first == full_event().outputs[0].column_lineage
    other = lineage("AGGREGATION")
    assert other is not first and other[0].inputs[0].transformations[0].subtype == "AGGREGATION"
    for n in range(5):  # bounded, and still built right
        assert lineage(f"S{n}")[0].inputs[0].transformations[0].subtype == f"S{n}"
    assert len(schemas._lineages) <= 4
