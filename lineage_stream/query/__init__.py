"""The analysts' view: resolve a dataset however it is spelled, then read its lineage from Neo4j.

Pure parts (no Neo4j import): ``spelling`` (candidate identifiers for a user's text), ``times``
(``--as-of``/``--since`` values), ``cypher`` (the read statements), ``formats`` (table, JSON, DOT,
Mermaid). ``store`` is the Neo4j read adapter; ``service`` answers the questions; ``cli`` and
``lineage_stream.api`` present them.
"""

from __future__ import annotations

from lineage_stream.query.model import (
    Column,
    ColumnEdge,
    DatasetRef,
    Impact,
    ImpactRow,
    Lineage,
    LineageEdge,
    Match,
    Resolution,
    RunRow,
    SchemaVersionRow,
)

__all__ = [
    "Column",
    "ColumnEdge",
    "DatasetRef",
    "Impact",
    "ImpactRow",
    "Lineage",
    "LineageEdge",
    "Match",
    "Resolution",
    "RunRow",
    "SchemaVersionRow",
]
