"""Errors of the query side; each says what the user should do next."""

from __future__ import annotations

from lineage_stream.errors import ConfigError, LineageStreamError


class QueryError(LineageStreamError):
    """A query could not be answered."""


class UnknownDataset(QueryError):
    """No dataset matches the text; ``suggestions`` are the nearest known datasets ("namespace name")."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        hint = ("; nearest: " + ", ".join(suggestions)) if suggestions else "; no similar dataset is known"
        super().__init__(f"no dataset matches {text!r}{hint}")
        self.text = text
        self.suggestions = suggestions


class UnknownJob(QueryError):
    """No job matches the text; ``suggestions`` are the nearest known jobs."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        hint = ("; nearest: " + ", ".join(suggestions)) if suggestions else "; no similar job is known"
        super().__init__(f"no job matches {text!r}{hint}")
        self.text = text
        self.suggestions = suggestions


class QueryTimeout(QueryError):
    """Neo4j did not answer within the query timeout; narrow the question (less depth, a later --since)."""


class GraphUnavailable(QueryError):
    """Neo4j cannot be reached."""


class BadQuery(ConfigError):
    """The question itself is malformed (a bad time, a depth out of range); fix the arguments."""
