"""The Cypher the sink runs: schema set-up, one ``UNWIND $rows`` statement per row kind, and reads.

Every value reaches Neo4j as a parameter; no statement is ever built from input.
A batch is written by ``WRITE_BATCH``: the row kinds' statements, in ``WRITE_ORDER``, as the
subqueries of one statement in one transaction.
"""

from __future__ import annotations

from typing import Sequence

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT dataset_identity IF NOT EXISTS FOR (d:Dataset) REQUIRE (d.namespace, d.name) IS UNIQUE",
    "CREATE CONSTRAINT job_identity IF NOT EXISTS FOR (j:Job) REQUIRE (j.namespace, j.name) IS UNIQUE",
    "CREATE CONSTRAINT run_identity IF NOT EXISTS FOR (r:Run) REQUIRE r.run_id IS UNIQUE",
    "CREATE CONSTRAINT field_identity IF NOT EXISTS FOR (f:Field) REQUIRE (f.namespace, f.dataset, f.name) IS UNIQUE",
    "CREATE CONSTRAINT applied_event_identity IF NOT EXISTS FOR (e:AppliedEvent) REQUIRE e.event_id IS UNIQUE",
    "CREATE INDEX applied_event_time IF NOT EXISTS FOR (e:AppliedEvent) ON (e.applied_at_us)",
    "CREATE CONSTRAINT offset_identity IF NOT EXISTS FOR (o:KafkaOffset) REQUIRE (o.group, o.topic, o.partition) IS UNIQUE",
    "CREATE CONSTRAINT schema_version_identity IF NOT EXISTS FOR (v:SchemaVersion) "
    "REQUIRE (v.namespace, v.name, v.fingerprint) IS UNIQUE",
    "CREATE INDEX dataset_name IF NOT EXISTS FOR (d:Dataset) ON (d.name)",
    "CREATE INDEX job_name IF NOT EXISTS FOR (j:Job) ON (j.name)",
    "CREATE INDEX run_state IF NOT EXISTS FOR (r:Run) ON (r.state)",
)

SHOW_SCHEMA: tuple[str, ...] = ("SHOW CONSTRAINTS YIELD name", "SHOW INDEXES YIELD name")
"""The names of the constraints and indexes that exist: a schema statement (``CREATE CONSTRAINT|INDEX
<name> IF NOT EXISTS ...``, here and in the governance store) whose name is among them has nothing
to do (two reads at start-up where the eleven statements took 150 ms)."""


def schema_missing(existing: set[str] | frozenset[str], statements: Sequence[str] = SCHEMA) -> tuple[str, ...]:
    """The schema ``statements`` whose constraint or index is not among the ``existing`` names."""
    return tuple(s for s in statements if s.split()[2] not in existing)


_SPAN = """{x}.first_seen_us = CASE WHEN {x}.first_seen_us IS NULL OR {first} < {x}.first_seen_us THEN {first} ELSE {x}.first_seen_us END,
    {x}.last_seen_us = CASE WHEN {x}.last_seen_us IS NULL OR {last} > {x}.last_seen_us THEN {last} ELSE {x}.last_seen_us END"""

# The facet rule of graph/facets.py: per facet name, the greatest (time, deleted, text) wins. Each
# facet is its own property, facet_<name> (JSON text) and facetat_<name> (its event time); a deletion
# sets facet_<name> to null and keeps the time, a tombstone. Appended to a statement that has {x}, row.
_FACETS = """
WITH {x}, row{keep}
CALL ({x}, row) {{
  UNWIND row.facets AS f
  WITH {x}, f, 'facet_' + f.name AS text_key, 'facetat_' + f.name AS at_key
  WHERE f.at > coalesce({x}[at_key], -1)
     OR (f.at = {x}[at_key] AND {x}[text_key] IS NOT NULL AND (f.text IS NULL OR f.text > {x}[text_key]))
  SET {x}[text_key] = f.text, {x}[at_key] = f.at
}}"""


