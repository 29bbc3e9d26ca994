"""Workers scaled 1 → 3 → 1 in one consumer group (cooperative-sticky) while the stream flows."""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from lineage_stream_dev.reliability.feed import (
    Feeder, avro_records, openlineage_records, prepare_topics, produce, register_schema,
)
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events
from lineage_stream_dev.reliability.harness import (
    KafkaProbe, StreamNames, WorkerProcess, caught_up, plant_sentinel, verify, wait_for, worker_env,
)
from lineage_stream_dev.reliability.reference import ReferenceModel

pytestmark = pytest.mark.integration

EVENTS = 12_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def consumed(port: int) -> float:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return 0.0
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("lineage_events_consumed_total{"))


def test_scale_one_to_three_to_one_mid_stream(services, graph, unique, tmp_path):
    names = StreamNames(f"scale{unique}")
    plant_sentinel(graph, names.tag)
    events = generate_events(StreamSpec(events=EVENTS, seed=13, tag=names.tag))
    as_json = {e.event_id for i, e in enumerate(events) if i % 6 == 0}
    json_records, json_events = openlineage_records(e for e in events if e.event_id in as_json)
    avro_events = [e for e in events if e.event_id not in as_json]
    prepare_topics(services.kafka_bootstrap, names)
    avro = avro_records(avro_events, register_schema(services.registry_url))
    produce(services.kafka_bootstrap, names.avro_topic, avro[:2_500])
    feeders = [Feeder(services.kafka_bootstrap, names.avro_topic, avro[2_500:], rate_per_s=180),
               Feeder(services.kafka_bootstrap, names.openlineage_topic, json_records, rate_per_s=45)]
    env = worker_env(services, names, LINEAGE_BATCH_SIZE="200")
    ports = [free_port() for _ in range(3)]
    workers = [WorkerProcess(env, tmp_path / f"worker-{i}.log", metrics_port=ports[i]) for i in range(3)]
    probe = KafkaProbe(services.kafka_bootstrap)
    began = time.monotonic()
    try:
        first = workers[0].start()
        assert first.wait_assigned(60), first.log_text()[-3000:]
        for feeder in feeders:
            feeder.start()
        assert wait_for(lambda: consumed(ports[0]) > 1_000, 60)
        scaled_up = time.monotonic()
        for worker in workers[1:]:
            worker.start()
        assert all(w.wait_assigned(60) for w in workers[1:]), [w.log_text()[-2000:] for w in workers[1:]]
        assert wait_for(lambda: all(consumed(p) > 300 for p in ports[1:]), 60), [consumed(p) for p in ports]
        time.sleep(5)
        assert probe.group(names.group)[1] == 3
        scaled_down = time.monotonic()
        exits = [w.terminate(30) for w in workers[1:]]
        assert wait_for(lambda: probe.group(names.group)[1] == 1, 30)
        sent = sum(f.finish() for f in feeders) + 2_500
        assert wait_for(lambda: caught_up(graph, probe, names), 120), "the last worker did not catch up"
        drained = time.monotonic()
        exits.append(first.terminate(30))
        assert [w.process.returncode for w in workers if w.process] == [0, 0, 0], [w.log_text()[-2000:] for w in workers]
        verdict = verify(graph, probe, names, ReferenceModel().add_all(avro_events + json_events))
    finally:
        for feeder in feeders:
            feeder.stop.set()
        for worker in workers:
            if worker.alive():
                worker.kill()
        probe.close()
    totals = [w.totals() for w in workers]
    print(f"\n1 worker {scaled_up - began:.0f}s, 3 workers {scaled_down - scaled_up:.0f}s, 1 worker until caught up "
          f"{drained - scaled_down:.0f}s; SIGTERM exits {[round(x, 1) for x in exits]}s; totals {totals}")
    assert sent == EVENTS
    assert all(t is not None and t["consumed"] > 0 for t in totals)
    assert sum(t["written"] for t in totals if t) == EVENTS
    assert verdict.equal, verdict.report()
