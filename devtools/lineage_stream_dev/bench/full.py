"""The sustained benchmark: the worker against its baselines, on the same stream, in one run.

1. The stream (``bench.stream``) is produced to a fresh 3-partition topic before any clock starts.
2. **B0** raw intake reads and decodes the whole topic (``bench.baselines``).
3. **B1** replays the pipeline's own write batches for the stream into an empty graph.
4. **ours**: the real worker (``run_worker`` in its own process, ``--until-idle``) with its dedup
   window pre-filled to one million IDs, from the full topic into an empty graph: events/s in the
   steady state, start-up to first commit, exit delay after catching up, peak RSS.
5. **B2** naive: a sample of one auto-commit transaction per event.
6. A profile of the worker (a second run over the first records, under cProfile): CPU per stage.
7. Latency: the worker running beside a producer sending at 50% and 80% of the rate measured in (4),
   each event stamped when sent; event time → commit per event, p50/p95/p99.

Between phases the graph is emptied (or, with ``scoped``, only what the phase wrote is deleted).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

from lineage_stream.adapters.neo4j_sink import open_driver
from lineage_stream_dev.bench import baselines, feed, graph_guard
from lineage_stream_dev.bench.consume import KafkaTarget, delete_kafka_leftovers
from lineage_stream_dev.bench.events import namespace_token
from lineage_stream_dev.bench.stream import StreamSpec, stream_events
from lineage_stream_dev.bench.worker_runs import WorkerProcess, WorkerResult, failure, percentiles
from lineage_stream.errors import ConfigError
from lineage_stream.settings import Neo4jSettings

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class FullConfig:
    records: int = 300_000
    json_format: bool = False
    seed: int = 7
    batch_size: int = 1000
    prefill: int = 1_000_000
    naive_seconds: float = 30.0
    profile_records: int = 50_000
    latency_seconds: float = 30.0
    latency_warmup_seconds: float = 5.0
    loads: tuple[float, ...] = (0.5, 0.8)
    job_io: str = "stable"
    wipe: bool = False
    scoped: bool = False


class _Graph:
    """The bench's Neo4j: one driver, and emptying it between phases as allowed."""

    def __init__(self, settings: Neo4jSettings, config: FullConfig, say: Say) -> None:
        import neo4j

        self.settings = settings
        self.driver = open_driver(settings, notifications_min_severity="OFF")
        self.scoped = config.scoped
        self.foreign = graph_guard.foreign_nodes(self.driver, settings.database)
        if self.foreign and not (config.wipe or config.scoped):
            self.driver.close()
            raise ConfigError(
                f"Neo4j at {settings.uri} holds {self.foreign:,} nodes that are not bench data: the bench wipes the "
                "graph between phases, so pass --wipe to allow deleting EVERYTHING in it, or --scoped to delete "
                "only what the bench writes (figures then come from a graph that is not empty)")
        if not self.scoped:
            say(f"wiping the graph at {settings.uri} ({self.foreign:,} non-bench nodes) ...")
            graph_guard.wipe(self.driver, settings.database)

    def clear(self, marker: str, event_ids: list[str], groups: list[str]) -> int:
        if self.scoped:
            return graph_guard.delete_scoped(self.driver, self.settings.database, marker, event_ids, groups)
        return graph_guard.wipe(self.driver, self.settings.database)

    def server(self) -> str:
        info = self.driver.get_server_info()
        return f"{info.agent} (protocol {'.'.join(map(str, info.protocol_version))})"

    def memory(self) -> str:
        """The server's heap and page cache settings, as far as this user may read them."""
        try:
            records, _, _ = self.driver.execute_query(
                "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
                names=["server.memory.heap.max_size", "server.memory.pagecache.size"], database_=self.settings.database)
        except Exception:  # an older server, or a user without the privilege: not a measurement
            return "unknown"
        return ", ".join(f"{r['name'].rsplit('.', 2)[-2]} {r['value'] or 'not set'}" for r in records) or "unknown"


