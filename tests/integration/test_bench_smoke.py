"""A tiny run of ``lineage-stream bench`` against the real services: the table's shape and sane
values, never timings. The real run (hundreds of thousands of records) is not a test."""

from __future__ import annotations

import json

import pytest

from lineage_stream_dev.bench.__main__ import main
from lineage_stream_dev.bench.full_render import BEGIN, END

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RECORDS = 300


@pytest.fixture
def bench_env(services, monkeypatch):
    monkeypatch.setenv("LINEAGE_NEO4J_URI", services.neo4j_uri)
    monkeypatch.setenv("LINEAGE_NEO4J_USER", services.neo4j_user)
    monkeypatch.setenv("LINEAGE_NEO4J_PASSWORD", services.neo4j_password)
    monkeypatch.delenv("LINEAGE_BENCH_NEO4J_URI", raising=False)
    return ["--bootstrap", services.kafka_bootstrap, "--registry", services.registry_url]


def test_tiny_run_prints_the_table_and_cleans_up(bench_env, graph, tmp_path, capsys):
    out, doc = tmp_path / "bench.json", tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nprose stays\n", encoding="utf-8")
    code = main([*bench_env, "--records", str(RECORDS), "--prefill", "20000", "--naive-seconds", "1",
                 "--profile-records", "100", "--latency-seconds", "2", "--latency-warmup", "1", "--loads", "0.8", "--scoped",
                 "--json", str(out), "--write-doc", str(doc)])
    printed = capsys.readouterr().out
    assert code == 0, printed[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))["stream"]

    stream, ours, b1 = figures["stream"], figures["ours"], figures["b1"]
    assert stream["records"] == RECORDS and 0 < stream["distinct_events"] < RECORDS
    assert 1000 < stream["mean_bytes"] < 3000
    assert ours["totals"]["consumed"] == RECORDS and ours["totals"]["rejected"] == 0
    assert ours["totals"]["written"] + ours["totals"]["duplicates"] == RECORDS
    assert ours["totals"]["written"] == stream["distinct_events"] == b1["written_events"]
    assert ours["dedup_ids"] >= 20000 and ours["peak_rss_mib"] > 20
    assert ours["startup_s"] > 0 and ours["exit_delay_s"] >= 0
    for key in ("b0", "b1", "b2", "ours"):
        assert figures[key]["rate"] > 0, key
    assert figures["b0"]["records"] == b1["records"] == RECORDS
    assert 5 < b1["rows"] / b1["written_events"] < 40
    assert figures["b2"]["failed"] == 0
    (latency,) = figures["latency"]
    assert latency["committed"] > 0 and 0 <= latency["p50"] <= latency["p95"] <= latency["p99"]
    assert latency["committed_whole_run"] > latency["committed"] and latency["warmup_s"] == 1.0  # the warm-up's events left out
    assert latency["p95_whole_run"] >= 0
    profile = figures["profile"]["seconds"]
    assert profile["total"] > 0 and profile["decode"] > 0 and profile["redact"] > 0

    for line in ("B0 raw intake", "B1 Neo4j ceiling", "B2 naive", "ours ÷ run", "peak RSS", "p95", "graph rows per event"):
        assert line in printed
    text = doc.read_text(encoding="utf-8")
    assert "prose stays" in text and BEGIN in text and END in text and "B1 Neo4j ceiling" in text

    marker = "bench-" + stream["topic"].rsplit("-", 1)[1]
    left, _, _ = graph.execute_query("MATCH (n) WHERE n.namespace CONTAINS $m RETURN count(n) AS n", m=marker)
    assert left[0]["n"] == 0


def test_refuses_to_wipe_a_graph_with_other_data(bench_env, graph, unique, capsys):
    namespace = f"postgres://orders-{unique}.internal:5432"
    graph.execute_query("CREATE (:Dataset {namespace: $ns, name: 'keep.me'})", ns=namespace)
    try:
        code = main([*bench_env, "--records", "10"])
        assert code == 2
        assert "--wipe" in capsys.readouterr().err
        kept, _, _ = graph.execute_query("MATCH (d:Dataset {namespace: $ns}) RETURN count(d) AS n", ns=namespace)
        assert kept[0]["n"] == 1
    finally:
        graph.execute_query("MATCH (d:Dataset {namespace: $ns}) DETACH DELETE d", ns=namespace)
