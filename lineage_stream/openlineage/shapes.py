"""Shape checks for the OpenLineage core facets we do not model but can still sanity-check.

A facet that fails its check is dropped (and reported), never the whole event: the run, job
and datasets are still worth ingesting without it. The checks follow the facet JSON schemas in
the OpenLineage spec (``spec/facets/*.json``) with two deliberate relaxations, because real
producers deviate from the spec in these ways without making the facet meaningless:

- an optional property may be ``null`` (clients serialize unset attributes that way);
- a property is "required" here only when the facet says nothing without it. For example the
  spec requires ``columnMetrics`` in the input ``dataQualityMetrics`` facet, but the Marquez and
  fluentd fixtures send ``rowCount``-only facets, so we require one of the two instead.

Unknown facets (custom producers' facets) are only checked for being objects with well-typed
``_producer`` / ``_schemaURL`` / ``_deleted`` members.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


class FacetShapeError(Exception):
    """A facet's content does not have the shape its schema defines; ``reason`` says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FacetSite(str, Enum):
    """Where a facet container sits, which decides the facets its names refer to."""

    RUN = "run"
    JOB = "job"
    DATASET = "dataset"
    INPUT = "inputFacets"
    OUTPUT = "outputFacets"

    @property
    def container_key(self) -> str:
        """The member of the run, job or dataset that holds these facets."""
        return self.value if self in (FacetSite.INPUT, FacetSite.OUTPUT) else "facets"


def json_type_name(value: object) -> str:
    """The JSON type of a decoded value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


class JsonType(str, Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    OBJECT = "object"
    ARRAY = "array"

    def accepts(self, value: object) -> bool:
        if self is JsonType.STRING:
            return isinstance(value, str)
        if self is JsonType.BOOLEAN:
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self is JsonType.INTEGER:
            # 5.0 is an integer to JSON Schema, and some JVM producers write counts that way.
            return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if self is JsonType.NUMBER:
            return isinstance(value, (int, float))
        if self is JsonType.OBJECT:
            return isinstance(value, Mapping)
        return isinstance(value, list)


@dataclass(frozen=True, slots=True)
class Prop:
    """One property of a facet: its JSON type, whether it must be present and non-null, and
    for arrays / maps of objects the shape of each item."""

    type: JsonType
    required: bool = False
    items: Shape | None = None
    """Shape of each element of an array (``type`` ARRAY) or each value of a map (OBJECT)."""


Shape = Mapping[str, Prop]

_STR = Prop(JsonType.STRING)
_REQ_STR = Prop(JsonType.STRING, required=True)
_INT = Prop(JsonType.INTEGER)
_NUM = Prop(JsonType.NUMBER)


ErrorFactory = Callable[[str], Exception]
"""Builds the exception a failed member check raises: ``FacetShapeError`` inside a facet (the
facet is dropped), ``ValidationError`` in the event's core (the event is rejected)."""


def required_string(
    container: Mapping[str, Any], key: str, path: str = "", *, error: ErrorFactory = FacetShapeError
) -> str:
    value = container.get(key)
    if value is None:
        raise error(f"{path}{key} is missing")
    if not isinstance(value, str):
        raise error(f"{path}{key} must be string, got {json_type_name(value)}")
    return value


def optional_string(
    container: Mapping[str, Any], key: str, path: str = "", *, error: ErrorFactory = FacetShapeError
) -> str | None:
    value = container.get(key)
    if value is None or isinstance(value, str):
        return value
    raise error(f"{path}{key} must be string, got {json_type_name(value)}")


def required_object(
    container: Mapping[str, Any], key: str, path: str = "", *, error: ErrorFactory = FacetShapeError
) -> Mapping[str, Any]:
    value = container.get(key)
    if value is None:
        raise error(f"{path}{key} is missing")
    if not isinstance(value, Mapping):
        raise error(f"{path}{key} must be object, got {json_type_name(value)}")
    return value


def optional_objects(
    container: Mapping[str, Any], key: str, path: str = "", *, error: ErrorFactory = FacetShapeError
) -> list[Mapping[str, Any]]:
    """An optional array of objects; missing or null is an empty list."""
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise error(f"{path}{key} must be array, got {json_type_name(value)}")
    for index, element in enumerate(value):
        if not isinstance(element, Mapping):
            raise error(f"{path}{key}[{index}] must be object, got {json_type_name(element)}")
    return value


def check_shape(value: Mapping[str, Any], shape: Shape, path: str) -> None:
    """Raise ``FacetShapeError`` if ``value`` breaks ``shape``; properties not in it are free."""
    for key, prop in shape.items():
        member = value.get(key)
        where = f"{path}.{key}" if path else key
        if member is None:
            if prop.required:
                raise FacetShapeError(f"{where} is missing")
            continue
        if not prop.type.accepts(member):
            raise FacetShapeError(f"{where} must be {prop.type.value}, got {json_type_name(member)}")
        if prop.items is None:
            continue
        elements = enumerate(member) if isinstance(member, list) else member.items()
        for index, element in elements:
            element_path = f"{where}[{index}]" if isinstance(member, list) else f"{where}.{index}"
            if not isinstance(element, Mapping):
                raise FacetShapeError(f"{element_path} must be object, got {json_type_name(element)}")
            check_shape(element, prop.items, element_path)


