"""SIGKILL the worker at random points, at least ten times, during a 20,000-event stream: nothing is
lost and nothing is applied twice.

Half the deaths come from ``LINEAGE_FAILPOINTS`` (before the graph commit, after the graph commit
and before the Kafka commit, after the Kafka commit), half from a SIGKILL at a random moment while
batches flow. Each time the worker is restarted in place (static group membership, so the restart
does not wait 30 s for the dead member's session to expire); a last one runs ``--until-idle``.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from lineage_stream.failpoints import POINTS
from lineage_stream_dev.reliability.export import stored_offsets
from lineage_stream_dev.reliability.feed import (
    Feeder, avro_records, openlineage_records, prepare_topics, produce, register_schema,
)
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events
from lineage_stream_dev.reliability.harness import (
    KafkaProbe, StreamNames, WorkerProcess, plant_sentinel, static_member, verify, wait_for, worker_env,
)
from lineage_stream_dev.reliability.reference import ReferenceModel

pytestmark = pytest.mark.integration

EVENTS = 20_000
SEED = 2026


@dataclass
class Death:
    how: str
    returncode: int | None
    applied_offsets: int
    seconds: float


def test_sigkill_at_random_points_loses_nothing_and_applies_nothing_twice(services, graph, unique, tmp_path):
    began = time.monotonic()
    names = StreamNames(f"kill{unique}")
    plant_sentinel(graph, names.tag)
    rng = random.Random(SEED)
    events = generate_events(StreamSpec(events=EVENTS, seed=SEED, tag=names.tag))
    as_json = {e.event_id for i, e in enumerate(events) if i % 10 == 0}
    json_records, json_events = openlineage_records(e for e in events if e.event_id in as_json)
    avro_events = [e for e in events if e.event_id not in as_json]
    prepare_topics(services.kafka_bootstrap, names)
    avro = avro_records(avro_events, register_schema(services.registry_url))
    with ThreadPoolExecutor(1) as pool:
        expected = pool.submit(lambda: ReferenceModel().add_all(avro_events + json_events))
        # A fifth of the stream is waiting when the first worker starts; the rest arrives while it dies.
        produce(services.kafka_bootstrap, names.avro_topic, avro[: len(avro) // 5])
        produce(services.kafka_bootstrap, names.openlineage_topic, json_records[: len(json_records) // 5])
        feeders = [Feeder(services.kafka_bootstrap, names.avro_topic, avro[len(avro) // 5:], rate_per_s=320),
                   Feeder(services.kafka_bootstrap, names.openlineage_topic, json_records[len(json_records) // 5:],
                          rate_per_s=36)]
        for feeder in feeders:
            feeder.start()

        schedule: list[tuple[str, str | float]] = [("failpoint", f"{p}={rng.randint(1, 4)}") for p in sorted(POINTS) * 2]
        schedule += [("sigkill", round(rng.uniform(0.3, 3.0), 2)) for _ in range(6)]
        rng.shuffle(schedule)
        env = worker_env(services, names, LINEAGE_BATCH_SIZE="250")
        member = static_member(f"{names.group}-0")
        deaths: list[Death] = []
        for i, (how, arg) in enumerate(schedule):
            started = time.monotonic()
            worker_vars = {**env, "LINEAGE_FAILPOINTS": str(arg)} if how == "failpoint" else env
            worker = WorkerProcess(worker_vars, tmp_path / f"worker-{i:02d}.log", consumer_config=member).start()
            assert worker.wait_assigned(60), worker.log_text()[-3000:]
            assigned = time.monotonic()
            if how == "failpoint":
                if not wait_for(lambda: not worker.alive(), 60):
                    worker.kill()
                    pytest.fail(f"failpoint {arg} never fired:\n{worker.log_text()[-3000:]}")
                worker.wait(10)
            else:
                time.sleep(float(arg))
                worker.kill()
            applied = sum(stored_offsets(graph, names.group).values())
            deaths.append(Death(f"{how} {arg}", worker.process.returncode if worker.process else None, applied,
                                time.monotonic() - started))
            print(f"\n  {deaths[-1].how:32} exit {deaths[-1].returncode}  stored offsets {applied:6}  "
                  f"assigned after {assigned - started:.1f}s, dead after {deaths[-1].seconds:.1f}s", end="")
        sent = sum(feeder.finish() for feeder in feeders) + len(avro) // 5 + len(json_records) // 5
        kill_phase = time.monotonic()

        final = WorkerProcess(env, tmp_path / "worker-final.log", until_idle=True, consumer_config=member).start()
        assert final.wait(240) == 0, final.log_text()[-3000:]
        drained = time.monotonic()
        model = expected.result()

    probe = KafkaProbe(services.kafka_bootstrap)
    try:
        verdict = verify(graph, probe, names, model)
    finally:
        probe.close()
    print(f"\n{len(deaths)} deaths in {kill_phase - began:.0f}s, final drain {drained - kill_phase:.0f}s "
          f"({final.totals()}), verify {time.monotonic() - drained:.0f}s")
    assert sent == EVENTS
    assert all(d.returncode == -9 for d in deaths), deaths
    assert {d.how.split("=")[0] for d in deaths} >= {f"failpoint {p}" for p in POINTS}
    assert sum(1 for d in deaths if d.applied_offsets < EVENTS) >= 10, "fewer than ten deaths mid-stream"
    assert len({d.applied_offsets for d in deaths}) >= 8, "the stream did not advance between the deaths"
    assert verdict.equal, verdict.report()
