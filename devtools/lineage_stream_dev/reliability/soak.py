"""A long run under random faults: ``python -m lineage_stream_dev.reliability.soak [--minutes 10]``.

A generated stream (re-sends, out-of-order delivery, a few bad records of every kind, a tenth as
OpenLineage JSON) is fed at a steady rate to a group of worker subprocesses while a chaos loop
SIGKILLs workers (some through failpoints), pauses them (SIGSTOP/SIGCONT) and restarts Neo4j and
the Kafka broker through the infra API. Then everything is allowed to catch up and the graph is compared with the
reference model. The run is bounded by ``--minutes`` and ``--events``; it prints a summary and,
with ``--json``, writes it. Everything it writes carries its own tag: it never wipes the graph.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import neo4j

from lineage_stream_dev import infra
from lineage_stream.failpoints import POINTS
from lineage_stream.model import LineageEvent
from lineage_stream_dev.reliability.export import stored_offsets
from lineage_stream_dev.reliability.feed import (
    Feeder, Record, avro_records, dead_letters, openlineage_records, prepare_topics, register_schema,
)
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events, plan_delivery
from lineage_stream_dev.reliability.harness import (
    Endpoints, KafkaProbe, StreamNames, WorkerProcess, caught_up, plant_sentinel, start_again, static_member, verify,
    wait_for, worker_env,
)
from lineage_stream_dev.reliability.hostile import AVRO_KINDS, CYPHER_KIND, OPENLINEAGE_KINDS, hostile_records
from lineage_stream_dev.reliability.reference import ReferenceModel


@dataclass
class Summary:
    command: str
    events: int = 0
    records_sent: int = 0
    duplicates_sent: int = 0
    bad_records_sent: int = 0
    sigkills: int = 0
    failpoint_kills: int = 0
    other_exits: int = 0
    pauses: int = 0
    neo4j_restarts: int = 0
    kafka_restarts: int = 0
    max_lag: int = 0
    duration_s: float = 0.0
    equal: bool = False
    duplicates_dropped: int = 0
    applied_events: int = 0
    dead_letters: int = 0
    dead_letter_keys: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"events:        {self.events} valid events in {self.records_sent} records "
            f"({self.duplicates_sent} re-sent, {self.bad_records_sent} bad)",
            f"kills:         {self.sigkills + self.failpoint_kills} SIGKILLs ({self.sigkills} random, "
            f"{self.failpoint_kills} at failpoints), {self.other_exits} other exits, {self.pauses} pauses",
            f"restarts:      {self.neo4j_restarts} Neo4j restarts, {self.kafka_restarts} Kafka broker restarts",
            f"max lag:       {self.max_lag} records",
            f"duration:      {self.duration_s:.0f} s",
            f"equal:         {'yes' if self.equal else 'no'}",
            f"duplicates:    {self.duplicates_dropped} dropped ({self.applied_events} events applied once)",
            f"dead letters:  {self.dead_letters} ({self.dead_letter_keys} distinct records)",
            *[f"problem:       {p}" for p in self.problems[:20]],
        ]


class Soak:
    def __init__(self, endpoints: Endpoints, args: argparse.Namespace) -> None:
        self.endpoints, self.args = endpoints, args
        self.rng = random.Random(args.seed)
        self.names = StreamNames(f"soak{uuid.uuid4().hex[:8]}")
        self.log_dir = Path(args.log_dir or f"/tmp/lineage-soak-{self.names.tag}")
        self.summary = Summary(command=" ".join(["python -m lineage_stream_dev.reliability.soak", *sys.argv[1:]]))
        self.driver = neo4j.GraphDatabase.driver(endpoints.neo4j_uri, auth=(endpoints.neo4j_user, endpoints.neo4j_password))
        self.probe = KafkaProbe(endpoints.kafka_bootstrap)
        self.slots: list[WorkerProcess | None] = [None] * args.workers
        self.incarnation = 0
        self.down: set[str] = set()
        self.done = threading.Event()

    # -- workers ------------------------------------------------------------------------------

    def start(self, slot: int, failpoint: str | None = None) -> None:
        self.incarnation += 1
        env = worker_env(self.endpoints, self.names, LINEAGE_BATCH_SIZE=str(self.rng.choice([100, 250, 500])))
        if failpoint:
            env["LINEAGE_FAILPOINTS"] = failpoint
        self.slots[slot] = WorkerProcess(env, self.log_dir / f"worker-{slot}-{self.incarnation:03d}.log",
                                         consumer_config=static_member(f"{self.names.group}-{slot}")).start()

    def reap(self) -> None:
        """Count and restart workers that ended by themselves (a failpoint, or Neo4j down at start-up)."""
        for slot, worker in enumerate(self.slots):
            if worker is not None and not worker.alive():
                code = worker.process.returncode if worker.process else None
                if code == -signal.SIGKILL:
                    self.summary.failpoint_kills += 1
                else:
                    self.summary.other_exits += 1
                self.slots[slot] = None
            if self.slots[slot] is None and not self.down:
                self.start(slot)

    def chaos(self, until: float) -> None:
        last_restart = time.monotonic()
        while time.monotonic() < until and not self.done.is_set():
            time.sleep(self.rng.uniform(2.0, 8.0))
            self.reap()
            slot = self.rng.randrange(len(self.slots))
            worker = self.slots[slot]
            roll = self.rng.random()
            if roll < 0.5 and worker is not None and worker.alive():
                worker.kill()
                self.summary.sigkills += 1
                self.slots[slot] = None
                time.sleep(self.rng.choice([0.0, 0.0, 1.0, 3.0]))
                point = f"{self.rng.choice(sorted(POINTS))}={self.rng.randint(1, 5)}" if self.rng.random() < 0.4 else None
                self.start(slot, point)
            elif roll < 0.65 and worker is not None and worker.alive():
                os.kill(worker.pid, signal.SIGSTOP)
                time.sleep(self.rng.uniform(1.0, 10.0))
                os.kill(worker.pid, signal.SIGCONT)
                self.summary.pauses += 1
            elif roll < 0.8 and time.monotonic() - last_restart > 60:
                wanted = [name for name, done, limit in (
                    ("neo4j", self.summary.neo4j_restarts, self.args.neo4j_restarts),
                    ("kafka", self.summary.kafka_restarts, self.args.kafka_restarts)) if done < limit]
                if wanted:
                    self.restart(self.rng.choice(wanted))
                    last_restart = time.monotonic()

    def restart(self, service: str) -> None:
        """Stop ``service`` (neo4j or kafka) for a while, keeping its data; always start it again."""
        self.down.add(service)
        try:
            infra.stop_service(service)
            time.sleep(self.rng.uniform(5.0, 20.0) if service == "neo4j" else self.rng.uniform(2.0, 8.0))
        finally:
            start_again(service)
            self.down.discard(service)
        if service == "neo4j":
            self.summary.neo4j_restarts += 1
        else:
            self.summary.kafka_restarts += 1

    def monitor(self) -> None:
        while not self.done.wait(2.0):
            if self.down:
                continue
            try:
                ends = self.probe.end_offsets(self.names.topics)
                stored = stored_offsets(self.driver, self.names.group)
            except Exception:  # a service restarting: no sample
                continue
            self.summary.max_lag = max(self.summary.max_lag, sum(ends.values()) - sum(stored.values()))

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> Summary:
        args, began = self.args, time.monotonic()
        budget = args.minutes * 60
        events = generate_events(StreamSpec(events=args.events, seed=args.seed, tag=self.names.tag))
        plan = plan_delivery(events, seed=args.seed, resend=args.resend, reorder=args.reorder)
        as_json = {e.event_id for i, e in enumerate(events) if i % 10 == 0}
        prepare_topics(self.endpoints.kafka_bootstrap, self.names)
        plant_sentinel(self.driver, self.names.tag)
        schema_id = register_schema(self.endpoints.registry_url)
        now_us = time.time_ns() // 1000
        bad_count = max(len(AVRO_KINDS) + len(OPENLINEAGE_KINDS), round(args.bad * len(events)))
        bad = hostile_records([*AVRO_KINDS, *OPENLINEAGE_KINDS, CYPHER_KIND, CYPHER_KIND + "_json"], bad_count,
                              tag=self.names.tag, at_us=events[0].event_time_us, now_us=now_us, schema_id=schema_id)
        streams: dict[str, list[tuple[Record, LineageEvent | None]]] = {}
        json_records, json_events = openlineage_records(e for e in plan.events if e.event_id in as_json)
        avro_events = [e for e in plan.events if e.event_id not in as_json]
        streams["avro"] = list(zip(avro_records(avro_events, schema_id), avro_events))
        streams["openlineage"] = list(zip(json_records, json_events))
        for record in bad:
            target = streams[record.topic]
            target.insert(self.rng.randint(0, len(target)), ((record.key, record.value), record.event))
        feed_s = budget * 0.7
        topics = {"avro": self.names.avro_topic, "openlineage": self.names.openlineage_topic}
        feeders = {kind: Feeder(self.endpoints.kafka_bootstrap, topics[kind], [r for r, _ in s],
                                rate_per_s=max(1.0, len(s) / feed_s)) for kind, s in streams.items()}
        monitor = threading.Thread(target=self.monitor, daemon=True)
        try:
            for slot in range(len(self.slots)):
                self.start(slot)
            for feeder in feeders.values():
                feeder.start()
            monitor.start()
            self.chaos(until=began + budget * 0.75)
            for feeder in feeders.values():
                feeder.stop.set()
            sent = {kind: feeder.finish() for kind, feeder in feeders.items()}
            self.reap()
            if not wait_for(lambda: caught_up(self.driver, self.probe, self.names),
                            max(180.0, began + budget - time.monotonic()), interval_s=2.0):
                self.summary.problems.append("the workers did not catch up before the deadline")
        finally:
            self.done.set()
            for worker in self.slots:
                if worker is not None and worker.alive():
                    worker.terminate(60)
            for service in list(self.down):
                start_again(service)
        delivered = [item for kind, s in streams.items() for item in s[: sent[kind]]]
        model = ReferenceModel().add_all(e for _, e in delivered if e is not None)
        verdict = verify(self.driver, self.probe, self.names, model)
        letters = dead_letters(self.endpoints.kafka_bootstrap, self.names)
        delivered_records = {record for record, _ in delivered}
        bad_keys = {r.key for r in bad if not r.valid and (r.key, r.value) in delivered_records}
        s = self.summary
        s.events, s.records_sent, s.applied_events = len(model.applied), len(delivered), len(model.applied)
        s.duplicates_sent = s.duplicates_dropped = model.duplicates
        s.bad_records_sent = len(bad_keys)
        s.dead_letters, s.dead_letter_keys = len(letters), len({letter.key for letter in letters})
        s.duration_s = time.monotonic() - began
        s.problems += verdict.report().splitlines()[3:] if not verdict.equal else []
        if {letter.key for letter in letters} != bad_keys:
            s.problems.append("the dead-letter topic does not hold exactly the bad records")
        s.equal = verdict.equal and not s.problems
        return s

    def close(self) -> None:
        self.probe.close()
        self.driver.close()


def _endpoints() -> Endpoints:
    if os.environ.get("LINEAGE_TEST_KAFKA_BOOTSTRAP"):
        return argparse.Namespace(
            kafka_bootstrap=os.environ["LINEAGE_TEST_KAFKA_BOOTSTRAP"], registry_url=os.environ["LINEAGE_TEST_REGISTRY_URL"],
            neo4j_uri=os.environ["LINEAGE_TEST_NEO4J_URI"], neo4j_user=os.environ.get("LINEAGE_TEST_NEO4J_USER", "neo4j"),
            neo4j_password=os.environ["LINEAGE_TEST_NEO4J_PASSWORD"])
    return infra.up(["kafka", "registry", "neo4j"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lineage_stream_dev.reliability.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget of the whole run (default 10)")
    parser.add_argument("--events", type=int, default=100_000, help="valid events to generate (default 100,000)")
    parser.add_argument("--workers", type=int, default=2, help="worker subprocesses (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--resend", type=float, default=0.05, help="fraction of events re-sent (default 0.05)")
    parser.add_argument("--reorder", type=float, default=0.02, help="fraction of positions swapped (default 0.02)")
    parser.add_argument("--bad", type=float, default=0.002, help="bad records per valid event (default 0.002)")
    parser.add_argument("--neo4j-restarts", type=int, default=2, help="at most this many Neo4j restarts (default 2)")
    parser.add_argument("--kafka-restarts", type=int, default=1, help="at most this many broker restarts (default 1)")
    parser.add_argument("--log-dir", help="worker logs (default /tmp/lineage-soak-TAG)")
    parser.add_argument("--json", type=Path, help="also write the summary here as JSON")
    args = parser.parse_args(argv)
    soak = Soak(_endpoints(), args)
    print(f"soak {soak.names.tag}: {args.events} events, {args.workers} workers, {args.minutes:g} min; "
          f"logs in {soak.log_dir}", flush=True)
    try:
        summary = soak.run()
    finally:
        soak.close()
    print("\n".join(summary.lines()))
    if args.json:
        args.json.write_text(json.dumps(asdict(summary), indent=2) + "\n")
    return 0 if summary.equal else 1


if __name__ == "__main__":
    sys.exit(main())
