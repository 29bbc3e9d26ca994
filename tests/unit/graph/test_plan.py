from __future__ import annotations

import random

from lineage_stream.graph.plan import plan_batch
from lineage_stream.model import FieldLineage, InputField, ParentRun, RunState, SchemaField, Transformation
from dataclasses import replace
from factories import BASE_US, dataset, run_event


def test_rows_are_aggregated_per_node_and_edge():
    events = [
        run_event("r1", state=RunState.START, at_us=BASE_US + 5, inputs=(dataset("a"),), outputs=(dataset("b"),)),
        run_event("r1", state=RunState.COMPLETE, at_us=BASE_US + 9, inputs=(dataset("a"),), outputs=(dataset("b"),)),
        run_event("r2", state=RunState.START, at_us=BASE_US + 1, inputs=(dataset("a"),)),
    ]
    batch = plan_batch(events)
    assert sorted((d["name"], d["first"], d["last"]) for d in batch.datasets) == [
        ("a", BASE_US + 1, BASE_US + 9), ("b", BASE_US + 5, BASE_US + 9)]
    runs = {r["run_id"]: r for r in batch.runs}
    assert runs["r1"]["state"] == "COMPLETE" and runs["r1"]["started"] == BASE_US + 5
    assert runs["r2"]["state"] == "START"
    assert sorted((r["run_id"], r["name"]) for r in batch.run_reads) == [("r1", "a"), ("r2", "a")]
    assert [(r["run_id"], r["name"]) for r in batch.run_writes] == [("r1", "b")]


def test_run_state_never_moves_backwards_whatever_the_order():
    events = [
        run_event("r", state=RunState.START, at_us=BASE_US + 1),
        run_event("r", state=RunState.RUNNING, at_us=BASE_US + 2),
        run_event("r", state=RunState.COMPLETE, at_us=BASE_US + 3),
        run_event("r", state=RunState.START, at_us=BASE_US + 4),  # late START, stamped later
    ]
    for seed in range(20):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        (run,) = plan_batch(shuffled).runs
        assert (run["state"], run["state_at"], run["started"]) == ("COMPLETE", BASE_US + 3, BASE_US + 1)


def test_plan_is_independent_of_event_order():
    events = [run_event(f"r{i % 3}", state=s, at_us=BASE_US + i, inputs=(dataset(f"in{i % 4}"),), outputs=(dataset("out"),))
              for i, s in enumerate([RunState.START, RunState.COMPLETE, RunState.FAIL] * 4)]
    reference = plan_batch(events)
    for seed in range(10):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        again = plan_batch(shuffled)
        for attribute in ("datasets", "runs", "run_reads", "run_read_facets", "run_writes", "run_write_facets"):
            key = lambda row: sorted(row.items(), key=lambda kv: kv[0]).__repr__()
            assert sorted(map(key, resolved(again, attribute))) == sorted(map(key, resolved(reference, attribute)))


# A row names a node merged earlier in the batch by its index in that statement's rows: (key, the
# rows it indexes, the fields that identify the referenced row).
REFERENCES = {"d": ("datasets", ("namespace", "name")), "j": ("jobs", ("namespace", "name")),
              "r": ("runs", ("run_id", "job_namespace", "job_name")),
              "v": ("schema_versions", ("namespace", "name", "fingerprint"))}


def resolved(batch, attribute):
    """The rows of ``attribute`` with each reference replaced by the identity of the row it indexes."""
    out = []
    for row in getattr(batch, attribute):
        row = dict(row)
        for key, (target, identity) in REFERENCES.items():
            if key in row:
                referenced = getattr(batch, target)[row[key]]
                row[key] = tuple(referenced[name] for name in identity)
        out.append(row)
    return out


# What each row kind's references must resolve to, in the row's own fields.
EXPECTED = {
    "runs": {"j": ("job_namespace", "job_name")},
    "run_reads": {"r": ("run_id", "job_namespace", "job_name"), "d": ("namespace", "name"), "j": ("job_namespace", "job_name")},
    "run_writes": {"r": ("run_id", "job_namespace", "job_name"), "d": ("namespace", "name"), "j": ("job_namespace", "job_name")},
    "run_read_facets": {"d": ("namespace", "name")},
    "run_write_facets": {"d": ("namespace", "name")},
    "schemas": {"d": ("namespace", "name")},
    "schema_versions": {"d": ("namespace", "name")},
    "fields": {"d": ("namespace", "name"), "v": ("namespace", "name", "fingerprint")},
    "column_edges": {"d": ("out_namespace", "out_name")},
}


def test_every_reference_indexes_the_row_of_the_node_it_names_whatever_the_order():
    from lineage_stream.model import Symlink

    def out(name, i):
        return dataset(name, fields=(SchemaField("x", "INT" if i % 2 else "BIGINT"),),
                       column_lineage=(FieldLineage("x", (InputField("postgres://db:5432", f"src{i % 3}", "x", ()),)),),
                       symlinks=(Symlink("hive://meta", f"alias_{name}", "TABLE"),),
                       io_facets={"outputStatistics": f'{{"rowCount":{i}}}'})

    events = [run_event(f"r{i % 5}", state=s, at_us=BASE_US + i, job=("ns", f"job{i % 3}"),
                        inputs=(dataset(f"in{i % 4}", io_facets={"dataQualityMetrics": f'{{"rowCount":{i}}}'}),
                                dataset(f"in{(i + 1) % 4}")), outputs=(out(f"out{i % 2}", i),))
              for i, s in enumerate([RunState.START, RunState.COMPLETE, RunState.FAIL] * 6)]
    events += [replace(events[0], event_id="same-run-other-job", job=replace(events[0].job, name="copied"))]
    for seed in range(10):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        batch = plan_batch(shuffled)
        for attribute, references in EXPECTED.items():
            rows = getattr(batch, attribute)
            assert rows, attribute
            for row, resolved_row in zip(rows, resolved(batch, attribute)):
                assert set(references) <= set(row), (attribute, row)
                for key, own in references.items():
                    expected = tuple(row[name] for name in own)
                    assert resolved_row[key][:len(expected)] == expected, (attribute, key, row)
        for row, resolved_row in zip(batch.run_write_facets, resolved(batch, "run_write_facets")):
            assert resolved_row["r"][0] == row["run_id"]
        # Symlinks run before the datasets' statement (so it can resolve aliases once): by identity.
        assert batch.symlinks and all("d" not in row and row["namespace"] and row["name"] for row in batch.symlinks)


