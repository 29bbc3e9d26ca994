"""Pure, stdlib-only PII and secret redaction for lineage metadata.

Run every string of an event through :func:`redact_json` (or single strings
through :func:`redact_text`) before anything is written to the graph.
"""

from __future__ import annotations

from lineage_stream.redaction.detectors import (
    ALL_ENTITY_TYPES,
    DEFAULT_ENTITY_TYPES,
    OPT_IN_ENTITY_TYPES,
)
from lineage_stream.redaction.redactor import Finding, find_pii, redact_json, redact_text

__all__ = [
    "ALL_ENTITY_TYPES",
    "DEFAULT_ENTITY_TYPES",
    "OPT_IN_ENTITY_TYPES",
    "Finding",
    "find_pii",
    "redact_json",
    "redact_text",
]
