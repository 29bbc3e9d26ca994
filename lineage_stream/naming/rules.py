"""One small rule per platform of the naming conventions, and the table that registers them.

Adding a platform is one entry in ``RULES`` (plus, if producers spell its scheme several
ways, one entry in ``SCHEME_ALIASES``). Default ports are added only where the reference
material fixes one: the JDBC cases (postgres 5432, mysql 3306, oracle 1521, teradata 1025,
db2 6789, trino 443, cassandra 9042, crate 5432, oceanbase 2881, clickhouse 8123) and the
legacy spec (redshift 5439). Elsewhere a missing port stays missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lineage_stream.naming.model import CanonicalName, DatasetNamingRule
from lineage_stream.naming.names import qualify, snowflake_name
from lineage_stream.naming.storage import (
    BucketRule,
    ContainerRule,
    FileRule,
    FilesystemRule,
    InMemoryRule,
    SchemeOnlyRule,
    ScopedPathRule,
)
from lineage_stream.naming.uri import (
    HostPort,
    ParsedNamespace,
    parse_host_port,
    parse_port,
    render_hosts,
)

SCHEME_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "postgresql": "postgres",
        "s3a": "s3",
        "s3n": "s3",
        "gcs": "gs",
        "abfs": "abfss",
        "wasb": "wasbs",
    }
)
"""Scheme spellings producers use → the scheme of the naming conventions."""


def canonical_scheme(scheme: str) -> str:
    """``scheme`` lower-cased and de-aliased (``postgresql`` → ``postgres``)."""
    lowered = scheme.lower()
    return SCHEME_ALIASES.get(lowered, lowered)


def redshift_host(host: str) -> str:
    """``{cluster}.{id}.{region}.redshift.amazonaws.com`` → ``{cluster}.{region}`` (legacy
    spec: cluster identifier and region are the only ID common to SQL and the Data API).
    """
    labels = host.split(".")
    if len(labels) == 6 and host.endswith(".redshift.amazonaws.com"):
        return f"{labels[0]}.{labels[2]}"
    return host


@dataclass(frozen=True, slots=True)
class ServerRule:
    """``scheme://{host}:{port}[,…]`` + a ``levels``-part dotted name.

    Credentials, query string, ``;params`` and trailing slashes go; a database in the path
    (``postgres://h:5432/mydb``) moves into the name as the JDBC cases do (``levels`` 0: a
    path makes the namespace non-canonical).
    """

    rule: str
    schemes: tuple[str, ...]
    default_port: int | None = None
    levels: int = 0
    host_rewrite: Callable[[str], str] | None = None

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        if not parsed.has_authority or parsed.hosts is None:
            return None
        hosts = parsed.hosts
        if self.host_rewrite is not None:
            rewrite = self.host_rewrite
            hosts = tuple(HostPort(rewrite(h.host), h.port) for h in hosts)
        segments = parsed.path_segments
        if segments:
            if len(segments) != 1 or self.levels == 0:
                return None
            name = qualify(name, segments, self.levels)
        namespace = f"{self.schemes[0]}://{render_hosts(hosts, self.default_port)}"
        return CanonicalName(namespace, name, self.rule)


def sqlserver_namespace(host: HostPort, instance: str | None) -> str:
    """``sqlserver://{host}[:{port}][/{instance}]``: the form the SQL Server JDBC cases use.

    No default port: the cases never add 1433 (a named instance listens on a dynamic port).
    """
    namespace = f"sqlserver://{host.render()}"
    return f"{namespace}/{instance}" if instance else namespace


@dataclass(frozen=True, slots=True)
class SqlServerRule:
    """``sqlserver://{host}[:{port}][/{instance}]``, also read from the legacy
    ``sqlserver://{host}:{port};database={database};`` form, whose database joins the name.
    """

    rule: str = "sqlserver"
    schemes: tuple[str, ...] = ("sqlserver",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        if not parsed.has_authority:
            return None
        host = parse_host_port(parsed.authority or parsed.param("servername") or "")
        segments = parsed.path_segments
        if host is None or len(segments) > 1:
            return None
        # ``host\instance:port`` puts the port after the instance.
        instance, colon, port_text = (segments[0] if segments else "").partition(":")
        port_text = port_text if colon else parsed.param("portnumber") or ""
        if host.port is None and port_text:
            port = parse_port(port_text)
            if port is None:
                return None
            host = HostPort(host.host, port)
        instance = instance or parsed.param("instancename") or ""
        database = parsed.param("databasename") or parsed.param("database")
        name = qualify(name, (database or "",), 3)
        return CanonicalName(sqlserver_namespace(host, instance), name, self.rule)


@dataclass(frozen=True, slots=True)
class SnowflakeRule:
    """``snowflake://{account identifier}`` + ``{database}.{schema}.{table}`` as Snowflake
    stores it; the ``.snowflakecomputing.com`` host suffix is not part of the identifier.
    """

    rule: str = "snowflake"
    schemes: tuple[str, ...] = ("snowflake",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        hosts = parsed.hosts
        if not parsed.has_authority or hosts is None or len(hosts) != 1 or parsed.path_segments:
            return None
        account = hosts[0].host.removesuffix(".snowflakecomputing.com")
        canonical = snowflake_name(name)
        if hosts[0].port is not None or account.startswith("[") or canonical is None:
            return None
        return CanonicalName(f"snowflake://{account}", canonical, self.rule)


@dataclass(frozen=True, slots=True)
class SpannerRule:
    """``spanner://{projectId}:{instanceId}``: the part after the colon is not a port."""

    rule: str = "spanner"
    schemes: tuple[str, ...] = ("spanner",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        project, colon, instance = parsed.authority.rpartition(":")
        if not parsed.has_authority or not colon or not project or not instance:
            return None
        if parsed.userinfo is not None or parsed.path_segments:
            return None
        return CanonicalName(f"spanner://{project}:{instance}", name, self.rule)


@dataclass(frozen=True, slots=True)
class GlueRule:
    """``arn:{partition}:glue:{region}:{account id}`` + ``table/{database}/{table}``."""

    rule: str = "glue"
    schemes: tuple[str, ...] = ("arn",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        parts = parsed.path.split(":")
        if parsed.has_authority or parsed.query or len(parts) != 4:
            return None
        partition, service, region, account = (part.lower() for part in parts)
        if service != "glue" or not partition or not region or not account.isdigit():
            return None
        return CanonicalName(f"arn:{partition}:glue:{region}:{account}", name, self.rule)


@dataclass(frozen=True, slots=True)
class CosmosRule:
    """``azurecosmos://{host}/dbs/{database}`` + ``colls/{table}`` (the legacy spec wrote the
    name as ``/colls/{table}``; the current one and its example have no leading slash).
    """

    rule: str = "azurecosmos"
    schemes: tuple[str, ...] = ("azurecosmos",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        hosts = parsed.hosts
        segments = parsed.path_segments
        if hosts is None or len(hosts) != 1 or len(segments) != 2 or segments[0] != "dbs":
            return None
        namespace = f"azurecosmos://{hosts[0].render()}/dbs/{segments[1]}"
        return CanonicalName(namespace, name.removeprefix("/"), self.rule)


@dataclass(frozen=True, slots=True)
class KustoRule:
    """``azurekusto://{host}.kusto.windows.net`` + ``{database}/{table}``; the legacy
    namespace ``…/{database}`` has its database moved into the name.
    """

    rule: str = "azurekusto"
    schemes: tuple[str, ...] = ("azurekusto",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        hosts = parsed.hosts
        segments = parsed.path_segments
        if hosts is None or len(hosts) != 1 or hosts[0].port is not None or len(segments) > 1:
            return None
        if segments and not name.startswith(segments[0] + "/"):
            if "/" in name:
                return None  # the name names another database than the namespace
            name = f"{segments[0]}/{name}"
        return CanonicalName(f"azurekusto://{hosts[0].host}", name, self.rule)


RULES: tuple[DatasetNamingRule, ...] = (
    ServerRule("awsathena", ("awsathena",), levels=3),
    GlueRule(),
    CosmosRule(),
    KustoRule(),
    SqlServerRule(),
    SchemeOnlyRule("bigquery", ("bigquery",)),
    ServerRule("cassandra", ("cassandra",), default_port=9042, levels=2),
    ServerRule("milvus", ("milvus",), levels=2),
    ServerRule("fabric-warehouse", ("fabric-warehouse",), levels=3),
    ServerRule("mysql", ("mysql",), default_port=3306, levels=2),
    ServerRule("crate", ("crate",), default_port=5432, levels=3),
    ServerRule("db2", ("db2",), default_port=6789, levels=3),
    ServerRule("hive", ("hive",), levels=2),
    ServerRule("mssql", ("mssql",), levels=3),
    ServerRule("oceanbase", ("oceanbase",), default_port=2881, levels=2),
    ServerRule("oracle", ("oracle",), default_port=1521, levels=3),
    ServerRule("postgres", ("postgres",), default_port=5432, levels=3),
    ServerRule("teradata", ("teradata",), default_port=1025, levels=3),
    ServerRule("redshift", ("redshift",), 5439, 3, redshift_host),
    SnowflakeRule(),
    SpannerRule(),
    ServerRule("trino", ("trino",), default_port=443, levels=3),
    ServerRule("unitycatalog", ("unitycatalog",), levels=3),
    ContainerRule("abfss", ("abfss",)),
    FilesystemRule("dbfs", ("dbfs",)),
    BucketRule("gs", ("gs",)),
    FilesystemRule("hdfs", ("hdfs",)),
    ServerRule("kafka", ("kafka",)),
    FileRule(),
    ScopedPathRule("box", ("box",)),
    ScopedPathRule("filenet", ("filenet",)),
    BucketRule("s3", ("s3",)),
    ScopedPathRule("mssharepoint", ("mssharepoint",)),
    ContainerRule("wasbs", ("wasbs",)),
    SchemeOnlyRule("pubsub", ("pubsub",)),
    InMemoryRule(),
    # Not in Naming.md, but the JDBC cases give it a canonical namespace.
    ServerRule("clickhouse", ("clickhouse",), default_port=8123, levels=2),
)

_BY_SCHEME: Mapping[str, DatasetNamingRule] = MappingProxyType(
    {scheme: rule for rule in RULES for scheme in rule.schemes}
)


def rule_for(scheme: str) -> DatasetNamingRule | None:
    """The rule for a (possibly aliased, any-case) scheme, if one is registered."""
    return _BY_SCHEME.get(canonical_scheme(scheme))


def known_schemes() -> frozenset[str]:
    """Every canonical scheme some rule handles."""
    return frozenset(_BY_SCHEME)


def apply_rules(parsed: ParsedNamespace, name: str) -> CanonicalName | None:
    """The canonical identifier per the rule for ``parsed.scheme``, or ``None``."""
    rule = rule_for(parsed.scheme)
    return None if rule is None else rule.normalize(parsed, name)
