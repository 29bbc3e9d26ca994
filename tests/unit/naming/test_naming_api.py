"""The smaller pieces: scheme_of, job names, the rule table, name helpers, the URI parser and
JDBC behaviour beyond the shared cases.
"""

from __future__ import annotations

import dataclasses

import pytest

import lineage_stream.naming as naming
from lineage_stream.naming import CanonicalName, normalize_jdbc, normalize_job_name, scheme_of
from lineage_stream.naming.jdbc import sanitize
from lineage_stream.naming.names import qualify, snowflake_name
from lineage_stream.naming.rules import RULES, SCHEME_ALIASES, rule_for
from lineage_stream.naming.uri import HostPort, parse_host_port, parse_namespace


def test_public_api() -> None:
    assert set(naming.__all__) >= {
        "AliasMap",
        "CanonicalName",
        "normalize_dataset",
        "normalize_jdbc",
        "normalize_job_name",
        "scheme_of",
    }


def test_canonical_name_is_frozen() -> None:
    name = CanonicalName("s3://b", "k", "s3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        name.rule = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("namespace", "scheme"),
    [
        ("postgresql://h", "postgres"),
        ("POSTGRES://h:5432", "postgres"),
        ("s3a://bucket", "s3"),
        ("gcs://bucket", "gs"),
        ("bigquery", "bigquery"),
        ("arn:aws:glue:us-east-1:1", "arn"),
        ("file:/tmp/x", "file"),
        ("inmemory://", "inmemory"),
        ("jdbc:sqlserver://h", "sqlserver"),
        ("JDBC:jtds:sqlserver://h", "sqlserver"),
        ("jdbc:oracle:thin:@h", "oracle"),
        ("jdbc:ch://h", "clickhouse"),
        ("duckdb://jaffle_shop.duckdb", "duckdb"),  # no rule, but a scheme producers use: named
        ("DuckDB:///abs/dev.duckdb", "duckdb"),
        ("sqlite:relative.db", "sqlite"),
        ("jdbc:unknown://h", "other"),
        ("custom://h", "other"),
        ("", "other"),
        ("   ", "other"),
        ("x" * 5000, "other"),
    ],
)
def test_scheme_of(namespace: str, scheme: str) -> None:
    assert scheme_of(namespace) == scheme


def test_scheme_of_never_raises_on_non_strings() -> None:
    assert scheme_of(None) == "other"  # type: ignore[arg-type]


def test_job_names_are_only_trimmed() -> None:
    assert normalize_job_name("  Airflow-Prod ", " Orders_ETL.Count_Orders\n") == (
        "Airflow-Prod",
        "Orders_ETL.Count_Orders",
    )


def test_every_rule_has_unique_schemes_and_aliases_point_at_rules() -> None:
    schemes = [scheme for rule in RULES for scheme in rule.schemes]
    assert len(schemes) == len(set(schemes))
    for alias, target in SCHEME_ALIASES.items():
        assert alias not in schemes
        assert rule_for(alias) is rule_for(target) is not None


@pytest.mark.parametrize(
    ("name", "prefix", "levels", "expected"),
    [
        ("t", ("db",), 3, "db.t"),
        ("s.t", ("db",), 3, "db.s.t"),
        ("d.s.t", ("db",), 3, "d.s.t"),
        ("s.t", ("db",), 2, "s.t"),
        ("t", ("cat", "sch"), 3, "cat.sch.t"),
        ("s.t", ("cat", "sch"), 3, "cat.s.t"),
        ("t", ("",), 3, "t"),
        ("t", (), 3, "t"),
    ],
)
def test_qualify(name: str, prefix: tuple[str, ...], levels: int, expected: str) -> None:
    assert qualify(name, prefix, levels) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("db.schema.table", "DB.SCHEMA.TABLE"),
        ("My_Db.$bad.t", "MY_DB.$bad.T"),
        ('my_db.public."My Table"', 'MY_DB.PUBLIC."My Table"'),
        ('"DB"."SCHEMA"."TABLE"', "DB.SCHEMA.TABLE"),
        ('"db"."schema"."table"', '"db"."schema"."table"'),
        ('db.s."a.b"', 'DB.S."a.b"'),
        ('db.s."say ""hi"""', 'DB.S."say ""hi"""'),
        ("db.s.my-table", "DB.S.my-table"),
        ('db."open', None),
        ('db.a"b".t', None),
        ("db..t", None),
        ('db."".t', None),
    ],
)
def test_snowflake_names(name: str, expected: str | None) -> None:
    assert snowflake_name(name) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Host-1.Example.COM", HostPort("host-1.example.com")),
        ("h:5432", HostPort("h", 5432)),
        ("[2001:DB8::1]", HostPort("[2001:db8::1]")),
        ("[::1]:9042", HostPort("[::1]", 9042)),
        ("[3ffe:8311::10.203.31.9]", HostPort("[3ffe:8311::10.203.31.9]")),
        ("h:0", None),
        ("h:65536", None),
        ("h:", None),
        ("h:x", None),
        ("::1", None),
        ("[::1", None),
        ("[::1]x", None),
        ("[zz::1]", None),
        (".h", None),
        ("h h", None),
        ("", None),
    ],
)
def test_parse_host_port(text: str, expected: HostPort | None) -> None:
    assert parse_host_port(text) == expected


