"""The read statements. Every value is a parameter; the only text ever spliced in is a validated int
bound for a variable-length pattern, which Cypher cannot take as a parameter."""

from __future__ import annotations

# --- resolving a dataset -------------------------------------------------------------------------

FIND_DATASETS = """
UNWIND $keys AS k
MATCH (d:Dataset {namespace: k.namespace, name: k.name})
RETURN d.namespace AS namespace, d.name AS name, k.how AS how
"""

FIND_RAW = """
MATCH (d:Dataset) WHERE any(raw IN $raw WHERE raw IN d.raw_identifiers)
RETURN d.namespace AS namespace, d.name AS name LIMIT 10
"""

FIND_BY_NAME = """
MATCH (d:Dataset {name: $name})
RETURN d.namespace AS namespace, d.name AS name ORDER BY namespace LIMIT 10
"""

# ALIAS_OF points from an alias to the dataset the event named (the canonical one).
ALIAS_CLOSURE = """
MATCH (d:Dataset {namespace: $namespace, name: $name})
OPTIONAL MATCH (d)-[:ALIAS_OF]->(target:Dataset)
WITH coalesce(target, d) AS canonical
OPTIONAL MATCH (canonical)<-[:ALIAS_OF*1..3]-(alias:Dataset)
RETURN canonical.namespace AS namespace, canonical.name AS name,
       [a IN collect(DISTINCT alias) | {namespace: a.namespace, name: a.name}] AS aliases
"""

NEAREST_DATASETS = """
UNWIND $terms AS t
MATCH (d:Dataset) WHERE toLower(d.name) CONTAINS t OR toLower(d.namespace) CONTAINS t
WITH DISTINCT d LIMIT 500
RETURN d.namespace AS namespace, d.name AS name
"""

DATASET_IDS = """
UNWIND $keys AS k
MATCH (d:Dataset {namespace: k.namespace, name: k.name})
RETURN elementId(d) AS id, d.namespace AS namespace, d.name AS name,
       [(d)-[:ALIAS_OF]-(a:Dataset) | [elementId(a), a.namespace, a.name]] AS aliases
"""

# --- lineage, one hop per statement ----------------------------------------------------------------
# Breadth-first, one dataset hop per statement: each frontier node is expanded once, and LIMIT stops
# the scan, so a hub read by thousands of jobs costs at most $limit rows, never the whole fan-out.

_HOP = """
UNWIND $frontier AS id
MATCH (d:Dataset) WHERE elementId(d) = id
MATCH {pattern}
WHERE $as_of IS NULL OR (i.first_seen_us <= $as_of AND o.first_seen_us <= $as_of)
WITH d, j, x LIMIT $limit
RETURN collect([elementId(d), j.namespace, j.name, elementId(x), x.namespace, x.name,
                [(x)-[:ALIAS_OF]-(a:Dataset) | [elementId(a), a.namespace, a.name]]]) AS rows
"""
# One record holding a list: hydrating one list is about twice as fast as hundreds of records.

DOWNSTREAM_HOP = _HOP.format(pattern="(d)-[i:INPUT_TO]->(j:Job)-[o:OUTPUTS]->(x:Dataset)")
UPSTREAM_HOP = _HOP.format(pattern="(x:Dataset)-[i:INPUT_TO]->(j:Job)-[o:OUTPUTS]->(d)")

# The jobs that write each dataset, and the state of each job's latest run.
PRODUCERS = """
UNWIND $ids AS id
MATCH (d:Dataset) WHERE elementId(d) = id
CALL (d) {
  MATCH (j:Job)-[:OUTPUTS]->(d)
  WITH j LIMIT $per_dataset
  CALL (j) {
    WITH j WHERE j.latest_state_at_us IS NOT NULL
    RETURN j.latest_state AS state, j.latest_state_at_us AS state_at_us
    UNION
    WITH j WHERE j.latest_state_at_us IS NULL  // a job whose runs were all written before the property existed
    OPTIONAL MATCH (j)-[:HAS_RUN]->(r:Run)
    WITH r ORDER BY r.state_at_us DESC LIMIT 1
    RETURN r.state AS state, r.state_at_us AS state_at_us
  }
  RETURN collect([j.namespace, j.name, state, state_at_us]) AS producers
}
RETURN id, producers
"""

# --- columns ----------------------------------------------------------------------------------------

FIELD_NAMES = """
UNWIND $members AS m
MATCH (:Dataset {namespace: m.namespace, name: m.name})-[:HAS_FIELD]->(f:Field)
RETURN DISTINCT f.name AS name ORDER BY name
"""

