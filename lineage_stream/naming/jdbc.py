"""JDBC URL + table (+ connection properties) → canonical dataset identifier.

The driver is picked from the subprotocol; its parser yields a ``JdbcLocation``; the table is
qualified with the database the URL selects; then the dataset rule of the resulting scheme
applies its own conventions (e.g. Snowflake identifier case). A URL its driver's parser
cannot read falls back, as in the OpenLineage Java client, to the URL itself with the
``jdbc:`` prefix, credentials and query string removed (rule ``jdbc:unparsed``).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from types import MappingProxyType

from lineage_stream.errors import IdentifierError
from lineage_stream.naming.jdbc_servers import (
    CASSANDRA,
    CLICKHOUSE,
    CRATE,
    DB2,
    OCEANBASE,
    POSTGRES,
    REDSHIFT,
    TRINO,
    JdbcLocation,
    UnparsableUrl,
    generic,
    mysql,
    snowflake,
)
from lineage_stream.naming.jdbc_vendors import derby, jtds, oracle, sqlserver, teradata
from lineage_stream.naming.model import MAX_IDENTIFIER_LENGTH, CanonicalName, check_identifier
from lineage_stream.naming.names import qualify
from lineage_stream.naming.rules import apply_rules
from lineage_stream.naming.uri import first_token, parse_namespace

Extractor = Callable[[str, Mapping[str, str]], JdbcLocation]

# subprotocol (lower-case, before the first ':' or '+') → (rule label, namespace scheme, parser)
_DRIVERS: Mapping[str, tuple[str, str, Extractor]] = MappingProxyType(
    {
        "postgresql": ("jdbc:postgres", "postgres", POSTGRES),
        "oracle": ("jdbc:oracle", "oracle", oracle),
        "mysql": ("jdbc:mysql", "mysql", mysql),
        "sqlserver": ("jdbc:sqlserver", "sqlserver", sqlserver),
        "jtds": ("jdbc:sqlserver", "sqlserver", jtds),
        "teradata": ("jdbc:teradata", "teradata", teradata),
        "derby": ("jdbc:derby", "file", derby),
        "crate": ("jdbc:crate", "crate", CRATE),
        "db2": ("jdbc:db2", "db2", DB2),
        "trino": ("jdbc:trino", "trino", TRINO),
        "oceanbase": ("jdbc:oceanbase", "oceanbase", OCEANBASE),
        "cassandra": ("jdbc:cassandra", "cassandra", CASSANDRA),
        "clickhouse": ("jdbc:clickhouse", "clickhouse", CLICKHOUSE),
        "ch": ("jdbc:clickhouse", "clickhouse", CLICKHOUSE),
        "redshift": ("jdbc:redshift", "redshift", REDSHIFT),
        "snowflake": ("jdbc:snowflake", "snowflake", snowflake),
    }
)
_GENERIC = ("jdbc:generic", "", generic)

_MAX_PROPERTIES = 256
_CREDENTIAL_KEYS = frozenset({"user", "username", "password"})
_USERINFO_STOP = frozenset("/:@," + string.whitespace)
_PARAM_DELIMITERS = ",;&:()"


def driver_of(body: str) -> str:
    """The subprotocol of a JDBC URL without ``jdbc:``: ``MySQL+srv:lb://…`` → ``mysql``."""
    return first_token(body, ":+").lower()


def jdbc_scheme(body: str) -> str | None:
    """The canonical scheme a JDBC URL (without ``jdbc:``) normalizes to, if its driver is known."""
    driver = _DRIVERS.get(driver_of(body))
    return None if driver is None else driver[1]


def _run_start(text: str, end: int, floor: int) -> int:
    """Start of the run of userinfo characters ending at ``end`` (never before ``floor``)."""
    start = end
    while start > floor and text[start - 1] not in _USERINFO_STOP:
        start -= 1
    return start


def _opens_authority(text: str, index: int) -> bool:
    return text.endswith("//", 0, index) or text.endswith(",", 0, index)


