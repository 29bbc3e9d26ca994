from __future__ import annotations

import io
import json

import fastavro
import pytest

from lineage_stream.contract import event_to_record, frame, latest_schema
from lineage_stream.errors import DecodeError, ValidationError
from lineage_stream.pipeline.decode import AvroDecoder
from factories import BASE_US, run_event

NOW_US = BASE_US + 3_600_000_000


class InMemorySchemas:
    """A registry with one known schema ID (a test double of the registry adapter, no network)."""

    def __init__(self, schemas):
        self._schemas = schemas

    def writer_schema(self, schema_id):
        try:
            return self._schemas[schema_id]
        except KeyError:
            raise DecodeError(f"unknown schema ID {schema_id}") from None


def encode(record, schema=None):
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, (schema or latest_schema()).parsed, record)
    return frame(1, buffer.getvalue())


@pytest.fixture
def decode():
    return AvroDecoder(InMemorySchemas({1: latest_schema().parsed}), latest_schema(), max_bytes=64 * 1024, clock_us=lambda: NOW_US)


def test_valid_event_decodes(decode):
    event = run_event()
    assert decode(encode(event_to_record(event))) == event


@pytest.mark.parametrize("value,reason", [
    (b"not avro at all", "magic"),
    (b"", "empty"),
    (frame(99, b"\x00"), "unknown schema ID 99"),
    (frame(1, b"\x02"), "invalid Avro"),
])
def test_bad_bytes_are_typed_decode_errors(decode, value, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(value)


def test_truncated_and_trailing_bytes(decode):
    good = encode(event_to_record(run_event()))
    with pytest.raises(DecodeError, match="invalid Avro"):
        decode(good[:-7])
    with pytest.raises(DecodeError, match="trailing bytes"):
        decode(good + b"\x00\x01")


def test_oversized_message(decode):
    with pytest.raises(DecodeError, match="exceeds"):
        decode(b"\x00" * (64 * 1024 + 1))


def test_array_declaring_a_huge_count_fails_fast(decode):
    record = event_to_record(run_event())
    good = encode(record)
    # inputs is an empty array (one zero byte); claim 2^40 items instead, with nothing behind it.
    header_len = len(encode({**record, "inputs": []})) - 1
    body = bytearray(good)
    huge = b"\x80\x80\x80\x80\x80\x80\x40"
    hostile = bytes(body[:header_len]) + huge + bytes(body[header_len:])
    with pytest.raises(DecodeError):
        decode(hostile)


def test_blank_ids_fail_validation(decode):
    with pytest.raises(ValidationError, match="event_id"):
        decode(encode({**event_to_record(run_event()), "event_id": " "}))
    record = event_to_record(run_event())
    record["run"]["run_id"] = ""
    with pytest.raises(ValidationError, match="run ID"):
        decode(encode(record))


def test_reader_resolves_an_older_writer_schema():
    writer_doc = json.loads(latest_schema().text)
    writer_doc["fields"] = [f for f in writer_doc["fields"] if f["name"] != "schema_url"]
    writer = fastavro.parse_schema(writer_doc)
    decode = AvroDecoder(InMemorySchemas({1: writer}), latest_schema(), max_bytes=1 << 20, clock_us=lambda: NOW_US)
    record = event_to_record(run_event())
    del record["schema_url"]
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, writer, record)
    assert decode(frame(1, buffer.getvalue())).schema_url is None


def test_nanosecond_timestamp_is_a_typed_error(decode):
    # Records in the reader's own schema are read without the datetime conversion, so the validator
    # (not fastavro's overflow) is what catches nanoseconds; either way it is a typed, explained rejection.
    record = {**event_to_record(run_event()), "event_time": BASE_US * 1000}
    with pytest.raises((DecodeError, ValidationError), match="nanoseconds"):
        decode(encode(record))


def test_the_event_id_is_read_from_the_first_bytes_once_the_schema_id_was_decoded(decode):
    event = run_event(event_id="early-é-id")
    value = encode(event_to_record(event))
    assert decode.event_id(value) is None  # schema ID 1 not decoded yet: no registry call from here
    assert decode(value) == event
    assert decode.event_id(value) == "early-é-id"
    assert decode.event_id(encode(event_to_record(run_event(event_id="x" * 300)))) == "x" * 300  # a 2-byte length


@pytest.mark.parametrize("value", [
    None, b"", b"\x00\x00\x00\x00\x01", b"\x01\x00\x00\x00\x01\x02a",  # too short, wrong magic
    frame(2, b"\x02a"),  # a schema ID not decoded here
    frame(1, b"\x14abc"),  # a length past the end
    frame(1, b"\x01abc"),  # a negative length
    frame(1, b"\x04\xff\xfe"),  # not UTF-8
    frame(1, b"\xff" * 11),  # a varint that never ends
])
def test_no_event_id_when_the_first_bytes_do_not_hold_one(decode, value):
    decode(encode(event_to_record(run_event())))  # schema ID 1 is known
    assert decode.event_id(value) is None


def test_no_early_event_id_for_a_writer_that_does_not_start_with_it():
    reordered = dict(latest_schema().parsed)
    reordered["fields"] = list(reversed(reordered["fields"]))
    schema = fastavro.parse_schema(reordered)
    decoder = AvroDecoder(InMemorySchemas({1: schema}), latest_schema(), max_bytes=64 * 1024, clock_us=lambda: NOW_US)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, event_to_record(run_event()))
    value = frame(1, buffer.getvalue())
    assert decoder(value) == run_event()
    assert decoder.event_id(value) is None
