"""The messages' own helpers."""

from __future__ import annotations

from dataclasses import fields

from lineage_stream.model import Dataset, EventKind, Job, LineageEvent, Run, RunState


def test_with_parts_keeps_every_other_field_of_the_event():
    # with_parts names each field: one added to the event must be added there too.
    assert [f.name for f in fields(LineageEvent)] == [
        "event_id", "kind", "event_time_us", "producer", "event_type", "schema_url", "run", "job", "inputs",
        "outputs", "dataset"]
    event = LineageEvent("e", EventKind.RUN, 5, "p", RunState.COMPLETE, "https://schema", Run("r"), Job("n", "j"),
                         (Dataset("a", "b"),), (Dataset("c", "d"),), Dataset("e", "f"))
    assert event.with_parts(event.run, event.job, event.inputs, event.outputs, event.dataset) == event
    other = event.with_parts(None, None, (), (), None)
    assert (other.event_id, other.kind, other.event_time_us, other.producer, other.event_type, other.schema_url) == (
        "e", EventKind.RUN, 5, "p", RunState.COMPLETE, "https://schema")
    assert (other.run, other.job, other.inputs, other.outputs, other.dataset) == (None, None, (), (), None)
