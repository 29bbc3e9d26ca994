"""Settings: one model, read once at the edge (CLI or app), from flags, environment and a settings file.

Precedence, highest first: command-line flags > environment variables > the settings file > defaults.

- Environment: ``LINEAGE_`` prefix, nested with ``__`` (``LINEAGE_KAFKA__SECURITY__PROTOCOL``); the
  flat names of earlier releases (``LINEAGE_KAFKA_BOOTSTRAP``, ``LINEAGE_NEO4J_URI``...) still work.
- File: TOML (``.toml``) or YAML (``.yaml``/``.yml``) given by ``--config`` or ``LINEAGE_CONFIG_FILE``,
  with the same nesting (``[kafka.security]``, ``[kafka.consumer]`` for librdkafka pass-through).

Secrets are ``SecretStr``: never in a repr, a log line or an error message. Pure code never reads the
environment: it receives the plain values it needs. ``docs/configuration.md`` is generated from this
model (``lineage-stream config docs``).
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

from lineage_stream.errors import ConfigError

DEV_PASSWORD = "lineage-stream-dev"
"""The password of the local development Neo4j; the production profile refuses it."""

ENV_PREFIX = "LINEAGE_"
CONFIG_FILE_VAR = "LINEAGE_CONFIG_FILE"
SECRETS_DIR_VAR = "LINEAGE_SECRETS_DIR"
"""A directory of files named like variables (``LINEAGE_NEO4J__PASSWORD``), each holding one value: how
Kubernetes and Docker mount secrets. Variables in the environment win over these files."""

ClientValue = str | int | float | bool
Profile = Literal["development", "production"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


class KafkaSecurity(_Section):
    """How every Kafka client (producer, worker, dead-letter writer, admin) authenticates and encrypts."""

    protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="librdkafka `security.protocol`")
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="librdkafka `sasl.mechanism`")
    sasl_username: str | None = Field(None, description="SASL user")
    sasl_password: SecretStr | None = Field(None, description="SASL password (secret)")
    ssl_ca_location: Path | None = Field(None, description="CA certificate file (PEM) that signs the brokers'")
    ssl_certificate_location: Path | None = Field(None, description="client certificate (PEM), for mTLS")
    ssl_key_location: Path | None = Field(None, description="client private key (PEM), for mTLS")
    ssl_key_password: SecretStr | None = Field(None, description="password of the client key (secret)")
    ssl_verify_hostname: bool = Field(True, description="check the broker's certificate names its host")

    def librdkafka(self) -> dict[str, ClientValue]:
        config: dict[str, ClientValue] = {"security.protocol": self.protocol}
        optional: dict[str, object] = {
            "sasl.mechanism": self.sasl_mechanism,
            "sasl.username": self.sasl_username,
            "sasl.password": self.sasl_password.get_secret_value() if self.sasl_password else None,
            "ssl.ca.location": self.ssl_ca_location,
            "ssl.certificate.location": self.ssl_certificate_location,
            "ssl.key.location": self.ssl_key_location,
            "ssl.key.password": self.ssl_key_password.get_secret_value() if self.ssl_key_password else None,
        }
        config.update({k: str(v) for k, v in optional.items() if v is not None})
        if "SSL" in self.protocol:
            config["ssl.endpoint.identification.algorithm"] = "https" if self.ssl_verify_hostname else "none"
        return config


class TopicCreation(_Section):
    """Topics the worker creates at start-up when they do not exist (existing topics are left alone)."""

    create: bool = Field(True, description="create missing topics; false when an operator manages them")
    partitions: int = Field(3, ge=1, description="partitions of a created topic")
    replication_factor: int = Field(-1, ge=-1, description="replicas of a created topic; -1 takes the broker's "
                                    "`default.replication.factor`")


class KafkaSettings(_Section):
    bootstrap: str = Field("127.0.0.1:9092", min_length=1, description="bootstrap servers",
                           json_schema_extra={"legacy_env": "LINEAGE_KAFKA_BOOTSTRAP"})
    avro_topic: str = Field("lineage-events", min_length=1, description="Avro lineage topic",
                            json_schema_extra={"legacy_env": "LINEAGE_AVRO_TOPIC"})
    openlineage_topics: Annotated[tuple[str, ...], NoDecode] = Field(
        ("openlineage",), description="OpenLineage JSON topics (comma-separated in the environment)",
        json_schema_extra={"legacy_env": "LINEAGE_OPENLINEAGE_TOPICS"})
    dlq_topic: str = Field("lineage-events-dlq", min_length=1, description="dead-letter topic",
                           json_schema_extra={"legacy_env": "LINEAGE_DLQ_TOPIC"})
    group_id: str = Field("lineage-stream-worker", min_length=1, description="the worker's consumer group",
                          json_schema_extra={"legacy_env": "LINEAGE_GROUP_ID"})
    security: KafkaSecurity = KafkaSecurity()
    topics: TopicCreation = TopicCreation()
    consumer: dict[str, ClientValue] = Field(default_factory=dict, description="librdkafka settings for the "
                                             "worker's consumer, e.g. `fetch.min.bytes`")
    producer: dict[str, ClientValue] = Field(default_factory=dict, description="librdkafka settings for the "
                                             "producer SDK and the dead-letter writer")
    admin: dict[str, ClientValue] = Field(default_factory=dict, description="librdkafka settings for topic "
                                          "creation and the dead-letter admin commands")

    _strip = field_validator("bootstrap", "avro_topic", "dlq_topic", "group_id")(lambda v: v.strip())
    _split = field_validator("openlineage_topics", mode="before")(_comma_list)

    def client_config(self, role: Literal["consumer", "producer", "admin"]) -> dict[str, ClientValue]:
        """The librdkafka configuration for one client role: bootstrap, security, then pass-through."""
        config: dict[str, ClientValue] = {"bootstrap.servers": self.bootstrap, **self.security.librdkafka()}
        config.update(getattr(self, role))
        return config


class RegistrySettings(_Section):
    url: str = Field("http://127.0.0.1:8081/apis/ccompat/v7", min_length=1,
                     description="schema registry URL (Confluent-compatible API)",
                     json_schema_extra={"legacy_env": "LINEAGE_REGISTRY_URL"})
    basic_auth_user: str | None = Field(None, description="HTTP basic authentication user")
    basic_auth_password: SecretStr | None = Field(None, description="HTTP basic authentication password (secret)")
    ssl_ca_location: Path | None = Field(None, description="CA certificate file (PEM) for an HTTPS registry")
    ssl_certificate_location: Path | None = Field(None, description="client certificate (PEM), for mTLS")
    ssl_key_location: Path | None = Field(None, description="client private key (PEM), for mTLS")
    subject_strategy: Literal["topic", "record", "topic_record"] = Field(
        "topic", description="subject naming: `topic` (`<topic>-value`, Confluent's default), `record` "
        "(the record's full name) or `topic_record` (`<topic>-<record full name>`)")

    def client_config(self) -> dict[str, str]:
        config = {"url": self.url.strip()}
        if self.basic_auth_user is not None:
            password = self.basic_auth_password.get_secret_value() if self.basic_auth_password else ""
            config["basic.auth.user.info"] = f"{self.basic_auth_user}:{password}"
        for key, value in (("ssl.ca.location", self.ssl_ca_location),
                           ("ssl.certificate.location", self.ssl_certificate_location),
                           ("ssl.key.location", self.ssl_key_location)):
            if value is not None:
                config[key] = str(value)
        return config


class Neo4jSettings(_Section):
    uri: str = Field("bolt://127.0.0.1:7687", min_length=1, description="Bolt URI; `neo4j+s://` or "
                     "`bolt+s://` for TLS", json_schema_extra={"legacy_env": "LINEAGE_NEO4J_URI"})
    user: str = Field("neo4j", min_length=1, description="user", json_schema_extra={"legacy_env": "LINEAGE_NEO4J_USER"})
    password: SecretStr | None = Field(None, description="password (secret); defaults to the development "
                                       "password only in the development profile",
                                       json_schema_extra={"legacy_env": "LINEAGE_NEO4J_PASSWORD"})
    database: str = Field("neo4j", min_length=1, description="database",
                          json_schema_extra={"legacy_env": "LINEAGE_NEO4J_DATABASE"})
    trusted_ca: Path | None = Field(None, description="CA certificate file (PEM) to trust, with a `bolt://` or "
                                    "`neo4j://` URI (encryption is then on)")
    max_connection_lifetime_s: float = Field(3600.0, gt=0, description="close pooled connections older than "
                                             "this (a rotated password is noticed no later)")
    notifications_min_severity: Literal["OFF", "WARNING", "INFORMATION"] = Field(
        "WARNING", description="query notifications Neo4j sends; they are logged at DEBUG")

    def __init__(self, *args: Any, **data: Any) -> None:
        # Positional (uri, user, password, database) as in earlier releases.
        data.update(zip(("uri", "user", "password", "database"), args))
        super().__init__(**data)

    @model_validator(mode="after")
    def _tls(self) -> Neo4jSettings:
        if self.trusted_ca is not None and "+s" in self.uri.split("://", 1)[0]:
            raise ValueError("trusted_ca needs a bolt:// or neo4j:// URI (a +s/+ssc URI sets trust itself)")
        return self

    def secret_password(self) -> str:
        """The password in clear, for the driver only.

        Raises:
            ConfigError: no password is set (the production profile has no default).
        """
        if self.password is None:
            raise ConfigError("the Neo4j password is not set: LINEAGE_NEO4J_PASSWORD or neo4j.password")
        return self.password.get_secret_value()


class RedactionSettings(_Section):
    """What the redact stage applies, and the key behind pseudonyms, erasure and the suppression list."""

    policy_file: Path | None = Field(None, description="YAML redaction policy; the shipped default when unset "
                                     "(`lineage_stream/governance/redaction-policy.yaml`, docs/redaction.md)")
    pseudonym_key: SecretStr | None = Field(None, description="key of the HMAC behind pseudonyms and erasure "
                                            "hashes (secret; never stored). Unset: pseudonymize masks, erase refuses")
    suppression_refresh_s: float = Field(60.0, gt=0, description="how often the worker re-reads the suppression "
                                         "list (values erased with `lineage-stream erase`)")

    def key(self) -> bytes | None:
        return self.pseudonym_key.get_secret_value().encode("utf-8") if self.pseudonym_key else None


class RetentionSettings(_Section):
    """`lineage-stream retention run`: how long runs stay in detail before they fold into per-job buckets."""

    keep_days: float | None = Field(30.0, gt=0, description="runs last seen within this many days stay in "
                                    "detail; unset: no window")
    keep_last: int | None = Field(100, ge=0, description="the latest N runs of each job stay in detail; "
                                  "unset: no count (a run stays when either keeps it)")
    bucket: Literal["hour", "day"] = Field("day", description="width of the per-job time buckets runs fold into")

    def rule(self) -> Any:
        from lineage_stream.governance.retention import RetentionRule

        width = 3_600_000_000 if self.bucket == "hour" else 86_400_000_000
        window = int(self.keep_days * 86_400_000_000) if self.keep_days is not None else None
        return RetentionRule(window, self.keep_last, width)


class SamplingSetting(_Section):
    job: str = Field(min_length=1, description="shell pattern over `namespace/name` of the job")
    rate: float = Field(ge=0.0, le=1.0, description="share of runs kept in detail")


class CardinalitySettings(_Section):
    """Sampling of run detail, the dataset budget per namespace, and the partition-folding rules."""

    sampling: tuple[SamplingSetting, ...] = Field((), description="run-detail sampling of high-volume jobs, "
                                                  'e.g. `[{"job": "streaming/*", "rate": 0.01}]`; the first '
                                                  "matching rule applies; job- and dataset-level lineage stays complete")
    namespace_dataset_budget: int | None = Field(100_000, ge=1, description="distinct datasets a namespace may "
                                                 "have before a warning and `lineage_namespaces_over_budget`; unset: none")
    partition_segments: tuple[str, ...] | None = Field(None, description="regexes, each matching one whole path "
                                                       "segment that is a partition (folded into its table); unset: "
                                                       "Hive `key=value`, `YYYY-MM-DD[Thh]`, `YYYY/MM/DD[/hh]`")

    @field_validator("partition_segments")
    @classmethod
    def _regexes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        import re

        for pattern in value or ():
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"partition segment pattern {pattern!r}: {error}") from None
        return value


class ObservabilitySettings(_Section):
    """Dependency probes, Kafka statistics, and the coverage and quality gauges computed from the graph."""

    probe_interval_s: float = Field(15.0, gt=0, description="how often Kafka, the registry and Neo4j are checked "
                                    "for `lineage_dependency_up` and `/readyz`")
    kafka_statistics_s: float = Field(10.0, gt=0, description="how often the consumer reports its statistics "
                                      "(lag per partition, broker state)")
    coverage_interval_s: float = Field(60.0, gt=0, description="how often the coverage and quality gauges are "
                                       "computed from the graph (read transactions, off the write path)")
    stuck_run_s: float = Field(6 * 3600.0, gt=0, description="a run in START or RUNNING longer than this is stuck")
    silent_job_factor: float = Field(3.0, gt=1, description="a job is silent when it has had no run for this many "
                                     "times its usual interval between runs")
    top_producers: int = Field(20, ge=1, description="distinct producers labelled by name; the rest are `other`")
    top_namespaces: int = Field(20, ge=1, description="namespaces labelled by name in the coverage gauges (the "
                                "largest); the rest are `other`")
    impact_sample: int = Field(5, ge=0, description="datasets whose downstream-impact query is timed per interval")


class Settings(BaseSettings):
    """Every setting of lineage-stream. Build it with ``load_settings()``, which gives it its sources."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", env_ignore_empty=True,
                                      extra="ignore", frozen=True, case_sensitive=False)

    profile: Profile = Field("development", description="`production` refuses the development Neo4j "
                             "password and plaintext Kafka unless explicitly allowed")
    allow_plaintext_kafka: bool = Field(False, description="production profile: accept `PLAINTEXT` Kafka")
    allow_dev_password: bool = Field(False, description="production profile: accept the development "
                                     "Neo4j password")
    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    neo4j: Neo4jSettings = Neo4jSettings()
    redaction: RedactionSettings = RedactionSettings()
    retention: RetentionSettings = RetentionSettings()
    cardinality: CardinalitySettings = CardinalitySettings()
    observability: ObservabilitySettings = ObservabilitySettings()
    # 1,000, not 2,000, since a batch is one statement (graph/cypher.py WRITE_BATCH): the driver packs
    # the whole batch into one message, so its size sets the worker's peak. 60,000 records with a
    # million-ID window, two runs each: 1,000 gave 3,202 and 3,267 records/s and 263 and 243 MiB,
    # 2,000 gave 3,237 and 3,299 records/s and 326 and 325 MiB.
    batch_size: int = Field(1000, ge=1, description="the most records per batch (one Neo4j transaction); a batch takes what has arrived, so it is smaller under a light load")
    metrics_host: str = Field("127.0.0.1", min_length=1, description="address of the /metrics endpoint")
    metrics_port: int = Field(9108, ge=0, le=65535, description="port of the /metrics endpoint")
    metrics_tls_cert: Path | None = Field(None, description="certificate chain (PEM) to serve /metrics, /healthz "
                                          "and /readyz over HTTPS; with `metrics_tls_key`")
    metrics_tls_key: Path | None = Field(None, description="private key (PEM) of `metrics_tls_cert`")
    metrics_tls_client_ca: Path | None = Field(None, description="CA (PEM) whose client certificates the metrics port "
                                               "requires (mTLS); unset: no client certificate asked")
    dedup_window_s: int = Field(7 * 24 * 3600, ge=1, description="how long an event ID is remembered (seconds)")
    dedup_max_ids: int = Field(1_000_000, ge=1, description="event IDs remembered in memory")
    max_message_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="largest record accepted (bytes)")
    aliases_file: Path | None = Field(None, description="JSON alias map: host_aliases, namespace_aliases")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text or one JSON object each")
    failpoints: str | None = Field(None, description="crash points for fault-injection tests only")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _metrics_tls(self) -> Settings:
        if (self.metrics_tls_cert is None) != (self.metrics_tls_key is None):
            raise ValueError("metrics_tls_cert and metrics_tls_key go together")
        if self.metrics_tls_client_ca is not None and self.metrics_tls_cert is None:
            raise ValueError("metrics_tls_client_ca needs metrics_tls_cert and metrics_tls_key")
        return self

    @model_validator(mode="after")
    def _profile(self) -> Settings:
        password = self.neo4j.password
        if self.profile == "development":
            if password is None:
                object.__setattr__(self, "neo4j", self.neo4j.model_copy(update={"password": SecretStr(DEV_PASSWORD)}))
            return self
        if password is not None and password.get_secret_value() == DEV_PASSWORD and not self.allow_dev_password:
            raise ValueError("the production profile refuses the development Neo4j password "
                             "(set another, or allow_dev_password)")
        if self.kafka.security.protocol == "PLAINTEXT" and not self.allow_plaintext_kafka:
            raise ValueError("the production profile refuses plaintext Kafka (set kafka.security.protocol, "
                             "or allow_plaintext_kafka)")
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        env, config_file = _LOADING.get()
        sources: list[PydanticBaseSettingsSource] = [init_settings, _MappingEnvSource(settings_cls, env),
                                                     _LegacyEnvSource(settings_cls, env)]
        if config_file is not None:
            if config_file.suffix in (".yaml", ".yml"):
                sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
            else:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


