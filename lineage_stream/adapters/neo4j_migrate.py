"""``lineage-stream migrate``: bring an existing graph to the current storage, idempotently.

Two steps:

* facets stored as one combined JSON object (``facets``, ``facets_at_us``) become one property per
  facet (``graph/facets.py``). The combined object kept only the latest event's facets, so every
  migrated facet gets that event's time; input/output facets merged into a dataset's object stay on
  the dataset (which run edge they came from was not recorded);
* every job gets its latest run (``latest_run_id``, ``latest_state``, ``latest_state_at_us``), which
  the worker keeps as runs arrive: the impact query reads it instead of scanning the job's runs
  (until then it falls back to the scan for a job without it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import neo4j

from lineage_stream.adapters.neo4j_sink import open_driver
from lineage_stream.graph.cypher import READ_COMBINED_FACETS, SET_LATEST_RUNS, SPLIT_COMBINED_FACETS
from lineage_stream.graph.facets import split_combined
from lineage_stream.settings import Neo4jSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MigrationReport:
    nodes_migrated: int
    unreadable: int
    """Nodes whose combined facets were not a JSON object: their ``facets`` is left as it is."""
    jobs_updated: int = 0
    """Jobs whose latest run was set or corrected from their runs."""


def migrate(settings: Neo4jSettings, *, batch_size: int = 1_000) -> MigrationReport:
    """Split every combined ``facets`` property into per-facet properties and give every job its latest
    run. Running it twice changes nothing.

    Raises:
        neo4j.exceptions.Neo4jError: Neo4j refused a statement or is unreachable.
    """
    migrated = 0
    unreadable: set[str] = set()
    with open_driver(settings) as driver:
        while True:
            records, _, _ = driver.execute_query(READ_COMBINED_FACETS, limit=batch_size + len(unreadable),
                                                 database_=settings.database)
            rows = []
            for record in records:
                if record["id"] in unreadable:
                    continue
                try:
                    rows.append({"id": record["id"], "facets": split_combined(record["facets"], record["at"])})
                except (TypeError, ValueError):
                    log.warning("facets of node %s are not a JSON object; left as they are", record["id"])
                    unreadable.add(record["id"])
            if not rows:
                break
            driver.execute_query(SPLIT_COMBINED_FACETS, rows=rows, database_=settings.database)
            migrated += len(rows)
        with driver.session(database=settings.database) as session:
            jobs = session.run(SET_LATEST_RUNS).single()
    return MigrationReport(migrated, len(unreadable), int(jobs["changed"] or 0) if jobs else 0)
