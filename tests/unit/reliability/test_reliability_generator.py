"""The generator of streams, delivery plans and hostile records: deterministic, and what it promises."""

from __future__ import annotations

from collections import Counter

import pytest

from lineage_stream.contract import latest_schema
from lineage_stream.errors import DecodeError, RejectedRecord
from lineage_stream.model import EventKind, RunState
from lineage_stream.openlineage import decode_openlineage_json
from lineage_stream.pipeline.decode import AvroDecoder, OpenLineageJsonDecoder
from lineage_stream.pipeline.redact import RedactStage
from lineage_stream.pipeline.validate import validate_event
from lineage_stream_dev.reliability.formats import avro_value, to_openlineage
from lineage_stream_dev.reliability.generator import StreamSpec, count_inverted_runs, generate_events, plan_delivery
from lineage_stream_dev.reliability.hostile import (
    AVRO_KINDS, CYPHER_KIND, OPENLINEAGE_KINDS, hostile_record, hostile_records, mix,
)
from lineage_stream_dev.reliability.reference import identifier_stages

SPEC = StreamSpec(events=2_500, seed=42, tag="unit1")
NOW_US = 1_800_000_000_000_000
SCHEMA_ID = 7


@pytest.fixture(scope="module")
def events():
    return generate_events(SPEC)


class Registry:
    def writer_schema(self, schema_id: int) -> object:
        if schema_id == SCHEMA_ID:
            return latest_schema().parsed
        raise DecodeError(f"unknown schema ID {schema_id}")


def test_same_spec_same_events_and_another_seed_other_events(events):
    assert generate_events(SPEC) == events
    assert generate_events(StreamSpec(events=2_500, seed=43, tag="unit1")) != events


def test_exact_count_unique_ids_and_times_and_tagged_identifiers(events):
    assert len(events) == SPEC.events
    assert len({e.event_id for e in events}) == len(events)
    assert len({e.event_time_us for e in events}) == len(events)
    assert [e.event_time_us for e in events] == sorted(e.event_time_us for e in events)
    for e in events:
        assert SPEC.tag in e.event_id
        if e.run is not None:
            assert SPEC.tag in e.run.run_id
        if e.job is not None:
            assert SPEC.tag in e.job.namespace
        for d in (*e.inputs, *e.outputs, *((e.dataset,) if e.dataset else ())):
            assert SPEC.tag in d.namespace.lower()


def test_the_stream_has_every_shape(events):
    kinds = Counter((e.kind, e.event_type) for e in events)
    for state in RunState:
        assert kinds[(EventKind.RUN, state)] > 0, state
    assert kinds[(EventKind.DATASET, None)] > 0 and kinds[(EventKind.JOB, None)] > 0
    datasets = [d for e in events for d in (*e.inputs, *e.outputs, *((e.dataset,) if e.dataset else ()))]
    assert any(d.fields for d in datasets) and any(f.fields for d in datasets for f in d.fields or ())
    assert any(i.transformations for d in datasets for c in d.column_lineage for i in c.inputs)
    assert any(not i.transformations for d in datasets for c in d.column_lineage for i in c.inputs)
    assert any(d.symlinks for d in datasets)
    assert any("/dt=" in d.name for d in datasets)
    assert any(e.run is not None and e.run.parent is not None for e in events)
    assert any("@example.com" in text for e in events if e.run for text in e.run.facets.values())


def test_every_event_passes_validation_and_the_identifier_stages(events):
    stages = identifier_stages()
    for event in events:
        current = validate_event(event, NOW_US)
        for stage in stages:
            current = stage(current)
        assert current is not None


def test_parents_span_their_children_lineage_reads_inputs_and_schemas_change_once(events):
    """Children lie inside their parent's span, lineage sources are inputs of the same event, and a
    dataset has at most two schemas, the second only after the first."""
    spans: dict[str, list[int]] = {}
    for e in events:
        if e.run is not None:
            spans.setdefault(e.run.run_id, []).append(e.event_time_us)
    stages = identifier_stages()
    schemas: dict[tuple[str, str], dict[object, list[int]]] = {}
    for raw in events:
        if raw.run is not None and raw.run.parent is not None:
            parent = spans[raw.run.parent.run_id]
            assert min(parent) < raw.event_time_us < max(parent)
        e = raw
        for stage in stages:
            e = stage(e)
        inputs = {d.key for d in e.inputs}
        for d in (*e.inputs, *e.outputs, *((e.dataset,) if e.dataset else ())):
            for lineage in d.column_lineage:
                assert {(i.namespace, i.name) for i in lineage.inputs} <= inputs
            if d.fields is not None:
                schemas.setdefault(d.key, {}).setdefault(d.fields, []).append(e.event_time_us)
    assert max(len(versions) for versions in schemas.values()) == 2
    for versions in schemas.values():
        if len(versions) == 2:
            first, second = sorted(versions.values())
            assert max(first) < min(second)


