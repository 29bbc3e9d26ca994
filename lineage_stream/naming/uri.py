"""Split dataset namespaces (``scheme://userinfo@host:port/path;k=v?query``) into parts.

The parser is a single left-to-right pass over at most ``MAX_IDENTIFIER_LENGTH`` characters
plus a few ``fullmatch`` calls on single character classes, so no input can make it slow.
It never decides what is canonical: the per-platform rules do that from its result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-_]*")
_HOST = re.compile(r"[A-Za-z0-9_.\-]+")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+")
_PORT = re.compile(r"[0-9]{1,5}")

# Characters that end the authority of a dataset namespace. A backslash counts as a path
# separator so that SQL Server's ``host\instance`` reads like ``host/instance``.
_AUTHORITY_END = "/\\;"


@dataclass(frozen=True, slots=True)
class HostPort:
    """One host of an authority: a lower-cased name, IPv4 address or bracketed IPv6 literal."""

    host: str
    port: int | None = None

    def render(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def with_default_port(self, port: int | None) -> HostPort:
        if self.port is not None or port is None:
            return self
        return replace(self, port=port)


def parse_port(text: str) -> int | None:
    """The port number in ``text`` (1–65535, digits only), else ``None``."""
    if not _PORT.fullmatch(text):
        return None
    port = int(text)
    return port if 0 < port <= 65535 else None


def parse_host_port(text: str) -> HostPort | None:
    """Parse ``host``, ``host:port``, ``[v6]`` or ``[v6]:port``; ``None`` for anything else.

    A bare IPv6 address (several colons, no brackets) is rejected: its last group cannot be
    told apart from a port.
    """
    if text.startswith("["):
        end = text.find("]")
        address = text[1:end] if end > 0 else ""
        if not address or ":" not in address or not _IPV6.fullmatch(address):
            return None
        host, rest = f"[{address.lower()}]", text[end + 1 :]
        if not rest:
            return HostPort(host)
        if not rest.startswith(":"):
            return None
        port_text = rest[1:]
    else:
        host, colon, port_text = text.partition(":")
        if not _HOST.fullmatch(host) or host.strip(".") != host:
            return None
        host = host.lower()
        if not colon:
            return HostPort(host)
    port = parse_port(port_text)
    return None if port is None else HostPort(host, port)


def parse_host_list(text: str, separator: str = ",") -> tuple[HostPort, ...] | None:
    """Parse ``[userinfo@]host[:port]`` items joined by ``separator``; userinfo is dropped."""
    hosts = []
    for item in text.split(separator):
        parsed = parse_host_port(item.rpartition("@")[2])
        if parsed is None:
            return None
        hosts.append(parsed)
    return tuple(hosts)


def render_hosts(hosts: tuple[HostPort, ...], default_port: int | None = None) -> str:
    """Join hosts back into an authority, adding ``default_port`` where none is given."""
    return ",".join(h.with_default_port(default_port).render() for h in hosts)


@dataclass(frozen=True, slots=True)
class ParsedNamespace:
    """The parts of a namespace, as written except where noted.

    ``scheme`` is lower-cased but not de-aliased. Without ``//`` (``bigquery``, ``file:/x``,
    ``arn:aws:glue:…``) ``has_authority`` is false and ``path`` holds everything after the
    first colon. ``hosts`` is ``None`` when the authority is not a host list. ``params`` are
    the ``;key=value`` pairs after the authority or path, keys lower-cased.
    """

    raw: str
    scheme: str
    has_authority: bool = False
    userinfo: str | None = None
    authority: str = ""
    hosts: tuple[HostPort, ...] | None = None
    path: str = ""
    params: tuple[tuple[str, str], ...] = ()
    query: str = ""

    @property
    def path_segments(self) -> tuple[str, ...]:
        """Non-empty ``/``-separated path segments (so trailing slashes do not count)."""
        return tuple(segment for segment in self.path.split("/") if segment)

    def param(self, key: str) -> str | None:
        """The value of ``;key=value`` (``key`` lower-case), last one winning."""
        found = None
        for name, value in self.params:
            if name == key:
                found = value
        return found


def parse_namespace(text: str) -> ParsedNamespace | None:
    """Split ``text`` (already trimmed); ``None`` when it does not start with a URI scheme."""
    scheme, colon, rest = text.partition(":")
    if not _SCHEME.fullmatch(scheme):
        return None
    scheme = scheme.lower()
    if not colon:
        return ParsedNamespace(raw=text, scheme=scheme)
    rest = rest.partition("#")[0]
    rest, _, query = rest.partition("?")
    if not rest.startswith("//"):
        return ParsedNamespace(raw=text, scheme=scheme, path=rest, query=query)
    rest = rest[2:]
    end = next((i for i, char in enumerate(rest) if char in _AUTHORITY_END), len(rest))
    authority, tail = rest[:end], rest[end:]
    if tail.startswith("\\"):
        tail = "/" + tail[1:]
    path, _, param_text = tail.partition(";")
    userinfo, at, host_text = authority.rpartition("@")
    if "," in authority:
        # Each host of a multi-host authority may carry its own userinfo.
        first = authority.partition(",")[0]
        userinfo, at, _ = first.rpartition("@")
        host_text = authority
    return ParsedNamespace(
        raw=text,
        scheme=scheme,
        has_authority=True,
        userinfo=userinfo if at else None,
        authority=host_text,
        hosts=parse_host_list(host_text) if host_text else None,
        path=path,
        params=parse_params(param_text, ";"),
        query=query,
    )


def parse_params(text: str, separator: str) -> tuple[tuple[str, str], ...]:
    """``key=value`` items joined by ``separator``; keys trimmed and lower-cased."""
    pairs = []
    for item in text.split(separator):
        key, equals, value = item.partition("=")
        key = key.strip().lower()
        if equals and key:
            pairs.append((key, value.strip()))
    return tuple(pairs)


def first_token(text: str, stop: str) -> str:
    """The prefix of ``text`` before the first character in ``stop``."""
    end = next((i for i, char in enumerate(text) if char in stop), len(text))
    return text[:end]