WorkerSettings = Settings
"""The worker's settings are the whole model (the name earlier releases used)."""

_LOADING: ContextVar[tuple[Mapping[str, str], Path | None]] = ContextVar("_LOADING", default=({}, None))


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping (``os.environ`` at the edge)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._mapping.items() if v != ""}


def legacy_env_names() -> dict[str, tuple[str, str]]:
    """Flat variable names of earlier releases → (section, field)."""
    found: dict[str, tuple[str, str]] = {}
    for section, model in (("kafka", KafkaSettings), ("registry", RegistrySettings), ("neo4j", Neo4jSettings)):
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and isinstance(extra.get("legacy_env"), str):
                found[str(extra["legacy_env"])] = (section, name)
    return found


class _LegacyEnvSource(InitSettingsSource):
    """``LINEAGE_KAFKA_BOOTSTRAP`` and the other flat names, below the nested names in precedence."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        data: dict[str, dict[str, str]] = {}
        for var, (section, name) in legacy_env_names().items():
            value = env.get(var)
            if value:
                data.setdefault(section, {})[name] = value
        super().__init__(settings_cls, data)


def load_settings(flags: Mapping[str, Any] | None = None, *, env: Mapping[str, str] | None = None,
                  config_file: str | Path | None = None) -> Settings:
    """The settings from flags (nested mappings), the environment (``os.environ`` by default) and a file.

    Raises:
        ConfigError: the file is missing or unreadable, or a value is invalid; the message names the
            setting and never repeats a value.
    """
    env = os.environ if env is None else env
    env = {**_secret_files(env.get(SECRETS_DIR_VAR)), **env}
    path = Path(config_file) if config_file else (Path(env[CONFIG_FILE_VAR]) if env.get(CONFIG_FILE_VAR) else None)
    if path is not None and not path.is_file():
        raise ConfigError(f"settings file {path} does not exist")
    token = _LOADING.set((env, path))
    try:
        return Settings(**dict(flags or {}))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"invalid settings: {problems}") from None
    except (OSError, ValueError) as error:  # an unreadable or malformed settings file
        raise ConfigError(f"cannot read the settings file {path}: {type(error).__name__}") from None
    finally:
        _LOADING.reset(token)


def _secret_files(directory: str | None) -> dict[str, str]:
    """``LINEAGE_*`` values from the files of a mounted secrets directory (file name = variable name).

    Raises:
        ConfigError: the directory or one of its ``LINEAGE_*`` files cannot be read (the message names
            the file, never its content).
    """
    if not directory:
        return {}
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"{SECRETS_DIR_VAR}: {root} is not a directory")
    values: dict[str, str] = {}
    for path in sorted(root.iterdir()):
        if not path.name.upper().startswith(ENV_PREFIX) or path.name == SECRETS_DIR_VAR or not path.is_file():
            continue  # Kubernetes adds ..data links and dot-directories; only LINEAGE_* files count
        try:
            values[path.name.upper()] = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read the secret file {path}: {type(error).__name__}") from None
    return values


def worker_settings(env: Mapping[str, str]) -> Settings:
    """All settings from a mapping of ``LINEAGE_*`` variables (defaults fill the gaps).

    Raises:
        ConfigError: a value is blank, not an integer, or out of range.
    """
    return load_settings(env=env)


def neo4j_settings(env: Mapping[str, str]) -> Neo4jSettings:
    return load_settings(env=env).neo4j


def _text(value: object) -> str:
    return ",".join(value) if isinstance(value, tuple) else str(value)


DEFAULTS: Mapping[str, str] = {
    var: _text(getattr(getattr(Settings(), section), name)) for var, (section, name) in legacy_env_names().items()
    if var != "LINEAGE_NEO4J_PASSWORD"
}
"""Defaults by the flat variable names of earlier releases (for help texts)."""
