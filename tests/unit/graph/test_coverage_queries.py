"""Coverage rows: the largest namespaces keep their name, the rest sum into `other`; shares are exact."""

from __future__ import annotations

from lineage_stream.graph.coverage_queries import OTHER, capped_counts, count_nodes, namespace_rows


def _row(namespace: str, datasets: int, produced: int, last: int | None = None, **rest: int) -> dict[str, object]:
    return {"namespace": namespace, "datasets": datasets, "produced": produced, "unlinked": rest.get("unlinked", 0),
            "outputs_with_column_lineage": rest.get("columns", 0), "with_schema": rest.get("schema", 0),
            "schema_changes": rest.get("changes", 0), "last_seen_us": last}


def test_the_largest_namespaces_keep_their_names_and_the_rest_sum_into_other():
    rows = [_row("small", 2, 1, 5, columns=1), _row("big", 10, 5, 1), _row("mid", 4, 0, None, unlinked=4),
            _row("tiny", 1, 1, 9, schema=1, changes=2)]
    big, mid, other = namespace_rows(rows, top=2)
    assert (big.namespace, mid.namespace, other.namespace) == ("big", "mid", OTHER)
    assert (other.datasets, other.produced, other.with_schema, other.schema_changes, other.last_seen_us) == (3, 2, 1, 2, 9)
    assert big.coverage == 0.5 and other.coverage == 2 / 3
    assert other.column_lineage == 0.5 and mid.column_lineage is None, "no output dataset: no share"
    assert mid.unlinked == 4 and mid.last_seen_us is None
    assert [q.namespace for q in namespace_rows(rows, top=10)] == ["big", "mid", "small", "tiny"]


def test_counts_are_capped_the_same_way_and_labels_are_quoted():
    rows = [{"namespace": "a", "count": 3}, {"namespace": "b", "count": 1}, {"namespace": "c", "count": 2}]
    assert capped_counts(rows, top=1) == {"a": 3, OTHER: 3}
    assert count_nodes("We`ird") == "MATCH (n:`We``ird`) RETURN count(n) AS count"
