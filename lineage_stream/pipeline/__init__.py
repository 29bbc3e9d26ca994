"""The pure stages of the pipeline, in the order data flows through them:
decode → dedup → normalize → redact → rollup (→ write, in ``lineage_stream.graph``).
"""
