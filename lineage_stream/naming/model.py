"""The result type, the per-platform rule protocol and the input guard shared by the normalizer.

Everything here is pure: no I/O, no clock, no environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from lineage_stream.errors import IdentifierError

if TYPE_CHECKING:
    from lineage_stream.naming.uri import ParsedNamespace

MAX_IDENTIFIER_LENGTH = 4096
"""Longest namespace, name or JDBC URL accepted, in characters, before trimming."""

UNRECOGNIZED = "unrecognized"
"""``CanonicalName.rule`` of identifiers that no rule recognizes; they are kept as given."""

# C0 and C1 controls, DEL, lone surrogates (unencodable as UTF-8) and the Unicode line and
# paragraph separators. One character class: linear time on any input.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class CanonicalName:
    """A dataset identifier in the canonical form of the OpenLineage naming conventions.

    ``rule`` names the rule that produced it: a platform (``"postgres"``, ``"s3"``), a JDBC
    driver (``"jdbc:sqlserver"``), ``"jdbc:generic"`` / ``"jdbc:unparsed"`` for JDBC URLs of
    drivers without a convention, or ``"unrecognized"`` when the identifier was kept as given.
    """

    namespace: str
    name: str
    rule: str

    @property
    def recognized(self) -> bool:
        """Whether a rule recognized the identifier (it was not merely kept as given)."""
        return self.rule != UNRECOGNIZED


class DatasetNamingRule(Protocol):
    """The naming convention of one platform, for the schemes in ``schemes``.

    ``normalize`` returns the canonical identifier, or ``None`` when the namespace does not
    fit the platform's convention; the caller then keeps the identifier as given.
    """

    @property
    def rule(self) -> str:
        """The label put in ``CanonicalName.rule``."""
        ...

    @property
    def schemes(self) -> tuple[str, ...]:
        """Canonical (already de-aliased) namespace schemes this rule handles."""
        ...

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        """The canonical form of ``parsed`` + ``name`` (``name`` is already trimmed)."""
        ...


def check_identifier(value: object, what: str) -> str:
    """Return ``value`` whitespace-trimmed, or raise ``IdentifierError`` if it is unusable.

    Unusable: not a string, blank, longer than ``MAX_IDENTIFIER_LENGTH`` (checked before any
    other work so hostile input costs nothing), or containing a control character after
    trimming. The message names the problem, never the value: it may carry credentials.
    """
    if not isinstance(value, str):
        raise IdentifierError(f"{what} is not a string but {type(value).__name__}")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise IdentifierError(
            f"{what} is {len(value)} characters long; the limit is {MAX_IDENTIFIER_LENGTH}"
        )
    trimmed = value.strip()
    if not trimmed:
        raise IdentifierError(f"{what} is blank")
    bad = _FORBIDDEN.search(trimmed)
    if bad is not None:
        raise IdentifierError(
            f"{what} contains control character U+{ord(bad.group()):04X} at offset {bad.start()}"
        )
    return trimmed
