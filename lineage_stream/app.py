"""The composition root: settings in, a running worker out. Only this module wires adapters to stages."""

from __future__ import annotations

import logging
import signal
import threading
import time
from contextlib import ExitStack
from types import FrameType

from lineage_stream.adapters.dead_letter import DeadLetterWriter
from lineage_stream.adapters.kafka_source import KafkaSource, ensure_topics
from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.adapters.registry import RegistrySchemas
from lineage_stream.contract import latest_schema
from lineage_stream.failpoints import Failpoints
from lineage_stream.naming import AliasMap
from lineage_stream.openlineage import DroppedFacet
from lineage_stream.pipeline.chain import Stage
from lineage_stream.pipeline.decode import AvroDecoder, OpenLineageJsonDecoder
from lineage_stream.pipeline.dedup import DedupStage, Deduplicator
from lineage_stream.pipeline.normalize import NormalizeStage
from lineage_stream.pipeline.redact import RedactStage
from lineage_stream.pipeline.rollup import RollupStage
from lineage_stream.settings import WorkerSettings
from lineage_stream.worker import Decoder, Worker

log = logging.getLogger(__name__)


def wall_clock_us() -> int:
    return time.time_ns() // 1000


def build_stages(dedup: Deduplicator, aliases: AliasMap | None = None) -> list[Stage]:
    return [DedupStage(dedup, wall_clock_us), NormalizeStage(aliases), RedactStage(), RollupStage()]


def run_worker(settings: WorkerSettings, *, until_idle: bool = False, serve_metrics: bool = True,
               metrics: WorkerMetrics | None = None, stop: threading.Event | None = None,
               aliases: AliasMap | None = None, failpoints: Failpoints | None = None) -> dict[str, int]:
    """Run the worker until stopped (SIGTERM/SIGINT) or, with ``until_idle``, until caught up.

    Returns the totals: consumed, written, duplicates, rejected.
    """
    kafka = settings.kafka
    metrics = metrics or WorkerMetrics()
    stop = stop or threading.Event()
    if serve_metrics:
        metrics.serve(settings.metrics_host, settings.metrics_port)
        log.info("metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port)
    topics = [kafka.avro_topic, *kafka.openlineage_topics]
    ensure_topics(kafka.bootstrap, [*topics, kafka.dlq_topic])
    avro = AvroDecoder(RegistrySchemas(kafka.registry_url), latest_schema(), max_bytes=settings.max_message_bytes,
                       clock_us=wall_clock_us)
    def count_dropped(dropped: DroppedFacet) -> None:
        metrics.facets_dropped.labels(dropped.facet).inc()
        log.warning("dropped malformed facet %s at %s: %s", dropped.facet, dropped.location, dropped.reason)

    openlineage = OpenLineageJsonDecoder(max_bytes=settings.max_message_bytes, clock_us=wall_clock_us,
                                         on_dropped_facet=count_dropped)
    decoders: dict[str, Decoder] = {kafka.avro_topic: avro, **{t: openlineage for t in kafka.openlineage_topics}}
    _install_signal_handlers(stop)
    with ExitStack() as stack:
        sink = stack.enter_context(Neo4jSink(settings.neo4j))
        sink.ensure_schema()
        source = KafkaSource(
            kafka.bootstrap, kafka.group_id, topics,
            lambda ts: sink.stored_offsets(kafka.group_id, ts),
            max_message_bytes=settings.max_message_bytes,
        )
        stack.callback(source.close)
        window_us = settings.dedup_window_s * 1_000_000
        dedup = Deduplicator(window_us, settings.dedup_max_ids)
        worker = Worker(
            source=source, sink=sink, decoders=decoders, stages=build_stages(dedup, aliases),
            dead_letters=DeadLetterWriter(kafka.bootstrap, kafka.dlq_topic), metrics=metrics,
            group_id=kafka.group_id, batch_size=settings.batch_size, dedup_window_us=window_us,
            clock_us=wall_clock_us, on_not_applied=dedup.forget, failpoints=failpoints,
        )
        worker.run(stop, until_idle=until_idle)
        return dict(worker.totals)


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s: finishing the current batch", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
