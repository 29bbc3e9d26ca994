"""The generated query-latency graph has the advertised size and shape (no Neo4j needed)."""

from __future__ import annotations

import random
from collections import Counter

from lineage_stream_dev.bench import query_latency as q


def test_generated_graph_is_100k_datasets_and_1m_edges() -> None:
    jobs = list(q._jobs(random.Random(q.SEED)))
    assert q.DATASETS == 100_000 and len(jobs) == q.JOBS
    edges = sum(2 + len(job["hubs"]) for job in jobs)  # one OUTPUTS, one main INPUT_TO, the hubs
    assert edges == 1_000_000
    assert all(len(set(job["hubs"])) == len(job["hubs"]) for job in jobs[:1000])
    readers = Counter(h for job in jobs for h in job["hubs"])
    assert readers[q._hub_name(0)] > 10_000  # a hub read by tens of thousands of jobs
    assert len({job["out"] for job in jobs}) == (q.LAYERS - 1) * q.PER_LAYER  # every non-source table has a writer
