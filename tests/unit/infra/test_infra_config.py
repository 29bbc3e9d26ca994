"""Rendering of the services' configuration files (pure, no processes)."""

from __future__ import annotations

import base64
from pathlib import Path

from lineage_stream_dev.infra import config
from lineage_stream_dev.infra.layout import Endpoints, Layout, Settings, local_endpoints
from lineage_stream_dev.infra.registry import registry_properties


def _props(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_kafka_properties_single_kraft_node_on_loopback(tmp_path: Path) -> None:
    props = _props(config.kafka_server_properties(Settings(), tmp_path / "logs"))
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert props["log.dirs"] == str(tmp_path / "logs")
    assert props["auto.create.topics.enable"] == "true"
    assert props["num.partitions"] == "3"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
    ):
        assert props[key] == "1"


def test_kafka_properties_follow_settings(tmp_path: Path) -> None:
    settings = Settings(kafka_port=19092, kafka_controller_port=19093)
    props = _props(config.kafka_server_properties(settings, tmp_path))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"


def test_kafka_cluster_id_has_kafka_uuid_format() -> None:
    for _ in range(50):
        cluster_id = config.kafka_cluster_id()
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_kafka_jvm_heap_and_logging(tmp_path: Path) -> None:
    options = config.kafka_jvm_options(Settings(), tmp_path / "log4j2.properties")
    assert "-Xmx1g" in options
    assert f"-Dlog4j2.configurationFile={tmp_path / 'log4j2.properties'}" in options


def test_neo4j_conf_bolt_on_loopback_with_auth() -> None:
    props = _props(config.neo4j_conf(Settings()))
    assert props["server.bolt.enabled"] == "true"
    assert props["server.bolt.listen_address"] == "127.0.0.1:7687"
    assert props["dbms.security.auth_enabled"] == "true"
    assert props["server.memory.pagecache.size"] == "512m"
    assert props["server.http.enabled"] == "true"
    assert props["server.http.listen_address"] == "127.0.0.1:7474"
    assert "-Xmx1g" in config.neo4j_jvm_options(Settings())


def test_neo4j_http_connector_can_be_turned_off() -> None:
    props = _props(config.neo4j_conf(Settings(neo4j_http_port=None)))
    assert props["server.http.enabled"] == "false" and "server.http.listen_address" not in props
    assert Settings(neo4j_http_port=None).neo4j_browser_url is None


def test_prometheus_scrapes_worker_every_5s() -> None:
    text = config.prometheus_yml(Settings(), ["/repo/deploy/prometheus/alerts*.yml"])
    assert "scrape_interval: 5s" in text
    assert 'targets: ["127.0.0.1:9108"]' in text
    assert "metrics_path: /metrics" in text
    assert '  - "/repo/deploy/prometheus/alerts*.yml"' in text
    assert "rule_files" not in config.prometheus_yml(Settings())
    args = config.prometheus_args(Settings(), Path("/c/p.yml"), Path("/d/tsdb"))
    assert "--web.listen-address=127.0.0.1:9090" in args
    assert "--config.file=/c/p.yml" in args


def test_registry_properties_loopback_and_file_storage(tmp_path: Path) -> None:
    props = _props(registry_properties(Settings(), tmp_path))
    assert props["quarkus.http.host"] == "127.0.0.1"
    assert props["%prod.quarkus.http.port"] == "8081"
    assert props["%prod.quarkus.datasource.jdbc.url"].startswith(f"jdbc:h2:file:{tmp_path}/h2/")


def test_endpoints_defaults() -> None:
    endpoints = local_endpoints()
    assert endpoints == Endpoints(
        kafka_bootstrap="127.0.0.1:9092",
        registry_url="http://127.0.0.1:8081/apis/ccompat/v7",
        neo4j_uri="bolt://127.0.0.1:7687",
        neo4j_user="neo4j",
        neo4j_password="lineage-stream-dev",
        prometheus_url="http://127.0.0.1:9090",
    )


def test_layout_paths(tmp_path: Path) -> None:
    layout = Layout.for_root(tmp_path)
    assert layout.m2 == tmp_path / ".local" / "m2"
    assert layout.log("kafka") == tmp_path / ".local" / "logs" / "kafka.log"
    assert layout.pid("neo4j") == tmp_path / ".local" / "run" / "neo4j.pid"
    assert layout.data("registry") == tmp_path / ".local" / "data" / "registry"
    layout.ensure()
    assert (tmp_path / ".local" / "run").is_dir()


def test_default_root_is_the_checkout() -> None:
    root = Layout.for_root().root
    assert (root / "devtools" / "lineage_stream_dev" / "infra" / "__init__.py").is_file()
