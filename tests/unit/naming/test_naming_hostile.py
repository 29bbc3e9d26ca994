"""Hostile or broken identifiers: rejected with IdentifierError, quickly, or handled without
crashing; never a different exception type, never super-linear time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_stream.errors import IdentifierError, RejectedRecord
from lineage_stream.naming import (
    normalize_dataset,
    normalize_jdbc,
    normalize_job_name,
    scheme_of,
)

_BUDGET_SECONDS = 0.5


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    try:
        call()
    except IdentifierError:
        pass
    return time.perf_counter() - start


def test_identifier_error_is_a_rejected_record() -> None:
    with pytest.raises(RejectedRecord) as caught:
        normalize_dataset("", "t")
    assert caught.value.stage == "normalize"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda big: normalize_dataset(big, "t"), id="namespace"),
        pytest.param(lambda big: normalize_dataset("s3://b", big), id="name"),
        pytest.param(lambda big: normalize_jdbc(big, "t"), id="jdbc-url"),
        pytest.param(lambda big: normalize_jdbc("jdbc:postgresql://h", big), id="jdbc-table"),
        pytest.param(lambda big: normalize_job_name(big, "j"), id="job-namespace"),
    ],
)
def test_64kb_identifier_is_rejected_quickly(call: Callable[[str], object]) -> None:
    big = "postgres://" + "a" * 65_536
    start = time.perf_counter()
    with pytest.raises(IdentifierError, match="limit is 4096"):
        call(big)
    assert time.perf_counter() - start < _BUDGET_SECONDS


def test_limit_is_inclusive() -> None:
    namespace = "s3://" + "b" * (4096 - len("s3://"))
    assert normalize_dataset(namespace, "k").namespace == namespace
    with pytest.raises(IdentifierError):
        normalize_dataset(namespace + "b", "k")


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\x1b", "\n", "\t", "\x7f", "\x85", "\u2028", "\ud800"]
)
def test_interior_control_characters_are_rejected(char: str) -> None:
    with pytest.raises(IdentifierError, match="control character"):
        normalize_dataset(f"postgres://h{char}x:5432", "d.s.t")
    with pytest.raises(IdentifierError, match="control character"):
        normalize_dataset("postgres://h:5432", f"d.s{char}.t")
    with pytest.raises(IdentifierError, match="control character"):
        normalize_jdbc(f"jdbc:postgresql://h/{char}db", "t")
    with pytest.raises(IdentifierError, match="control character"):
        normalize_jdbc("jdbc:sqlserver://h", "t", {"databaseName": f"d{char}b"})
    with pytest.raises(IdentifierError, match="control character"):
        normalize_job_name("ns", f"job{char}name")


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_blank_identifiers_are_rejected(blank: str) -> None:
    with pytest.raises(IdentifierError, match="blank"):
        normalize_dataset(blank, "t")
    with pytest.raises(IdentifierError, match="blank"):
        normalize_dataset("s3://b", blank)
    with pytest.raises(IdentifierError, match="blank"):
        normalize_job_name("ns", blank)


@pytest.mark.parametrize("value", [None, 42, b"s3://b", ["s3://b"]])
def test_non_strings_are_rejected(value: object) -> None:
    with pytest.raises(IdentifierError, match="not a string"):
        normalize_dataset(value, "t")  # type: ignore[arg-type]
    with pytest.raises(IdentifierError, match="not a string"):
        normalize_dataset("s3://b", value)  # type: ignore[arg-type]


def test_error_message_does_not_echo_the_identifier() -> None:
    with pytest.raises(IdentifierError) as caught:
        normalize_dataset("postgres://user:hunter2@h\x00", "t")
    assert "hunter2" not in str(caught.value)


def test_jdbc_rejects_non_jdbc_urls_and_bad_properties() -> None:
    with pytest.raises(IdentifierError, match="jdbc:"):
        normalize_jdbc("postgresql://h/db", "t")
    with pytest.raises(IdentifierError):
        normalize_jdbc("jdbc:sqlserver://h", "t", {"databaseName": 1})  # type: ignore[dict-item]
    with pytest.raises(IdentifierError):
        normalize_jdbc("jdbc:sqlserver://h", "t", {f"k{i}": "v" for i in range(300)})
    with pytest.raises(IdentifierError, match="no data source"):
        normalize_jdbc("jdbc:", "t")


# Inputs shaped to hurt naive parsers: deep nesting, many separators, long runs before '@'.
PATHOLOGICAL = [
    "jdbc:oracle:thin:@" + "(" * 2000,
    "jdbc:oracle:thin:@" + "(A=" * 1000 + ")" * 1000,
    "jdbc:oracle:thin:@" + "(A=(B=1))" * 450,
    "jdbc:unknown://" + "a@" * 2000,
    "jdbc:unknown://" + "a:" * 2000,
    "jdbc:unknown://" + "user=x;" * 500,
    "jdbc:mysql://" + "(host=a," * 500,
    "jdbc:mysql://" + "address=(host=a)" * 250,
    "jdbc:cassandra://" + "h--" * 1300,
    "jdbc:sqlserver://" + ";a=b" * 1000,
    "jdbc:teradata://h/" + "A=B," * 1000,
    "jdbc:derby:;databaseName=" + "../" * 1300,
    "postgres://" + "h," * 2000,
    "postgres://" + "[" * 4000,
    "snowflake://a/" + '"' * 4000,
    "s3://" + "@" * 4000,
]


@pytest.mark.parametrize(
    "namespace", [pytest.param(text, id=str(index)) for index, text in enumerate(PATHOLOGICAL)]
)
def test_pathological_inputs_finish_quickly(namespace: str) -> None:
    assert len(namespace) <= 4096
    assert _timed(lambda: normalize_dataset(namespace, "s.t")) < _BUDGET_SECONDS
    assert _timed(lambda: normalize_dataset("snowflake://a", namespace)) < _BUDGET_SECONDS


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(namespace=st.text(max_size=120), name=st.text(max_size=60))
def test_arbitrary_text_never_raises_anything_but_identifier_error(
    namespace: str, name: str
) -> None:
    try:
        normalize_dataset(namespace, name)
    except IdentifierError:
        pass
    assert isinstance(scheme_of(namespace), str)


_SCHEMES = st.sampled_from(
    ["postgres", "postgresql", "PostgreSQL", "mysql", "s3a", "gcs", "abfs", "wasbs", "file",
     "hdfs", "kafka", "snowflake", "redshift", "sqlserver", "oracle", "trino", "bigquery",
     "azurekusto", "azurecosmos", "box", "inmemory", "jdbc:postgresql", "jdbc:sqlserver",
     "jdbc:oracle:thin:@", "jdbc:mysql", "jdbc:unknown", "custom"]
)
_PIECES = st.text(alphabet="aB0.-_:@/,;?=[]\\\"'()% ", max_size=30)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(scheme=_SCHEMES, separator=st.sampled_from(["://", ":", ""]), rest=_PIECES, name=_PIECES)
def test_normalization_is_idempotent(scheme: str, separator: str, rest: str, name: str) -> None:
    try:
        first = normalize_dataset(scheme + separator + rest, name)
    except IdentifierError:
        return
    second = normalize_dataset(first.namespace, first.name)
    assert (second.namespace, second.name) == (first.namespace, first.name)
