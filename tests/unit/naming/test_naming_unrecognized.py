"""Identifiers no rule recognizes are kept as given (trimmed only), never guessed."""

from __future__ import annotations

import pytest

from lineage_stream.naming import CanonicalName, normalize_dataset

UNRECOGNIZED = [
    ("custom-scheme", "custom://Foo:1/Bar?x=1", "Some.Name"),
    ("no-scheme", "my namespace", "t"),
    ("mariadb-not-in-conventions", "mariadb://DB:3306", "d.t"),
    ("blob-with-path", "s3://bucket/prefix", "key"),
    ("blob-with-port", "s3://bucket:9000", "key"),
    ("azure-without-container", "abfss://service.dfs.core.windows.net", "p"),
    ("port-not-numeric", "postgres://h:notaport", "d.s.t"),
    ("port-out-of-range", "mysql://h:70000", "d.t"),
    ("bare-ipv6", "postgres://3ffe:8311::1", "d.s.t"),
    ("server-without-host", "postgres://", "d.s.t"),
    ("server-without-authority", "postgres:localhost", "d.s.t"),
    ("kafka-with-path", "kafka://b:9092/extra", "topic"),
    ("glue-wrong-service", "arn:aws:s3:::bucket", "key"),
    ("glue-bad-account", "arn:aws:glue:us-east-1:acct", "table/d/t"),
    ("snowflake-bad-quoting", "snowflake://acct", 'db."unterminated'),
    ("snowflake-empty-part", "snowflake://acct", "db..t"),
    ("snowflake-port", "snowflake://acct:443", "d.s.t"),
    ("cosmos-without-database", "azurecosmos://h", "colls/c"),
    ("kusto-other-database", "azurekusto://h.kusto.windows.net/db1", "db2/t"),
    ("box-without-scope", "box://h:443", "k"),
    ("bigquery-with-host", "bigquery://project", "d.t"),
    ("inmemory-with-host", "inmemory://x", "t"),
    ("spanner-without-instance", "spanner://project", "d.s.t"),
    ("file-relative-namespace", "file:relative/dir", "f"),
]


@pytest.mark.parametrize(
    ("namespace", "name"), [pytest.param(ns, n, id=case_id) for case_id, ns, n in UNRECOGNIZED]
)
def test_kept_as_given(namespace: str, name: str) -> None:
    assert normalize_dataset(namespace, name) == CanonicalName(namespace, name, "unrecognized")


def test_only_whitespace_is_trimmed() -> None:
    result = normalize_dataset("\t Custom://Host/Path/ \n", "  Mixed.Case  ")
    assert result == CanonicalName("Custom://Host/Path/", "Mixed.Case", "unrecognized")
    assert not result.recognized


def test_unrecognized_keeps_credentials_as_given() -> None:
    # Documented behaviour: nothing is rewritten when no rule applies.
    result = normalize_dataset("custom://user:pw@host", "t")
    assert result.namespace == "custom://user:pw@host"
