from __future__ import annotations

from lineage_stream_dev.bench.events import BASE_US, generate_events, namespace_token, recent_base_us
from lineage_stream.contract import event_from_record, event_to_record
from lineage_stream.model import EventKind, RunState


def test_same_arguments_same_events():
    assert generate_events(200, seed=3, token="t1") == generate_events(200, seed=3, token="t1")


def test_seed_and_token_change_the_events():
    base = generate_events(50, seed=3, token="t1")
    assert generate_events(50, seed=4, token="t1") != base
    other = generate_events(50, seed=3, token="t2")
    assert {e.run.run_id for e in other}.isdisjoint({e.run.run_id for e in base})


def test_exact_count_including_odd_and_zero():
    assert len(generate_events(0)) == 0
    assert len(generate_events(1)) == 1
    assert len(generate_events(101)) == 101


def test_runs_come_as_start_then_complete_pairs():
    events = generate_events(100, token="pairs")
    for start, complete in zip(events[::2], events[1::2]):
        assert start.run.run_id == complete.run.run_id
        assert (start.event_type, complete.event_type) == (RunState.START, RunState.COMPLETE)
        assert start.job == complete.job
        assert [d.key for d in start.outputs] == [d.key for d in complete.outputs]


def test_shape_is_realistic():
    events = generate_events(400, token="shape")
    assert all(e.kind is EventKind.RUN for e in events)
    assert all(1 <= len(e.inputs) <= 3 and 1 <= len(e.outputs) <= 2 for e in events)
    for event in events:
        for output in event.outputs:
            assert output.fields is not None and 8 <= len(output.fields) <= 12
            assert output.facets  # JSON facets on every output
        assert event.run.facets and event.job.facets
    assert any(d.column_lineage for e in events for d in e.outputs)
    assert any("/dt=" in d.name for e in events for d in e.outputs)  # partitions for the rollup stage
    assert any(e.run.parent is not None for e in events)
    assert all(d.io_facets for e in events if e.event_type is RunState.COMPLETE for d in e.outputs)
    assert len({e.event_id for e in events}) == len(events)


def test_every_namespace_carries_the_token():
    marker = namespace_token("abc123")
    for event in generate_events(200, token="abc123"):
        assert event.job.namespace == marker
        for dataset in (*event.inputs, *event.outputs):
            assert marker in dataset.namespace
            for lineage in dataset.column_lineage:
                assert all(marker in source.namespace for source in lineage.inputs)


def test_a_dataset_keeps_its_schema_across_events():
    schemas = {}
    for event in generate_events(2000, token="schema"):
        for output in event.outputs:
            key = (output.namespace, output.name.split("/dt=")[0])
            assert schemas.setdefault(key, output.fields) == output.fields


def test_event_times_step_one_millisecond_from_the_base():
    events = generate_events(10, base_us=BASE_US)
    assert [e.event_time_us for e in events] == [BASE_US + i * 1000 for i in range(10)]


def test_recent_base_ends_just_before_now():
    assert recent_base_us(1000, now_us=10_000_000_000) == 10_000_000_000 - 1_000_000 - 1_000_000


def test_events_survive_the_avro_record_codec():
    for event in generate_events(20, token="codec"):
        assert event_from_record(event_to_record(event)) == event