def _span(x: str, first: str = "row.first", last: str = "row.last") -> str:
    """``x``'s first/last seen widened to include ``first`` and ``last`` (the row's, by default)."""
    return _SPAN.format(x=x, first=first, last=last)


def _facets(x: str, keep: str = "") -> str:
    """The facet rule's subquery for ``x`` (``keep``: more variables to carry past it)."""
    return _FACETS.format(x=x, keep=f", {keep}" if keep else "")


# Migration from the combined ``facets`` JSON text (with ``facets_at_us``) to one property per facet:
# the nodes still holding it, then their facets merged by the facet rule and the old properties removed.
READ_COMBINED_FACETS = """
MATCH (n) WHERE (n:Dataset OR n:Job OR n:Run) AND n.facets IS NOT NULL
RETURN elementId(n) AS id, n.facets AS facets, coalesce(n.facets_at_us, 0) AS at
LIMIT $limit
"""

# Migration of jobs written before they kept their latest run (UPSERT_RUNS): the maximum over their
# runs, merged with whatever the job already holds. An implicit transaction (IN TRANSACTIONS).
SET_LATEST_RUNS = """
MATCH (j:Job)
CALL (j) {
  MATCH (j)-[:HAS_RUN]->(r:Run) WHERE r.state_at_us IS NOT NULL
  WITH j, r ORDER BY r.state_at_us DESC, r.run_id DESC LIMIT 1
  WITH j, r
  WHERE r.state_at_us > coalesce(j.latest_state_at_us, -1)
     OR (r.state_at_us = j.latest_state_at_us AND r.run_id > j.latest_run_id)
  SET j.latest_run_id = r.run_id, j.latest_state = r.state, j.latest_state_at_us = r.state_at_us
  RETURN count(*) AS changed
} IN TRANSACTIONS OF 1000 ROWS
RETURN sum(changed) AS changed
"""

SPLIT_COMBINED_FACETS = f"""
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.id
REMOVE n.facets, n.facets_at_us{_facets("n")}
"""


# Besides the datasets, in row order, the datasets each one's run edges attach to (canonicals): the
# datasets it is an alias of (ALIAS_OF), or itself. Looked up once per dataset of the batch, not once
# per run edge: on a hot dataset each lookup reads its relationship groups (about 17 database hits), and
# per run edge that was 25 of a record's 173. LINK_SYMLINKS runs first, so aliases the batch declares count.
UPSERT_DATASETS = f"""
UNWIND $rows AS row
MERGE (d:Dataset {{namespace: row.namespace, name: row.name}})
SET {_span("d")},
    d.naming_rule = coalesce(row.rule, d.naming_rule),
    d.raw_identifiers = coalesce(d.raw_identifiers, []) + [x IN row.raw WHERE NOT x IN coalesce(d.raw_identifiers, [])],
    d.last_partition = CASE WHEN row.partition_at > coalesce(d.last_partition_at_us, -1)
        OR (row.partition_at = d.last_partition_at_us AND row.partition > d.last_partition)
        THEN row.partition ELSE d.last_partition END,
    d.last_partition_at_us = CASE WHEN row.partition_at > coalesce(d.last_partition_at_us, -1)
        THEN row.partition_at ELSE d.last_partition_at_us END{_facets("d")}
WITH d
CALL (d) {{
  OPTIONAL MATCH (d)-[:ALIAS_OF]->(canonical:Dataset)
  RETURN collect(canonical) AS canonical
}}
RETURN collect(d) AS datasets, collect(CASE WHEN size(canonical) = 0 THEN [d] ELSE canonical END) AS canonicals
"""

UPSERT_JOBS = f"""
UNWIND $rows AS row
MERGE (j:Job {{namespace: row.namespace, name: row.name}})
SET {_span("j")}{_facets("j")}
RETURN collect(j) AS jobs
"""

