"""Worker defects the reliability suite found: regression tests for the fixed ones (d9c0388: a dead
letter replayed to a running worker was dropped as a duplicate; an unreachable schema registry made
the worker exit instead of pausing), regression tests since the fixes."""

from __future__ import annotations

import time

import pytest

from lineage_stream.adapters.dead_letter_admin import replay_dead_letters
from lineage_stream_dev.reliability.export import stored_offsets
from lineage_stream_dev.reliability.feed import avro_records, dead_letters, prepare_topics, produce, register_schema
from lineage_stream_dev.reliability.generator import BASE_US, StreamSpec, generate_events
from lineage_stream_dev.reliability.harness import KafkaProbe, StreamNames, WorkerProcess, caught_up, wait_for, worker_env
from lineage_stream_dev.reliability.hostile import hostile_record

pytestmark = pytest.mark.integration


def test_a_replayed_dead_letter_is_judged_again_by_a_running_worker(services, graph, unique, tmp_path):
    """The dedup stage sees an event before normalize rejects it; its ID must be forgotten, so the same
    record replayed to the running worker is judged again (and dead-lettered again), not dropped."""
    names = StreamNames(f"redo{unique}")
    schema_id = register_schema(services.registry_url)
    prepare_topics(services.kafka_bootstrap, names)
    # serial 1: the control characters sit in a dataset name, which the normalize stage rejects
    bad = hostile_record("control_characters", tag=names.tag, serial=1, at_us=BASE_US, now_us=time.time_ns() // 1000,
                         schema_id=schema_id)
    produce(services.kafka_bootstrap, names.avro_topic, [(bad.key, bad.value)])
    worker = WorkerProcess(worker_env(services, names), tmp_path / "worker.log").start()
    probe = KafkaProbe(services.kafka_bootstrap)
    try:
        assert wait_for(lambda: len(dead_letters(services.kafka_bootstrap, names)) == 1, 60)
        assert dead_letters(services.kafka_bootstrap, names)[0].errors["stage"] == "normalize"
        assert replay_dead_letters(services.kafka_bootstrap, names.dlq_topic, group=f"replay-{names.tag}") == 1
        assert wait_for(lambda: caught_up(graph, probe, names), 60)
        letters = dead_letters(services.kafka_bootstrap, names)
    finally:
        worker.terminate(30)
        probe.close()
    print(f"\ntotals {worker.totals()}")
    assert [letter.key for letter in letters] == [bad.key, bad.key], "the replayed record was not dead-lettered again"


def test_an_unreachable_registry_pauses_the_worker_instead_of_killing_it(services, graph, unique, tmp_path):
    """A registry that cannot be reached is a dependency outage (RetryableError): pause and retry."""
    names = StreamNames(f"noreg{unique}")
    events = generate_events(StreamSpec(events=20, seed=2, tag=names.tag))
    prepare_topics(services.kafka_bootstrap, names)
    produce(services.kafka_bootstrap, names.avro_topic, avro_records(events, register_schema(services.registry_url)))
    env = worker_env(services, names, LINEAGE_REGISTRY_URL="http://127.0.0.1:9/apis/ccompat/v7")
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    try:
        assert worker.wait_assigned(60)
        time.sleep(10)
        alive = worker.alive()
        assert not stored_offsets(graph, names.group), "a batch was committed without being decoded"
    finally:
        if worker.alive():
            worker.terminate(30)
    assert alive, f"the worker exited with status {worker.process.returncode}:\n{worker.log_text()[-1500:]}"


def test_until_idle_does_not_exit_before_it_could_get_partitions(services, graph, unique, tmp_path):
    names = StreamNames(f"idle{unique}")
    events = generate_events(StreamSpec(events=200, seed=3, tag=names.tag))
    prepare_topics(services.kafka_bootstrap, names)
    env = worker_env(services, names)
    crashed = WorkerProcess(env, tmp_path / "crashed.log").start()
    assert crashed.wait_assigned(60)
    crashed.kill()  # like a worker whose SIGTERM grace ran out: it never leaves the group
    produce(services.kafka_bootstrap, names.avro_topic, avro_records(events, register_schema(services.registry_url)))
    successor = WorkerProcess(env, tmp_path / "successor.log", until_idle=True).start()
    assert successor.wait(120) == 0
    print(f"\nsuccessor totals {successor.totals()}")
    assert successor.totals() == {"consumed": 200, "written": 200, "duplicates": 0, "rejected": 0}