def test_delivery_plan_resends_and_reorders_deterministically(events):
    plan = plan_delivery(events, seed=3, resend=0.2, reorder=0.05, max_distance=16)
    assert plan == plan_delivery(events, seed=3, resend=0.2, reorder=0.05, max_distance=16)
    assert plan.resent == 500 and len(plan.events) == 3_000
    counts = Counter(e.event_id for e in plan.events)
    assert sum(n - 1 for n in counts.values()) == plan.resent and set(counts) == {e.event_id for e in events}
    by_id = {e.event_id: e for e in events}
    assert all(by_id[e.event_id] == e for e in plan.events), "a re-sent event is the same event"
    assert plan.inverted_runs > 0 and count_inverted_runs(events) == 0
    assert plan_delivery(events, seed=3).events == tuple(events)


def test_openlineage_json_round_trips_to_the_event_the_worker_decodes(events):
    for event in events[:400]:
        value, expected = to_openlineage(event)
        parsed = decode_openlineage_json(value)
        assert parsed.event == expected and not parsed.dropped_facets
        assert expected.event_id != event.event_id and to_openlineage(event)[1].event_id == expected.event_id


def test_avro_values_decode_to_the_event(events):
    decoder = AvroDecoder(Registry(), latest_schema(), max_bytes=4 << 20, clock_us=lambda: NOW_US)
    for event in events[:200]:
        assert decoder(avro_value(event, SCHEMA_ID)) == event


@pytest.mark.parametrize("kind", [*AVRO_KINDS, *OPENLINEAGE_KINDS])
def test_every_hostile_kind_is_rejected_with_a_typed_error(kind):
    avro = AvroDecoder(Registry(), latest_schema(), max_bytes=4 << 20, clock_us=lambda: NOW_US)
    openlineage = OpenLineageJsonDecoder(max_bytes=4 << 20, clock_us=lambda: NOW_US)
    for serial in range(3):  # identifier kinds alternate between a job and a dataset
        record = hostile_record(kind, tag="unit1", serial=serial, at_us=SPEC.base_us, now_us=NOW_US,
                                schema_id=SCHEMA_ID)
        assert not record.valid and record.key.startswith(b"bad-")
        with pytest.raises(RejectedRecord) as rejection:
            event = (avro if record.topic == "avro" else openlineage)(record.value)
            for stage in (*identifier_stages(), RedactStage()):
                event = stage(event)
        assert rejection.value.reason


@pytest.mark.parametrize("kind", [CYPHER_KIND, CYPHER_KIND + "_json"])
def test_cypher_identifiers_are_valid_and_decode_verbatim(kind):
    avro = AvroDecoder(Registry(), latest_schema(), max_bytes=4 << 20, clock_us=lambda: NOW_US)
    openlineage = OpenLineageJsonDecoder(max_bytes=4 << 20, clock_us=lambda: NOW_US)
    for record in hostile_records([kind], 4, tag="unit1", at_us=SPEC.base_us, now_us=NOW_US, schema_id=SCHEMA_ID):
        assert record.valid and record.event is not None
        decoded = (avro if record.topic == "avro" else openlineage)(record.value)
        assert decoded == record.event
        for stage in identifier_stages():
            decoded = stage(decoded)
        assert decoded.job is not None and decoded.job.name == record.event.job.name
        assert decoded.outputs[0].name == record.event.outputs[0].name


def test_mix_keeps_the_valid_order_and_inserts_every_bad_record():
    valid = [(b"k%d" % i, b"v%d" % i) for i in range(50)]
    bad = [(b"bad%d" % i, b"x") for i in range(5)]
    mixed = mix(valid, bad, seed=1)
    assert [r for r in mixed if r in valid] == valid and sorted(r for r in mixed if r in bad) == sorted(bad)
    assert mixed == mix(valid, bad, seed=1)
