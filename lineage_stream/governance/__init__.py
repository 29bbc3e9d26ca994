"""Governance in the stream: the redaction policy, erasure and its suppression list, run retention,
sampling and the cardinality budget. Pure code; the Neo4j side lives in ``adapters/governance_store.py``."""
