"""The batch statement is the row kinds' statements, in order, each reading its own list of $batch."""

from __future__ import annotations

import re
from dataclasses import fields

from lineage_stream.graph.cypher import SCHEMA, WRITE_ATTRIBUTES, WRITE_BATCH, WRITE_IMPORTS, WRITE_ORDER, schema_missing
from lineage_stream.graph.plan import GraphBatch


def test_every_row_kind_is_a_subquery_in_write_order_reading_its_own_list() -> None:
    assert WRITE_ATTRIBUTES == tuple(attribute for attribute, _ in WRITE_ORDER)
    assert set(WRITE_ATTRIBUTES) == {f.name for f in fields(GraphBatch)}
    assert "$rows" not in WRITE_BATCH
    assert set(re.findall(r"\$[\w.]+", WRITE_BATCH)) == {f"$batch.{a}" for a in WRITE_ATTRIBUTES}
    unwinds = re.findall(r"^CALL \([\w, ]*\) \{\nUNWIND \$batch\.(\w+) AS row$", WRITE_BATCH, flags=re.MULTILINE)
    assert tuple(unwinds) == WRITE_ATTRIBUTES


def test_each_subquery_is_its_statement_unchanged_but_for_the_parameter() -> None:
    for attribute, statement in WRITE_ORDER:
        body = statement.removeprefix("CYPHER replan=skip\n").strip().replace("$rows", f"$batch.{attribute}")
        assert f"CALL ({', '.join(WRITE_IMPORTS[attribute])}) {{\n{body}\n}}" in WRITE_BATCH, attribute


# The lists the statements hand on, and the batch attribute whose rows each list follows: a node per
# row, (canonicals) the list of nodes a dataset row's run edges attach to, (created_runs) whether the
# batch's transaction created the row's run.
LISTS = {"datasets": "datasets", "canonicals": "datasets", "jobs": "jobs", "runs": "runs", "created_runs": "runs",
         "versions": "schema_versions"}


def test_a_statement_reads_only_node_lists_that_an_earlier_one_returned_in_its_rows_order() -> None:
    returned: dict[str, str] = {}
    for attribute, statement in WRITE_ORDER:
        used = set(re.findall(r"(\w+)\[row\.\w+\]", statement))
        assert used == set(WRITE_IMPORTS[attribute]), attribute
        assert all(returned.get(name) for name in used), (attribute, used, returned)
        last = statement.strip().splitlines()[-1]
        for value, name in re.findall(r"collect\(([^()]*(?:\([^()]*\)[^()]*)*)\) AS (\w+)", last) if last.startswith("RETURN ") else ():
            assert LISTS[name] == attribute, (attribute, name)
            assert statement.removeprefix("CYPHER replan=skip\n").strip().splitlines()[0] == "UNWIND $rows AS row", attribute
            returned[name] = value
    assert set(returned) == set(LISTS)
    # One entry per dataset row: the dataset itself, or the datasets it is an alias of.
    assert returned["canonicals"] == "CASE WHEN size(canonical) = 0 THEN [d] ELSE canonical END"


def test_schema_missing_names_the_statements_whose_constraint_or_index_does_not_exist() -> None:
    names = [statement.split()[2] for statement in SCHEMA]
    assert len(set(names)) == len(SCHEMA) and "run_state" in names and "dataset_identity" in names
    assert schema_missing(set()) == SCHEMA
    assert schema_missing(set(names)) == ()
    missing = schema_missing(set(names) - {"run_state", "applied_event_identity"} | {"someone_elses_index"})
    assert [statement.split()[2] for statement in missing] == ["applied_event_identity", "run_state"]
