"""Run decoded events through the stages; errors are data, collected beside the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Protocol, Sequence, TypeVar

from lineage_stream.errors import RejectedRecord
from lineage_stream.model import LineageEvent

T = TypeVar("T")


class Stage(Protocol):
    name: str

    def __call__(self, event: LineageEvent) -> LineageEvent | None: ...


@dataclass(frozen=True, slots=True)
class Rejection(Generic[T]):
    item: T
    error: RejectedRecord


@dataclass(slots=True)
class ChainResult(Generic[T]):
    """``oks`` went through every stage; ``dropped`` were dropped by a stage (named); ``errors`` were rejected."""

    oks: list[tuple[T, LineageEvent]] = field(default_factory=list)
    dropped: list[tuple[T, str]] = field(default_factory=list)
    errors: list[Rejection[T]] = field(default_factory=list)


def run_stages(stages: Sequence[Stage], items: Sequence[tuple[T, LineageEvent]]) -> ChainResult[T]:
    """Apply ``stages`` in order to each event; ``T`` is whatever the caller tracks with it (its Kafka origin)."""
    result: ChainResult[T] = ChainResult()
    for item, event in items:
        current: LineageEvent | None = event
        stage_name = ""
        try:
            for stage in stages:
                stage_name = stage.name
                current = stage(event)
                if current is None:
                    result.dropped.append((item, stage_name))
                    break
                event = current
        except RejectedRecord as error:
            if error.stage == "unknown":
                error.stage = stage_name
            result.errors.append(Rejection(item, error))
            continue
        if current is not None:
            result.oks.append((item, current))
    return result
