"""JDBC URLs with vendor syntax: Oracle (EZConnect, SID, TNS descriptor, LDAP), SQL Server
(Microsoft and jTDS drivers), Teradata and embedded Derby.

Each parser takes the URL without ``jdbc:`` and the connection properties, and returns a
``JdbcLocation`` or raises ``UnparsableUrl``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from lineage_stream.naming.jdbc_servers import (
    JdbcLocation,
    UnparsableUrl,
    database_of,
    split_server_url,
)
from lineage_stream.naming.uri import (
    HostPort,
    first_token,
    parse_host_port,
    parse_params,
    parse_port,
)

_ORACLE_PORT = 1521
_TNS_MAX_DEPTH = 16


def _lower_keys(properties: Mapping[str, str]) -> dict[str, str]:
    return {key.strip().lower(): value.strip() for key, value in properties.items()}


@dataclass(frozen=True, slots=True)
class _TnsNode:
    key: str
    value: str = ""
    children: tuple[_TnsNode, ...] = ()

    def find_all(self, key: str) -> list[_TnsNode]:
        found = [self] if self.key == key else []
        for child in self.children:
            found.extend(child.find_all(key))
        return found

    def child_value(self, key: str) -> str:
        return next((c.value for c in self.children if c.key == key and c.value), "")


def _parse_tns(text: str) -> _TnsNode:
    """Parse ``(KEY=value)`` / ``(KEY=(…)(…))`` trees; anything else (including trailing
    text after the root group, or nesting deeper than 16) is unparsable.
    """
    position = 0

    def skip_spaces() -> None:
        nonlocal position
        while position < len(text) and text[position].isspace():
            position += 1

    def node(depth: int) -> _TnsNode:
        nonlocal position
        if depth > _TNS_MAX_DEPTH or text[position : position + 1] != "(":
            raise UnparsableUrl("malformed TNS descriptor")
        end = next((i for i in range(position + 1, len(text)) if text[i] in "=()"), len(text))
        key, value, children = text[position + 1 : end].strip().upper(), "", []
        position = end
        if text[position : position + 1] == "=":
            position += 1
            skip_spaces()
            if text[position : position + 1] == "(":
                while text[position : position + 1] == "(":
                    children.append(node(depth + 1))
                    skip_spaces()
            else:
                close = text.find(")", position)
                close = close if close >= 0 else len(text)
                value, position = text[position:close].strip(), close
        if text[position : position + 1] != ")":
            raise UnparsableUrl("malformed TNS descriptor")
        position += 1
        return _TnsNode(key, value, tuple(children))

    root = node(0)
    if text[position:].strip():
        raise UnparsableUrl("text after the TNS descriptor")
    return root


def _oracle_tns(text: str) -> JdbcLocation:
    root = _parse_tns(text.strip())
    hosts = []
    for address in root.find_all("ADDRESS"):
        host = parse_host_port(address.child_value("HOST"))
        port_text = address.child_value("PORT")
        port = parse_port(port_text) if port_text else _ORACLE_PORT
        if host is None or host.port is not None or port is None:
            raise UnparsableUrl("bad ADDRESS in TNS descriptor")
        hosts.append(HostPort(host.host, port).render())
    if not hosts:
        raise UnparsableUrl("no ADDRESS in TNS descriptor")
    connect = root.find_all("CONNECT_DATA")
    database = ""
    for key in ("SERVICE_NAME", "SID", "INSTANCE_NAME"):
        database = database or next((c.child_value(key) for c in connect if c.child_value(key)), "")
    return JdbcLocation("oracle", ",".join(hosts), prefix=(database,))


def _oracle_ldap(text: str) -> str:
    """``ldap[s]:[//]host:port/…/db[,cn=…]`` (first of several URLs) → ``host:port/db``."""
    url = text.split()[0]
    url = url[url.index(":") + 1 :].lstrip("/")
    parts = url.split("/")
    database = parts[-1].split(",")[0] if len(parts) > 1 else ""
    return f"{parts[0]}/{database}"


def _oracle_host(item: str) -> tuple[HostPort, str]:
    """``host``, ``host:port``, ``host:sid`` or ``host:port:sid`` (hosts may be ``[v6]``)."""
    if item.startswith("["):
        end = item.find("]") + 1
        host_text, rest = item[:end], item[end:]
        if end == 0 or (rest and not rest.startswith(":")):
            raise UnparsableUrl("bad Oracle IPv6 host")
        fields = rest[1:].split(":") if rest else []
    else:
        host_text, *fields = item.split(":")
    host = parse_host_port(host_text)
    if host is None or len(fields) > 2 or not all(fields):
        raise UnparsableUrl("bad Oracle host")
    if len(fields) == 2:
        port_text, sid = fields
    elif fields and fields[0].isdigit():
        port_text, sid = fields[0], ""
    else:
        port_text, sid = "", "".join(fields)
    port = parse_port(port_text) if port_text else _ORACLE_PORT
    if port is None:
        raise UnparsableUrl("bad Oracle port")
    return HostPort(host.host, port), sid


def oracle(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """``oracle:thin:[user/password]@[//][protocol://]hosts[/service]``, ``@host:port:sid``,
    ``@(DESCRIPTION=…)`` and ``@ldap://…``; query strings are dropped.
    """
    at = body.rfind("@")
    if at < 0:
        raise UnparsableUrl("no '@' in the Oracle URL")
    rest = body[at + 1 :].strip().partition("?")[0]
    if rest.startswith("("):
        return _oracle_tns(rest)
    rest = rest.removeprefix("//")
    if rest.lower().startswith(("ldap:", "ldaps:")):
        rest = _oracle_ldap(rest)
    elif "://" in rest:
        rest = rest.partition("://")[2]  # tcp://, tcps://
    host_text, _, service = rest.partition("/")
    parsed = [_oracle_host(item) for item in host_text.split(",")]
    sids = {sid for _, sid in parsed if sid}
    if len(sids) > 1:
        raise UnparsableUrl("several SIDs")
    database = first_token(service, "/:?") or next(iter(sids), "")
    hosts = ",".join(host.render() for host, _ in parsed)
    return JdbcLocation("oracle", hosts, prefix=(database,))


def _bracket_bare_ipv6(host: str) -> str:
    return f"[{host}]" if host.count(":") > 1 and not host.startswith("[") else host


def sqlserver(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """``sqlserver://[host][\\instance][:port][;key=value…]``: URL components win over URL
    properties, which win over connection properties (names case-insensitive).
    """
    url = body.partition("://")[2] if "://" in body else ""
    head, _, param_text = url.partition(";")
    params = {**_lower_keys(properties), **dict(parse_params(param_text, ";"))}
    host_text, port_text = head, ""
    if head.startswith("["):
        end = head.find("]") + 1
        host_text, port_text = head[:end], head[end:].removeprefix(":")
    elif ":" in head:
        host_text, _, port_text = head.rpartition(":")
    host_text, _, instance = host_text.partition("\\")
    if "/" in host_text or "@" in host_text:
        raise UnparsableUrl("not SQL Server URL syntax")
    host = parse_host_port(_bracket_bare_ipv6(host_text or params.get("servername", "")))
    port_text = port_text or params.get("portnumber", "")
    port = parse_port(port_text) if port_text else None
    if host is None or host.port is not None or (port_text and port is None):
        raise UnparsableUrl("bad SQL Server host or port")
    named_instance = instance or params.get("instancename") or None
    database = params.get("databasename") or params.get("database") or ""
    authority = HostPort(host.host, port).render()
    return JdbcLocation("sqlserver", authority, named_instance, prefix=(database,))


def jtds(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """``jtds:sqlserver://host[:port][/database][;instance=…]`` (jTDS driver syntax)."""
    url = split_server_url(body.partition(";")[0])
    params = {**_lower_keys(properties), **dict(parse_params(body.partition(";")[2], ";"))}
    host = parse_host_port(url.authority)
    if host is None:
        raise UnparsableUrl("bad jTDS host")
    database = database_of(url.path) or params.get("databasename", "")
    instance = params.get("instance") or None
    return JdbcLocation("sqlserver", host.render(), instance, prefix=(database,))


def teradata(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """``teradata://host/KEY=value,…``: ``DBS_PORT`` (default 1025) and ``DATABASE`` matter."""
    url = split_server_url(body)
    host = parse_host_port(url.authority)
    upper = {key.upper(): value for key, value in properties.items()}
    upper.update((key.upper(), value) for key, value in parse_params(url.path, ","))
    if host is None:
        raise UnparsableUrl("bad Teradata host")
    port = host.port or parse_port(upper.get("DBS_PORT", "1025"))
    if port is None:
        raise UnparsableUrl("bad Teradata DBS_PORT")
    authority = HostPort(host.host, port).render()
    return JdbcLocation("teradata", authority, prefix=(upper.get("DATABASE", ""),))


def derby(body: str, properties: Mapping[str, str]) -> JdbcLocation:
    """Embedded Derby ``derby:[directory:][path][;databaseName=path]`` → ``file:{absolute path}``.

    A relative path is resolved against the ``derby.system.home`` or, failing that, the
    ``user.dir`` connection property (the JVM properties the driver itself uses). The
    normalizer cannot know the producer's directories, so without them the URL is unparsable.
    Without any database name the Hive metastore's ``metastore_db`` is assumed (JDBC cases).
    """
    rest = body.partition(":")[2]
    if rest.startswith("//"):
        raise UnparsableUrl("Derby network server URLs have no naming convention")
    location, _, attribute_text = rest.partition(";")
    location = location.removeprefix("directory:")
    if ":" in location:
        raise UnparsableUrl("Derby memory/classpath/jar databases have no file location")
    attributes = dict(parse_params(attribute_text, ";"))
    database = location or attributes.get("databasename") or "metastore_db"
    if not database.startswith("/"):
        home = properties.get("derby.system.home") or properties.get("user.dir")
        if not home or not home.startswith("/"):
            raise UnparsableUrl("relative Derby database and no absolute home directory")
        database = f"{home}/{database}"
    return JdbcLocation("file", path=posixpath.normpath(database), levels=0)
