"""lineage-stream: a live, auditable lineage graph fed from Kafka into Neo4j."""

__version__ = "0.1.0"
