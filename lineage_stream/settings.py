"""Settings, read once at the edge (CLI or app) from flags and ``LINEAGE_*`` environment variables.

Pure code never reads the environment: it receives the plain values it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lineage_stream.errors import ConfigError

DEFAULTS: Mapping[str, str] = {
    "LINEAGE_KAFKA_BOOTSTRAP": "127.0.0.1:9092",
    "LINEAGE_REGISTRY_URL": "http://127.0.0.1:8081/apis/ccompat/v7",
    "LINEAGE_NEO4J_URI": "bolt://127.0.0.1:7687",
    "LINEAGE_NEO4J_USER": "neo4j",
    "LINEAGE_NEO4J_PASSWORD": "lineage-stream-dev",
    "LINEAGE_NEO4J_DATABASE": "neo4j",
    "LINEAGE_AVRO_TOPIC": "lineage-events",
    "LINEAGE_OPENLINEAGE_TOPICS": "openlineage",
    "LINEAGE_DLQ_TOPIC": "lineage-events-dlq",
    "LINEAGE_GROUP_ID": "lineage-stream-worker",
    "LINEAGE_BATCH_SIZE": "5000",
    "LINEAGE_METRICS_HOST": "127.0.0.1",
    "LINEAGE_METRICS_PORT": "9108",
    "LINEAGE_DEDUP_WINDOW_S": str(7 * 24 * 3600),
    "LINEAGE_DEDUP_MAX_IDS": "1000000",
    "LINEAGE_MAX_MESSAGE_BYTES": str(4 * 1024 * 1024),
}


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    bootstrap: str
    registry_url: str
    avro_topic: str
    openlineage_topics: tuple[str, ...]
    dlq_topic: str
    group_id: str


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str = field(repr=False)
    database: str


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    kafka: KafkaSettings
    neo4j: Neo4jSettings
    batch_size: int
    metrics_host: str
    metrics_port: int
    dedup_window_s: int
    dedup_max_ids: int
    max_message_bytes: int


def _int(env: Mapping[str, str], name: str, minimum: int = 0) -> int:
    raw = env.get(name) or DEFAULTS[name]
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _str(env: Mapping[str, str], name: str) -> str:
    value = env.get(name) or DEFAULTS[name]
    if not value.strip():
        raise ConfigError(f"{name} must not be blank")
    return value.strip()


def kafka_settings(env: Mapping[str, str]) -> KafkaSettings:
    topics = tuple(t.strip() for t in (env.get("LINEAGE_OPENLINEAGE_TOPICS") or DEFAULTS["LINEAGE_OPENLINEAGE_TOPICS"]).split(",") if t.strip())
    return KafkaSettings(
        bootstrap=_str(env, "LINEAGE_KAFKA_BOOTSTRAP"),
        registry_url=_str(env, "LINEAGE_REGISTRY_URL"),
        avro_topic=_str(env, "LINEAGE_AVRO_TOPIC"),
        openlineage_topics=topics,
        dlq_topic=_str(env, "LINEAGE_DLQ_TOPIC"),
        group_id=_str(env, "LINEAGE_GROUP_ID"),
    )


def neo4j_settings(env: Mapping[str, str]) -> Neo4jSettings:
    return Neo4jSettings(
        uri=_str(env, "LINEAGE_NEO4J_URI"),
        user=_str(env, "LINEAGE_NEO4J_USER"),
        password=env.get("LINEAGE_NEO4J_PASSWORD") or DEFAULTS["LINEAGE_NEO4J_PASSWORD"],
        database=_str(env, "LINEAGE_NEO4J_DATABASE"),
    )


def worker_settings(env: Mapping[str, str]) -> WorkerSettings:
    """All worker settings from a mapping of ``LINEAGE_*`` variables (defaults fill the gaps).

    Raises:
        ConfigError: a value is blank, not an integer, or out of range.
    """
    return WorkerSettings(
        kafka=kafka_settings(env),
        neo4j=neo4j_settings(env),
        batch_size=_int(env, "LINEAGE_BATCH_SIZE", minimum=1),
        metrics_host=_str(env, "LINEAGE_METRICS_HOST"),
        metrics_port=_int(env, "LINEAGE_METRICS_PORT"),
        dedup_window_s=_int(env, "LINEAGE_DEDUP_WINDOW_S", minimum=1),
        dedup_max_ids=_int(env, "LINEAGE_DEDUP_MAX_IDS", minimum=1),
        max_message_bytes=_int(env, "LINEAGE_MAX_MESSAGE_BYTES", minimum=1024),
    )