# A run this MERGE creates has no first_seen_us yet (every run the graph holds has one): "created".
# Nothing else can hold an edge to it (the MERGE holds the run's unique-constraint lock until the
# transaction commits), so its HAS_RUN edge, and its run edges (_RUN_IO, from created_runs), are
# CREATEd: a MERGE of an edge looks for it twice (before and after locking both nodes), and a hot
# dataset's or job's thousands of edges made that about a fifth of the batch's database hits.
# The job keeps its latest run (the greatest (state_at_us, run_id); a run's state time never goes
# back, so the maximum can be kept as runs arrive, in any order): "which state is this job in" is one
# property read, not a scan of every run the job ever had.
UPSERT_RUNS = f"""
UNWIND $rows AS row
WITH jobs[row.j] AS j, row
MERGE (r:Run {{run_id: row.run_id}})
WITH j, r, row, r.first_seen_us IS NULL AS created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | CREATE (j)-[:HAS_RUN]->(r))
FOREACH (_ IN CASE WHEN created THEN [] ELSE [1] END | MERGE (j)-[:HAS_RUN]->(r))
WITH j, r, row, created,
     row.rank > coalesce(r.state_rank, -1)
     OR (row.rank = r.state_rank AND (row.state_at > r.state_at_us
         OR (row.state_at = r.state_at_us AND row.state > r.state))) AS advances
SET {_span("r")},
    r.state = CASE WHEN advances THEN row.state ELSE r.state END,
    r.state_rank = CASE WHEN advances THEN row.rank ELSE r.state_rank END,
    r.state_at_us = CASE WHEN advances THEN row.state_at ELSE r.state_at_us END,
    r.started_at_us = CASE WHEN row.started IS NOT NULL AND (r.started_at_us IS NULL OR row.started < r.started_at_us)
        THEN row.started ELSE r.started_at_us END
SET r.ended_at_us = CASE WHEN r.state_rank >= 3 THEN r.state_at_us ELSE null END
WITH j, r, row, created
CALL (j, r) {{
  WITH j, r
  WHERE r.state_at_us > coalesce(j.latest_state_at_us, -1)
     OR (r.state_at_us = j.latest_state_at_us AND r.run_id >= j.latest_run_id)
  SET j.latest_run_id = r.run_id, j.latest_state = r.state, j.latest_state_at_us = r.state_at_us
}}{_facets("r", keep="created")}
RETURN collect(r) AS runs, collect(created) AS created_runs
"""

# A child's event is a sighting of its parent run and job: their spans include it.
LINK_PARENTS = f"""
UNWIND $rows AS row
MATCH (r:Run {{run_id: row.run_id}})
MERGE (p:Run {{run_id: row.parent_run_id}})
SET {_span("p")}
MERGE (pj:Job {{namespace: row.parent_job_namespace, name: row.parent_job_name}})
SET {_span("pj")}
MERGE (pj)-[:HAS_RUN]->(p)
MERGE (r)-[:CHILD_OF]->(p)
WITH r, pj
MATCH (j:Job)-[:HAS_RUN]->(r)
WHERE j <> pj
MERGE (j)-[:CHILD_OF]->(pj)
"""

