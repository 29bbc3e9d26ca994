"""The versions of the lineage event schema shipped in ``schemas/lineage_event/``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastavro

SUBJECT = "lineage-events-value"
"""Registry subject of the Avro topic's values (TopicNameStrategy for topic ``lineage-events``)."""

_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "lineage_event"
_VERSION_FILE = re.compile(r"^v(\d+)\.avsc$")


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    version: int
    text: str
    """The schema as JSON text, as registered."""
    parsed: Any
    """fastavro's parsed form, for encoding and as the reader schema."""


@cache
def schema_versions(directory: Path = _SCHEMA_DIR) -> tuple[SchemaVersion, ...]:
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