def test_parse_namespace_parts() -> None:
    parsed = parse_namespace("SQLServer://u:p@Host:1433\\inst;databaseName=db;?x=1#frag")
    assert parsed is not None
    assert (parsed.scheme, parsed.userinfo, parsed.authority) == ("sqlserver", "u:p", "Host:1433")
    assert parsed.hosts == (HostPort("host", 1433),)
    assert (parsed.path, parsed.param("databasename"), parsed.query) == ("/inst", "db", "x=1")
    assert parse_namespace("bigquery") is not None
    assert parse_namespace("1abc://h") is None
    assert parse_namespace("not a uri") is None


@pytest.mark.parametrize(
    ("url", "table", "properties", "expected"),
    [
        pytest.param(
            "jdbc:snowflake://Org-Acct.snowflakecomputing.com:443/?db=analytics&schema=Public"
            "&user=svc&password=x",
            "orders",
            None,
            CanonicalName("snowflake://org-acct", "ANALYTICS.PUBLIC.ORDERS", "jdbc:snowflake"),
            id="snowflake",
        ),
        pytest.param(
            "jdbc:redshift://examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com:5439/dev",
            "public.t",
            None,
            CanonicalName(
                "redshift://examplecluster.us-west-2:5439", "dev.public.t", "jdbc:redshift"
            ),
            id="redshift",
        ),
        pytest.param(
            "jdbc:trino://h:8080/hive/sales",
            "orders",
            None,
            CanonicalName("trino://h:8080", "hive.sales.orders", "jdbc:trino"),
            id="trino-catalog-schema",
        ),
        pytest.param(
            "jdbc:derby:/var/db/metastore;create=true",
            "s.t",
            None,
            CanonicalName("file:/var/db/metastore", "s.t", "jdbc:derby"),
            id="derby-absolute",
        ),
        pytest.param(
            "jdbc:derby:;databaseName=somedb",
            "s.t",
            None,
            CanonicalName("derby:;databaseName=somedb", "s.t", "jdbc:unparsed"),
            id="derby-relative-without-home",
        ),
        pytest.param(
            "jdbc:sqlserver://h\\inst:1433;databaseName=db;password=x",
            "dbo.t",
            {"databaseName": "ignored"},
            CanonicalName("sqlserver://h:1433/inst", "db.dbo.t", "jdbc:sqlserver"),
            id="sqlserver-url-wins-over-properties",
        ),
        pytest.param(
            "jdbc:h2:mem:test;USER=sa;PASSWORD=secret",
            "t",
            None,
            CanonicalName("h2:mem:test", "t", "jdbc:unparsed"),
            id="unparsed-credentials-dropped",
        ),
        pytest.param(
            "jdbc:mariadb://u:p@DB:3306/shop",
            "orders",
            None,
            CanonicalName("mariadb://db:3306", "shop.orders", "jdbc:generic"),
            id="generic",
        ),
    ],
)
def test_jdbc_beyond_the_shared_cases(
    url: str, table: str, properties: dict[str, str] | None, expected: CanonicalName
) -> None:
    assert normalize_jdbc(url, table, properties) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("unknown://fred:sec%40ret@hostname", "unknown://hostname"),
        ("unknown://fred@hostname", "unknown://hostname"),
        ("oracle:thin:scott/tiger@//h:1521/s", "oracle:thin:@//h:1521/s"),
        ("oracle:thin:@(DESCRIPTION=(X=1)))", "oracle:thin:@(DESCRIPTION=(X=1)))"),
        ("x://h;a=1;user=u;b=2", "x://h;a=1;b=2"),
        ("x://h;USER=u;Password=p;", "x://h"),
        ("x://h?user=u&password=p", "x://h"),
        ("x://u:p!$*ss@h;bad", "x://h;bad"),
        ("x://u1:p1@h1,u2:p2@h2;bad", "x://h1,h2;bad"),
        ("oracle:thin:scott/t!ger@h:1521:orcl;(", "oracle:thin:@h:1521:orcl;("),
        ("sqlite:/data/we@ird.db", "sqlite:/data/we@ird.db"),
        ("sqlite:/data/user/pw@x", "sqlite:/data/user/pw@x"),
    ],
)
def test_sanitize(body: str, expected: str) -> None:
    assert sanitize(body) == expected