# Edges follow the data: (Dataset)-[:INPUT_TO]->(Job)-[:OUTPUTS]->(Dataset) at job level, rolled up
# from (Dataset)-[:READ_BY]->(Run)-[:WROTE]->(Dataset). run_count grows only when a run's edge is new,
# so replaying an event never counts a run twice. The job-level edge is updated once per (job,
# dataset) of the batch, with the span of all its runs' rows and the number of run edges created: a
# job that ran a hundred times in the batch costs one job-level update, not a hundred. A row's dataset
# is the one its name is an alias of, if any (UPSERT_DATASETS' canonicals); rows are made one per run
# edge before it is created (a run ID two jobs share, or two names of one dataset, name it twice).
_RUN_IO = """
UNWIND $rows AS row
WITH runs[row.r] AS r, created_runs[row.r] AS created, canonicals[row.d] AS canonical, jobs[row.j] AS j, row
UNWIND canonical AS d
WITH r, d, any(c IN collect(created) WHERE c) AS created, collect(j) AS js, min(row.first) AS first,
     max(row.last) AS last
CALL (r, d, created) {{
  WITH r, d, created WHERE created
  CREATE {run_edge}
  RETURN e
  UNION
  WITH r, d, created WHERE NOT created
  MERGE {run_edge}
  RETURN e
}}
WITH d, js, first, last, e, e.first_seen_us IS NULL AS is_new
SET {span_e}
WITH d, js, first, last, is_new
UNWIND js AS j
WITH j, d, min(first) AS runs_first, max(last) AS runs_last, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS added
MERGE {job_edge}
  ON CREATE SET je.run_count = 0
SET {span_je},
    je.run_count = je.run_count + added
"""

# The run edge's facets (a run's input and output facets), for the rows that carry any, after _RUN_IO
# made the edge. A statement of their own: with the facet rule's subquery before the job-level roll-up,
# _RUN_IO took Neo4j 5.26 about 130 ms for 493 rows, against 15 ms without the subquery and 20 ms
# without the roll-up, whether or not a row had facets (measured on the bench's graph); that was half
# of a 500-record batch's write.
_RUN_IO_FACETS = """
UNWIND $rows AS row
WITH runs[row.r] AS r, canonicals[row.d] AS canonical, row
UNWIND canonical AS d
MATCH {run_edge}{facets_e}
"""

LINK_RUN_READS = _RUN_IO.format(
    run_edge="(d)-[e:READ_BY]->(r)", job_edge="(d)-[je:INPUT_TO]->(j)",
    span_e=_span("e", "first", "last"), span_je=_span("je", "runs_first", "runs_last"),
)
LINK_RUN_WRITES = _RUN_IO.format(
    run_edge="(r)-[e:WROTE]->(d)", job_edge="(j)-[je:OUTPUTS]->(d)",
    span_e=_span("e", "first", "last"), span_je=_span("je", "runs_first", "runs_last"),
)
SET_RUN_READ_FACETS = _RUN_IO_FACETS.format(run_edge="(d)-[e:READ_BY]->(r)", facets_e=_facets("e"))
SET_RUN_WRITE_FACETS = _RUN_IO_FACETS.format(run_edge="(r)-[e:WROTE]->(d)", facets_e=_facets("e"))

_JOB_IO = """
UNWIND $rows AS row
MATCH (j:Job {{namespace: row.job_namespace, name: row.job_name}})
MATCH (named:Dataset {{namespace: row.namespace, name: row.name}})
OPTIONAL MATCH (named)-[:ALIAS_OF]->(canonical:Dataset)
WITH j, row, coalesce(canonical, named) AS d
MERGE {job_edge}
  ON CREATE SET je.run_count = 0
SET {span_je}{facets_je}
"""

# A JobEvent has no run edge: its datasets' input/output facets go on the job-level edge.
LINK_JOB_READS = _JOB_IO.format(job_edge="(d)-[je:INPUT_TO]->(j)", span_je=_span("je"), facets_je=_facets("je"))
LINK_JOB_WRITES = _JOB_IO.format(job_edge="(j)-[je:OUTPUTS]->(d)", span_je=_span("je"), facets_je=_facets("je"))

UPSERT_SCHEMAS = """
UNWIND $rows AS row
WITH datasets[row.d] AS d, row
WHERE row.at > coalesce(d.schema_at_us, -1)
   OR (row.at = d.schema_at_us AND row.fingerprint > d.schema_fingerprint)
SET d.schema_at_us = row.at, d.schema_fingerprint = row.fingerprint, d.field_names = [f IN row.fields | f.name]
"""

