from __future__ import annotations

import json

from lineage_stream.api.marquez import marquez_lineage
from lineage_stream.query.formats import lineage_dot, lineage_mermaid, render_lineage
from lineage_stream.query.model import DatasetRef, Lineage, LineageEdge, Resolution

RAW, CURATED, MART = DatasetRef("s3://lake", "raw/orders"), DatasetRef("s3://lake", "curated"), DatasetRef("sf://x", 'a"b')
JOB1, JOB2 = DatasetRef("spark", "enrich"), DatasetRef("dbt", "mart")
ALIAS = DatasetRef("s3://old", "curated_v1")


def sample(truncated: bool = False) -> Lineage:
    return Lineage(Resolution("s3a://lake/curated", CURATED, "canonical", (ALIAS,)),
                   (LineageEdge(RAW, JOB1, CURATED, 1, "upstream"), LineageEdge(CURATED, JOB2, MART, 1, "downstream")),
                   5, None, truncated, 1000, ((CURATED, ALIAS),))


def test_table_says_what_it_resolved_to_and_when_it_is_truncated() -> None:
    text = render_lineage(sample(truncated=True), "table")
    assert text.splitlines()[0] == ("resolved 's3a://lake/curated' to s3://lake curated (by canonical); "
                                    "aliases: s3://old curated_v1")
    assert "hop 1: s3://lake raw/orders  --[spark enrich]-->  s3://lake curated" in text
    assert text.splitlines()[-1].startswith("truncated: the answer reached its limit of 1000 edges")


def test_json_dot_and_mermaid() -> None:
    answer = json.loads(render_lineage(sample(), "json"))
    assert [d["name"] for d in answer["datasets"]] == ["curated", "raw/orders", 'a"b', "curated_v1"]
    dot = lineage_dot(sample())
    assert '"job:spark|enrich" -> "dataset:s3://lake|curated";' in dot
    assert '"dataset:sf://x|a\\"b"' in dot  # quotes escaped
    mermaid = lineage_mermaid(sample())
    assert 'a#quot;b' in mermaid and "-. alias .-" in mermaid and mermaid.startswith("flowchart LR")


def test_marquez_shape() -> None:
    graph = {n["id"]: n for n in marquez_lineage(sample())["graph"]}
    assert graph["job:spark:enrich"]["inEdges"] == [{"origin": "dataset:s3://lake:raw/orders",
                                                     "destination": "job:spark:enrich"}]
    assert graph["dataset:s3://lake:curated"]["outEdges"] == [{"origin": "dataset:s3://lake:curated",
                                                               "destination": "job:dbt:mart"}]
    assert graph["job:dbt:mart"]["data"]["outputs"] == [{"namespace": "sf://x", "name": 'a"b'}]
    assert {n["type"] for n in graph.values()} == {"DATASET", "JOB"}
