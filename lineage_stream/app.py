"""The composition root: settings in, a running worker out. Only this module wires adapters to stages."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from types import FrameType
from typing import Iterator

import neo4j
from confluent_kafka import KafkaError

from lineage_stream.adapters.dead_letter import DeadLetterWriter
from lineage_stream.adapters.coverage import CoverageMonitor
from lineage_stream.adapters.governance_store import GovernanceStore
from lineage_stream.adapters.health import Health, Partitions, Prober, kafka_probe, neo4j_probe, registry_probe, serve
from lineage_stream.adapters.kafka_check import check_kafka
from lineage_stream.adapters.kafka_source import KafkaSource, ensure_topics
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.backoff import Backoff
from lineage_stream.collector import CollectionPace
from lineage_stream.contract import latest_schema
from lineage_stream.errors import ConfigError, LineageStreamError, SinkUnavailable
from lineage_stream.logs import kafka_logger
from lineage_stream.failpoints import Failpoints
from lineage_stream.governance.cardinality import NamespaceBudget, Sampler, SamplingRule
from lineage_stream.governance.policy import load_policy
from lineage_stream.governance.redactor import PolicyRedactor
from lineage_stream.naming import AliasMap
from lineage_stream.openlineage import DroppedFacet
from lineage_stream.pipeline.chain import Stage
from lineage_stream.pipeline.decode import AvroDecoder, OpenLineageJsonDecoder
from lineage_stream.pipeline.dedup import DedupStage, Deduplicator, SeenBefore
from lineage_stream.pipeline.normalize import NormalizeStage
from lineage_stream.pipeline.redact import RedactStage
from lineage_stream.query.store import GraphReader
from lineage_stream.pipeline.rollup import DEFAULT_RULES, PartitionRules, RollupStage
from lineage_stream.settings import WorkerSettings
from lineage_stream.worker import Decoder, Worker

log = logging.getLogger(__name__)


def wall_clock_us() -> int:
    return time.time_ns() // 1000


def build_stages(dedup: Deduplicator, aliases: AliasMap | None = None, redact: RedactStage | None = None,
                 rollup: RollupStage | None = None) -> list[Stage]:
    return [DedupStage(dedup, wall_clock_us), NormalizeStage(aliases), redact or RedactStage(), rollup or RollupStage()]


def build_rollup_stage(settings: WorkerSettings, metrics: WorkerMetrics) -> RollupStage:
    """The rollup stage under the cardinality settings: partition rules, run sampling, namespace budget."""
    cardinality = settings.cardinality

    def over_budget(namespace: str, budget: int) -> None:
        metrics.namespaces_over_budget.inc()
        log.warning("namespace %s has more than %s distinct datasets: check its partition folding "
                    "(cardinality.partition_segments) or raise cardinality.namespace_dataset_budget", namespace, budget)

    budget = cardinality.namespace_dataset_budget
    return RollupStage(
        PartitionRules(cardinality.partition_segments) if cardinality.partition_segments is not None else DEFAULT_RULES,
        sampler=Sampler([SamplingRule(s.job, s.rate) for s in cardinality.sampling]),
        budget=NamespaceBudget(budget) if budget is not None else None,
        on_over_budget=over_budget, on_sampled_out=metrics.runs_sampled_out.inc)


def build_redact_stage(settings: WorkerSettings, metrics: WorkerMetrics) -> RedactStage:
    """The redact stage under the configured policy and key, reporting to the redactions metric."""
    redaction = settings.redaction
    key = redaction.key()
    policy = load_policy(redaction.policy_file)
    if key is None and any(policy.action(t) == "pseudonymize" for t in policy.entity_types):
        # Masking is the safe side; only a production deployment is expected to hold a key.
        log.log(logging.WARNING if settings.profile == "production" else logging.INFO,
                "redaction.pseudonym_key is not set: values the policy pseudonymizes are masked instead")
    return RedactStage(PolicyRedactor(policy, key), on_redactions=metrics.count_redactions)


def run_worker(settings: WorkerSettings, *, until_idle: bool = False, serve_metrics: bool = True,
               metrics: WorkerMetrics | None = None, stop: threading.Event | None = None,
               aliases: AliasMap | None = None, failpoints: Failpoints | None = None,
               dedup: Deduplicator | None = None) -> dict[str, int]:
    """Run the worker until stopped (SIGTERM/SIGINT) or, with ``until_idle``, until caught up.

    ``dedup`` is the dedup window to start from (the benchmark passes one already full); by
    default an empty one sized by the settings.

    Returns the totals: consumed, written, duplicates, rejected.
    """
    kafka = settings.kafka
    observability = settings.observability
    metrics = metrics or WorkerMetrics(top_producers=observability.top_producers,
                                       top_namespaces=observability.top_namespaces)
    stop = stop or threading.Event()
    topics = [kafka.avro_topic, *kafka.openlineage_topics]
    metrics.set_sources({kafka.avro_topic: "avro", **{t: "openlineage_json" for t in kafka.openlineage_topics}})
    sources: list[KafkaSource] = []
    if serve_metrics:
        def partitions() -> Partitions:
            return Partitions(len(sources[0].assigned), sources[0].paused) if sources else Partitions(0, False)

        serve(Health(metrics, partitions), metrics, settings.metrics_host, settings.metrics_port,
              certfile=settings.metrics_tls_cert, keyfile=settings.metrics_tls_key,
              client_cafile=settings.metrics_tls_client_ca)
        scheme = "https" if settings.metrics_tls_cert else "http"
        log.info("metrics on %s://%s:%s/metrics (and /healthz, /readyz)", scheme, settings.metrics_host,
                 settings.metrics_port)
    logger = {"logger": kafka_logger()}
    known_topics = check_kafka({**kafka.client_config("admin"), **logger})
    if kafka.topics.create:
        ensure_topics(kafka.bootstrap, [*topics, kafka.dlq_topic], partitions=kafka.topics.partitions,
                      replication_factor=kafka.topics.replication_factor,
                      config={**kafka.client_config("admin"), **logger}, known=known_topics or frozenset())
    registry = RegistrySchemas(settings.registry.url, config=settings.registry.client_config())
    registry.validate_settings()  # settings the look-ups cannot honour stop the worker here
    avro = AvroDecoder(registry, latest_schema(), max_bytes=settings.max_message_bytes, clock_us=wall_clock_us)
    def count_dropped(dropped: DroppedFacet) -> None:
        metrics.facets_dropped.labels(dropped.facet).inc()
        log.warning("dropped malformed facet %s at %s: %s", dropped.facet, dropped.location, dropped.reason)

    openlineage = OpenLineageJsonDecoder(max_bytes=settings.max_message_bytes, clock_us=wall_clock_us,
                                         on_dropped_facet=count_dropped)
    decoders: dict[str, Decoder] = {kafka.avro_topic: avro, **{t: openlineage for t in kafka.openlineage_topics}}
    redact, rollup = build_redact_stage(settings, metrics), build_rollup_stage(settings, metrics)
    _install_signal_handlers(stop)
    with ExitStack() as stack:
        _start_probes(settings, metrics, stack)
        sink = stack.enter_context(Neo4jSink(settings.neo4j))
        if not _ensure_schema(sink, stop):
            return {"consumed": 0, "written": 0, "duplicates": 0, "rejected": 0}
        metrics.dependency_ok("neo4j")  # it answered the schema check (through the write route)
        if not until_idle:  # a catch-up run exits when caught up: nothing would read the gauges
            _start_coverage(settings, metrics, stack)
        governance = stack.enter_context(GovernanceStore(settings.neo4j))
        done = threading.Event()
        stack.callback(done.set)  # runs before the store closes: the refresh thread stops first
        _follow_suppression(governance, redact, settings.redaction.key(), settings.redaction.suppression_refresh_s, done)
        # The consumer joins its group once Neo4j has answered: a worker waiting for it holds no partitions.
        source = KafkaSource(
            kafka.bootstrap, kafka.group_id, topics,
            lambda ts: sink.stored_offsets(kafka.group_id, ts),
            max_message_bytes=settings.max_message_bytes,
            extra_config={**kafka.client_config("consumer"), **logger,
                          "statistics.interval.ms": int(observability.kafka_statistics_s * 1000),
                          "stats_cb": lambda stats: metrics.kafka_statistics(stats, sources[0].assigned),
                          "error_cb": lambda error: _kafka_client_error(metrics, error)},
        )
        sources.append(source)
        stack.callback(source.close)
        window_us = settings.dedup_window_s * 1_000_000
        dedup = dedup if dedup is not None else Deduplicator(window_us, settings.dedup_max_ids)
        metrics.watch(dedup_size=dedup.__len__, assigned=lambda: len(source.assigned), paused=lambda: source.paused)
        pace = CollectionPace()
        worker = Worker(
            source=source, sink=sink, decoders=decoders, stages=build_stages(dedup, aliases, redact, rollup),
            dead_letters=DeadLetterWriter(kafka.bootstrap, kafka.dlq_topic,
                                          config={**kafka.client_config("producer"), **logger}), metrics=metrics,
            group_id=kafka.group_id, batch_size=settings.batch_size, dedup_window_us=window_us,
            clock_us=wall_clock_us, on_not_applied=dedup.forget, failpoints=failpoints, on_consumed=pace.batch,
            seen_before=SeenBefore(dedup, wall_clock_us, {kafka.avro_topic: avro.event_id}),
        )
        with pace, _prompt_writer():
            worker.run(stop, until_idle=until_idle)
        return dict(worker.totals)


def _kafka_client_error(metrics: WorkerMetrics, error: KafkaError) -> None:
    """librdkafka logs client errors only while no ``error_cb`` is set: log them here, and count them."""
    log.warning("Kafka client error: %s", error)
    metrics.kafka_error(error)


def _start_probes(settings: WorkerSettings, metrics: WorkerMetrics, stack: ExitStack) -> None:
    """Check Kafka, the dead-letter topic, the registry and Neo4j now and every probe interval."""
    kafka = settings.kafka
    kafka_check, dead_letter_check = kafka_probe(kafka.bootstrap, kafka.dlq_topic,
                                                 {**kafka.client_config("admin"), "logger": kafka_logger()})
    neo4j_check, close_neo4j = neo4j_probe(settings.neo4j)
    stack.callback(close_neo4j)
    prober = Prober(metrics, {"kafka": kafka_check, "dead_letter": dead_letter_check,
                              "registry": registry_probe(settings.registry.url, settings.registry.client_config()),
                              "neo4j": neo4j_check}, settings.observability.probe_interval_s)
    prober.start()
    stack.callback(prober.stop)


def _start_coverage(settings: WorkerSettings, metrics: WorkerMetrics, stack: ExitStack) -> None:
    """Compute the coverage and quality gauges from the graph now and every coverage interval."""
    observability = settings.observability
    reader = stack.enter_context(GraphReader(settings.neo4j, timeout_s=30.0))
    monitor = CoverageMonitor(reader, metrics.registry, interval_s=observability.coverage_interval_s,
                              top_namespaces=observability.top_namespaces, stuck_after_s=observability.stuck_run_s,
                              silent_factor=observability.silent_job_factor, impact_sample=observability.impact_sample)
    monitor.start()
    stack.callback(monitor.stop)


@contextmanager
def _prompt_writer() -> Iterator[None]:
    """Hand the GIL over every millisecond (Python's default is every 5 ms) while the worker runs.

    Each time Neo4j answers the writer thread, it must win the GIL back from the main thread, busy
    preparing the next batch: a wait of up to a switch interval. Measured when a batch was written as
    up to seventeen statements, each a round trip (benchmark's stream, 60,000 records, batches of
    about 1,930, two runs each way): the write took 559-632 ms per batch at 5 ms and 480-491 ms at
    1 ms, the preparation 509-557 ms and 522-544 ms. A batch is one statement now
    (graph/cypher.py WRITE_BATCH), so there are fewer such waits; not measured again since.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def _follow_suppression(store: GovernanceStore, redact: RedactStage, key: bytes | None, every_s: float,
                        done: threading.Event) -> None:
    """Load the suppression list before the first event, then re-read it every ``every_s`` in a thread
    until ``done``.

    Raises:
        ConfigError: values are on the list but no pseudonym key is set, so they could not be recognized.
    """
    store.ensure_schema()

    def load() -> None:
        suppression = store.read_suppression()
        if suppression and key is None:
            raise ConfigError("the suppression list holds erased values but redaction.pseudonym_key is not set: "
                              "set the key the values were erased with")
        redact.set_suppression(suppression)

    load()

    def follow() -> None:
        while not done.wait(every_s):
            try:
                load()
            except (LineageStreamError, neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as error:
                log.warning("cannot refresh the suppression list (%s); keeping the one loaded", error)

    threading.Thread(target=follow, name="suppression-refresh", daemon=True).start()


def _ensure_schema(sink: Neo4jSink, stop: threading.Event) -> bool:
    """Create constraints and indexes, waiting for Neo4j if it is down; False if stopped first."""
    backoff = Backoff()
    while not stop.is_set():
        try:
            sink.ensure_schema()
            return True
        except SinkUnavailable as error:
            delay = backoff.delay(error)
            log.warning("%s; retrying in %.1fs", error, delay)
            stop.wait(delay)
    return False


SHUTDOWN_GRACE_S = 8.0
"""After SIGTERM, how long the batch in hand may take before it is abandoned (nothing of it commits)."""


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def abandon() -> None:
        log.warning("the batch in hand did not finish within %.0fs of the signal: abandoning it "
                    "(its transaction rolls back; its records are read again on restart)", SHUTDOWN_GRACE_S)
        logging.shutdown()
        os._exit(0)

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s: finishing the current batch", signum)
        if not stop.is_set():
            timer = threading.Timer(SHUTDOWN_GRACE_S, abandon)
            timer.daemon = True
            timer.start()
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
