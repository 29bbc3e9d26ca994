"""Benchmarks: the stream-framework comparison (confluent-kafka vs faust-streaming), the pure
pipeline, and the end-to-end worker. Run ``python -m lineage_stream_dev.bench --help``.
"""
