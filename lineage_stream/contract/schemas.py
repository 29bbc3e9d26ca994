"""The versions of the lineage event schema shipped inside the package (``lineage_stream/schemas/lineage_event/``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import fastavro

SUBJECT = "lineage-events-value"
"""Registry subject of the Avro topic's values (TopicNameStrategy for topic ``lineage-events``)."""

RECORD_NAME = "io.lineagestream.v1.LineageEvent"


def subject_for(topic: str, strategy: str = "topic", record_name: str = RECORD_NAME) -> str:
    """The registry subject of ``topic``'s values under a Confluent subject naming strategy.

    ``topic`` (TopicNameStrategy, the serializers' default): ``<topic>-value``; ``record``
    (RecordNameStrategy): the record's full name; ``topic_record``: ``<topic>-<full name>``.
    """
    if strategy == "topic":
        return f"{topic}-value"
    if strategy == "record":
        return record_name
    if strategy == "topic_record":
        return f"{topic}-{record_name}"
    raise ValueError(f"unknown subject naming strategy {strategy!r}")

_SCHEMA_DIR: Traversable = files("lineage_stream").joinpath("schemas", "lineage_event")
"""Package data, read through ``importlib.resources`` so it works from a wheel, a zip or a checkout."""
_VERSION_FILE = re.compile(r"^v(\d+)\.avsc$")


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    version: int
    text: str
    """The schema as JSON text, as registered."""
    parsed: Any
    """fastavro's parsed form, for encoding and as the reader schema."""


@cache
def schema_versions(directory: Traversable = _SCHEMA_DIR) -> tuple[SchemaVersion, ...]:
    """Every shipped version, oldest first."""
    found: list[SchemaVersion] = []
    for path in directory.iterdir():
        match = _VERSION_FILE.match(path.name)
        if match is None:
            continue
        text = path.read_text(encoding="utf-8")
        parsed = fastavro.parse_schema(json.loads(text))
        found.append(SchemaVersion(int(match.group(1)), json.dumps(json.loads(text)), parsed))
    return tuple(sorted(found, key=lambda v: v.version))


def latest_schema() -> SchemaVersion:
    return schema_versions()[-1]
