"""Fuzz: any bytes through ``AvroDecoder`` / ``OpenLineageJsonDecoder`` and the identifier stages.

Whatever arrives, the only exceptions that may escape are ``LineageStreamError`` subclasses (the
typed errors the worker turns into dead letters); anything else would crash the worker. Inputs are
raw bytes, Confluent-framed random bodies, and valid Avro and OpenLineage JSON records with bytes
flipped, inserted, deleted or cut.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_stream.contract import frame, latest_schema
from lineage_stream.errors import DecodeError, LineageStreamError
from lineage_stream.pipeline.decode import AvroDecoder, OpenLineageJsonDecoder
from lineage_stream.pipeline.normalize import NormalizeStage
from lineage_stream_dev.reliability.formats import avro_value, to_openlineage
from lineage_stream_dev.reliability.generator import StreamSpec, generate_events
from lineage_stream_dev.reliability.hostile import CYPHER_KIND, hostile_record

NOW_US = 1_800_000_000_000_000
SCHEMA_ID = 3
SAMPLES = generate_events(StreamSpec(events=60, seed=4, tag="fuzz"))
SAMPLES.append(hostile_record(CYPHER_KIND, tag="fuzz", serial=1, at_us=SAMPLES[0].event_time_us, now_us=NOW_US,
                              schema_id=SCHEMA_ID).event)  # type: ignore[arg-type]
AVRO_VALUES = [avro_value(e, SCHEMA_ID) for e in SAMPLES]
JSON_VALUES = [to_openlineage(e)[0] for e in SAMPLES]


class Registry:
    def writer_schema(self, schema_id: int) -> object:
        if schema_id == SCHEMA_ID:
            return latest_schema().parsed
        raise DecodeError(f"unknown schema ID {schema_id}")


AVRO = AvroDecoder(Registry(), latest_schema(), max_bytes=64 * 1024, clock_us=lambda: NOW_US)
JSON = OpenLineageJsonDecoder(max_bytes=64 * 1024, clock_us=lambda: NOW_US)
NORMALIZE = NormalizeStage()


@st.composite
def mutated(draw: st.DrawFn, values: list[bytes]) -> bytes:
    value = bytearray(draw(st.sampled_from(values)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(value)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut", "varint"]))
        if action == "flip" and position < len(value):
            value[position] ^= draw(st.integers(1, 255))
        elif action == "insert":
            value[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del value[position:position + draw(st.integers(1, 16))]
        elif action == "cut":
            del value[position:]
        elif action == "varint":  # a long run of continuation bytes: a huge length or count
            value[position:position] = b"\xff" * draw(st.integers(1, 12)) + b"\x01"
    return bytes(value)


def survives(decoder: AvroDecoder | OpenLineageJsonDecoder, value: bytes) -> None:
    try:
        NORMALIZE(decoder(value))
    except LineageStreamError as error:
        assert str(error), type(error).__name__


FUZZ = settings(max_examples=200, deadline=timedelta(seconds=1), suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.one_of(st.binary(max_size=400), st.binary(max_size=400).map(lambda body: frame(SCHEMA_ID, body)),
                 mutated(AVRO_VALUES)))
def test_avro_decoder_raises_only_typed_errors(value: bytes) -> None:
    survives(AVRO, value)


@FUZZ
@given(st.one_of(st.binary(max_size=400), mutated(JSON_VALUES)))
def test_openlineage_decoder_raises_only_typed_errors(value: bytes) -> None:
    survives(JSON, value)


def test_the_unmutated_samples_decode() -> None:
    for avro, json_value in zip(AVRO_VALUES, JSON_VALUES):
        NORMALIZE(AVRO(avro))
        NORMALIZE(JSON(json_value))
