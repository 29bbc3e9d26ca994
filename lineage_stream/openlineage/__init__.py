"""OpenLineage JSON (spec 1.x and 2.x) → ``LineageEvent``.

- ``decode_openlineage_json``: one Kafka record value (bytes) → ``ParsedEvent``;
- ``parse_openlineage``: one decoded document → ``ParsedEvent`` (the event and the facets
  dropped for being malformed);
- ``derive_event_id``: the deterministic ID of an event, which OpenLineage does not carry;
- ``read_openlineage_documents``: the documents of a ``.json`` / ``.jsonl`` file.
"""

from __future__ import annotations

from lineage_stream.openlineage.decode import decode_openlineage_json
from lineage_stream.openlineage.event_id import derive_event_id
from lineage_stream.openlineage.facets import DroppedFacet
from lineage_stream.openlineage.files import read_openlineage_documents
from lineage_stream.openlineage.parse import ParsedEvent, parse_openlineage

__all__ = [
    "DroppedFacet",
    "ParsedEvent",
    "decode_openlineage_json",
    "derive_event_id",
    "parse_openlineage",
    "read_openlineage_documents",
]