# A new SchemaVersion only when the fields change. Every version's fields are Field nodes of the
# dataset; a field's type and description come from the latest version (by last_seen, then
# fingerprint) that has it, and d.field_names (UPSERT_SCHEMAS) lists the latest schema's fields.
UPSERT_SCHEMA_VERSIONS = f"""
UNWIND $rows AS row
WITH datasets[row.d] AS d, row
MERGE (v:SchemaVersion {{namespace: row.namespace, name: row.name, fingerprint: row.fingerprint}})
  ON CREATE SET v.fields = row.fields
SET {_span("v")}
MERGE (d)-[:HAS_SCHEMA_VERSION]->(v)
RETURN collect(v) AS versions
"""

# One row per schema version seen in the batch, with its fields. A field's type and description come
# from the version with the greatest (last_seen, fingerprint) among the versions that have it; the
# comparison reads the typing version's own last_seen_us (exact: UPSERT_SCHEMA_VERSIONS ran first), so
# skipping a field never leaves a stale time behind. d.fields_by records that every field of the
# dataset's latest version is typed by it: while that holds, re-sent versions cost one lookup, not a
# MERGE per field. It lives in the graph, so a wiped graph or another worker can never make it lie.
# An older version is skipped too when its fields were merged once (v.fields_merged) and the latest
# version has every one of its field names (d.field_names): the latest types each of them and is
# newer, so the version can change nothing. That is a dataset whose schema alternates (a column
# description that differs from run to run): each batch used to merge every field of each version
# it saw, 17.7 -> 10.8 us of Neo4j's time per record on the benchmark's stream.
UPSERT_FIELDS = """
UNWIND $rows AS row
WITH datasets[row.d] AS d, versions[row.v] AS v, row
WHERE NOT (coalesce(d.fields_by, "") = row.fingerprint AND coalesce(d.schema_fingerprint, "") = row.fingerprint)
WITH d, v, row
WHERE NOT (coalesce(v.fields_merged, false) AND coalesce(d.schema_fingerprint, "") <> row.fingerprint
           AND all(f IN row.fields WHERE f.name IN coalesce(d.field_names, [])))
CALL (d, v, row) {
  UNWIND row.fields AS f
  MERGE (fd:Field {namespace: row.namespace, dataset: row.name, name: f.name})
  MERGE (d)-[:HAS_FIELD]->(fd)
  WITH fd, f
  OPTIONAL MATCH (cur:SchemaVersion {namespace: row.namespace, name: row.name, fingerprint: fd.typed_by})
  WITH fd, f, fd.typed_by IS NULL OR v.last_seen_us > coalesce(cur.last_seen_us, fd.typed_at_us, -1)
       OR (v.last_seen_us = coalesce(cur.last_seen_us, fd.typed_at_us) AND row.fingerprint > fd.typed_by) AS newer
  SET fd.type = CASE WHEN newer THEN f.type ELSE fd.type END,
      fd.description = CASE WHEN newer THEN f.description ELSE fd.description END,
      fd.typed_by = CASE WHEN newer THEN row.fingerprint ELSE fd.typed_by END
  REMOVE fd.typed_at_us
}
SET d.fields_by = CASE WHEN d.schema_fingerprint = row.fingerprint THEN row.fingerprint ELSE d.fields_by END,
    v.fields_merged = true
"""

