"""The settings model: sources and their precedence, the flat names of earlier releases, secrets, profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_stream.errors import ConfigError
from lineage_stream.settings import DEV_PASSWORD, legacy_env_names, load_settings

SECRET = "s3cret-Pa55word-xyz"


def test_defaults_are_the_local_development_services():
    settings = load_settings(env={})
    assert settings.kafka.bootstrap == "127.0.0.1:9092"
    assert settings.registry.url == "http://127.0.0.1:8081/apis/ccompat/v7"
    assert settings.neo4j.secret_password() == DEV_PASSWORD
    assert settings.kafka.openlineage_topics == ("openlineage",)
    assert settings.kafka.topics.replication_factor == -1


def test_every_flat_variable_of_earlier_releases_still_works():
    values = {
        "LINEAGE_KAFKA_BOOTSTRAP": "k:1", "LINEAGE_REGISTRY_URL": "http://r:2", "LINEAGE_NEO4J_URI": "bolt://n:3",
        "LINEAGE_NEO4J_USER": "u", "LINEAGE_NEO4J_PASSWORD": SECRET, "LINEAGE_NEO4J_DATABASE": "db",
        "LINEAGE_AVRO_TOPIC": "a", "LINEAGE_OPENLINEAGE_TOPICS": "o1, o2", "LINEAGE_DLQ_TOPIC": "d",
        "LINEAGE_GROUP_ID": "g", "LINEAGE_BATCH_SIZE": "7", "LINEAGE_METRICS_HOST": "0.0.0.0",
        "LINEAGE_METRICS_PORT": "9", "LINEAGE_DEDUP_WINDOW_S": "60", "LINEAGE_DEDUP_MAX_IDS": "10",
        "LINEAGE_MAX_MESSAGE_BYTES": "2048", "LINEAGE_ALIASES_FILE": "a.json", "LINEAGE_FAILPOINTS": "x",
    }
    s = load_settings(env=values)
    assert (s.kafka.bootstrap, s.registry.url, s.neo4j.uri, s.neo4j.user, s.neo4j.database) == (
        "k:1", "http://r:2", "bolt://n:3", "u", "db")
    assert s.neo4j.secret_password() == SECRET
    assert (s.kafka.avro_topic, s.kafka.openlineage_topics, s.kafka.dlq_topic, s.kafka.group_id) == (
        "a", ("o1", "o2"), "d", "g")
    assert (s.batch_size, s.metrics_host, s.metrics_port, s.dedup_window_s, s.dedup_max_ids,
            s.max_message_bytes, s.aliases_file, s.failpoints) == (7, "0.0.0.0", 9, 60, 10, 2048, Path("a.json"), "x")
    assert set(legacy_env_names()) <= set(values)


def test_nested_names_beat_flat_names_and_empty_values_mean_default():
    s = load_settings(env={"LINEAGE_KAFKA_BOOTSTRAP": "flat:1", "LINEAGE_KAFKA__BOOTSTRAP": "nested:2",
                           "LINEAGE_GROUP_ID": ""})
    assert s.kafka.bootstrap == "nested:2"
    assert s.kafka.group_id == "lineage-stream-worker"


def test_precedence_is_flags_then_environment_then_file_then_defaults(tmp_path):
    config = tmp_path / "lineage.toml"
    config.write_text('batch_size = 11\nmetrics_port = 1111\n[kafka]\nbootstrap = "file:1"\ngroup_id = "file-g"\n'
                      '[kafka.consumer]\n"fetch.min.bytes" = 4096\n', encoding="utf-8")
    env = {"LINEAGE_KAFKA_BOOTSTRAP": "env:1", "LINEAGE_METRICS_PORT": "2222"}
    s = load_settings({"kafka": {"bootstrap": "flag:1"}}, env=env, config_file=config)
    assert s.kafka.bootstrap == "flag:1"          # flag > env > file
    assert s.metrics_port == 2222                  # env > file
    assert (s.batch_size, s.kafka.group_id) == (11, "file-g")   # file > defaults
    assert s.dedup_max_ids == 1_000_000            # defaults
    assert s.kafka.client_config("consumer")["fetch.min.bytes"] == 4096


def test_yaml_file_and_config_file_variable(tmp_path):
    config = tmp_path / "lineage.yaml"
    config.write_text("kafka:\n  admin:\n    request.timeout.ms: 5000\nlog_format: json\n", encoding="utf-8")
    s = load_settings(env={"LINEAGE_CONFIG_FILE": str(config)})
    assert s.kafka.client_config("admin")["request.timeout.ms"] == 5000
    assert s.log_format == "json"


def test_librdkafka_pass_through_from_the_environment_goes_to_its_client_only():
    s = load_settings(env={"LINEAGE_KAFKA__CONSUMER__fetch.min.bytes": "65536",
                           "LINEAGE_KAFKA__PRODUCER__linger.ms": "50"})
    assert s.kafka.client_config("consumer")["fetch.min.bytes"] == "65536"
    assert "fetch.min.bytes" not in s.kafka.client_config("producer")
    assert s.kafka.client_config("producer")["linger.ms"] == "50"


def test_kafka_security_flows_into_every_client_config():
    s = load_settings(env={"LINEAGE_KAFKA__SECURITY__PROTOCOL": "SASL_SSL",
                           "LINEAGE_KAFKA__SECURITY__SASL_MECHANISM": "SCRAM-SHA-512",
                           "LINEAGE_KAFKA__SECURITY__SASL_USERNAME": "worker",
                           "LINEAGE_KAFKA__SECURITY__SASL_PASSWORD": SECRET,
                           "LINEAGE_KAFKA__SECURITY__SSL_CA_LOCATION": "/ca.pem"})
    for role in ("consumer", "producer", "admin"):
        config = s.kafka.client_config(role)  # type: ignore[arg-type]
        assert config["security.protocol"] == "SASL_SSL" and config["sasl.password"] == SECRET
        assert config["ssl.ca.location"] == "/ca.pem"
        assert config["ssl.endpoint.identification.algorithm"] == "https"


def test_registry_client_settings():
    s = load_settings(env={"LINEAGE_REGISTRY__BASIC_AUTH_USER": "reader",
                           "LINEAGE_REGISTRY__BASIC_AUTH_PASSWORD": SECRET,
                           "LINEAGE_REGISTRY__SSL_CA_LOCATION": "/ca.pem"})
    assert s.registry.client_config() == {"url": s.registry.url, "basic.auth.user.info": f"reader:{SECRET}",
                                          "ssl.ca.location": "/ca.pem"}


def test_secrets_never_appear_in_repr_dump_or_errors():
    s = load_settings(env={"LINEAGE_NEO4J_PASSWORD": SECRET, "LINEAGE_KAFKA__SECURITY__SASL_PASSWORD": SECRET,
                           "LINEAGE_REGISTRY__BASIC_AUTH_PASSWORD": SECRET})
    assert SECRET not in repr(s) and SECRET not in str(s) and SECRET not in s.model_dump_json()
    with pytest.raises(ConfigError) as raised:
        load_settings(env={"LINEAGE_NEO4J_PASSWORD": SECRET, "LINEAGE_BATCH_SIZE": SECRET})
    assert "batch_size" in str(raised.value) and SECRET not in str(raised.value)


def test_production_profile_has_no_default_password_and_refuses_unsafe_settings():
    base = {"LINEAGE_PROFILE": "production", "LINEAGE_KAFKA__SECURITY__PROTOCOL": "SASL_SSL"}
    with pytest.raises(ConfigError, match="password is not set"):
        load_settings(env=base).neo4j.secret_password()
    with pytest.raises(ConfigError, match="development Neo4j password"):
        load_settings(env={**base, "LINEAGE_NEO4J_PASSWORD": DEV_PASSWORD})
    with pytest.raises(ConfigError, match="plaintext Kafka"):
        load_settings(env={"LINEAGE_PROFILE": "production", "LINEAGE_NEO4J_PASSWORD": SECRET})
    allowed = load_settings(env={"LINEAGE_PROFILE": "production", "LINEAGE_NEO4J_PASSWORD": DEV_PASSWORD,
                                 "LINEAGE_ALLOW_DEV_PASSWORD": "true", "LINEAGE_ALLOW_PLAINTEXT_KAFKA": "true"})
    assert allowed.profile == "production"


def test_invalid_values_and_missing_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={}, config_file=tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("kafka = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the settings file"):
        load_settings(env={}, config_file=broken)
    with pytest.raises(ConfigError, match="kafka.security.protocol"):
        load_settings(env={"LINEAGE_KAFKA__SECURITY__PROTOCOL": "TLS"})
    with pytest.raises(ConfigError, match="trusted_ca"):
        load_settings(env={"LINEAGE_NEO4J_URI": "neo4j+s://db", "LINEAGE_NEO4J__TRUSTED_CA": "/ca.pem"})
    with pytest.raises(ConfigError, match="batch_size"):
        load_settings(env={"LINEAGE_BATCH_SIZE": "0"})
