"""Dataset *name* helpers shared by the platform rules and the JDBC parsers.

Names are case-sensitive everywhere except where a platform's own identifier rules say
otherwise; of the platforms in the naming conventions only Snowflake documents such a rule.
"""

from __future__ import annotations

import re

_SNOWFLAKE_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_SNOWFLAKE_UPPER = re.compile(r"[A-Z_][A-Z0-9_$]*")


def qualify(name: str, prefix: tuple[str, ...], levels: int) -> str:
    """Prefix ``name`` with the leading parts of ``prefix`` it lacks to reach ``levels`` parts.

    A database named by the connection (URL path, ``databaseName=``) is only a default: an
    explicitly qualified name keeps its own qualifier, as the JDBC cases require (MySQL
    ``/mydb`` + ``schema.table1`` stays ``schema.table1``; Postgres ``/mydb`` + ``schema.table1``
    becomes ``mydb.schema.table1``).
    """
    missing = levels - len(name.split("."))
    wanted = tuple(part for part in prefix[: max(missing, 0)] if part)
    return ".".join((*wanted, name)) if wanted else name


def blob_key(name: str) -> str | None:
    """An object-store key: no leading or trailing slash (``/a/b/`` → ``a/b``)."""
    key = name.removeprefix("/").rstrip("/")
    return key or None


def absolute_path(name: str) -> str:
    """A file-system path under an authority: absolute, without a trailing slash."""
    path = name.rstrip("/")
    return path if path.startswith("/") else "/" + path


def file_path(name: str) -> str:
    """A local path: only the trailing slash goes (a relative path cannot be made absolute)."""
    return name.rstrip("/") or "/"


def _split_snowflake(name: str) -> list[str] | None:
    """Split on dots outside double quotes; ``None`` if the quoting is malformed."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in name:
        if char == '"':
            # "" inside quotes is an escaped quote; toggling twice keeps the state right.
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        return None
    parts.append("".join(current))
    return parts


def _snowflake_part(part: str) -> str | None:
    if len(part) >= 2 and part.startswith('"') and part.endswith('"'):
        inner = part[1:-1]
        if _SNOWFLAKE_UPPER.fullmatch(inner):
            return inner  # quoting is unnecessary: the simplest form is unquoted
        return part if inner else None
    if '"' in part or not part:
        return None
    if _SNOWFLAKE_UNQUOTED.fullmatch(part):
        return part.upper()  # Snowflake stores unquoted identifiers upper-cased
    return part  # not a valid unquoted identifier; we cannot tell what was meant


def snowflake_name(name: str) -> str | None:
    """The name Snowflake stores, written in its simplest form (Naming_legacy_spec.md).

    Unquoted parts are upper-cased (Snowflake resolves unquoted identifiers that way), quoted
    parts keep their case and are unquoted when the quotes are not needed:
    ``my_db.public."My Table"`` → ``MY_DB.PUBLIC."My Table"``, ``"DB".s.t`` → ``DB.S.T``.
    Returns ``None`` for malformed quoting or empty parts.
    """
    parts = _split_snowflake(name)
    if parts is None:
        return None
    canonical = [_snowflake_part(part) for part in parts]
    if any(part is None for part in canonical):
        return None
    return ".".join(part for part in canonical if part is not None)
