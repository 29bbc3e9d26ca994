"""The leak test: secrets and personal data planted in every place an event carries a string never
reach what users read — the graph (every property of every node and relationship), the worker's
log, /metrics and the dead-letter headers. Only the dead-letter record's value keeps them, by design.
"""

from __future__ import annotations

import json
import logging

import pytest
from confluent_kafka import Consumer, Producer
from prometheus_client import generate_latest

from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from conftest import settings_for

pytestmark = pytest.mark.integration

PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunPLANTED"
PLANTED = {
    "uri_password": "UriPlantedPw77",
    "jdbc_password": "JdbcPlanted99",
    "sas_signature": "c2lnUGxhbnRlZEZvckxlYWtUZXN0MDA%3D",
    "email_job_name": "jane.plantedjob@example.com",
    "email_namespace": "ops.plantedns@example.org",
    "email_sql": "sql.planted@example.com",
    "email_field": "field.planted@example.com",
    "email_parent": "parent.planted@example.com",
    "aws_key_id": "AKIAQYLPMN5HHHPLANT2",
    "aws_secret": "h2dHXQ+5Hi4DmYr8K7hG0xj1tTz2Pq9vPlanted1",
    "github": "ghp_PlantedGithubToken0123456789abcdefgh",
    "gitlab": "glpat-PlantedGitlab012345x",
    "slack": "xoxb-263594206564-2343594206574-PlantedSlackTok",
    "stripe": "sk_live_PlantedStripeKey012345",
    "gcp": "AIzaSyPlantedGcpKey-0123456789abcdefghi",
    "pem": PEM_BODY,
    "phone": "+44 20 7946 0958",
    "iban": "GB82WEST12345698765432",
    "ssn": "536-22-8726",
    "card": "4111 1111 1111 1111",
    "owner": "Jane Plantedowner",
    "author": "Mario Plantedauthor",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.PlantedJwtSignature0123456789",
    "bearer": "PlantedBearerToken0123456789",
    "custom_key_email": "key.planted@example.com",
    "error_email": "error.planted@example.com",
    "dlq_email": "dlq.planted@example.com",
}
P = PLANTED


def leaky_event(tag: str) -> dict:
    """A COMPLETE run event with a planted value in every kind of string an event carries."""
    return {
        "eventType": "COMPLETE", "eventTime": "2024-05-01T10:00:00Z",
        "producer": "https://example.com/leak-test", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
        "run": {"runId": "0190b0b1-0000-7000-8000-00000000" + tag[:4].ljust(4, "0"), "facets": {
            "parent": {"_producer": "x", "_schemaURL": "x",
                       "run": {"runId": "0190b0b1-0000-7000-8000-0000000000aa"},
                       "job": {"namespace": f"parent-{tag}", "name": f"daily_for_{P['email_parent']}"}},
            "errorMessage": {"_producer": "x", "_schemaURL": "x", "programmingLanguage": "python",
                             "message": f"login failed for {P['error_email']} with password={P['jdbc_password']}x",
                             "stackTrace": f"Traceback: token {P['github']}\n-----BEGIN RSA PRIVATE KEY-----\n"
                                           f"{P['pem']}\n-----END RSA PRIVATE KEY-----"},
            "custom_env": {"_producer": "x", "_schemaURL": "x", "notify": P["slack"],
                           P["custom_key_email"]: "subscriber", "nested": {"auth": f"Bearer {P['bearer']}"},
                           "jwt": P["jwt"], "aws": f"aws_secret_access_key = {P['aws_secret']}"},
            "processing_engine": {"_producer": "x", "_schemaURL": "x", "version": "3.5", "name": "spark",
                                  "openlineageAdapterVersion": f"1.0 built by {P['author']} <{P['email_sql']}>"},
        }},
        "job": {"namespace": f"jobs-{tag}", "name": f"report_for_{P['email_job_name']}", "facets": {
            "documentation": {"_producer": "x", "_schemaURL": "x",
                              "description": f"Uses {P['aws_key_id']}; owner: {P['owner']}; call {P['phone']}"},
            "sql": {"_producer": "x", "_schemaURL": "x",
                    "query": f"SELECT * FROM customers WHERE email = '{P['email_sql']}' AND ssn = '{P['ssn']}'"},
            "ownership": {"_producer": "x", "_schemaURL": "x", "owners": [{"name": P["owner"], "type": "MAINTAINER"}]},
            "sourceCode": {"_producer": "x", "_schemaURL": "x", "language": "python",
                           "sourceCode": f"stripe.api_key = '{P['stripe']}'\nGITLAB = '{P['gitlab']}'"},
        }},
        "inputs": [{
            "namespace": f"postgresql://leakuser:{P['uri_password']}@db-{tag}:5432", "name": "shop.public.customers",
            "facets": {
                "schema": {"_producer": "x", "_schemaURL": "x", "fields": [
                    {"name": "email", "type": "varchar", "description": f"e.g. {P['email_field']}"},
                    {"name": "card", "type": "varchar", "description": f"like {P['card']}, owner: {P['owner']}"}]},
                "dataSource": {"_producer": "x", "_schemaURL": "x", "name": "crm",
                               "uri": f"postgresql://leakuser:{P['uri_password']}@db-{tag}:5432/shop"},
                "documentation": {"_producer": "x", "_schemaURL": "x", "description": f"maps key {P['gcp']}"},
            },
            "inputFacets": {"dataQualityMetrics": {"_producer": "x", "_schemaURL": "x", "rowCount": 3,
                                                   "columnMetrics": {"iban": {"note": P["iban"]}}}},
        }, {
            "namespace": f"sqlserver://sql-{tag}:1433;databaseName=dw;user=loader;password={P['jdbc_password']}",
            "name": "dbo.orders",
        }, {
            "namespace": f"abfss://raw@lake{tag}.dfs.core.windows.net", "name": "events",
            "facets": {"symlinks": {"_producer": "x", "_schemaURL": "x", "identifiers": [
                {"namespace": f"https://lake{tag}.blob.core.windows.net/raw?sv=2022-11-02&se=2030-01-01&sr=c&sp=rl"
                              f"&sig={P['sas_signature']}", "name": "events", "type": "TABLE"}]}},
        }],
        "outputs": [{
            "namespace": f"s3://mart-{tag}", "name": f"exports/{P['email_namespace']}",
            "facets": {"columnLineage": {"_producer": "x", "_schemaURL": "x", "fields": {"email_hash": {
                "inputFields": [{"namespace": f"postgresql://db-{tag}:5432", "name": "shop.public.customers",
                                 "field": "email", "transformations": [{
                                     "type": "DIRECT", "subtype": "TRANSFORMATION",
                                     "description": f"sha256 of email, see {P['email_field']}", "masking": True}]}]}}}},
            "outputFacets": {"outputStatistics": {"_producer": "x", "_schemaURL": "x", "rowCount": 1}},
        }],
    }