_OWNERSHIP: Shape = {"owners": Prop(JsonType.ARRAY, items={"name": _REQ_STR, "type": _STR})}
_TAG: Shape = {"key": _REQ_STR, "value": _REQ_STR, "source": _STR}
_TAGS: Shape = {"tags": Prop(JsonType.ARRAY, items=_TAG)}
_DOCUMENTATION: Shape = {"description": _REQ_STR, "contentType": _STR}
_STATISTICS: Shape = {"rowCount": _INT, "size": _INT, "fileCount": _INT}
_ASSERTIONS: Shape = {
    "assertions": Prop(
        JsonType.ARRAY,
        required=True,
        items={"assertion": _REQ_STR, "success": Prop(JsonType.BOOLEAN, required=True), "column": _STR},
    )
}
_COLUMN_METRICS: Shape = {
    "nullCount": _INT,
    "distinctCount": _INT,
    "sum": _NUM,
    "count": _NUM,
    "min": _NUM,
    "max": _NUM,
    "quantiles": Prop(JsonType.OBJECT),
}
_DATA_QUALITY_METRICS: Shape = {
    "rowCount": _INT,
    "bytes": _INT,
    "fileCount": _INT,
    "lastUpdated": _STR,
    "columnMetrics": Prop(JsonType.OBJECT, items=_COLUMN_METRICS),
}


def _require_row_count_or_column_metrics(facet: Mapping[str, Any]) -> None:
    if facet.get("rowCount") is None and facet.get("columnMetrics") is None:
        raise FacetShapeError("has neither rowCount nor columnMetrics")


_SHAPES: Mapping[FacetSite, Mapping[str, Shape]] = {
    FacetSite.RUN: {
        "nominalTime": {"nominalStartTime": _REQ_STR, "nominalEndTime": _STR},
        "errorMessage": {"message": _REQ_STR, "programmingLanguage": _STR, "stackTrace": _STR},
        "processing_engine": {"version": _STR, "name": _STR, "openlineageAdapterVersion": _STR},
        "externalQuery": {"externalQueryId": _REQ_STR, "source": _REQ_STR},
        "extractionError": {
            "totalTasks": _INT,
            "failedTasks": _INT,
            "errors": Prop(
                JsonType.ARRAY,
                items={"errorMessage": _REQ_STR, "stackTrace": _STR, "task": _STR, "taskNumber": _INT},
            ),
        },
        "environmentVariables": {
            "environmentVariables": Prop(JsonType.ARRAY, items={"name": _REQ_STR, "value": _STR})
        },
        "tags": _TAGS,
    },
    FacetSite.JOB: {
        "documentation": _DOCUMENTATION,
        "ownership": _OWNERSHIP,
        "sql": {"query": _REQ_STR, "dialect": _STR},
        "sourceCode": {"language": _STR, "sourceCode": _REQ_STR},
        "sourceCodeLocation": {
            name: _STR for name in ("type", "url", "repoUrl", "path", "version", "tag", "branch")
        },
        "jobType": {"processingType": _STR, "integration": _STR, "jobType": _STR},
        "tags": _TAGS,
    },
    FacetSite.DATASET: {
        "documentation": _DOCUMENTATION,
        "ownership": _OWNERSHIP,
        "dataSource": {"name": _STR, "uri": _STR},
        "lifecycleStateChange": {
            "lifecycleStateChange": _REQ_STR,
            "previousIdentifier": Prop(JsonType.OBJECT),
        },
        "version": {"datasetVersion": _REQ_STR},
        "storage": {"storageLayer": _REQ_STR, "fileFormat": _STR},
        "datasetType": {"datasetType": _REQ_STR, "subType": _STR},
        "dataQualityAssertions": _ASSERTIONS,
        "tags": {"tags": Prop(JsonType.ARRAY, items={**_TAG, "field": _STR})},
    },
    FacetSite.INPUT: {
        "dataQualityMetrics": _DATA_QUALITY_METRICS,
        "dataQualityAssertions": _ASSERTIONS,
        "inputStatistics": _STATISTICS,
    },
    FacetSite.OUTPUT: {"outputStatistics": _STATISTICS},
}

_EXTRA_CHECKS: Mapping[tuple[FacetSite, str], Sequence[Callable[[Mapping[str, Any]], None]]] = {
    (FacetSite.INPUT, "dataQualityMetrics"): (_require_row_count_or_column_metrics,),
}

_BASE: Shape = {"_producer": _STR, "_schemaURL": _STR, "_deleted": Prop(JsonType.BOOLEAN)}


def check_facet(site: FacetSite, name: str, facet: Mapping[str, Any]) -> None:
    """Check the base members of any facet and the shape of a known core facet."""
    check_shape(facet, _BASE, "")
    shape = _SHAPES[site].get(name)
    if shape is not None:
        check_shape(facet, shape, "")
    for extra_check in _EXTRA_CHECKS.get((site, name), ()):
        extra_check(facet)
