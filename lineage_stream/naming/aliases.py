"""User-supplied aliases applied after normalization.

``host_aliases`` rewrite hosts inside a canonical namespace's authority (``db-prod-1.internal:5432``
→ ``warehouse.example.com:5432``; a key without port matches that host on any port and keeps the
port). ``namespace_aliases`` replace a whole canonical namespace (e.g. a catalog namespace by
the storage namespace behind it). Keys are normalized when the map is built, so they may be
written the way producers write them; each alias applies once (chains are rejected).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lineage_stream.errors import ConfigError, IdentifierError
from lineage_stream.naming.api import canonicalize
from lineage_stream.naming.model import CanonicalName
from lineage_stream.naming.uri import parse_host_port

_SECTIONS = frozenset({"host_aliases", "namespace_aliases"})


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


def _pairs(section: str, value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise ConfigError(f"{section} must be a mapping of strings to strings")
    pairs = []
    for key, target in value.items():
        if not isinstance(key, str) or not isinstance(target, str):
            raise ConfigError(f"{section}: keys and values must be strings, got {key!r}")
        pairs.append((key, target))
    return pairs


def _host(section: str, text: str) -> str:
    parsed = parse_host_port(text.strip())
    if parsed is None:
        raise ConfigError(f"{section}: {text!r} is not host, host:port or [ipv6]:port")
    return parsed.render()


def _namespace(section: str, text: str) -> str:
    try:
        return canonicalize(text, "_").namespace
    except IdentifierError as error:
        raise ConfigError(f"{section}: {error.reason}") from None


def _build(
    section: str, pairs: list[tuple[str, str]], canonical: Callable[[str, str], str]
) -> Mapping[str, str]:
    built: dict[str, str] = {}
    for key, target in pairs:
        source, destination = canonical(section, key), canonical(section, target)
        if built.get(source, destination) != destination:
            raise ConfigError(f"{section}: {key!r} is given two different targets")
        built[source] = destination
    for source, destination in built.items():
        if destination in built and destination != source:
            raise ConfigError(f"{section}: {destination!r} is both a target and an alias")
    return MappingProxyType(built)


@dataclass(frozen=True, slots=True)
class AliasMap:
    """Host and namespace aliases; build with ``from_mapping`` or the constructor (both
    validate, normalize keys and raise ``ConfigError`` on bad input).
    """

    host_aliases: Mapping[str, str] = field(default_factory=_empty)
    namespace_aliases: Mapping[str, str] = field(default_factory=_empty)

    def __post_init__(self) -> None:
        hosts = _build("host_aliases", _pairs("host_aliases", self.host_aliases), _host)
        for source, destination in hosts.items():
            if ":" not in source.rpartition("]")[2] and ":" in destination.rpartition("]")[2]:
                raise ConfigError(
                    f"host_aliases: {source!r} has no port, so its target must have none"
                )
        namespaces = _pairs("namespace_aliases", self.namespace_aliases)
        object.__setattr__(self, "host_aliases", hosts)
        object.__setattr__(
            self, "namespace_aliases", _build("namespace_aliases", namespaces, _namespace)
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AliasMap:
        """Build from configuration: ``{"host_aliases": {...}, "namespace_aliases": {...}}``."""
        if not isinstance(data, Mapping):
            raise ConfigError("aliases must be a mapping with host_aliases / namespace_aliases")
        unknown = sorted(str(key) for key in data if key not in _SECTIONS)
        if unknown:
            raise ConfigError(f"unknown alias settings: {', '.join(unknown)}")
        return cls(
            dict(_pairs("host_aliases", data.get("host_aliases"))),
            dict(_pairs("namespace_aliases", data.get("namespace_aliases"))),
        )

    def _alias_host(self, item: str) -> str:
        if item in self.host_aliases:
            return self.host_aliases[item]
        parsed = parse_host_port(item)
        if parsed is not None and parsed.port is not None and parsed.host in self.host_aliases:
            return f"{self.host_aliases[parsed.host]}:{parsed.port}"
        return item

    def _apply_hosts(self, namespace: str) -> str:
        scheme, separator, rest = namespace.partition("://")
        if not separator:
            return namespace
        authority, slash, tail = rest.partition("/")
        userinfo, at, hosts = authority.rpartition("@")
        mapped = self.host_aliases.get(hosts)
        if mapped is None:
            mapped = ",".join(self._alias_host(item) for item in hosts.split(","))
        return f"{scheme}://{userinfo}{at}{mapped}{slash}{tail}"

    def apply(self, name: CanonicalName) -> CanonicalName:
        """``name`` with its namespace aliased; host aliases only touch recognized namespaces."""
        namespace = name.namespace
        if self.host_aliases and name.recognized:
            namespace = self._apply_hosts(namespace)
        namespace = self.namespace_aliases.get(namespace, namespace)
        if namespace == name.namespace:
            return name
        return CanonicalName(namespace, name.name, name.rule)