def _graph_export(graph) -> str:
    nodes = graph.execute_query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS p").records
    edges = graph.execute_query("MATCH ()-[r]->() RETURN type(r) AS type, properties(r) AS p").records
    return json.dumps([[r["labels"], r["p"]] for r in nodes] + [[r["type"], r["p"]] for r in edges], default=str)


def _hits(text: str) -> dict[str, str]:
    lowered = text.lower()
    return {name: value for name, value in PLANTED.items() if value.lower() in lowered}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_planted_secrets_and_personal_data_reach_no_place_users_read(services, graph, unique):
    settings = settings_for(services, unique, LINEAGE_REDACTION__PSEUDONYM_KEY=f"leak-test-{unique}")
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
    topic = settings.kafka.openlineage_topics[0]
    producer.produce(topic, json.dumps(leaky_event(unique)).encode())
    bad = {**leaky_event(unique), "eventTime": f"yesterday, ask {P['dlq_email']}"}
    producer.produce(topic, json.dumps(bad).encode())
    assert producer.flush(30) == 0

    metrics = WorkerMetrics()
    lines = _Lines()
    loggers = [logging.getLogger(name) for name in ("", "lineage_stream", "neo4j", "confluent_kafka")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:  # every logger the worker writes to, whatever the logging set-up did before
        logger.addHandler(lines)
        logger.setLevel(logging.DEBUG)
    try:
        totals = run_worker(settings, until_idle=True, serve_metrics=False, metrics=metrics)
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(lines)
            logger.setLevel(level)
    assert totals["written"] == 1 and totals["rejected"] == 1, totals

    export = _graph_export(graph)
    exposition = generate_latest(metrics.registry).decode()
    log_text = "\n".join(dict.fromkeys(lines.lines))
    consumer = Consumer({"bootstrap.servers": services.kafka_bootstrap, "group.id": f"leak-reader-{unique}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([settings.kafka.dlq_topic])
    dead = None
    for _ in range(30):
        dead = consumer.poll(1.0)
        if dead is not None and not dead.error():
            break
    consumer.close()
    assert dead is not None and not dead.error()
    headers = "\n".join(f"{k}={(v or b'').decode('utf-8', 'replace')}" for k, v in dead.headers() or [])

    print(f"\nleak test: {len(PLANTED)} planted values; graph export {len(export):,} chars, "
          f"log {len(log_text):,} chars, /metrics {len(exposition):,} chars, dead-letter headers {len(headers):,} chars")
    assert _hits(export) == {}
    assert _hits(log_text) == {}
    assert _hits(exposition) == {}
    assert _hits(headers) == {}
    # The event did land, in redacted form: the lineage is there, the data is not.
    assert f'"abfss://raw@lake{unique}.dfs.core.windows.net"' in export  # identities are not mangled
    assert f"jobs-{unique}" in export and "<EMAIL_ADDRESS:" in export and "<PERSON" in export
    assert 'detector="email_address"' in exposition and 'action="pseudonymize"' in exposition
    # The dead-letter value is the record as sent: the one place raw data stays (docs/redaction.md).
    assert P["dlq_email"] in dead.value().decode()
