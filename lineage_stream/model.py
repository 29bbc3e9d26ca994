"""Frozen, typed messages that flow between pipeline stages.

A ``LineageEvent`` is the one shape every input format (Avro, OpenLineage JSON) decodes into and
every later stage (dedup, normalize, redact, rollup, write) reads and returns. Facets we do not
model keep their JSON text in ``facets`` so nothing a producer sent is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping


class EventKind(str, Enum):
    RUN = "RUN"
    DATASET = "DATASET"
    JOB = "JOB"


class RunState(str, Enum):
    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


TERMINAL_STATES = frozenset({RunState.COMPLETE, RunState.ABORT, RunState.FAIL})

# A run's state only moves forward: a late START never overrides COMPLETE.
STATE_RANK: Mapping[RunState, int] = {
    RunState.OTHER: 0,
    RunState.START: 1,
    RunState.RUNNING: 2,
    RunState.COMPLETE: 3,
    RunState.ABORT: 3,
    RunState.FAIL: 3,
}

FacetMap = Mapping[str, str]
"""Facet name → the facet's JSON text, for facets the graph does not model."""


@dataclass(frozen=True, slots=True)
class Transformation:
    type: str
    subtype: str | None = None
    description: str | None = None
    masking: bool = False


@dataclass(frozen=True, slots=True)
class InputField:
    namespace: str
    name: str
    field: str
    transformations: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldLineage:
    """Column lineage: ``output_field`` of the dataset is derived from ``inputs``."""

    output_field: str
    inputs: tuple[InputField, ...]


@dataclass(frozen=True, slots=True)
class SchemaField:
    name: str
    type: str | None = None
    description: str | None = None
    fields: tuple[SchemaField, ...] = ()


@dataclass(frozen=True, slots=True)
class Symlink:
    """Another identifier for the same dataset (OpenLineage ``symlinks`` facet)."""

    namespace: str
    name: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Dataset:
    namespace: str
    name: str
    fields: tuple[SchemaField, ...] | None = None
    column_lineage: tuple[FieldLineage, ...] = ()
    symlinks: tuple[Symlink, ...] = ()
    facets: FacetMap = field(default_factory=dict)
    io_facets: FacetMap = field(default_factory=dict)
    """inputFacets or outputFacets, by the side the dataset stands on."""
    raw_namespace: str | None = None
    raw_name: str | None = None
    naming_rule: str | None = None
    """Set by the normalize stage: the identifiers as sent and the rule that canonicalized them."""
    partitions: tuple[str, ...] = ()
    """Set by the rollup stage: the partition paths folded into this dataset."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class ParentRun:
    run_id: str
    job_namespace: str
    job_name: str


@dataclass(frozen=True, slots=True)
class Run:
    run_id: str
    parent: ParentRun | None = None
    facets: FacetMap = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    namespace: str
    name: str
    facets: FacetMap = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineageEvent:
    """One OpenLineage-shaped event: a RunEvent, DatasetEvent or JobEvent."""

    event_id: str
    kind: EventKind
    event_time_us: int
    """Microseconds since the Unix epoch, UTC."""
    producer: str
    event_type: RunState | None = None
    schema_url: str | None = None
    run: Run | None = None
    job: Job | None = None
    inputs: tuple[Dataset, ...] = ()
    outputs: tuple[Dataset, ...] = ()
    dataset: Dataset | None = None
    """The subject of a DatasetEvent."""


@dataclass(frozen=True, slots=True)
class RecordOrigin:
    """Where a record came from in Kafka; carried beside the event for offsets and dead letters."""

    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    timestamp_ms: int | None = None
    headers: tuple[tuple[str, bytes | None], ...] = ()
