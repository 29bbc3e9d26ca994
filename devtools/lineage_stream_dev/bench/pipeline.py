"""(c) The pure part of the worker's hot path, without I/O: decode, the stages, ``plan_batch``.

The events are generated, encoded as Confluent-framed Avro in memory and decoded with the
worker's ``AvroDecoder`` (writer schema from a map, not the registry). Timed per repetition:

* decode: ``AvroDecoder`` over every record;
* stages + plan: the worker's stages (``build_stages``: dedup, normalize, redact, rollup) through
  ``run_stages`` and then ``plan_batch``, exactly as ``Worker.process`` calls them (fresh stages,
  so a fresh dedup window, each repetition).

Both run one batch of the worker's batch size at a time (decode the batch, run the stages over
it, plan it), so memory holds one batch as in the worker.

A per-stage breakdown (one extra pass) shows where the time goes. Needs no services.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from lineage_stream_dev.bench.events import generate_events, recent_base_us
from lineage_stream_dev.bench.report import Spread, rate, spread
from lineage_stream.contract import avro_value, latest_schema
from lineage_stream.errors import DecodeError
from lineage_stream.model import LineageEvent, RecordOrigin

Say = Callable[[str], None]
_SCHEMA_ID = 1


class _FixedSchemas:
    """Writer schemas from a map: the registry adapter's contract without the network."""

    def __init__(self, schemas: dict[int, Any]) -> None:
        self._schemas = schemas

    def writer_schema(self, schema_id: int) -> Any:
        try:
            return self._schemas[schema_id]
        except KeyError:
            raise DecodeError(f"unknown schema ID {schema_id}") from None


@dataclass(slots=True)
class PipelineReport:
    events: int
    batch_size: int
    decode_rates: list[float] = field(default_factory=list)
    pipeline_rates: list[float] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """One extra pass: seconds spent in each step (decode, each stage, the plan) over all events."""
    passed: int = 0
    dropped: int = 0
    rejected: int = 0
    graph_rows: int = 0

    @property
    def decode(self) -> Spread:
        return spread(self.decode_rates)

    @property
    def pipeline(self) -> Spread:
        return spread(self.pipeline_rates)


def encode_all(events: Sequence[LineageEvent]) -> list[bytes]:
    """Each event as the producer frames it (schema ID 1)."""
    schema = latest_schema()
    return [avro_value(event, _SCHEMA_ID, schema) for event in events]


def _batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def measure(events: int, repeat: int, say: Say, *, batch_size: int = 1000, seed: int = 7) -> PipelineReport:
    from lineage_stream.app import build_stages, wall_clock_us
    from lineage_stream.graph.plan import plan_batch
    from lineage_stream.pipeline.chain import run_stages
    from lineage_stream.pipeline.decode import AvroDecoder
    from lineage_stream.pipeline.dedup import Deduplicator
    from lineage_stream.settings import worker_settings

    say(f"generating and encoding {events:,} events in memory ...")
    values = encode_all(generate_events(events, seed=seed, token="pipeline", base_us=recent_base_us(events)))
    decoder = AvroDecoder(_FixedSchemas({_SCHEMA_ID: latest_schema().parsed}), latest_schema(),
                          max_bytes=4 * 1024 * 1024, clock_us=wall_clock_us)
    settings = worker_settings({})

    def fresh_stages() -> list[Any]:
        return list(build_stages(Deduplicator(settings.dedup_window_s * 1_000_000, settings.dedup_max_ids)))

    offsets = [{"group": "bench", "topic": "bench", "partition": p, "next_offset": 0} for p in range(3)]
    report = PipelineReport(events, batch_size)
    for repetition in range(repeat):
        stages = fresh_stages()
        decode_s = pipeline_s = 0.0
        passed = dropped = rejected = rows = 0
        # One batch at a time, as Worker.process holds it: decode it, run the stages, plan it.
        for start, batch in enumerate(_batches(values, batch_size)):
            started = time.perf_counter()
            decoded = [(RecordOrigin("bench", i % 3, start * batch_size + i), decoder(v)) for i, v in enumerate(batch)]
            decoded_at = time.perf_counter()
            result = run_stages(stages, decoded)
            plan = plan_batch([e for _, e in result.oks], offsets)
            pipeline_s += time.perf_counter() - decoded_at
            decode_s += decoded_at - started
            passed, dropped, rejected = passed + len(result.oks), dropped + len(result.dropped), rejected + len(result.errors)
            rows += sum(len(getattr(plan, name)) for name in plan.__slots__)
        report.decode_rates.append(rate(len(values), decode_s))
        report.pipeline_rates.append(rate(len(values), pipeline_s))
        report.passed, report.dropped, report.rejected, report.graph_rows = passed, dropped, rejected, rows
        say(f"  repetition {repetition + 1}/{repeat}: decode {report.decode_rates[-1]:,.0f}/s, "
            f"stages + plan {report.pipeline_rates[-1]:,.0f}/s")
    report.stage_seconds = _breakdown(fresh_stages(), values, decoder, batch_size, plan_batch)
    return report


def _breakdown(stages: Sequence[Any], values: list[bytes], decoder: Callable[[bytes], LineageEvent],
               batch_size: int, plan: Callable[[list[LineageEvent]], Any]) -> dict[str, float]:
    """Seconds each step takes over all events, batch by batch, one step at a time over the batch."""
    seconds: dict[str, float] = {"decode": 0.0, **{stage.name: 0.0 for stage in stages}, "plan_batch": 0.0}
    for batch in _batches(values, batch_size):
        started = time.perf_counter()
        current = [decoder(v) for v in batch]
        seconds["decode"] += time.perf_counter() - started
        for stage in stages:
            started = time.perf_counter()
            current = [out for out in (stage(e) for e in current) if out is not None]
            seconds[stage.name] += time.perf_counter() - started
        started = time.perf_counter()
        plan(current)
        seconds["plan_batch"] += time.perf_counter() - started
    return seconds
