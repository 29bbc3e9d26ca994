"""JDBC URLs of the ``subprotocol://host[:port][,host…][/database][?query]`` shape.

Each parser takes the URL without its ``jdbc:`` prefix (case as written) and returns a
``JdbcLocation``, or raises ``UnparsableUrl`` so the caller can fall back to the sanitized URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lineage_stream.naming.uri import (
    HostPort,
    first_token,
    parse_host_list,
    parse_host_port,
    parse_params,
    parse_port,
    render_hosts,
)

# Characters that end a database name taken from a URL path (``/db2db:currentSchema=x;``).
_DATABASE_END = ":;,&/?"


class UnparsableUrl(ValueError):
    """The URL does not have the shape its driver documents."""


@dataclass(frozen=True, slots=True)
class JdbcLocation:
    """Where a JDBC URL points: rendered as ``scheme://authority[/instance]`` or, for an
    embedded database file, ``scheme:path``. ``prefix`` holds the database (and schema) the
    URL selects, used to qualify table names with fewer than ``levels`` parts.
    """

    scheme: str
    authority: str = ""
    instance: str | None = None
    path: str | None = None
    prefix: tuple[str, ...] = ()
    levels: int = 3

    def namespace(self) -> str:
        if self.path is not None:
            return f"{self.scheme}:{self.path}"
        namespace = f"{self.scheme}://{self.authority}"
        return f"{namespace}/{self.instance.lstrip('/')}" if self.instance else namespace


@dataclass(frozen=True, slots=True)
class ServerUrl:
    """``scheme://authority/path?query`` split apart; ``scheme`` is everything before ``://``."""

    scheme: str
    authority: str
    path: str
    query: str


def split_server_url(body: str) -> ServerUrl:
    scheme, separator, rest = body.partition("://")
    if not separator:
        raise UnparsableUrl("no '://' in the URL")
    rest, _, query = rest.partition("#")[0].partition("?")
    authority, _, path = rest.partition("/")
    return ServerUrl(scheme, authority, path, query)


def hosts_or_raise(authority: str, separator: str = ",") -> tuple[HostPort, ...]:
    hosts = parse_host_list(authority, separator) if authority else None
    if hosts is None:
        raise UnparsableUrl("the authority is not a list of host[:port]")
    return hosts


def database_of(path: str) -> str:
    return first_token(path, _DATABASE_END)


@dataclass(frozen=True, slots=True)
class ServerDriver:
    """A driver whose URL is a host list plus an optional database in the path.

    ``host_separator`` is ``--`` for the Cassandra wrapper; ``path_levels`` is how many path
    segments select a default (Trino: ``/catalog/schema``).
    """

    scheme: str
    default_port: int | None
    levels: int
    host_separator: str = ","
    path_levels: int = 1

    def __call__(self, body: str, properties: Mapping[str, str]) -> JdbcLocation:
        url = split_server_url(body)
        hosts = hosts_or_raise(url.authority, self.host_separator)
        segments = url.path.split("/")[: self.path_levels]
        prefix = tuple(database_of(segment) for segment in segments)
        return JdbcLocation(
            self.scheme, render_hosts(hosts, self.default_port), prefix=prefix, levels=self.levels
        )


def generic(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """Any other ``scheme://host[:port][,…][/database]`` URL: no default port, no aliasing."""
    url = split_server_url(body)
    if not url.scheme.replace("_", "a").isalnum():
        raise UnparsableUrl("the subprotocol is not a single word")
    hosts = hosts_or_raise(url.authority)
    return JdbcLocation(url.scheme.lower(), render_hosts(hosts), prefix=(database_of(url.path),))


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses; raise on unbalanced parentheses."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise UnparsableUrl("unbalanced parentheses")
        elif char == "," and depth == 0:
            items.append(text[start:index])
            start = index + 1
    if depth:
        raise UnparsableUrl("unbalanced parentheses")
    items.append(text[start:])
    return items


def _host_and_port(pairs: tuple[tuple[str, str], ...]) -> tuple[str, str | None]:
    values = dict(pairs)
    host = parse_host_port(values.get("host", ""))
    port = values.get("port")
    if host is None or host.port is not None or (port is not None and parse_port(port) is None):
        raise UnparsableUrl("bad host in a MySQL address")
    return host.host, port


def _mysql_host(item: str) -> str:
    """One host of a MySQL URL: ``host:port``, ``address=(host=…)(port=…)…`` or
    ``(host=…,port=…,…)``. Only host and port are kept: the other keys are credentials or
    connection options, not identity.
    """
    lowered = item.strip().lower()
    if lowered.startswith("address="):
        groups = lowered[len("address=") :]
        if not groups.startswith("(") or not groups.endswith(")"):
            raise UnparsableUrl("bad MySQL address")
        host, port = _host_and_port(parse_params(groups[1:-1], ")("))
        return f"address=(host={host})" + (f"(port={port})" if port else "")
    if lowered.startswith("(") and lowered.endswith(")"):
        host, port = _host_and_port(parse_params(lowered[1:-1], ","))
        return f"(host={host}" + (f",port={port})" if port else ")")
    return render_hosts(hosts_or_raise(item), 3306)


def mysql(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """``mysql[+srv][:mode]://hosts/db``: every form names the same ``mysql`` servers."""
    url = split_server_url(body)
    hosts = ",".join(_mysql_host(item) for item in _split_top_level(url.authority))
    return JdbcLocation("mysql", hosts, prefix=(database_of(url.path),), levels=2)


def snowflake(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """``snowflake://{account}.snowflakecomputing.com[:443]/?db=…&schema=…``: the account is
    the namespace (the dataset rule drops the host suffix), ``db``/``schema`` the defaults.
    """
    url = split_server_url(body)
    hosts = hosts_or_raise(url.authority)
    if len(hosts) != 1:
        raise UnparsableUrl("a Snowflake URL names one account")
    params = dict(parse_params(url.query, "&"))
    lowered = {key.lower(): value for key, value in properties.items()}
    database = params.get("db") or lowered.get("db") or ""
    schema = params.get("schema") or lowered.get("schema") or ""
    return JdbcLocation("snowflake", hosts[0].host, prefix=(database, schema) if database else ())


POSTGRES = ServerDriver("postgres", 5432, 3)
OCEANBASE = ServerDriver("oceanbase", 2881, 2)
CLICKHOUSE = ServerDriver("clickhouse", 8123, 2)
CASSANDRA = ServerDriver("cassandra", 9042, 2, host_separator="--")
CRATE = ServerDriver("crate", 5432, 3)
DB2 = ServerDriver("db2", 6789, 3)
TRINO = ServerDriver("trino", 443, 3, path_levels=2)
REDSHIFT = ServerDriver("redshift", 5439, 3)
