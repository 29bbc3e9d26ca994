"""Confluent wire format: magic byte 0, a 4-byte big-endian schema ID, then the Avro body."""

from __future__ import annotations

import struct

from lineage_stream.errors import DecodeError

_HEADER = struct.Struct(">bI")
MAGIC = 0


def frame(schema_id: int, body: bytes) -> bytes:
    return _HEADER.pack(MAGIC, schema_id) + body


def unframe(value: bytes | None) -> tuple[int, memoryview]:
    """Split a framed value into its schema ID and Avro body.

    Raises:
        DecodeError: the value is empty, too short, or does not start with the magic byte.
    """
    if not value:
        raise DecodeError("empty message value (a tombstone or an empty payload)")
    if len(value) < _HEADER.size:
        raise DecodeError(f"message of {len(value)} bytes is shorter than the 5-byte wire header")
    magic, schema_id = _HEADER.unpack_from(value)
    if magic != MAGIC:
        raise DecodeError(f"unknown magic byte {magic}: not Confluent-framed Avro")
    return schema_id, memoryview(value)[_HEADER.size :]
