"""Adapters at the edge: Kafka, the schema registry, Neo4j and Prometheus live here and only here."""