def _names(topic: str, group: str, json_format: bool, neo4j: Neo4jSettings) -> dict[str, str]:
    return {
        "LINEAGE_AVRO_TOPIC": f"{topic}-unused" if json_format else topic,
        "LINEAGE_OPENLINEAGE_TOPICS": topic if json_format else f"{topic}-unused-openlineage",
        "LINEAGE_DLQ_TOPIC": f"{topic}-dlq",
        "LINEAGE_GROUP_ID": group,
        "LINEAGE_NEO4J_URI": neo4j.uri,
        "LINEAGE_NEO4J_USER": neo4j.user,
        "LINEAGE_NEO4J_PASSWORD": neo4j.secret_password(),
        "LINEAGE_NEO4J_DATABASE": neo4j.database,
    }


def _created(topic: str, json_format: bool) -> list[str]:
    """The topics the worker creates beside the bench's own (see ``_names``)."""
    return [f"{topic}-dlq", f"{topic}-unused" if json_format else f"{topic}-unused-openlineage"]


def _worker_figures(result: WorkerResult) -> dict[str, Any]:
    steady, seconds, window = result.steady()
    raw = result.raw
    return {"rate": steady, "steady_seconds": seconds, "window": window, "handled": result.handled,
            "totals": raw.get("totals"), "startup_s": result.startup_s, "before_run_s": result.before_run_s, "exit_delay_s": result.exit_delay_s,
            "peak_rss_mib": result.peak_rss_mib, "dedup_ids": raw.get("dedup_ids"), "prefilled": raw.get("prefilled"),
            "cpu_s": raw.get("cpu_s"), "wall_s": result.wall_s, "commits": len(result.commits)}


