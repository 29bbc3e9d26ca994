"""What every decoded event must satisfy before it enters the pipeline.

Limits keep memory and time bounded whatever a producer sends; each breach is a typed rejection
(``ValidationError``) that sends the record to the dead-letter topic with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lineage_stream.errors import ValidationError
from lineage_stream.model import Dataset, EventKind, LineageEvent

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    max_id_chars: int = 256
    """event_id and run_id."""
    max_name_chars: int = 4096
    """job and dataset namespaces and names, producer."""
    max_datasets: int = 10_000
    """inputs plus outputs of one event."""
    max_fields: int = 10_000
    """schema fields of one dataset, nested ones included."""
    max_column_edges: int = 100_000
    """column-lineage input fields of one event."""
    max_future_us: int = DAY_US
    """how far ahead of the worker's clock an event time may be (clock skew)."""


DEFAULT_LIMITS = Limits()


def _text(value: str, what: str, limit: int) -> None:
    if not value.strip():
        raise ValidationError(f"blank {what}")
    if len(value) > limit:
        raise ValidationError(f"{what} of {len(value)} characters exceeds {limit}")
    if _CONTROL.search(value):
        raise ValidationError(f"{what} contains control characters")


def _count_fields(dataset: Dataset) -> int:
    stack = list(dataset.fields or ())
    count = 0
    while stack:
        field = stack.pop()
        count += 1
        stack.extend(field.fields)
    return count


def validate_event(event: LineageEvent, now_us: int, limits: Limits = DEFAULT_LIMITS) -> LineageEvent:
    """Return ``event`` unchanged if it is acceptable.

    Raises:
        ValidationError: a required part is missing, an identifier is blank, too long or has control
            characters, a limit is exceeded, or the event time is before 1970 or too far in the future.
    """
    _text(event.event_id, "event_id", limits.max_id_chars)
    if len(event.producer) > limits.max_name_chars:
        raise ValidationError(f"producer of {len(event.producer)} characters exceeds {limits.max_name_chars}")
    if event.event_time_us < 0:
        raise ValidationError("event time before 1970")
    if event.event_time_us > now_us + limits.max_future_us:
        raise ValidationError(
            f"event time {event.event_time_us} µs is more than {limits.max_future_us // DAY_US} day(s) in the future "
            "(a clock far ahead, or nanoseconds where microseconds belong)"
        )
    if event.kind is EventKind.RUN:
        if event.run is None:
            raise ValidationError("run event without a run")
        _text(event.run.run_id, "run ID", limits.max_id_chars)
        if event.run.parent is not None:
            _text(event.run.parent.run_id, "parent run ID", limits.max_id_chars)
            _text(event.run.parent.job_namespace, "parent job namespace", limits.max_name_chars)
            _text(event.run.parent.job_name, "parent job name", limits.max_name_chars)
    if event.kind in (EventKind.RUN, EventKind.JOB) and event.job is None:
        raise ValidationError(f"{event.kind.value.lower()} event without a job")
    if event.job is not None:
        _text(event.job.namespace, "job namespace", limits.max_name_chars)
        _text(event.job.name, "job name", limits.max_name_chars)
    if event.kind is EventKind.DATASET and event.dataset is None:
        raise ValidationError("dataset event without a dataset")
    datasets = [*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])]
    if len(datasets) > limits.max_datasets:
        raise ValidationError(f"{len(datasets)} datasets in one event exceed {limits.max_datasets}")
    edges = 0
    for dataset in datasets:
        fields = _count_fields(dataset)
        if fields > limits.max_fields:
            raise ValidationError(f"dataset with {fields} schema fields exceeds {limits.max_fields}")
        edges += sum(len(lineage.inputs) for lineage in dataset.column_lineage)
    if edges > limits.max_column_edges:
        raise ValidationError(f"{edges} column-lineage edges in one event exceed {limits.max_column_edges}")
    return event
