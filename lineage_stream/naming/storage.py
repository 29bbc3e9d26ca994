"""Rules for file systems, object stores, document stores and scheme-only namespaces.

Naming.md: ``s3://{bucket}``, ``gs://{bucket}`` (name ``{object key}``), ``abfss://`` and
``wasbs://{container}@{service}…`` (the container is userinfo here, not a credential),
``hdfs://{host}:{port}`` and ``dbfs://{workspace}`` (name ``{path}``), ``file`` and
``file://{host}``, ``box://``/``filenet://``/``mssharepoint://{host}:{port}/{scope}``,
``bigquery``, ``pubsub`` and ``inmemory://``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage_stream.naming.model import CanonicalName
from lineage_stream.naming.names import absolute_path, blob_key, file_path
from lineage_stream.naming.uri import HostPort, ParsedNamespace


def _single_host(parsed: ParsedNamespace, *, port: bool) -> HostPort | None:
    """The one host of ``parsed``; ``None`` if there is none, several, or a forbidden port."""
    if not parsed.has_authority or parsed.hosts is None or len(parsed.hosts) != 1:
        return None
    host = parsed.hosts[0]
    return None if host.port is not None and not port else host


@dataclass(frozen=True, slots=True)
class BucketRule:
    """``scheme://{bucket}`` + object key; credentials in userinfo are dropped."""

    rule: str
    schemes: tuple[str, ...]

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        bucket = _single_host(parsed, port=False)
        key = blob_key(name)
        if bucket is None or key is None or parsed.path_segments:
            return None
        return CanonicalName(f"{self.schemes[0]}://{bucket.host}", key, self.rule)


@dataclass(frozen=True, slots=True)
class ContainerRule:
    """``scheme://{container}@{account host}`` + object key (Azure storage)."""

    rule: str
    schemes: tuple[str, ...]

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        account = _single_host(parsed, port=False)
        container = parsed.userinfo
        key = blob_key(name)
        if account is None or not container or ":" in container or key is None:
            return None
        if parsed.path_segments:
            return None
        namespace = f"{self.schemes[0]}://{container}@{account.host}"
        return CanonicalName(namespace, key, self.rule)


@dataclass(frozen=True, slots=True)
class FilesystemRule:
    """``scheme://{host}[:{port}]`` + absolute path (HDFS name node, DBFS workspace)."""

    rule: str
    schemes: tuple[str, ...]

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        host = _single_host(parsed, port=True)
        if host is None or parsed.path_segments:
            return None
        return CanonicalName(f"{self.schemes[0]}://{host.render()}", absolute_path(name), self.rule)


@dataclass(frozen=True, slots=True)
class FileRule:
    """``file`` (local) or ``file://{host}`` (remote); ``file:{path}`` locates an embedded
    database file (the form the Derby JDBC cases produce) and is kept with its path.
    """

    rule: str = "file"
    schemes: tuple[str, ...] = ("file",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        if parsed.has_authority and parsed.authority:
            host = _single_host(parsed, port=True)
            if host is None or parsed.path_segments:
                return None
            return CanonicalName(f"file://{host.render()}", absolute_path(name), self.rule)
        # ``file``, ``file:``, ``file://`` and ``file:///`` all mean the local file system.
        path = parsed.path.rstrip("/")
        if not path:
            return CanonicalName("file", file_path(name), self.rule)
        if not path.startswith("/"):
            return None
        return CanonicalName(f"file:{path}", name, self.rule)


@dataclass(frozen=True, slots=True)
class ScopedPathRule:
    """``scheme://{host}:{port}/{scope}`` + object key (enterprise, repository, site)."""

    rule: str
    schemes: tuple[str, ...]

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        host = _single_host(parsed, port=True)
        scope = "/".join(parsed.path_segments)
        if host is None or not scope:
            return None
        return CanonicalName(f"{self.schemes[0]}://{host.render()}/{scope}", name, self.rule)


@dataclass(frozen=True, slots=True)
class SchemeOnlyRule:
    """A namespace that is just the scheme (``bigquery``, ``pubsub``); ``x:`` and ``x://``
    are the same thing written as a URI.
    """

    rule: str
    schemes: tuple[str, ...]

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        if parsed.authority or parsed.path.strip("/"):
            return None
        return CanonicalName(self.schemes[0], name, self.rule)


@dataclass(frozen=True, slots=True)
class InMemoryRule:
    """``inmemory://`` exactly: the ``//`` belongs to the canonical form."""

    rule: str = "inmemory"
    schemes: tuple[str, ...] = ("inmemory",)

    def normalize(self, parsed: ParsedNamespace, name: str) -> CanonicalName | None:
        if parsed.authority or parsed.path.strip("/"):
            return None
        return CanonicalName("inmemory://", name, self.rule)