def run_full(config: FullConfig, kafka: KafkaTarget, neo4j: Neo4jSettings, env: Mapping[str, str],
             say: Say) -> dict[str, Any]:
    """Every phase; returns the figures (``bench.full_render`` prints them)."""
    from lineage_stream.adapters.neo4j_sink import Neo4jSink
    from lineage_stream.app import build_stages, wall_clock_us
    from lineage_stream.pipeline.dedup import Deduplicator
    from lineage_stream.settings import worker_settings

    graph = _Graph(neo4j, config, say)
    token = uuid.uuid4().hex[:8]
    marker = namespace_token(token)
    topic = f"bench-stream-{token}"
    results: dict[str, Any] = {"config": asdict(config), "neo4j": {"uri": neo4j.uri, "server": graph.server(),
                                                                    "memory": graph.memory(),
                                                                    "non_bench_nodes_before": graph.foreign}}
    topics, groups = [topic], []
    base_env = {**env, "LINEAGE_KAFKA_BOOTSTRAP": kafka.bootstrap, "LINEAGE_REGISTRY_URL": kafka.registry,
                "LINEAGE_BATCH_SIZE": str(config.batch_size)}
    settings = worker_settings(base_env)
    try:
        feed.ensure_topic(kafka, topic)
        spec = StreamSpec(config.records, token=token, seed=config.seed, job_io=config.job_io)
        say(f"producing {config.records:,} records to {topic} ({'OpenLineage JSON' if config.json_format else 'Avro'}) ...")
        base_us = wall_clock_us() - config.records * 1000 - 1_000_000
        fed = feed.prefill(kafka, topic, stream_events(spec, base_us), json_format=config.json_format, say=say)
        results["stream"] = {"records": fed.records, "distinct_events": fed.distinct, "mean_bytes": fed.mean_bytes,
                             "produce_s": fed.seconds, "topic": topic, "partitions": 3, **asdict(spec)}
        say(f"  {fed.records:,} records ({fed.distinct:,} distinct events, {fed.mean_bytes:,.0f} bytes each) "
            f"in {fed.seconds:.1f} s")

        say("B0 raw intake: consume() + decode of every record ...")
        b0 = baselines.raw_intake(kafka.bootstrap, kafka.registry, topic, fed.records, json_format=config.json_format)
        results["b0"] = {"records": b0.records, "seconds": b0.seconds, "rate": b0.rate}
        say(f"  B0: {b0.rate:,.0f} records/s")

        say("B1 Neo4j ceiling: the pipeline's write batches, planned in memory, replayed into an empty graph ...")
        decoder = _decoder(settings, config.json_format)
        stages = build_stages(Deduplicator(settings.dedup_window_s * 1_000_000, settings.dedup_max_ids))
        b1_group = f"bench-b1-{token}"
        with Neo4jSink(neo4j) as sink:
            sink.ensure_schema()
            b1 = baselines.neo4j_ceiling(kafka.bootstrap, topic, fed.records, sink, decoder, stages, config.batch_size,
                                         b1_group, say)
        results["b1"] = {"records": b1.records, "seconds": b1.seconds, "rate": b1.rate, **b1.detail}
        graph.clear(marker, fed.event_ids, [b1_group])

        say(f"ours: the worker process, dedup window pre-filled with {config.prefill:,} IDs, until idle ...")
        ours_group = f"bench-ours-{token}"
        groups.append(ours_group)
        worker = WorkerProcess({**base_env, **_names(topic, ours_group, config.json_format, neo4j)},
                               until_idle=True, prefill=config.prefill)
        result = worker.finish(timeout_s=300.0 + fed.records / 50.0)
        topics += _created(topic, config.json_format)
        problem = failure(result, "ours")
        if problem:
            raise RuntimeError(problem)
        results["ours"] = _worker_figures(result)
        say(f"  ours: {results['ours']['rate']:,.0f} records/s ({results['ours']['window']}), "
            f"totals {results['ours']['totals']}, peak RSS {results['ours']['peak_rss_mib']:,.0f} MiB")
        graph.clear(marker, fed.event_ids, [ours_group])

        say(f"B2 naive: one auto-commit MERGE per event, for {config.naive_seconds:.0f} s ...")
        b2_group = f"bench-b2-{token}"
        groups.append(b2_group)
        b2 = baselines.naive(kafka.bootstrap, topic, fed.records, graph.driver, neo4j.database, decoder,
                             config.naive_seconds, b2_group)
        results["b2"] = {"records": b2.records, "seconds": b2.seconds, "rate": b2.rate, **b2.detail}
        graph.clear(marker, fed.event_ids, [b2_group])
        if b2.detail["failed"]:
            raise RuntimeError(f"B2 naive: {b2.detail['failed']} of its transactions failed: {b2.detail['first_error']}")
        say(f"  B2: {b2.rate:,.0f} records/s over {b2.records:,} records")

        if config.profile_records:
            profile_records = min(config.profile_records, fed.records)
            say(f"profile: the worker under cProfile over the first {profile_records:,} records ...")
            profile_group = f"bench-profile-{token}"
            groups.append(profile_group)
            worker = WorkerProcess({**base_env, **_names(topic, profile_group, config.json_format, neo4j)},
                                   until_idle=True, stop_after=profile_records, profile=True)
            result = worker.finish(timeout_s=300.0 + profile_records / 20.0)
            problem = failure(result, "profile")
            if problem:
                raise RuntimeError(problem)
            results["profile"] = {"records": result.handled, "seconds": result.raw.get("profile", {})}
            graph.clear(marker, fed.event_ids, [profile_group])

        results["latency"] = []
        for load in config.loads:
            entry = _latency(load, results["ours"]["rate"], config, kafka, neo4j, base_env, graph, say)
            topics += entry.pop("topics")
            groups.append(entry["group"])
            results["latency"].append(entry)
    finally:
        problems = delete_kafka_leftovers(kafka.bootstrap, topics, groups)
        results["cleanup_problems"] = problems
        graph.driver.close()
    return results


def _decoder(settings: Any, json_format: bool) -> Any:
    from lineage_stream.adapters.registry import RegistrySchemas
    from lineage_stream.app import wall_clock_us
    from lineage_stream.contract import latest_schema
    from lineage_stream.pipeline.decode import AvroDecoder, OpenLineageJsonDecoder

    if json_format:
        return OpenLineageJsonDecoder(max_bytes=settings.max_message_bytes, clock_us=wall_clock_us)
    return AvroDecoder(RegistrySchemas(settings.registry.url, config=settings.registry.client_config()), latest_schema(),
                       max_bytes=settings.max_message_bytes, clock_us=wall_clock_us)