_COLUMN_PATHS = """
UNWIND $members AS m
MATCH (f:Field {{namespace: m.namespace, dataset: m.name, name: $field}})
MATCH p = {pattern}
WITH p LIMIT $limit
UNWIND range(0, size(relationships(p)) - 1) AS i
WITH relationships(p)[i] AS r, {hop} AS hop
WITH startNode(r) AS a, endNode(r) AS b, r, min(hop) AS hop
RETURN a.namespace AS a_namespace, a.dataset AS a_dataset, a.name AS a_name,
       b.namespace AS b_namespace, b.dataset AS b_dataset, b.name AS b_name,
       coalesce(r.transformation, '') AS transformation, coalesce(r.subtype, '') AS subtype, hop
ORDER BY hop, a_namespace, a_dataset, a_name, b_dataset, b_name
"""

COLUMNS_UPSTREAM = _COLUMN_PATHS.format(pattern="(:Field)-[:FLOWS_TO*1..{depth}]->(f)",
                                        hop="size(relationships(p)) - i")
COLUMNS_DOWNSTREAM = _COLUMN_PATHS.format(pattern="(f)-[:FLOWS_TO*1..{depth}]->(:Field)", hop="i + 1")

# --- runs, schema, search -----------------------------------------------------------------------------

FIND_JOBS = """
UNWIND $keys AS k
MATCH (j:Job {namespace: k.namespace, name: k.name})
RETURN j.namespace AS namespace, j.name AS name
"""

# The datasets a job reads and writes, capped.
JOB_IO = """
MATCH (j:Job {namespace: $namespace, name: $name})
CALL (j) { MATCH (i:Dataset)-[:INPUT_TO]->(j) WITH i LIMIT $limit RETURN collect([i.namespace, i.name]) AS inputs }
CALL (j) { MATCH (j)-[:OUTPUTS]->(o:Dataset) WITH o LIMIT $limit RETURN collect([o.namespace, o.name]) AS outputs }
RETURN inputs, outputs
"""

FIND_JOB_BY_NAME = """
MATCH (j:Job {name: $name}) RETURN j.namespace AS namespace, j.name AS name ORDER BY namespace LIMIT 10
"""

NEAREST_JOBS = """
UNWIND $terms AS t
MATCH (j:Job) WHERE toLower(j.name) CONTAINS t OR toLower(j.namespace) CONTAINS t
WITH DISTINCT j LIMIT 500
RETURN j.namespace AS namespace, j.name AS name
"""

RUNS = """
MATCH (:Job {namespace: $namespace, name: $name})-[:HAS_RUN]->(r:Run)
WHERE ($state IS NULL OR r.state = $state)
  AND ($since IS NULL OR coalesce(r.state_at_us, r.last_seen_us) >= $since)
WITH r ORDER BY coalesce(r.started_at_us, r.first_seen_us) DESC, r.run_id LIMIT $limit
RETURN r.run_id AS run_id, r.state AS state, r.started_at_us AS started_at_us, r.ended_at_us AS ended_at_us,
       r.state_at_us AS state_at_us,
       [(d:Dataset)-[:READ_BY]->(r) | [d.namespace, d.name]] AS inputs,
       [(r)-[:WROTE]->(d:Dataset) | [d.namespace, d.name]] AS outputs
"""

SCHEMA_VERSIONS = """
UNWIND $members AS m
MATCH (:Dataset {namespace: m.namespace, name: m.name})-[:HAS_SCHEMA_VERSION]->(v:SchemaVersion)
RETURN DISTINCT v.fingerprint AS fingerprint, v.fields AS fields, v.first_seen_us AS first_seen_us,
       v.last_seen_us AS last_seen_us
ORDER BY first_seen_us, fingerprint
"""

SEARCH_DATASETS = """
MATCH (d:Dataset) WHERE toLower(d.name) CONTAINS $text OR toLower(d.namespace) CONTAINS $text
RETURN 'dataset' AS kind, d.namespace AS namespace, d.name AS name, d.last_seen_us AS last_seen_us
ORDER BY size(d.name), namespace, name LIMIT $limit
"""

SEARCH_JOBS = """
MATCH (j:Job) WHERE toLower(j.name) CONTAINS $text OR toLower(j.namespace) CONTAINS $text
RETURN 'job' AS kind, j.namespace AS namespace, j.name AS name, j.last_seen_us AS last_seen_us
ORDER BY size(j.name), namespace, name LIMIT $limit
"""

SEEN = """
CALL () {
  UNWIND $datasets AS k
  MATCH (d:Dataset {namespace: k.namespace, name: k.name})
  RETURN 'dataset' AS kind, d.namespace AS namespace, d.name AS name, d.first_seen_us AS first_seen_us,
         d.last_seen_us AS last_seen_us
  UNION ALL
  UNWIND $jobs AS k
  MATCH (j:Job {namespace: k.namespace, name: k.name})
  RETURN 'job' AS kind, j.namespace AS namespace, j.name AS name, j.first_seen_us AS first_seen_us,
         j.last_seen_us AS last_seen_us
}
RETURN kind, namespace, name, first_seen_us, last_seen_us
"""
