from __future__ import annotations

from dataclasses import replace

import pytest

from lineage_stream.errors import ValidationError
from lineage_stream.model import Job, Run, SchemaField
from lineage_stream.pipeline.validate import DAY_US, Limits, validate_event
from factories import BASE_US, dataset, run_event

NOW = BASE_US


def test_a_normal_event_passes_unchanged():
    event = run_event(inputs=(dataset("a"),))
    assert validate_event(event, NOW) is event


@pytest.mark.parametrize("change,reason", [
    (lambda e: replace(e, event_id=""), "blank event_id"),
    (lambda e: replace(e, event_id="x" * 257), "event_id of 257 characters"),
    (lambda e: replace(e, run=Run("a\x00b")), "control characters"),
    (lambda e: replace(e, run=Run(" ")), "blank run ID"),
    (lambda e: replace(e, job=Job("ns", "j" * 65_536)), "job name of 65536 characters"),
    (lambda e: replace(e, job=Job("ns", "x\ny")), "job name contains control"),
    (lambda e: replace(e, job=None), "run event without a job"),
    (lambda e: replace(e, event_time_us=-1), "before 1970"),
    (lambda e: replace(e, event_time_us=NOW + 2 * DAY_US), "in the future"),
    (lambda e: replace(e, event_time_us=NOW * 1000), "nanoseconds"),
])
def test_rejections_name_the_problem(change, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_event(change(run_event()), NOW)


def test_limits_bound_sizes():
    limits = Limits(max_datasets=2, max_fields=3)
    with pytest.raises(ValidationError, match="3 datasets"):
        validate_event(run_event(inputs=(dataset("a"), dataset("b"), dataset("c"))), NOW, limits)
    nested = (SchemaField("a", fields=(SchemaField("b", fields=(SchemaField("c"), SchemaField("d"))),)),)
    with pytest.raises(ValidationError, match="4 schema fields"):
        validate_event(run_event(outputs=(dataset("a", fields=nested),)), NOW, limits)


def test_cypher_looking_identifiers_are_just_text():
    name = "x'}) DETACH DELETE n //"
    assert validate_event(run_event(job=("ns", name)), NOW).job.name == name