def _latency(load: float, max_rate: float, config: FullConfig, kafka: KafkaTarget, neo4j: Neo4jSettings,
             base_env: Mapping[str, str], graph: _Graph, say: Say) -> dict[str, Any]:
    """The worker beside a producer sending at ``load`` × ``max_rate`` for a warm-up, then
    ``config.latency_seconds`` measured: percentiles of the events sent after the warm-up (a worker
    that has just started fills its memos and Neo4j its caches), and the whole run's p95 beside them."""
    from lineage_stream.adapters.neo4j_sink import Neo4jSink

    token = uuid.uuid4().hex[:8]
    topic, group = f"bench-latency-{token}", f"bench-latency-{token}"
    per_second = max(load * max_rate, 1.0)
    say(f"latency at {load:.0%} of {max_rate:,.0f}/s: producing {per_second:,.0f} records/s for "
        f"{config.latency_warmup_seconds:.0f} s of warm-up and {config.latency_seconds:.0f} s measured beside the worker ...")
    feed.ensure_topic(kafka, topic)
    names = _names(topic, group, config.json_format, neo4j)
    worker = WorkerProcess({**base_env, **names}, until_idle=False)
    entry: dict[str, Any] = {"load": load, "target_rate": per_second, "group": group,
                             "topics": [topic, *_created(topic, config.json_format)]}
    fed = feed.Fed()
    try:
        if not feed.group_ready(kafka.bootstrap, group):
            raise RuntimeError(f"the worker did not join {group} within 60 s")
        seconds = config.latency_warmup_seconds + config.latency_seconds
        records = int(per_second * seconds) + 10
        spec = StreamSpec(records, token=token, seed=config.seed, job_io=config.job_io)
        fed = feed.at_rate(kafka, topic, stream_events(spec, time.time_ns() // 1000), per_second,
                           seconds, json_format=config.json_format)
        with Neo4jSink(neo4j) as sink:  # wait until the worker has committed every record sent
            deadline = time.monotonic() + 120.0
            while time.monotonic() < deadline and worker.running():
                if sum(sink.stored_offsets(group, [topic]).values()) >= fed.records:
                    break
                time.sleep(0.2)
    finally:
        worker.terminate()
        result = worker.finish(timeout_s=30.0)
    problem = failure(result, f"latency at {load:.0%}")
    if problem:
        raise RuntimeError(problem)
    everything = [float(v) for v in result.raw.get("latencies", [])]
    seen_at = [float(v) for v in result.raw.get("latency_seen_at", [])]
    # An event's time is when it was due to be sent (at_rate encodes it so): seen at - latency.
    measured_from = fed.started_at + config.latency_warmup_seconds
    latencies = [v for v, at in zip(everything, seen_at) if at - v >= measured_from]
    entry.update(produced=fed.records, achieved_rate=fed.records / fed.seconds if fed.seconds else 0.0,
                 warmup_s=config.latency_warmup_seconds, committed=len(latencies), **percentiles(latencies),
                 p95_whole_run=percentiles(everything)["p95"], committed_whole_run=len(everything))
    say(f"  p50 {entry['p50'] or 0:.3f} s, p95 {entry['p95'] or 0:.3f} s, p99 {entry['p99'] or 0:.3f} s "
        f"over {len(latencies):,} events")
    graph.clear(namespace_token(token), fed.event_ids, [group])
    return entry


def resolve_neo4j(uri: str | None, env: Mapping[str, str]) -> Neo4jSettings:
    """The bench's Neo4j: ``--neo4j-uri``, else ``LINEAGE_BENCH_NEO4J_URI``, else ``LINEAGE_NEO4J_URI``."""
    from lineage_stream.settings import neo4j_settings

    chosen = uri or env.get("LINEAGE_BENCH_NEO4J_URI") or env.get("LINEAGE_NEO4J_URI")
    return neo4j_settings({**env, **({"LINEAGE_NEO4J_URI": chosen} if chosen else {})})

