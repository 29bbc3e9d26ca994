"""SIGTERM during a batch: the worker exits within 10 s, and what it committed is whole."""

from __future__ import annotations

import os
import signal
import time

import pytest

from lineage_stream_dev.reliability.export import stored_offsets
from lineage_stream_dev.reliability.feed import avro_records, prepare_topics, produce, register_schema
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events
from lineage_stream_dev.reliability.harness import (
    KafkaProbe, StreamNames, WorkerProcess, plant_sentinel, verify, wait_for, worker_env,
)
from lineage_stream_dev.reliability.reference import ReferenceModel

pytestmark = pytest.mark.integration


def _finish_and_verify(services, graph, names, events, tmp_path):
    """Run a worker until idle, then the graph must equal the reference: the interrupted batch was
    either committed whole (with its offsets) or not at all."""
    final = WorkerProcess(worker_env(services, names), tmp_path / "final.log", until_idle=True).start()
    assert final.wait(180) == 0, final.log_text()[-3000:]
    probe = KafkaProbe(services.kafka_bootstrap)
    try:
        return verify(graph, probe, names, ReferenceModel().add_all(events))
    finally:
        probe.close()


def test_sigterm_while_batches_flow(services, graph, unique, tmp_path):
    names = StreamNames(f"term{unique}")
    plant_sentinel(graph, names.tag)
    events = generate_events(StreamSpec(events=10_000, seed=5, tag=names.tag))
    prepare_topics(services.kafka_bootstrap, names)
    produce(services.kafka_bootstrap, names.avro_topic, avro_records(events, register_schema(services.registry_url)))
    worker = WorkerProcess(worker_env(services, names, LINEAGE_BATCH_SIZE="2000"), tmp_path / "worker.log").start()
    try:
        assert worker.wait_assigned(60), worker.log_text()[-3000:]
        assert wait_for(lambda: sum(stored_offsets(graph, names.group).values()) > 0, 60)
        time.sleep(0.7)  # well inside the next 2,000-record batch
        before = sum(stored_offsets(graph, names.group).values())
        exit_s = worker.terminate(60)
    finally:
        if worker.alive():
            worker.kill()
    after = sum(stored_offsets(graph, names.group).values())
    print(f"\nSIGTERM at {before} applied offsets: exit {worker.process.returncode} after {exit_s:.1f}s, "
          f"{after} applied at exit, totals {worker.totals()}")
    assert 0 < before < len(events), "the signal did not arrive mid-stream"
    assert worker.process.returncode == 0 and worker.totals() is not None, worker.log_text()[-3000:]
    assert exit_s < 10.0
    verdict = _finish_and_verify(services, graph, names, events, tmp_path)
    assert verdict.equal, verdict.report()


def _sigterm_while_blocked(services, graph, names, tmp_path, hold_s: float) -> tuple[WorkerProcess, float, list]:
    """Hold locks on every dataset of the stream, so the worker's first batch waits inside its
    transaction; SIGTERM it 3 s later; release the locks after ``hold_s``. Returns the worker, the
    seconds from SIGTERM to exit (inf if it had not exited 12 s after the release) and the events."""
    events = generate_events(StreamSpec(events=1_000, seed=6, tag=names.tag))
    datasets = [key for (label, key) in ReferenceModel().add_all(events).graph().nodes if label == "Dataset"]
    prepare_topics(services.kafka_bootstrap, names)
    produce(services.kafka_bootstrap, names.avro_topic, avro_records(events, register_schema(services.registry_url)))
    session = graph.session()
    blocker = session.begin_transaction()
    blocker.run("UNWIND $keys AS k MERGE (:Dataset {namespace: k[0], name: k[1]})", keys=[list(k) for k in datasets])
    worker = WorkerProcess(worker_env(services, names), tmp_path / "worker.log").start()
    exit_s = float("inf")
    try:
        assert worker.wait_assigned(60), worker.log_text()[-3000:]
        time.sleep(3.0)  # the first batch is now waiting for the blocker's locks
        assert sum(stored_offsets(graph, names.group).values()) == 0, "the batch did not wait for the locks"
        began = time.monotonic()
        os.kill(worker.pid, signal.SIGTERM)
        if wait_for(lambda: not worker.alive(), hold_s):
            exit_s = time.monotonic() - began
        blocker.rollback()
        if exit_s == float("inf") and wait_for(lambda: not worker.alive(), 12.0):
            exit_s = time.monotonic() - began
    finally:
        if blocker.closed() is False:
            blocker.rollback()
        session.close()
        if worker.alive():
            worker.kill()
    return worker, exit_s, events


def test_sigterm_during_a_batch_finishes_it_and_exits(services, graph, unique, tmp_path):
    """The batch is inside its Neo4j transaction (waiting 3 s for locks) when SIGTERM arrives: the
    worker completes it, commits its offsets, and exits within 10 s."""
    names = StreamNames(f"term{unique}")
    plant_sentinel(graph, names.tag)
    worker, exit_s, events = _sigterm_while_blocked(services, graph, names, tmp_path, hold_s=3.0)
    applied = sum(stored_offsets(graph, names.group).values())
    print(f"\nSIGTERM mid-batch: exit {worker.process.returncode} after {exit_s:.1f}s, totals {worker.totals()}, "
          f"{applied} offsets stored")
    assert exit_s < 10.0
    assert worker.process.returncode == 0, worker.log_text()[-3000:]
    totals = worker.totals()
    assert totals is not None and totals["consumed"] == applied > 0, "the interrupted batch was not finished"
    verdict = _finish_and_verify(services, graph, names, events, tmp_path)
    assert verdict.equal, verdict.report()


def test_sigterm_while_a_batch_waits_on_neo4j_for_long(services, graph, unique, tmp_path):
    """Same, but the locks are held for 20 s (a slow or hung database looks the same to the worker):
    the worker abandons the batch, uncommitted, and exits within 10 s. (Until c23d98e it waited for
    the transaction, however long.)"""
    names = StreamNames(f"hang{unique}")
    plant_sentinel(graph, names.tag)
    worker, exit_s, events = _sigterm_while_blocked(services, graph, names, tmp_path, hold_s=20.0)
    print(f"\nSIGTERM with the batch blocked for 20 s: exit {worker.process.returncode} after {exit_s:.1f}s")
    assert exit_s < 10.0
    assert not stored_offsets(graph, names.group), "the abandoned batch committed"
    # The abandoned worker could not leave its group: wait for its session to expire before the
    # next worker (see test_reliability_findings.py).
    probe = KafkaProbe(services.kafka_bootstrap)
    try:
        assert wait_for(lambda: probe.group(names.group)[1] == 0, 60)
    finally:
        probe.close()
    verdict = _finish_and_verify(services, graph, names, events, tmp_path)
    assert verdict.equal, verdict.report()
