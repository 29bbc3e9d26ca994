"""Erasure against real Neo4j and a real worker: a person's traces leave the graph, the audit record
holds no value, and a replay from the beginning of the topic cannot bring them back."""

from __future__ import annotations

import json

import pytest
from confluent_kafka import Producer

from lineage_stream.adapters.metrics import WorkerMetrics
from lineage_stream.app import run_worker
from lineage_stream.cli import main
from lineage_stream.governance.suppression import pseudonym
from conftest import settings_for

pytestmark = pytest.mark.integration

EMAIL, NAME, OTHER = "jane.erase@example.com", "Jane Erasable", "Kept Otherperson"


def events(tag: str) -> list[dict]:
    out = []
    for i in range(20):
        out.append({
            "eventType": "COMPLETE", "eventTime": f"2024-05-01T10:{i:02d}:00Z", "producer": "https://example.com/t",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
            "run": {"runId": f"0190b0b1-0000-7000-8000-{tag[:8]}{i:04d}", "facets": {}},
            "job": {"namespace": f"erase-{tag}", "name": f"job_{i % 3}", "facets": {
                "sql": {"_producer": "x", "_schemaURL": "x", "query": f"SELECT * FROM t WHERE email = '{EMAIL}'"},
                "ownership": {"_producer": "x", "_schemaURL": "x",
                              "owners": [{"name": NAME if i % 2 else OTHER, "type": "MAINTAINER"}]},
                "documentation": {"_producer": "x", "_schemaURL": "x",
                                  "description": f"reviewed with {NAME} in run {i}"}}},
            "inputs": [{"namespace": f"postgres://db-{tag}:5432", "name": f"shop.public.t{i % 4}"}],
            "outputs": [],
        })
    return out


def _export(graph) -> str:
    nodes = graph.execute_query("MATCH (n) WHERE NOT n:ErasureAudit RETURN properties(n) AS p").records
    edges = graph.execute_query("MATCH ()-[r]->() RETURN properties(r) AS p").records
    return json.dumps([r["p"] for r in nodes] + [r["p"] for r in edges], default=str)


def test_erase_removes_traces_and_a_replay_cannot_bring_them_back(services, graph, unique, monkeypatch):
    key = f"erase-test-{unique}"
    env = {"LINEAGE_REDACTION__PSEUDONYM_KEY": key, "LINEAGE_REDACTION__SUPPRESSION_REFRESH_S": "1"}
    settings = settings_for(services, unique, **env)
    producer = Producer({"bootstrap.servers": services.kafka_bootstrap})
    for event in events(unique):
        producer.produce(settings.kafka.openlineage_topics[0], json.dumps(event).encode())
    assert producer.flush(30) == 0
    assert run_worker(settings, until_idle=True, serve_metrics=False, metrics=WorkerMetrics())["written"] == 20

    traces = [EMAIL, NAME, pseudonym(key.encode(), EMAIL), pseudonym(key.encode(), NAME)]
    other = pseudonym(key.encode(), OTHER)
    before = _export(graph)
    assert NAME in before  # "reviewed with <name>" has no role word: stored as written
    assert all(t in before for t in traces[2:]) and other in before  # pseudonyms of the e-mail and owners

    for name, value in (("LINEAGE_NEO4J_URI", services.neo4j_uri), ("LINEAGE_NEO4J_USER", services.neo4j_user),
                        ("LINEAGE_NEO4J_PASSWORD", services.neo4j_password), *env.items()):
        monkeypatch.setenv(name, value)
    assert main(["erase", "--value", EMAIL]) == 0
    assert main(["erase", "--value", NAME]) == 0

    after = _export(graph)
    assert [t for t in traces if t.lower() in after.lower()] == []
    assert "<ERASED>" in after and other in after  # someone else's pseudonym stays
    audits = graph.execute_query("MATCH (a:ErasureAudit) RETURN properties(a) AS p").records
    assert len(audits) == 2 and all(a["p"]["properties_changed"] > 0 for a in audits)
    assert not [t for t in (EMAIL, NAME) if t.lower() in json.dumps([a["p"] for a in audits]).lower()]

    # Rewind: forget what was applied and read the topic again from the start, in a new group.
    graph.execute_query("MATCH (e:AppliedEvent) DETACH DELETE e")
    replay = settings_for(services, unique, LINEAGE_GROUP_ID=f"replay-{unique}", **env)
    assert run_worker(replay, until_idle=True, serve_metrics=False, metrics=WorkerMetrics())["written"] == 20
    replayed = _export(graph)
    assert [t for t in traces if t.lower() in replayed.lower()] == []
    assert other in replayed
    print(f"\nerasure: {len(before):,} chars of graph before, traces {sum(before.count(t) for t in traces)} -> "
          f"0 after erase, 0 after a replay of 20 events; audit records {len(audits)} without the value")
