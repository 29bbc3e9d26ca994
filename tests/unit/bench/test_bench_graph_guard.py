from __future__ import annotations

import re

import pytest

from lineage_stream_dev.bench.events import namespace_token
from lineage_stream_dev.bench.graph_guard import BENCH_NAMESPACE


@pytest.mark.parametrize("namespace", [
    f"postgres://{namespace_token('8d44f636')}-warehouse.internal:5432",
    f"s3://{namespace_token('0123abcd')}-lake",
    namespace_token("deadbeef"),
    f"{namespace_token('deadbeef')}-airflow",
])
def test_bench_namespaces_are_recognized(namespace):
    assert re.fullmatch(BENCH_NAMESPACE, namespace)  # Cypher's =~ matches the whole string, as fullmatch


@pytest.mark.parametrize("namespace", [
    "postgres://orders.internal:5432",
    "s3://bench-results",              # a user's bucket that merely says bench
    "postgres://not-bench-0123456789:5432",  # ten hex digits: not a token
    "bench-xyz12345",
])
def test_other_namespaces_are_not_bench_data(namespace):
    assert not re.fullmatch(BENCH_NAMESPACE, namespace)