# The output dataset is one the batch upserted (UPSERT_DATASETS, with this event's time in its span);
# a source dataset may be named only here, so it is merged and spanned.
LINK_COLUMNS = f"""
UNWIND $rows AS row
WITH datasets[row.d] AS do, row
MERGE (di:Dataset {{namespace: row.in_namespace, name: row.in_name}})
SET {_span("di")}
MERGE (fi:Field {{namespace: row.in_namespace, dataset: row.in_name, name: row.in_field}})
MERGE (fo:Field {{namespace: row.out_namespace, dataset: row.out_name, name: row.out_field}})
MERGE (di)-[:HAS_FIELD]->(fi)
MERGE (do)-[:HAS_FIELD]->(fo)
MERGE (fi)-[e:FLOWS_TO {{transformation: row.type, subtype: row.subtype}}]->(fo)
WITH e, row, row.description_at > coalesce(e.description_at_us, -1)
     OR (row.description_at = e.description_at_us AND row.description > e.description) AS newer
SET {_span("e")},
    e.masking = coalesce(e.masking, false) OR row.masking,
    e.description = CASE WHEN newer THEN row.description ELSE e.description END,
    e.description_at_us = CASE WHEN newer THEN row.description_at ELSE e.description_at_us END
"""

# The dataset an event names is canonical; its symlinks point at it. The first statement of the
# batch (found by its identity), so that UPSERT_DATASETS sees the aliases it declares. A dataset that
# is itself an alias does not gather aliases, so alias chains and cycles cannot form.
LINK_SYMLINKS = f"""
UNWIND $rows AS row
MERGE (d:Dataset {{namespace: row.namespace, name: row.name}})
WITH d, row
WHERE NOT EXISTS {{ MATCH (d)-[:ALIAS_OF]->() }}
MERGE (a:Dataset {{namespace: row.alias_namespace, name: row.alias_name}})
SET {_span("a")}
MERGE (a)-[e:ALIAS_OF]->(d)
WITH e, row, row.type_at > coalesce(e.type_at_us, -1) OR (row.type_at = e.type_at_us AND row.type > e.type) AS newer
SET e.type = CASE WHEN newer THEN row.type ELSE e.type END,
    e.type_at_us = CASE WHEN newer THEN row.type_at ELSE e.type_at_us END
"""

STORE_OFFSETS = """
UNWIND $rows AS row
MERGE (o:KafkaOffset {group: row.group, topic: row.topic, partition: row.partition})
SET o.next_offset = CASE WHEN o.next_offset IS NULL OR row.next_offset > o.next_offset
        THEN row.next_offset ELSE o.next_offset END
"""

# The dedup window that survives restarts: IDs of applied events, written with the batch.
RECORD_APPLIED = """
UNWIND $rows AS row
MERGE (e:AppliedEvent {event_id: row.event_id})
  ON CREATE SET e.applied_at_us = row.at
"""

READ_APPLIED = """
UNWIND $ids AS id
MATCH (e:AppliedEvent {event_id: id})
RETURN e.event_id AS event_id
"""

EXPIRE_APPLIED = """
MATCH (e:AppliedEvent) WHERE e.applied_at_us < $horizon
WITH e LIMIT $limit
DELETE e
RETURN count(*) AS deleted
"""

READ_OFFSETS = """
MATCH (o:KafkaOffset {group: $group})
WHERE o.topic IN $topics
RETURN o.topic AS topic, o.partition AS partition, o.next_offset AS next_offset
"""

# Every lookup in the write statements is an index seek (a MERGE's always the unique constraint's),
# whatever the statistics (checked by EXPLAIN on an empty graph and after a write in the same
# transaction, tests/integration/test_write_plans.py; see WRITE_BATCH for when that did not hold),
# so their plans never get better by replanning; but while the graph grows Neo4j replans a statement
# whenever its statistics drift, at most every 10 s (dbms.cypher.min_replan_interval), and a replan
# of these statements stalls the write path for hundreds of milliseconds. The first plan is kept.
_KEEP_PLAN = "CYPHER replan=skip\n"

