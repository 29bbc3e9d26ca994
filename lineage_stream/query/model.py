"""The answers, as frozen typed values (the CLI and the HTTP API render the same objects)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DatasetRef:
    namespace: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.namespace}|{self.name}"

    def __str__(self) -> str:
        return f"{self.namespace} {self.name}"


@dataclass(frozen=True, slots=True)
class Match:
    """How a user's text was matched: the spelling tried and the rule that matched it."""

    namespace: str
    name: str
    how: str  # "canonical", "raw identifier", "alias"


@dataclass(frozen=True, slots=True)
class Resolution:
    """The canonical dataset a user's text names, and every dataset ``ALIAS_OF`` makes the same one."""

    text: str
    dataset: DatasetRef
    how: str
    aliases: tuple[DatasetRef, ...] = ()

    @property
    def members(self) -> tuple[DatasetRef, ...]:
        return (self.dataset, *self.aliases)


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """One job-level hop: ``source`` is read by ``job`` which writes ``target``; ``hop`` counts datasets
    away from the asked dataset (1 = next to it)."""

    source: DatasetRef
    job: DatasetRef
    target: DatasetRef
    hop: int
    direction: str  # "upstream" or "downstream"


@dataclass(frozen=True, slots=True)
class Lineage:
    resolution: Resolution
    edges: tuple[LineageEdge, ...]
    depth: int
    as_of_us: int | None
    truncated: bool
    limit: int
    alias_links: tuple[tuple[DatasetRef, DatasetRef], ...] = field(default=())

    def datasets(self) -> list[DatasetRef]:
        seen: dict[DatasetRef, None] = {self.resolution.dataset: None}
        for edge in self.edges:
            seen.setdefault(edge.source)
            seen.setdefault(edge.target)
        for a, b in self.alias_links:
            seen.setdefault(a)
            seen.setdefault(b)
        return list(seen)

    def jobs(self) -> list[DatasetRef]:
        return list(dict.fromkeys(edge.job for edge in self.edges))


@dataclass(frozen=True, slots=True)
class JobLineage:
    """A job's lineage: what it reads and writes, upstream of its inputs and downstream of its outputs."""

    job: DatasetRef
    inputs: tuple[DatasetRef, ...]
    outputs: tuple[DatasetRef, ...]
    edges: tuple[LineageEdge, ...]
    depth: int
    truncated: bool

    def datasets(self) -> list[DatasetRef]:
        seen: dict[DatasetRef, None] = dict.fromkeys((*self.inputs, *self.outputs))
        for edge in self.edges:
            seen.setdefault(edge.source)
            seen.setdefault(edge.target)
        return list(seen)

    def jobs(self) -> list[DatasetRef]:
        return list(dict.fromkeys((self.job, *(edge.job for edge in self.edges))))


@dataclass(frozen=True, slots=True)
class ImpactRow:
    dataset: DatasetRef
    hop: int
    producers: tuple[tuple[DatasetRef, str | None, int | None], ...]  # (job, last run state, its time us)


@dataclass(frozen=True, slots=True)
class Impact:
    resolution: Resolution
    rows: tuple[ImpactRow, ...]
    depth: int
    truncated: bool
    limit: int


@dataclass(frozen=True, slots=True)
class Column:
    namespace: str
    dataset: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace} {self.dataset}.{self.name}"


@dataclass(frozen=True, slots=True)
class ColumnEdge:
    source: Column
    target: Column
    transformation: str
    subtype: str
    hop: int
    direction: str


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    state: str
    started_at_us: int | None
    ended_at_us: int | None
    state_at_us: int | None
    inputs: tuple[DatasetRef, ...]
    outputs: tuple[DatasetRef, ...]


@dataclass(frozen=True, slots=True)
class SchemaVersionRow:
    fingerprint: str
    first_seen_us: int
    last_seen_us: int
    fields: tuple[tuple[str, str, str], ...]  # (name, type, description)
    added: tuple[str, ...]
    removed: tuple[str, ...]
    retyped: tuple[str, ...]
