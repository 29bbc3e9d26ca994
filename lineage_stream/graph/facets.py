"""The facet rule: each facet is the latest *of its own name*, and ``_deleted: true`` removes it.

Producers send facets in pieces (dbt sends a model's ``documentation`` when it runs and its
``dataQualityAssertions`` when its tests run), and a facet not sent is not a facet deleted. So a
node or edge keeps, per facet name, the facet with the greatest ``(event time, deleted, text)``:

- a later facet replaces an earlier one of the same name; other names are untouched;
- at the same event time a deletion wins over a facet, and between two facets the greater JSON text
  wins, so the result does not depend on arrival order or batch split, and applying twice is a no-op;
- a facet sent with ``_deleted: true`` removes the facet but keeps its time (a tombstone), so an
  older event that arrives later cannot bring it back.

In Neo4j each facet is its own property, readable without parsing the others:
``facet_<name>`` holds its JSON text and ``facetat_<name>`` the event time (µs) it is from. A
tombstone is a ``facetat_<name>`` without ``facet_<name>``. The two prefixes differ before the
underscore, so no facet name can make one facet's key collide with another's. Neo4j refuses a
NUL character in a property key, so a NUL in a facet name is stored as U+FFFD (``property_name``).
"""

from __future__ import annotations

import json
from typing import Any, Mapping

FACET_PREFIX = "facet_"
FACET_AT_PREFIX = "facetat_"

FacetRow = dict[str, Any]
"""``{"name", "at", "text"}``; ``text`` is None for a deletion."""

_DELETED_KEY = '"_deleted"'


def is_deletion(text: str) -> bool:
    """True when the facet's JSON text is a deletion: a top-level ``"_deleted": true``."""
    if _DELETED_KEY not in text:
        return False  # the cheap test first: nearly every facet
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("_deleted") is True


Merged = dict[str, tuple[int, bool, str]]
"""Facet name → (event time, deleted, JSON text or "" for a deletion) of the greatest facet so far:
plain tuples while planning (cheap to compare, and not tracked by the garbage collector)."""


def property_name(name: str) -> str:
    """The facet name as it can be part of a Neo4j property key: NUL (refused by Neo4j) becomes U+FFFD."""
    return name.replace("\x00", "\ufffd")


def merge_facets(target: Merged, facets: Mapping[str, str], at: int) -> None:
    """Fold ``facets`` (name → JSON text) sent at event time ``at`` into ``target`` by the facet rule."""
    for sent_name, text in facets.items():
        name = property_name(sent_name) if "\x00" in sent_name else sent_name
        candidate = (at, True, "") if is_deletion(text) else (at, False, text)
        current = target.get(name)
        if current is None or candidate > current:
            target[name] = candidate


def facet_rows(merged: Merged) -> list[FacetRow]:
    """The merged facets as parameter rows for the Cypher fragment, in name order."""
    return [{"name": name, "at": at, "text": None if deleted else text}
            for name, (at, deleted, text) in sorted(merged.items())]


def live_facets(properties: Mapping[str, Any]) -> dict[str, str]:
    """Facet name → JSON text, read back from a node's or edge's properties."""
    n = len(FACET_PREFIX)
    return {key[n:]: value for key, value in properties.items() if key.startswith(FACET_PREFIX) and value is not None}


def facet_times(properties: Mapping[str, Any]) -> dict[str, int]:
    """Facet name → event time of the facet or its tombstone, read back from properties."""
    n = len(FACET_AT_PREFIX)
    return {key[n:]: value for key, value in properties.items() if key.startswith(FACET_AT_PREFIX)}


def split_combined(text: str, at: int) -> list[FacetRow]:
    """The facet rows of a combined ``facets`` JSON object (the storage before per-facet properties),
    all at ``at``, its ``facets_at_us``; each facet re-serialized as compact, key-sorted JSON.

    Raises:
        ValueError: ``text`` is not a JSON object.
    """
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("stored facets are not a JSON object")
    rows: list[FacetRow] = []
    for name in sorted(value):
        facet_text = json.dumps(value[name], separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        rows.append({"name": str(name), "at": at, "text": None if is_deletion(facet_text) else facet_text})
    return rows
