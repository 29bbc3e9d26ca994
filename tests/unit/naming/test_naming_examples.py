"""The per-platform examples of the naming conventions, and non-canonical variants of them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from lineage_stream.naming import normalize_dataset, normalize_job_name
from lineage_stream.naming.rules import rule_for

EXAMPLES = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "conformance"
    / "openlineage"
    / "naming_examples.tsv"
)

# Rows whose example is not canonical under the conventions themselves. Snowflake: the
# legacy spec (Naming_legacy_spec.md) says names are written as Snowflake stores them, and
# Snowflake stores unquoted identifiers upper-cased, so ``db.schema.table`` (which NamingTest
# only uses to exercise a string builder) is ``DB.SCHEMA.TABLE`` in canonical form.
_SPEC_OVERRIDES = {"Snowflake": ("snowflake://org-name-acct-name", "DB.SCHEMA.TABLE")}


def _load() -> list[dict[str, str]] | None:
    if not EXAMPLES.is_file():
        return None
    with EXAMPLES.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _params(kind: str, with_namespace: bool) -> list[Any]:
    rows = _load()
    if rows is None:
        return [pytest.param(None, id="examples-file-missing")]
    return [
        pytest.param(row, id=row["platform"])
        for row in rows
        if row["kind"] == kind
        and row["example_name"]
        and bool(row["example_namespace"]) == with_namespace
    ]


def _require(row: dict[str, str] | None) -> dict[str, str]:
    if row is None:
        pytest.skip(f"naming examples not found at {EXAMPLES} (the shared checkout is absent)")
    return row


@pytest.mark.parametrize("row", _params("dataset", with_namespace=True))
def test_example_is_canonical(row: dict[str, str] | None) -> None:
    row = _require(row)
    expected = _SPEC_OVERRIDES.get(
        row["platform"], (row["example_namespace"], row["example_name"])
    )
    result = normalize_dataset(row["example_namespace"], row["example_name"])
    assert (result.namespace, result.name) == expected
    assert result.recognized, result


@pytest.mark.parametrize("row", _params("job", with_namespace=False))
def test_job_example_is_kept(row: dict[str, str] | None) -> None:
    row = _require(row)
    assert normalize_job_name("airflow-prod", row["example_name"]) == (
        "airflow-prod",
        row["example_name"],
    )


def test_every_dataset_platform_has_a_rule() -> None:
    rows = _load()
    if rows is None:
        pytest.skip(f"naming examples not found at {EXAMPLES}")
    platforms = [row for row in rows if row["kind"] == "dataset"]
    assert len(platforms) == 37
    for row in platforms:
        scheme = row["namespace_pattern"].split(":")[0]
        assert rule_for(scheme) is not None, row["platform"]


# (namespace, name) as producers write them → the canonical example.
VARIANTS: list[tuple[str, str, str, str, str]] = [
    ("pg-upper-host", "postgres://LOCALHOST:5432", "mydb.my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-postgresql-scheme", "postgresql://localhost:5432", "mydb.my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-missing-port", "postgres://localhost", "mydb.my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-credentials", "postgres://etl:s3cret@localhost:5432", "mydb.my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-query", "postgres://localhost:5432?sslmode=require", "mydb.my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-trailing-slash", "postgres://localhost:5432/", "mydb.my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-database-in-path", "POSTGRESQL://user@LocalHost/mydb", "my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-jdbc", "jdbc:postgresql://localhost/mydb?user=etl", "my_schema.my_table",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("pg-whitespace", "  postgres://localhost:5432 ", " mydb.my_schema.my_table\n",
     "postgres://localhost:5432", "mydb.my_schema.my_table"),
    ("mysql-missing-port", "mysql://LOCALHOST", "my_db.my_table",
     "mysql://localhost:3306", "my_db.my_table"),
    ("mysql-jdbc", "jdbc:mysql://root:pw@localhost/my_db", "my_table",
     "mysql://localhost:3306", "my_db.my_table"),
    ("cassandra-missing-port", "cassandra://localhost/", "my_keyspace.my_table",
     "cassandra://localhost:9042", "my_keyspace.my_table"),
    ("oracle-missing-port", "oracle://LOCALHOST", "ORCLCDB.myschema.my_table",
     "oracle://localhost:1521", "ORCLCDB.myschema.my_table"),
    ("oracle-jdbc-service", "jdbc:oracle:thin:scott/tiger@//localhost:1521/ORCLCDB",
     "myschema.my_table", "oracle://localhost:1521", "ORCLCDB.myschema.my_table"),
    ("teradata-missing-port", "teradata://Teradata-Host", "my_db.my_table",
     "teradata://teradata-host:1025", "my_db.my_table"),
    ("oceanbase-missing-port", "oceanbase://localhost", "my_db.my_table",
     "oceanbase://localhost:2881", "my_db.my_table"),
    ("crate-missing-port", "crate://localhost", "crate_db.doc.my_table",
     "crate://localhost:5432", "crate_db.doc.my_table"),
    ("trino-upper-host", "trino://LOCALHOST:8080/", "catalog.schema.table",
     "trino://localhost:8080", "catalog.schema.table"),
    ("redshift-endpoint", "redshift://cluster1.abc123xyz789.us-east-1.redshift.amazonaws.com",
     "mydb.my_schema.my_table", "redshift://cluster1.us-east-1:5439", "mydb.my_schema.my_table"),
    ("snowflake-host-suffix", "snowflake://ORG-NAME-ACCT-NAME.snowflakecomputing.com",
     "DB.SCHEMA.TABLE", "snowflake://org-name-acct-name", "DB.SCHEMA.TABLE"),
    ("snowflake-unneeded-quotes", "snowflake://org-name-acct-name", '"DB".schema."TABLE"',
     "snowflake://org-name-acct-name", "DB.SCHEMA.TABLE"),
    ("synapse-upper-host", "SQLSERVER://MY-HOST:1433/", "dbo.my-table",
     "sqlserver://my-host:1433", "dbo.my-table"),
    ("cosmos-legacy-name", "azurecosmos://MY-HOST/dbs/my-db/", "/colls/my-collection",
     "azurecosmos://my-host/dbs/my-db", "colls/my-collection"),
    ("kusto-legacy-namespace", "azurekusto://my-host.kusto.windows.net/my-db", "my-table",
     "azurekusto://my-host.kusto.windows.net", "my-db/my-table"),
    ("glue-upper", "ARN:AWS:GLUE:US-EAST-1:123456789012", "table/my_db/my_table",
     "arn:aws:glue:us-east-1:123456789012", "table/my_db/my_table"),
    ("bigquery-uri", "bigquery://", "my-project.my_dataset.my_table",
     "bigquery", "my-project.my_dataset.my_table"),
    ("s3a-trailing-slash", "s3a://my-bucket/", "my/object/key",
     "s3://my-bucket", "my/object/key"),
    ("s3n-upper-bucket", "s3n://My-Bucket", "/my/object/key/",
     "s3://my-bucket", "my/object/key"),
    ("s3-credentials", "s3://AKIAEXAMPLE:secret@my-bucket", "my/object/key",
     "s3://my-bucket", "my/object/key"),
    ("gcs-scheme", "gcs://my-bucket/", "path/to/file", "gs://my-bucket", "path/to/file"),
    ("abfs-scheme", "abfs://container@SERVICE.dfs.core.windows.net/", "/path/to/data",
     "abfss://container@service.dfs.core.windows.net", "path/to/data"),
    ("wasb-scheme", "wasb://container@service.dfs.core.windows.net", "object-key",
     "wasbs://container@service.dfs.core.windows.net", "object-key"),
    ("hdfs-relative-path", "hdfs://NAMENODE:9000/", "data/", "hdfs://namenode:9000", "/data"),
    ("dbfs-trailing-slash", "dbfs://workspace/", "/mnt/data/", "dbfs://workspace", "/mnt/data"),
    ("kafka-upper-host", "kafka://Kafka-Host:9092/", "my-topic",
     "kafka://kafka-host:9092", "my-topic"),
    ("local-file-uri", "file:///", "/local/path/", "file", "/local/path"),
    ("local-file-empty-authority", "file://", "/local/path", "file", "/local/path"),
    ("remote-file-upper", "FILE://Remote-Host/", "remote/path",
     "file://remote-host", "/remote/path"),
    ("pubsub-uri", "pubsub:", "topic:my-project:my-topic", "pubsub", "topic:my-project:my-topic"),
    ("inmemory-bare", "inmemory", "tmp_1", "inmemory://", "tmp_1"),
]


@pytest.mark.parametrize(
    ("namespace", "name", "expected_namespace", "expected_name"),
    [pytest.param(*case[1:], id=case[0]) for case in VARIANTS],
)
def test_variant_maps_to_canonical(
    namespace: str, name: str, expected_namespace: str, expected_name: str
) -> None:
    result = normalize_dataset(namespace, name)
    assert (result.namespace, result.name) == (expected_namespace, expected_name)
    assert result.recognized


# Pattern-only platforms (no example in the TSV): a concrete identifier in canonical form.
PATTERN_ONLY: list[tuple[str, str, str]] = [
    ("athena", "awsathena://athena.us-east-1.amazonaws.com", "awsdatacatalog.db.table"),
    ("milvus", "milvus://localhost:19530", "default.my_collection"),
    ("fabric", "fabric-warehouse://abc.datawarehouse.fabric.microsoft.com", "db.dbo.t"),
    ("fabric-port", "fabric-warehouse://abc.datawarehouse.fabric.microsoft.com:1433", "db.dbo.t"),
    ("mssql", "mssql://localhost:1433", "db.dbo.t"),
    ("spanner", "spanner://my-project:my-instance", "db.schema.t"),
    ("unitycatalog", "unitycatalog://uc.example.com", "main.default.t"),
    ("unitycatalog-port", "unitycatalog://uc.example.com:8080", "main.default.t"),
    ("box", "box://box.example.com:443/12345", "folder/file.pdf"),
    ("filenet", "filenet://filenet.example.com:9443/repo1", "doc-42"),
    ("sharepoint", "mssharepoint://contoso.sharepoint.com:443/sites/team", "Shared/report.xlsx"),
    ("inmemory", "inmemory://", "temp_view_1"),
]


@pytest.mark.parametrize(
    ("namespace", "name"), [pytest.param(*case[1:], id=case[0]) for case in PATTERN_ONLY]
)
def test_pattern_only_platform_example_is_canonical(namespace: str, name: str) -> None:
    result = normalize_dataset(namespace, name)
    assert (result.namespace, result.name) == (namespace, name)
    assert result.recognized