def test_schema_column_lineage_parent_and_offsets():
    out = dataset("b", fields=(SchemaField("x", "INT", fields=(SchemaField("y", "INT"),)),),
                  column_lineage=(FieldLineage("x", (InputField("postgres://db:5432", "a", "x",
                                                                (Transformation("DIRECT", "IDENTITY", None, True),)),)),))
    event = run_event("r", outputs=(out,))
    event = replace(event, run=replace(event.run, parent=ParentRun("p", "airflow", "dag")))
    batch = plan_batch([event], [{"group": "g", "topic": "t", "partition": 0, "next_offset": 7}])
    assert [f["name"] for f in batch.schemas[0]["fields"]] == ["x", "x.y"]
    (edge,) = batch.column_edges
    assert (edge["in_name"], edge["in_field"], edge["out_field"], edge["type"], edge["masking"]) == ("a", "x", "x", "DIRECT", True)
    assert batch.parents[0]["parent_run_id"] == "p"
    assert batch.offsets[0]["next_offset"] == 7


def test_empty_batch():
    assert plan_batch([]).is_empty()
    assert not plan_batch([], [{"group": "g", "topic": "t", "partition": 0, "next_offset": 1}]).is_empty()


def test_facets_are_one_row_per_facet_name():
    from lineage_stream.model import Job
    event = replace(run_event(), job=Job("ns", "job", {"sql": '{"query":"SELECT 1"}', "a": "[1]"}))
    (job,) = plan_batch([event]).jobs
    assert job["facets"] == [{"name": "a", "at": event.event_time_us, "text": "[1]"},
                             {"name": "sql", "at": event.event_time_us, "text": '{"query":"SELECT 1"}'}]


def test_schema_versions_are_one_row_per_distinct_schema():
    v1 = (SchemaField("a", "INT"),)
    v2 = (SchemaField("a", "INT"), SchemaField("b", "TEXT"))
    events = [run_event(f"r{i}", at_us=BASE_US + i, outputs=(dataset("t", fields=fields),))
              for i, fields in enumerate([v1, v1, v2, v1])]
    versions = sorted(plan_batch(events).schema_versions, key=lambda v: v["first"])
    assert [(v["first"], v["last"]) for v in versions] == [(BASE_US, BASE_US + 3), (BASE_US + 2, BASE_US + 2)]
    (current,) = plan_batch(events).schemas
    assert [f["name"] for f in current["fields"]] == ["a"] and current["at"] == BASE_US + 3


def test_a_schema_seen_in_an_earlier_batch_plans_the_same_rows_and_later_batches_cannot_alter_them():
    fields = (SchemaField("id", "BIGINT", "key"), SchemaField("address", "STRUCT", fields=(SchemaField("city", "STRING"),)))
    first = plan_batch([run_event("r1", outputs=(dataset("t", fields=fields),))])
    first.fields[0]["fields"].append({"name": "injected"})  # a caller mutating its batch's rows
    first.schemas[0]["fields"].clear()
    again = plan_batch([run_event("r2", outputs=(dataset("t", fields=tuple(fields)),))])
    assert [f["name"] for f in again.fields[0]["fields"]] == ["id", "address", "address.city"]
    assert [f["name"] for f in again.schemas[0]["fields"]] == ["id", "address", "address.city"]
    assert again.schema_versions[0]["fingerprint"] == first.schema_versions[0]["fingerprint"]
    renamed = plan_batch([run_event("r3", outputs=(dataset("t", fields=(SchemaField("id", "INT", "key"),)),))])
    assert renamed.schema_versions[0]["fingerprint"] != first.schema_versions[0]["fingerprint"]


def test_schemas_that_share_field_objects_plan_each_of_their_fields_alike():
    """A field's rows are kept per field object and shared by the schemas that hold it (the decoder
    builds one object per distinct field): each schema still plans all of its own fields, nested ones
    by dotted path, and its fingerprint is that of an equal schema made of other objects."""
    key, address = SchemaField("id", "BIGINT", "key"), SchemaField("address", "STRUCT", fields=(SchemaField("city", "STRING"),))

    def planned(name: str, fields: tuple[SchemaField, ...]):
        return plan_batch([run_event(f"r-{name}", outputs=(dataset(name, fields=fields),))])

    one, two = planned("t", (key, address)), planned("u", (SchemaField("note", "TEXT"), address, key))
    assert [f["name"] for f in one.fields[0]["fields"]] == ["id", "address", "address.city"]
    assert [f["name"] for f in two.fields[0]["fields"]] == ["note", "address", "address.city", "id"]
    copied = planned("v", (SchemaField("id", "BIGINT", "key"),
                           SchemaField("address", "STRUCT", fields=(SchemaField("city", "STRING"),))))
    assert copied.schema_versions[0]["fingerprint"] == one.schema_versions[0]["fingerprint"]
    assert copied.fields[0]["fields"] == one.fields[0]["fields"]
    assert two.schema_versions[0]["fingerprint"] != one.schema_versions[0]["fingerprint"]
