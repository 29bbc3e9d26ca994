"""Configuration files and JVM options of the local services, rendered as plain text (pure)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from pathlib import Path

from lineage_stream_dev.infra.layout import Settings


def kafka_cluster_id() -> str:
    """A random KRaft cluster ID in Kafka's format (URL-safe base64 of 16 bytes, no padding)."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not value.startswith("-"):  # Kafka's Uuid.randomUuid() rejects these too
            return value


def kafka_server_properties(settings: Settings, log_dir: Path) -> str:
    """server.properties of a single combined broker + controller KRaft node."""
    host = settings.host
    lines = [
        "# Rendered by lineage_stream_dev.infra; edits are overwritten on the next `infra up`.",
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.bootstrap.servers={host}:{settings.kafka_controller_port}",
        f"listeners=PLAINTEXT://{host}:{settings.kafka_port},"
        f"CONTROLLER://{host}:{settings.kafka_controller_port}",
        f"advertised.listeners=PLAINTEXT://{host}:{settings.kafka_port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        *single_node_storage(log_dir, io_threads=4, retention_hours=168, segment_bytes=268435456),
    ]
    return "\n".join(lines) + "\n"


def single_node_storage(log_dir: Path, *, io_threads: int, retention_hours: int, segment_bytes: int) -> list[str]:
    """The server.properties lines every local single-node broker shares (plain and secure profiles):
    storage, replication factors of one, topic defaults, threads and retention."""
    return [
        f"log.dirs={log_dir}",
        "auto.create.topics.enable=true",
        "num.partitions=3",
        "default.replication.factor=1",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "num.network.threads=2",
        f"num.io.threads={io_threads}",
        f"log.retention.hours={retention_hours}",
        f"log.segment.bytes={segment_bytes}",
    ]


KAFKA_LOG4J2 = """\
# Rendered by lineage_stream_dev.infra: Kafka logs to stdout, which goes to .local/logs/kafka.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
logger.coordinator.name = org.apache.kafka.coordinator
logger.coordinator.level = WARN
"""


def kafka_jvm_options(settings: Settings, log4j_config: Path) -> list[str]:
    return [
        f"-Xms{settings.kafka_heap}",
        f"-Xmx{settings.kafka_heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:InitiatingHeapOccupancyPercent=35",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j_config}",
        # Kafka's own shutdown hook logs until the end; log4j's would stop logging first.
        "-Dlog4j2.shutdownHookEnabled=false",
    ]


def neo4j_conf(settings: Settings, bolt_tls: Sequence[str] | None = None) -> str:
    """neo4j.conf read by our launcher (the server's own bootstrapper); ``bolt_tls``: TLS lines."""
    bolt = f"{settings.host}:{settings.neo4j_bolt_port}"
    advertised = f"{settings.public_host}:{settings.neo4j_bolt_port}"
    http = (["server.http.enabled=false"] if settings.neo4j_http_port is None else [
        "server.http.enabled=true",
        f"server.http.listen_address={settings.host}:{settings.neo4j_http_port}",
        f"server.http.advertised_address={settings.host}:{settings.neo4j_http_port}",
    ])
    lines = [
        "# Rendered by lineage_stream_dev.infra; edits are overwritten on the next `infra up`.",
        f"server.default_listen_address={settings.host}",
        f"server.default_advertised_address={settings.host}",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address={bolt}",
        f"server.bolt.advertised_address={advertised}",
        *(bolt_tls if bolt_tls else ["server.bolt.tls_level=DISABLED"]),
        *http,
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.memory.pagecache.size={settings.neo4j_pagecache}",
        "db.tx_log.rotation.retention_policy=512M size",
        "dbms.usage_report.enabled=false",
    ]
    return "\n".join(lines) + "\n"


def neo4j_jvm_options(settings: Settings) -> list[str]:
    # Neo4j's own default server.jvm.additional, minus -XX:+AlwaysPreTouch (keeps RSS low).
    return [
        f"-Xms{settings.neo4j_heap}",
        f"-Xmx{settings.neo4j_heap}",
        "-XX:+UseG1GC",
        "-XX:-OmitStackTraceInFastThrow",
        "-XX:+UnlockExperimentalVMOptions",
        "-XX:+TrustFinalNonStaticFields",
        "-XX:+DisableExplicitGC",
        "-Djdk.nio.maxCachedBufferSize=1024",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "-XX:+UnlockDiagnosticVMOptions",
        "-XX:+DebugNonSafepoints",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dlog4j2.disable.jmx=true",
        "-Djava.awt.headless=true",
    ]


def prometheus_yml(settings: Settings, rule_globs: Sequence[str] = ()) -> str:
    """prometheus.yml scraping the worker's metrics endpoint (and Prometheus itself)."""
    interval = f"{settings.scrape_interval_s}s"
    rules = "".join(f'  - "{pattern}"\n' for pattern in rule_globs)
    rule_block = f"rule_files:\n{rules}\n" if rules else ""  # a glob matching nothing is fine
    return f"""\
# Rendered by lineage_stream_dev.infra; edits are overwritten on the next `infra up`.
global:
  scrape_interval: {interval}
  evaluation_interval: {interval}

{rule_block}scrape_configs:
  - job_name: lineage-stream-worker
    metrics_path: /metrics
    scrape_interval: {interval}
    static_configs:
      - targets: ["{settings.metrics_target}"]
  - job_name: prometheus
    static_configs:
      - targets: ["{settings.host}:{settings.prometheus_port}"]
"""


def prometheus_args(settings: Settings, config: Path, tsdb: Path) -> list[str]:
    return [
        f"--config.file={config}",
        f"--storage.tsdb.path={tsdb}",
        "--storage.tsdb.retention.time=3d",
        f"--web.listen-address={settings.host}:{settings.prometheus_port}",
        "--web.enable-lifecycle",
    ]