def _strip_userinfo(text: str, oracle_form: bool) -> str:
    """Drop ``user[:password]@`` right after ``//`` or ``,`` and, for Oracle, the
    ``user/password`` before ``@`` (which stays: it introduces the connect string). Each
    ``@`` looks back no further than the previous one, so the scan is linear.
    """
    kept: list[str] = []
    copied = floor = 0
    for at, char in enumerate(text):
        if char != "@":
            continue
        secret = _run_start(text, at, floor)
        separator = text[secret - 1] if secret > floor else ""
        user = _run_start(text, secret - 1, floor) if separator in (":", "/") else secret
        cut: tuple[int, int] | None = None
        if separator == "/" and oracle_form and user < secret - 1 and text[user - 1 : user] == ":":
            cut = (user, at)
        elif separator == ":" and user < secret - 1 and _opens_authority(text, user):
            cut = (user, at + 1)
        elif secret < at and _opens_authority(text, secret):
            cut = (secret, at + 1)
        if cut is not None:
            kept.append(text[copied : cut[0]])
            copied = cut[1]
        floor = at + 1
    kept.append(text[copied:])
    return "".join(kept)


def _strip_credential_params(text: str) -> str:
    """Drop ``user=…``, ``username=…``, ``password=…`` items and their leading delimiter."""
    pieces: list[tuple[str, str]] = []
    delimiter, start = "", 0
    for index, char in enumerate(text):
        if char in _PARAM_DELIMITERS:
            pieces.append((delimiter, text[start:index]))
            delimiter, start = char, index + 1
    pieces.append((delimiter, text[start:]))
    kept: list[str] = []
    removed = False
    for delimiter, token in pieces:
        key, equals, _ = token.partition("=")
        if equals and key.strip().lower() in _CREDENTIAL_KEYS:
            removed = True
            kept.append(delimiter if delimiter in "()" else "")
        else:
            kept.append(delimiter + token)
    joined = "".join(kept)
    # A removed last item leaves its own trailing delimiter (``host;user=a;password=b;``).
    return joined.rstrip(",;&:") if removed else joined


def sanitize(body: str) -> str:
    """The JDBC URL (without ``jdbc:``) minus query string, credentials and credential items."""
    oracle_form = body[:7].lower() == "oracle:"
    return _strip_credential_params(_strip_userinfo(body.partition("?")[0], oracle_form)).strip()


def _checked_properties(properties: Mapping[str, str] | None) -> dict[str, str]:
    if properties is None:
        return {}
    if not isinstance(properties, Mapping):
        raise IdentifierError("JDBC properties are not a mapping")
    if len(properties) > _MAX_PROPERTIES:
        raise IdentifierError(f"more than {_MAX_PROPERTIES} JDBC properties")
    checked = {}
    for key, value in properties.items():
        key = check_identifier(key, "JDBC property name")
        if not isinstance(value, str) or len(value) > MAX_IDENTIFIER_LENGTH:
            raise IdentifierError(
                f"JDBC property {key!r} is not a string of at most {MAX_IDENTIFIER_LENGTH} chars"
            )
        checked[key] = check_identifier(value, f"JDBC property {key!r}") if value.strip() else ""
    return checked


def normalize_jdbc(
    url: str, table: str, properties: Mapping[str, str] | None = None
) -> CanonicalName:
    """The canonical namespace and name of ``table`` read through the JDBC ``url``.

    ``properties`` are the connection properties (``databaseName``, ``portNumber``,
    ``instanceName``, ``serverName`` for SQL Server, ``instance`` for jTDS, ``DATABASE`` /
    ``DBS_PORT`` for Teradata, ``db`` / ``schema`` for Snowflake, and the JVM properties
    ``derby.system.home`` / ``user.dir`` that locate a relative embedded Derby database).
    Raises ``IdentifierError`` for blank, oversized or control-character input and for a
    ``url`` that does not start with ``jdbc:``.
    """
    url = check_identifier(url, "JDBC URL")
    table = check_identifier(table, "table name")
    checked = _checked_properties(properties)
    if url[:5].lower() != "jdbc:":
        raise IdentifierError("JDBC URL does not start with 'jdbc:'")
    body = url[5:]
    rule, _, extractor = _DRIVERS.get(driver_of(body), _GENERIC)
    try:
        location = extractor(body, checked)
    except UnparsableUrl:
        namespace = sanitize(body)
        if not namespace:
            raise IdentifierError("JDBC URL names no data source") from None
        return _refined(namespace, table, "jdbc:unparsed")
    name = qualify(table, location.prefix, location.levels)
    return _refined(location.namespace(), name, rule)


def _refined(namespace: str, name: str, rule: str) -> CanonicalName:
    """Apply the dataset rule of the namespace's scheme, keeping the JDBC rule label, so that
    every result is already canonical for ``normalize_dataset``.
    """
    parsed = parse_namespace(namespace)
    refined = apply_rules(parsed, name) if parsed is not None else None
    if refined is not None:
        namespace, name = refined.namespace, refined.name
    return CanonicalName(namespace, name, rule)
