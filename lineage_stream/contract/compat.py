"""Backward compatibility of schema versions, by the Avro specification's schema-resolution rules.

A new version is backward compatible when it can read everything written with the previous one:
every writer type resolves to the reader type, fields the reader adds have defaults, enum symbols
the writer may send exist in the reader (or the reader enum has a default).
"""

from __future__ import annotations

import json
from typing import Any

_PROMOTIONS = {
    "int": {"int", "long", "float", "double"},
    "long": {"long", "float", "double"},
    "float": {"float", "double"},
    "string": {"string", "bytes"},
    "bytes": {"bytes", "string"},
}
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

Schema = Any


def _collect_names(schema: Schema, namespace: str | None, names: dict[str, Schema]) -> None:
    if isinstance(schema, list):
        for branch in schema:
            _collect_names(branch, namespace, names)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "enum", "fixed"):
            ns = schema.get("namespace", namespace)
            full = schema["name"] if "." in schema["name"] or not ns else f"{ns}.{schema['name']}"
            names[full] = schema
            names.setdefault(schema["name"], schema)
            namespace = ns
            for field in schema.get("fields", ()):
                _collect_names(field["type"], namespace, names)
        elif kind == "array":
            _collect_names(schema["items"], namespace, names)
        elif kind == "map":
            _collect_names(schema["values"], namespace, names)
        elif isinstance(kind, (dict, list)):
            _collect_names(kind, namespace, names)


class _Checker:
    def __init__(self, writer_names: dict[str, Schema], reader_names: dict[str, Schema]) -> None:
        self.writer_names = writer_names
        self.reader_names = reader_names
        self.assumed: set[tuple[str, str]] = set()

    def _resolve(self, schema: Schema, names: dict[str, Schema]) -> Schema:
        while isinstance(schema, str) and schema not in _PRIMITIVES:
            schema = names[schema]
        if isinstance(schema, dict) and not isinstance(schema.get("type"), str):
            return self._resolve(schema["type"], names)
        if isinstance(schema, dict) and schema["type"] in _PRIMITIVES:
            return schema["type"]
        return schema

    def problems(self, writer: Schema, reader: Schema, path: str) -> list[str]:
        w = self._resolve(writer, self.writer_names)
        r = self._resolve(reader, self.reader_names)
        if isinstance(w, list):
            return [p for i, branch in enumerate(w) for p in self.problems(branch, reader, f"{path}<{i}>")]
        if isinstance(r, list):
            if any(not self.problems(w, branch, path) for branch in r):
                return []
            return [f"{path}: writer type {_kind(w)} matches no branch of the reader union"]
        wk, rk = _kind(w), _kind(r)
        if isinstance(w, str) or isinstance(r, str):
            if isinstance(w, str) and isinstance(r, str) and r in _PROMOTIONS.get(w, {w}):
                return []
            return [f"{path}: {wk} cannot be read as {rk}"]
        if wk != rk:
            return [f"{path}: {wk} cannot be read as {rk}"]
        if wk == "array":
            return self.problems(w["items"], r["items"], f"{path}[]")
        if wk == "map":
            return self.problems(w["values"], r["values"], f"{path}{{}}")
        if w.get("name", "").split(".")[-1] != r.get("name", "").split(".")[-1]:
            return [f"{path}: named type {w.get('name')} cannot be read as {r.get('name')}"]
        if wk == "fixed":
            return [] if w["size"] == r["size"] else [f"{path}: fixed size {w['size']} != {r['size']}"]
        if wk == "enum":
            missing = set(w["symbols"]) - set(r["symbols"])
            if missing and "default" not in r:
                return [f"{path}: enum {r['name']} lacks symbols {sorted(missing)} and has no default"]
            return []
        key = (w["name"], r["name"])
        if key in self.assumed:  # recursive type: assume compatible while checking it
            return []
        self.assumed.add(key)
        writer_fields = {f["name"]: f for f in w["fields"]}
        found: list[str] = []
        for field in r["fields"]:
            source = writer_fields.get(field["name"])
            if source is None:
                aliases = [writer_fields[a] for a in field.get("aliases", ()) if a in writer_fields]
                source = aliases[0] if aliases else None
            if source is None:
                if "default" not in field:
                    found.append(f"{path}.{field['name']}: new field without a default")
                continue
            found.extend(self.problems(source["type"], field["type"], f"{path}.{field['name']}"))
        return found


def _kind(schema: Schema) -> str:
    return schema if isinstance(schema, str) else str(schema.get("type"))


def backward_problems(writer_text: str, reader_text: str) -> list[str]:
    """Why data written with ``writer_text`` could not be read with ``reader_text`` (empty: compatible)."""
    writer, reader = json.loads(writer_text), json.loads(reader_text)
    writer_names: dict[str, Schema] = {}
    reader_names: dict[str, Schema] = {}
    _collect_names(writer, None, writer_names)
    _collect_names(reader, None, reader_names)
    return _Checker(writer_names, reader_names).problems(writer, reader, "$")
