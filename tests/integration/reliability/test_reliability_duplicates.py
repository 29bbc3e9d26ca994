"""Re-sent and out-of-order events: the graph equals the reference, each event applied once."""

from __future__ import annotations

import time

import pytest

from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream_dev.reliability.feed import avro_records, openlineage_records, prepare_topics, produce, register_schema
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events, plan_delivery
from lineage_stream_dev.reliability.harness import KafkaProbe, StreamNames, plant_sentinel, verify, worker_env
from lineage_stream_dev.reliability.reference import ReferenceModel
from lineage_stream.settings import worker_settings

pytestmark = pytest.mark.integration

EVENTS = 8_000


def test_resent_and_reordered_events_are_applied_exactly_once(services, graph, unique):
    names = StreamNames(f"dup{unique}")
    plant_sentinel(graph, names.tag)
    events = generate_events(StreamSpec(events=EVENTS, seed=11, tag=names.tag))
    plan = plan_delivery(events, seed=11, resend=0.20, reorder=0.05)
    assert plan.resent == EVENTS // 5 and plan.inverted_runs > 0
    # Every fifth event travels as OpenLineage JSON (its copies too: same bytes, same derived ID).
    as_json = {e.event_id for i, e in enumerate(events) if i % 5 == 0}
    json_records, json_events = openlineage_records(e for e in plan.events if e.event_id in as_json)
    prepare_topics(services.kafka_bootstrap, names)
    avro = avro_records((e for e in plan.events if e.event_id not in as_json), register_schema(services.registry_url))
    started = time.monotonic()
    produce(services.kafka_bootstrap, names.avro_topic, avro)
    produce(services.kafka_bootstrap, names.openlineage_topic, json_records)
    produced = time.monotonic()

    metrics = WorkerMetrics()
    settings = worker_settings(worker_env(services, names, LINEAGE_BATCH_SIZE="500"))
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)
    worked = time.monotonic()

    assert totals == {"consumed": len(plan.events), "written": EVENTS, "duplicates": plan.resent, "rejected": 0}
    dropped = sum(metrics.registry.get_sample_value("lineage_events_duplicate_total", {"topic": t}) or 0
                  for t in names.topics)
    assert dropped == plan.resent

    model = ReferenceModel().add_all([e for e in plan.events if e.event_id not in as_json] + json_events)
    assert model.duplicates == plan.resent and len(model.applied) == EVENTS
    probe = KafkaProbe(services.kafka_bootstrap)
    try:
        verdict = verify(graph, probe, names, model)
    finally:
        probe.close()
    print(f"\nproduce {produced - started:.1f}s, worker {worked - produced:.1f}s, verify {time.monotonic() - worked:.1f}s, "
          f"{plan.swaps} swaps, {plan.inverted_runs} runs with their end before their START")
    assert verdict.equal, verdict.report()
