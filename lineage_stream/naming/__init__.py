"""Canonical dataset identifiers per the OpenLineage naming conventions.

Pure functions: no I/O, no network, no clock, no environment. ``normalize_dataset`` is the
entry point for the pipeline; ``normalize_jdbc`` reads JDBC URLs; ``scheme_of`` labels
metrics; ``AliasMap`` carries user-configured host and namespace aliases.
"""

from __future__ import annotations

from lineage_stream.naming.aliases import AliasMap
from lineage_stream.naming.api import (
    OTHER_SCHEME,
    normalize_dataset,
    normalize_job_name,
    scheme_of,
)
from lineage_stream.naming.jdbc import normalize_jdbc
from lineage_stream.naming.model import (
    MAX_IDENTIFIER_LENGTH,
    UNRECOGNIZED,
    CanonicalName,
    DatasetNamingRule,
)
from lineage_stream.naming.uri import ParsedNamespace

__all__ = [
    "MAX_IDENTIFIER_LENGTH",
    "OTHER_SCHEME",
    "UNRECOGNIZED",
    "AliasMap",
    "CanonicalName",
    "DatasetNamingRule",
    "ParsedNamespace",
    "normalize_dataset",
    "normalize_jdbc",
    "normalize_job_name",
    "scheme_of",
]
