"""The entry points: dataset and job identifiers in, canonical identifiers out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lineage_stream.naming.jdbc import jdbc_scheme, normalize_jdbc
from lineage_stream.naming.model import (
    MAX_IDENTIFIER_LENGTH,
    UNRECOGNIZED,
    CanonicalName,
    check_identifier,
)
from lineage_stream.naming.rules import apply_rules, canonical_scheme, known_schemes
from lineage_stream.naming.uri import first_token, parse_namespace

if TYPE_CHECKING:
    from lineage_stream.naming.aliases import AliasMap

OTHER_SCHEME = "other"
"""What ``scheme_of`` returns for schemes it does not name, keeping metric labels bounded."""

UNRULED_SCHEMES: frozenset[str] = frozenset({
    "duckdb", "sqlite", "delta", "iceberg", "mongodb", "elasticsearch", "dynamodb", "couchbase", "redis",
    "http", "https", "ftp", "sftp", "databricks",
})
"""Schemes producers use that no naming rule handles (their identifiers are kept as sent, folded):
``scheme_of`` names them, so ``lineage_identifiers_unrecognized_total`` shows which producer sends them."""


def fold_unrecognized(namespace: str) -> str:
    """An unrecognized namespace with its URI scheme lower-cased and trailing slashes removed
    (``DuckDB://jaffle.duckdb/`` → ``duckdb://jaffle.duckdb``); the rest is kept as sent."""
    scheme, colon, rest = namespace.partition(":")
    if colon and parse_namespace(namespace) is not None:
        namespace = f"{scheme.lower()}:{rest}"
    stripped = namespace.rstrip("/")
    return stripped if stripped and not stripped.endswith(":") else namespace


def canonicalize(namespace: str, name: str) -> CanonicalName:
    """``normalize_dataset`` without aliases."""
    namespace = check_identifier(namespace, "dataset namespace")
    name = check_identifier(name, "dataset name")
    if namespace[:5].lower() == "jdbc:":
        return normalize_jdbc(namespace, name)
    parsed = parse_namespace(namespace)
    result = apply_rules(parsed, name) if parsed is not None else None
    return result if result is not None else CanonicalName(fold_unrecognized(namespace), name, UNRECOGNIZED)


def normalize_dataset(
    namespace: str, name: str, aliases: AliasMap | None = None
) -> CanonicalName:
    """The canonical (namespace, name) of a dataset per the OpenLineage naming conventions.

    Scheme aliases (``postgresql`` → ``postgres``, ``s3a``/``s3n`` → ``s3``, ``gcs`` → ``gs``,
    ``abfs`` → ``abfss``, ``wasb`` → ``wasbs``), host case folding, default ports where the
    convention carries one, removal of credentials, query strings and trailing slashes, and
    the platform's identifier rules are applied; a ``jdbc:`` namespace is read as a JDBC URL
    with ``name`` as the table. Identifiers no rule recognizes come back whitespace-trimmed
    with ``rule="unrecognized"``, their scheme lower-cased and trailing slashes removed. Then ``aliases``, if given, map hosts and namespaces.

    Raises ``IdentifierError`` if either part is blank, longer than 4096 characters or
    contains control characters.
    """
    result = canonicalize(namespace, name)
    return result if aliases is None else aliases.apply(result)


def scheme_of(namespace: str) -> str:
    """The canonical scheme of ``namespace`` for per-scheme metrics; never raises.

    ``postgresql://h`` → ``postgres``, ``jdbc:sqlserver://h`` → ``sqlserver``, ``bigquery`` →
    ``bigquery``, ``arn:aws:glue:…`` → ``arn``, ``DuckDB://x`` → ``duckdb`` (``UNRULED_SCHEMES``).
    Any other scheme (and junk) gives ``"other"``, so producers cannot blow up the label set.
    """
    if not isinstance(namespace, str) or len(namespace) > MAX_IDENTIFIER_LENGTH:
        return OTHER_SCHEME
    text = namespace.strip()
    if text[:5].lower() == "jdbc:":
        return jdbc_scheme(text[5:]) or OTHER_SCHEME
    scheme = canonical_scheme(first_token(text, ":"))
    return scheme if scheme in known_schemes() or scheme in UNRULED_SCHEMES else OTHER_SCHEME


def normalize_job_name(namespace: str, name: str) -> tuple[str, str]:
    """A job's (namespace, name), whitespace-trimmed; nothing else: job names are
    case-sensitive and producer-defined. Raises ``IdentifierError`` like ``normalize_dataset``.
    """
    return check_identifier(namespace, "job namespace"), check_identifier(name, "job name")
