"""1 % bad records of every kind on both input topics: every valid event lands, exactly the bad
records are dead-lettered (once each, with Kafka Connect's error headers and a reason), and
replaying the dead letters changes nothing in the graph."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from lineage_stream.adapters.dead_letter_admin import replay_dead_letters
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream_dev.reliability.feed import (
    avro_records, dead_letters, openlineage_records, prepare_topics, produce, register_schema,
)
from lineage_stream_dev.reliability.generator import BASE_US, StreamSpec, generate_events
from lineage_stream_dev.reliability.harness import KafkaProbe, StreamNames, plant_sentinel, verify, worker_env
from lineage_stream_dev.reliability.hostile import (
    AVRO_KINDS, CYPHER_KIND, CYPHER_TEXTS, OPENLINEAGE_KINDS, hostile_records, mix,
)
from lineage_stream_dev.reliability.reference import ReferenceModel
from lineage_stream.settings import worker_settings

pytestmark = pytest.mark.integration

AVRO_EVENTS, JSON_EVENTS = 3_000, 800
STAGES = {  # where each kind of bad record must be caught
    "not_avro": {"decode"}, "unknown_schema_id": {"decode"}, "truncated_avro": {"decode"},
    "trailing_bytes": {"decode"}, "huge_array": {"decode"}, "invalid_utf8": {"decode"},
    "nanosecond_timestamp": {"decode", "validate"}, "future_timestamp": {"validate"}, "huge_identifier": {"validate", "normalize"},
    "control_characters": {"validate", "normalize"}, "invalid_json": {"decode"}, "deeply_nested_json": {"decode"},
    "invalid_utf8_json": {"decode"}, "run_without_run_id": {"validate"}, "facet_not_json": {"redact"},
}


def test_bad_records_are_dead_lettered_exactly_and_replay_changes_nothing(services, graph, unique):
    names = StreamNames(f"bad{unique}")
    plant_sentinel(graph, names.tag)
    events = generate_events(StreamSpec(events=AVRO_EVENTS + JSON_EVENTS, seed=99, tag=names.tag))
    avro_events, json_source = events[:AVRO_EVENTS], events[AVRO_EVENTS:]
    prepare_topics(services.kafka_bootstrap, names)
    schema_id = register_schema(services.registry_url)
    hostile = dict(tag=names.tag, at_us=BASE_US, now_us=time.time_ns() // 1000, schema_id=schema_id)
    bad_avro = hostile_records(AVRO_KINDS, AVRO_EVENTS // 100, **hostile)
    bad_json = hostile_records(OPENLINEAGE_KINDS, JSON_EVENTS // 100, first_serial=1_000, **hostile)
    cypher = hostile_records((CYPHER_KIND, CYPHER_KIND + "_json"), 8, first_serial=2_000, **hostile)
    json_records, json_events = openlineage_records(json_source)
    avro_stream = mix(avro_records(avro_events, schema_id),
                      [(r.key, r.value) for r in bad_avro + cypher if r.topic == "avro"], seed=1)
    json_stream = mix(json_records, [(r.key, r.value) for r in bad_json + cypher if r.topic == "openlineage"], seed=2)
    produce(services.kafka_bootstrap, names.avro_topic, avro_stream)
    produce(services.kafka_bootstrap, names.openlineage_topic, json_stream)
    bad = {r.key: r for r in bad_avro + bad_json}
    valid = avro_events + json_events + [r.event for r in cypher if r.event is not None]
    assert {r.kind for r in bad.values()} == set(AVRO_KINDS) | set(OPENLINEAGE_KINDS)

    settings = worker_settings(worker_env(services, names, LINEAGE_BATCH_SIZE="400"))
    metrics = WorkerMetrics()
    totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)
    assert totals == {"consumed": len(avro_stream) + len(json_stream), "written": len(valid), "duplicates": 0,
                      "rejected": len(bad)}

    letters = dead_letters(services.kafka_bootstrap, names)
    assert Counter(letter.key for letter in letters) == Counter(bad.keys()), "each bad record dead-lettered exactly once"
    for letter in letters:
        record, errors = bad[letter.key], letter.errors
        assert letter.value == record.value
        assert errors["topic"] == (names.avro_topic if record.topic == "avro" else names.openlineage_topic)
        assert errors["partition"].isdigit() and errors["offset"].isdigit()
        assert errors["stage"] in STAGES[record.kind], (record.kind, errors)
        assert errors["exception.class.name"] in ("DecodeError", "ValidationError", "IdentifierError")
        assert errors["exception.message"].strip(), record.kind
    assert sum(metrics.registry.get_sample_value("lineage_events_rejected_total", {
        "topic": t, "stage": s, "error": e}) or 0 for t in names.topics for s in ("decode", "validate", "normalize", "redact")
        for e in ("DecodeError", "ValidationError", "IdentifierError")) == len(bad)

    model = ReferenceModel().add_all(valid)
    assert not model.rejected
    probe = KafkaProbe(services.kafka_bootstrap)
    try:
        verdict = verify(graph, probe, names, model)
        assert verdict.equal, verdict.report()
        # The Cypher-laden identifiers are stored verbatim, and none of their payloads ran.
        for text in CYPHER_TEXTS:
            found = graph.execute_query("MATCH (j:Job) WHERE j.name = $name RETURN count(j) AS n", name=f"job {text}")
            assert found.records[0]["n"] == 1, text
        assert graph.execute_query("MATCH (n) WHERE n:Pwned OR n:Spam RETURN count(n) AS n").records[0]["n"] == 0

        # Replay: every dead letter goes back once; replaying again right away re-drives nothing.
        group = f"replay-{names.tag}"
        assert replay_dead_letters(services.kafka_bootstrap, names.dlq_topic, group=group) == len(bad)
        assert replay_dead_letters(services.kafka_bootstrap, names.dlq_topic, group=group) == 0
        again = run_worker(settings, until_idle=True, serve_metrics=False)
        assert again == {"consumed": len(bad), "written": 0, "duplicates": 0, "rejected": len(bad)}
        verdict = verify(graph, probe, names, model)
        assert verdict.equal, verdict.report()
        # The second replay re-drives only the letters the first replay produced, nothing older; the graph
        # is still unchanged.
        assert replay_dead_letters(services.kafka_bootstrap, names.dlq_topic, group=group) == len(bad)
        third = run_worker(settings, until_idle=True, serve_metrics=False)
        assert third == {"consumed": len(bad), "written": 0, "duplicates": 0, "rejected": len(bad)}
        verdict = verify(graph, probe, names, model)
    finally:
        probe.close()
    assert verdict.equal, verdict.report()
    assert Counter(letter.key for letter in dead_letters(services.kafka_bootstrap, names)) == Counter(
        {key: 3 for key in bad})
