"""Small builders of model objects for tests."""

from __future__ import annotations

from lineage_stream.model import Dataset, EventKind, Job, LineageEvent, Run, RunState

BASE_US = 1_763_600_000_000_000


def run_event(run_id: str = "run-1", *, event_id: str | None = None, state: RunState = RunState.START,
              at_us: int = BASE_US, job: tuple[str, str] = ("ns", "job"),
              inputs: tuple[Dataset, ...] = (), outputs: tuple[Dataset, ...] = ()) -> LineageEvent:
    return LineageEvent(
        event_id=event_id or f"{run_id}-{state.value}-{at_us}",
        kind=EventKind.RUN,
        event_time_us=at_us,
        producer="tests",
        event_type=state,
        run=Run(run_id),
        job=Job(*job),
        inputs=inputs,
        outputs=outputs,
    )


def dataset(name: str, namespace: str = "postgres://db:5432", **kwargs: object) -> Dataset:
    return Dataset(namespace, name, **kwargs)  # type: ignore[arg-type]
