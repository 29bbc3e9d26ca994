"""Neo4j stopped for 30 s while a worker consumes a live stream.

During the outage the worker stays alive and in its consumer group, and commits no Kafka offset
(it pauses its partitions and retries the batch it holds). Afterwards it catches up by itself: the
stored and the committed offsets reach the end of the topics, and the graph equals the reference.
"""

from __future__ import annotations

import socket
import time
import urllib.request

import pytest

from lineage_stream_dev import infra
from lineage_stream_dev.reliability.feed import Feeder, avro_records, prepare_topics, produce, register_schema
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events
from lineage_stream_dev.reliability.harness import (
    KafkaProbe, StreamNames, WorkerProcess, caught_up, plant_sentinel, start_again, verify, wait_for, worker_env,
)
from lineage_stream_dev.reliability.reference import ReferenceModel

pytestmark = pytest.mark.integration

EVENTS = 6_000
OUTAGE_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def metric(port: int, name: str) -> float | None:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return None
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")]
    return values[0] if values else None


def test_neo4j_down_for_30_seconds_mid_stream(services, graph, unique, tmp_path):
    names = StreamNames(f"down{unique}")
    plant_sentinel(graph, names.tag)
    events = generate_events(StreamSpec(events=EVENTS, seed=30, tag=names.tag))
    prepare_topics(services.kafka_bootstrap, names)
    records = avro_records(events, register_schema(services.registry_url))
    produce(services.kafka_bootstrap, names.avro_topic, records[:2_000])
    port = free_port()
    worker = WorkerProcess(worker_env(services, names, LINEAGE_BATCH_SIZE="250"), tmp_path / "worker.log",
                           metrics_port=port).start()
    probe = KafkaProbe(services.kafka_bootstrap)
    feeder = Feeder(services.kafka_bootstrap, names.avro_topic, records[2_000:], rate_per_s=80)
    try:
        assert worker.wait_assigned(60), worker.log_text()[-3000:]
        assert wait_for(lambda: caught_up(graph, probe, names), 60), "the first 2,000 events were not applied"
        feeder.start()
        time.sleep(3)
        polls: list[tuple[float, dict, tuple[str, int], float | None]] = []
        stopped_at = time.monotonic()
        infra.stop_service("neo4j")
        try:
            time.sleep(1.0)  # a batch committed to Neo4j just before the stop may still commit to Kafka
            before = probe.committed(names.group, names.topics)
            outage_end = time.monotonic() + OUTAGE_S
            while time.monotonic() < outage_end:
                polls.append((time.monotonic() - stopped_at, probe.committed(names.group, names.topics),
                              probe.group(names.group), metric(port, "lineage_sink_up")))
                assert worker.alive(), worker.log_text()[-3000:]
                time.sleep(2.0)
        finally:
            start_again("neo4j")
        restarted = time.monotonic()
        for at, committed, (state, members), sink_up in polls:
            assert committed == before, f"Kafka offsets committed {at:.0f}s into the outage: {committed} != {before}"
            assert members == 1, f"{members} member(s) in the group ({state}) {at:.0f}s into the outage"
        assert any(up == 0.0 for *_, up in polls), "lineage_sink_up never went to 0 during the outage"
        assert feeder.finish() == len(records) - 2_000
        ends = probe.end_offsets(names.topics)
        assert wait_for(lambda: caught_up(graph, probe, names) and probe.committed(names.group, names.topics) == {
            k: v for k, v in ends.items() if v > 0}, 90), "lag did not return to 0 after the outage"
        recovered = time.monotonic()
        assert worker.alive()
        retries = metric(port, "lineage_sink_retries_total")
        exit_s = worker.terminate(30)
        assert worker.process is not None and worker.process.returncode == 0, worker.log_text()[-3000:]
        verdict = verify(graph, probe, names, ReferenceModel().add_all(events))
    finally:
        feeder.stop.set()
        if worker.alive():
            worker.kill()
        probe.close()
    print(f"\noutage {restarted - stopped_at:.0f}s (Neo4j back after {restarted - stopped_at - OUTAGE_S:.0f}s of start-up), "
          f"caught up {recovered - restarted:.0f}s later, {retries:.0f} sink retries, SIGTERM exit in {exit_s:.1f}s, "
          f"{len(polls)} polls during the outage, group {polls[0][2]}")
    assert verdict.equal, verdict.report()
