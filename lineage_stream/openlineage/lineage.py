"""The two dataset facets the graph models field by field: ``schema`` and ``columnLineage``.

``columnLineage`` comes in two generations and both are read:

- spec 1-1-0 and later: each input field carries its own ``transformations`` list
  (``type``, ``subtype``, ``description``, ``masking``);
- older producers put ``transformationType`` / ``transformationDescription`` on the output
  field and no per-input transformations. That pair becomes one ``Transformation`` per input
  field, with the type verbatim (``IDENTITY``, ``MASKED``) and ``masking`` set for ``MASKED``.
  An empty ``transformationType`` (Airflow sends ``""``) means no transformation is known.
  When an input field has its own ``transformations`` list, that list wins.

The dataset-level lineage of spec 1-2-0 (the facet's ``dataset`` array: fields that affect the
whole output, e.g. through a filter, join or group-by) becomes one ``FieldLineage`` whose
``output_field`` is the empty string. No real column is named ``""``, so an output field
key ``""`` in ``fields`` is rejected as ambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lineage_stream.model import FieldLineage, InputField, SchemaField, Transformation
from lineage_stream.openlineage.shapes import (
    FacetShapeError,
    json_type_name,
    optional_objects,
    optional_string,
    required_string,
)

MAX_SCHEMA_NESTING = 64
"""Deepest nesting of struct fields accepted in a ``schema`` facet."""

DATASET_LEVEL_OUTPUT = ""
"""``FieldLineage.output_field`` of the lineage that affects the whole dataset."""


def schema_fields(facet: Mapping[str, Any]) -> tuple[SchemaField, ...]:
    """The fields of a ``schema`` facet, nested struct fields included."""
    return _schema_fields(facet, "", 1)


def _schema_fields(container: Mapping[str, Any], path: str, depth: int) -> tuple[SchemaField, ...]:
    if depth > MAX_SCHEMA_NESTING:
        raise FacetShapeError(f"{path}fields are nested deeper than {MAX_SCHEMA_NESTING} levels")
    fields: list[SchemaField] = []
    for index, raw in enumerate(optional_objects(container, "fields", path)):
        where = f"{path}fields[{index}]."
        fields.append(
            SchemaField(
                name=required_string(raw, "name", where),
                type=optional_string(raw, "type", where),
                description=optional_string(raw, "description", where),
                fields=_schema_fields(raw, where, depth + 1),
            )
        )
    return tuple(fields)


def column_lineage(facet: Mapping[str, Any]) -> tuple[FieldLineage, ...]:
    """The lineage of each output field, then the dataset-level lineage if there is any."""
    outputs = facet.get("fields")
    if outputs is None:
        outputs = {}
    elif not isinstance(outputs, Mapping):
        raise FacetShapeError(f"fields must be object, got {json_type_name(outputs)}")
    lineage: list[FieldLineage] = []
    for output_field, entry in outputs.items():
        path = f"fields.{output_field}."
        if output_field == DATASET_LEVEL_OUTPUT:
            raise FacetShapeError("fields has an output field with an empty name")
        if not isinstance(entry, Mapping):
            raise FacetShapeError(f"fields.{output_field} must be object, got {json_type_name(entry)}")
        if entry.get("inputFields") is None:
            raise FacetShapeError(f"{path}inputFields is missing")
        legacy = _legacy_transformations(entry, path)
        inputs = tuple(
            _input_field(raw, f"{path}inputFields[{index}].", legacy)
            for index, raw in enumerate(optional_objects(entry, "inputFields", path))
        )
        lineage.append(FieldLineage(output_field, inputs))
    dataset_level = tuple(
        _input_field(raw, f"dataset[{index}].", ())
        for index, raw in enumerate(optional_objects(facet, "dataset"))
    )
    if dataset_level:
        lineage.append(FieldLineage(DATASET_LEVEL_OUTPUT, dataset_level))
    return tuple(lineage)


def _legacy_transformations(entry: Mapping[str, Any], path: str) -> tuple[Transformation, ...]:
    kind = optional_string(entry, "transformationType", path)
    description = optional_string(entry, "transformationDescription", path)
    if not kind:
        return ()
    return (Transformation(kind, None, description, kind.upper() == "MASKED"),)


def _input_field(raw: Mapping[str, Any], path: str, legacy: tuple[Transformation, ...]) -> InputField:
    transformations = legacy
    if raw.get("transformations") is not None:
        transformations = tuple(
            _transformation(item, f"{path}transformations[{index}].")
            for index, item in enumerate(optional_objects(raw, "transformations", path))
        )
    return InputField(
        namespace=required_string(raw, "namespace", path),
        name=required_string(raw, "name", path),
        field=required_string(raw, "field", path),
        transformations=transformations,
    )


def _transformation(raw: Mapping[str, Any], path: str) -> Transformation:
    masking = raw.get("masking")
    if masking is not None and not isinstance(masking, bool):
        raise FacetShapeError(f"{path}masking must be boolean, got {json_type_name(masking)}")
    return Transformation(
        type=required_string(raw, "type", path),
        subtype=optional_string(raw, "subtype", path),
        description=optional_string(raw, "description", path),
        masking=bool(masking),
    )
