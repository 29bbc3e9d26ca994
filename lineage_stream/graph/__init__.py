"""The lineage graph: how events become nodes and edges (pure planning and the Cypher it runs)."""