# (batch attribute, statement, the earlier statements' node lists it reads), in execution order.
# A statement that ends in ``RETURN collect(x) AS <list>`` hands the nodes it merged, in the order of
# its rows, to the statements after it: a row names a dataset, job, run or schema version by its
# index in that list (``graph/plan.py`` numbers them), so the node is found once per batch, by its
# MERGE, instead of by an index seek in every statement that links it.
_WRITE_ORDER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("symlinks", LINK_SYMLINKS, ()),
    ("datasets", UPSERT_DATASETS, ()),
    ("jobs", UPSERT_JOBS, ()),
    ("runs", UPSERT_RUNS, ("jobs",)),
    ("parents", LINK_PARENTS, ()),
    ("run_reads", LINK_RUN_READS, ("runs", "created_runs", "canonicals", "jobs")),
    ("run_read_facets", SET_RUN_READ_FACETS, ("runs", "canonicals")),
    ("run_writes", LINK_RUN_WRITES, ("runs", "created_runs", "canonicals", "jobs")),
    ("run_write_facets", SET_RUN_WRITE_FACETS, ("runs", "canonicals")),
    ("job_reads", LINK_JOB_READS, ()),
    ("job_writes", LINK_JOB_WRITES, ()),
    ("schemas", UPSERT_SCHEMAS, ("datasets",)),
    ("schema_versions", UPSERT_SCHEMA_VERSIONS, ("datasets",)),
    ("fields", UPSERT_FIELDS, ("datasets", "versions")),
    ("column_edges", LINK_COLUMNS, ("datasets",)),
    ("applied_events", RECORD_APPLIED, ()),
    ("offsets", STORE_OFFSETS, ()),
)
WRITE_ORDER: tuple[tuple[str, str], ...] = tuple((attribute, _KEEP_PLAN + statement)
                                              for attribute, statement, _ in _WRITE_ORDER)
WRITE_IMPORTS: dict[str, tuple[str, ...]] = {attribute: imports for attribute, _, imports in _WRITE_ORDER}
"""The node lists each statement of ``WRITE_ORDER`` reads: to run one on its own (an ``EXPLAIN``),
bind them first (``WITH [] AS datasets``)."""

# The whole batch as one statement: each statement above becomes a subquery over its own list of the
# one map parameter $batch, in the same order (a subquery sees what the ones before it wrote, as the
# next statement of a transaction does), importing the node lists it reads. Two things were wrong
# with running them one by one:
# - Plans. Each kept (replan=skip) the plan made in whichever transaction first ran it. Planned after
#   an earlier statement of the same transaction had created a node, and with a list of about 200
#   rows or more, Neo4j 5.26 gave the MATCH by identity of LINK_RUN_READS, LINK_RUN_WRITES,
#   UPSERT_SCHEMAS, UPSERT_SCHEMA_VERSIONS and LINK_COLUMNS an index scan per row: 298 rows of
#   UPSERT_SCHEMAS read 3.2 million index entries, 640 ms against 11 ms, and the worker ran at
#   400-1,200 records/s instead of 3,500 until Neo4j restarted. The batch statement is the first and
#   only statement of its transaction, and seeks even when planned after a write
#   (tests/integration/test_write_plans.py).
# - Round trips. Each statement had the writer thread wait for Neo4j's answer and then for the GIL,
#   held by the main thread preparing the next batch. A 176-record batch replayed in a rolled-back
#   transaction beside a busy Python thread: 37-67 ms as 13 statements, 16-32 ms as one (21-25 and
#   14-18 ms without the busy thread).
# One map parameter, not a list per statement: Neo4j keys its plan cache by the parameters' types,
# and an empty list is not typed like a list of maps, so each mix of empty and full lists would be
# planned anew (0.2-1.3 s each). Planning it takes Neo4j about 1.3 s the first time (the 17
# statements apart: 0.6 s); the plan stays cached while Neo4j runs.
WRITE_BATCH = _KEEP_PLAN + "\n".join(
    f"CALL ({', '.join(imports)}) {{\n" + statement.strip().replace("$rows", "$batch." + attribute) + "\n}"
    for attribute, statement, imports in _WRITE_ORDER
)
WRITE_ATTRIBUTES: tuple[str, ...] = tuple(attribute for attribute, _, _ in _WRITE_ORDER)
