"""A deterministic event ID for OpenLineage events, which carry none of their own.

Definition (the event ID of an OpenLineage JSON document ``doc``):

1. Serialize the whole decoded document as canonical JSON: object keys sorted by Unicode code
   point, no whitespace (separators ``,`` and ``:``), non-ASCII characters written as
   themselves (not ``\\uXXXX``), numbers as Python's ``json`` module writes them, ``NaN`` and
   ``Infinity`` not allowed; encode it as UTF-8. In Python::

       json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                  allow_nan=False).encode("utf-8")

2. Take the SHA-256 digest of those bytes and keep its first 16 bytes.
3. Make them an RFC 9562 UUIDv8 ("custom" UUID): set the version nibble (high nibble of
   byte 6) to ``8`` and the variant bits (two high bits of byte 8) to ``10``.
4. Render it in the usual lowercase 8-4-4-4-12 hex form,
   e.g. ``3c9a1f0e-5b2d-8e41-9a7c-0d1e2f3a4b5c``.

So the same event re-sent byte for byte, re-indented, or with its keys in another order gets
the same ID (the dedup stage drops the copy), and any change of content -- a different
``eventTime``, an added facet, ``1`` versus ``1.0`` -- gives a new ID. 122 of the 128 bits
come from the digest, so unrelated events do not collide in practice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from lineage_stream.errors import ValidationError

_VERSION_8 = 0x80
_VARIANT_RFC = 0x80


def canonical_json_bytes(doc: Mapping[str, Any]) -> bytes:
    """The bytes the event ID is the digest of; raises ``ValidationError`` if there are none."""
    try:
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as problem:
        raise ValidationError(f"event is not serializable as canonical JSON: {problem}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("event contains a lone UTF-16 surrogate, which is not valid Unicode") from None


def derive_event_id(doc: Mapping[str, Any]) -> str:
    """The UUIDv8-shaped SHA-256 digest of the event's canonical JSON (see the module docstring)."""
    digest = bytearray(hashlib.sha256(canonical_json_bytes(doc)).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | _VERSION_8
    digest[8] = (digest[8] & 0x3F) | _VARIANT_RFC
    return str(uuid.UUID(bytes=bytes(digest)))
