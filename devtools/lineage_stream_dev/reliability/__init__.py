"""Reliability tooling: prove the stream's semantics against real Kafka and Neo4j.

- ``generator``: deterministic streams of valid lineage events, and delivery plans (re-sends,
  out-of-order delivery) for them;
- ``hostile``: bad records of every kind (raw bytes and a key), for both input topics;
- ``reference``: a pure-Python model of the graph those events must produce, written from
  ``docs/graph-model.md``, independent of ``lineage_stream.graph``;
- ``export``: the same canonical structure, read back from Neo4j;
- ``harness``: worker subprocesses, Kafka and Neo4j probes, and the equality verdict;
- ``soak``: ``python -m lineage_stream_dev.reliability.soak``, a long run under random faults.
"""
