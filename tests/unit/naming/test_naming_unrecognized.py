"""Identifiers no rule recognizes are kept as given, never guessed: only whitespace is trimmed, the
scheme lower-cased and trailing slashes removed."""

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


def test_whitespace_scheme_case_and_trailing_slashes_are_folded() -> None:
    result = normalize_dataset("\t Custom://Host/Path/ \n", "  Mixed.Case  ")
    assert result == CanonicalName("custom://Host/Path", "Mixed.Case", "unrecognized")
    assert not result.recognized


@pytest.mark.parametrize(("namespace", "folded"), [
    ("DuckDB://jaffle_shop.duckdb", "duckdb://jaffle_shop.duckdb"),
    ("duckdb:///abs/path/jaffle_shop.duckdb//", "duckdb:///abs/path/jaffle_shop.duckdb"),
    ("SQLite:relative.db/", "sqlite:relative.db"),
    ("my namespace/", "my namespace"),
    ("Weird Scheme://x/", "Weird Scheme://x"),  # not a URI scheme: only the slash goes
    ("postgres://", "postgres://"),  # nothing left but the scheme: kept
    ("x:///", "x:///"),
])
def test_folding_of_unrecognized_namespaces(namespace: str, folded: str) -> None:
    assert normalize_dataset(namespace, "t").namespace == folded


def test_two_spellings_of_one_file_database_are_one_dataset() -> None:
    assert normalize_dataset("DUCKDB://dev.duckdb/", "main.orders") == normalize_dataset("duckdb://dev.duckdb", "main.orders")


def test_unrecognized_keeps_credentials_as_given() -> None:
    # Documented behaviour: nothing is rewritten when no rule applies.
    result = normalize_dataset("custom://user:pw@host", "t")
    assert result.namespace == "custom://user:pw@host"


def test_the_alias_map_gives_a_relative_file_database_a_project_of_its_own() -> None:
    from lineage_stream.naming import AliasMap

    team_a = AliasMap.from_mapping({"namespace_aliases": {"DuckDB://jaffle_shop.duckdb/": "duckdb:///srv/team-a/jaffle_shop.duckdb"}})
    result = normalize_dataset("duckdb://jaffle_shop.duckdb", "jaffle_shop.main.orders", team_a)
    assert result.namespace == "duckdb:///srv/team-a/jaffle_shop.duckdb"
    assert normalize_dataset("duckdb://jaffle_shop.duckdb", "jaffle_shop.main.orders").namespace == "duckdb://jaffle_shop.duckdb"
