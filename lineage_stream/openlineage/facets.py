"""Facets of one run, job or dataset: checked, modeled into typed fields, or kept as JSON text.

Every facet that survives its check ends up in exactly one place:

- ``schema`` (dataset) → ``Dataset.fields``; ``columnLineage`` (dataset) → ``Dataset.column_lineage``;
  ``symlinks`` (dataset) → ``Dataset.symlinks``. Their ``_producer`` / ``_schemaURL`` and members
  the model has no place for (such as a schema field's ``ordinal_position``) are not kept.
- ``parent`` (run) → ``Run.parent``. What the typed ``ParentRun`` cannot hold (``root``, the
  forwarded ``run.facets`` / ``job.facets``, custom members) is kept as the JSON text of the
  facet *without* ``run.runId``, ``job.namespace`` and ``job.name``, under the key ``parent``,
  when there is any such member besides ``_producer`` / ``_schemaURL`` / ``_deleted``.
- every other facet → its compact, key-sorted JSON text in the container's facet map.

A facet whose content is malformed is dropped and reported as a ``DroppedFacet``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from lineage_stream.contract.codec import Schemas
from lineage_stream.model import FacetMap, FieldLineage, ParentRun, SchemaField, Symlink
from lineage_stream.openlineage.lineage import column_lineage, schema_fields
from lineage_stream.openlineage.shapes import (
    FacetShapeError,
    FacetSite,
    check_facet,
    json_type_name,
    optional_objects,
    optional_string,
    required_object,
    required_string,
)

WHOLE_CONTAINER = "*"
"""``DroppedFacet.facet`` when a whole facet container (e.g. ``facets: "x"``) was dropped."""

_BASE_MEMBERS = frozenset({"_producer", "_schemaURL", "_deleted"})

_Modeled = TypeVar("_Modeled")


@dataclass(frozen=True, slots=True)
class DroppedFacet:
    """A facet left out of the event because its content was malformed.

    ``location`` is where its container sits: ``run``, ``job``, ``dataset``, ``inputs[0]``,
    ``outputs[1].outputFacets``; ``facet`` is the facet's name (``*`` for the whole container).
    """

    location: str
    facet: str
    reason: str


def facet_json(value: object) -> str:
    """The stored text of a facet: compact, key-sorted JSON that keeps non-ASCII characters."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False)


def checked_facets(
    container: object, location: str, site: FacetSite, dropped: list[DroppedFacet]
) -> dict[str, Mapping[str, Any]]:
    """The facets of one container that pass their checks, in the order sent."""
    if container is None:
        return {}
    if not isinstance(container, Mapping):
        reason = f"{site.container_key} must be object, got {json_type_name(container)}"
        dropped.append(DroppedFacet(location, WHOLE_CONTAINER, reason))
        return {}
    accepted: dict[str, Mapping[str, Any]] = {}
    for name, facet in container.items():
        if not isinstance(facet, Mapping):
            reason = f"facet must be object, got {json_type_name(facet)}"
            dropped.append(DroppedFacet(location, str(name), reason))
            continue
        try:
            check_facet(site, str(name), facet)
        except FacetShapeError as problem:
            dropped.append(DroppedFacet(location, str(name), problem.reason))
            continue
        accepted[str(name)] = facet
    return accepted


def facet_texts(
    facets: Mapping[str, Mapping[str, Any]], location: str, dropped: list[DroppedFacet]
) -> FacetMap:
    texts: dict[str, str] = {}
    for name, facet in facets.items():
        try:
            texts[name] = facet_json(facet)
        except (TypeError, ValueError, RecursionError) as problem:
            # Only reachable for documents built in-process (NaN, non-JSON objects, cycles).
            dropped.append(DroppedFacet(location, name, f"not serializable as JSON: {problem}"))
    return texts


@dataclass(frozen=True, slots=True)
class RunFacets:
    parent: ParentRun | None
    facets: FacetMap


@dataclass(frozen=True, slots=True)
class DatasetFacets:
    fields: tuple[SchemaField, ...] | None
    column_lineage: tuple[FieldLineage, ...]
    symlinks: tuple[Symlink, ...]
    facets: FacetMap


def run_facets(container: object, location: str, dropped: list[DroppedFacet]) -> RunFacets:
    facets = checked_facets(container, location, FacetSite.RUN, dropped)
    parent = _take_modeled(facets, "parent", _parent_run, location, dropped)
    if parent is None:
        return RunFacets(None, facet_texts(facets, location, dropped))
    parent_run, residue = parent
    if residue is not None:
        facets = {"parent": residue, **facets}
    return RunFacets(parent_run, facet_texts(facets, location, dropped))


def plain_facets(container: object, location: str, site: FacetSite, dropped: list[DroppedFacet]) -> FacetMap:
    """Facets of a job, or input/output facets of a dataset: none of them is modeled."""
    return facet_texts(checked_facets(container, location, site, dropped), location, dropped)


def dataset_facets(container: object, location: str, dropped: list[DroppedFacet],
                   schemas: Schemas | None = None) -> DatasetFacets:
    """``schemas``: the schemas and column lineage already built, to share equal ones between events."""
    facets = checked_facets(container, location, FacetSite.DATASET, dropped)
    schema = facets.get("schema")
    fields = schemas.known(schema.get("fields")) if schemas is not None and schema is not None else None
    if fields is not None:  # built from an equal facet before: already checked and shared
        del facets["schema"]
    else:
        fields = _take_modeled(facets, "schema", schema_fields, location, dropped)
        if schemas is not None and fields:
            fields = schemas.share(fields)
    lineage = _take_modeled(facets, "columnLineage", column_lineage, location, dropped) or ()
    if schemas is not None and lineage:
        lineage = schemas.share_lineage(lineage)
    return DatasetFacets(
        fields=fields,
        column_lineage=lineage,
        symlinks=_take_modeled(facets, "symlinks", _symlinks, location, dropped) or (),
        facets=facet_texts(facets, location, dropped),
    )


def _take_modeled(
    facets: dict[str, Mapping[str, Any]],
    name: str,
    to_model: Callable[[Mapping[str, Any]], _Modeled],
    location: str,
    dropped: list[DroppedFacet],
) -> _Modeled | None:
    """Remove facet ``name`` from ``facets`` and model it; ``None`` if absent or dropped."""
    facet = facets.pop(name, None)
    if facet is None:
        return None
    try:
        return to_model(facet)
    except FacetShapeError as problem:
        dropped.append(DroppedFacet(location, name, problem.reason))
        return None


def _run_and_job(facet: Mapping[str, Any], path: str) -> ParentRun:
    run = required_object(facet, "run", path)
    job = required_object(facet, "job", path)
    run_id = required_string(run, "runId", f"{path}run.")
    if not run_id.strip():
        raise FacetShapeError(f"{path}run.runId is blank")
    return ParentRun(
        run_id, required_string(job, "namespace", f"{path}job."), required_string(job, "name", f"{path}job.")
    )


def _parent_run(facet: Mapping[str, Any]) -> tuple[ParentRun, Mapping[str, Any] | None]:
    parent = _run_and_job(facet, "")
    root = facet.get("root")
    if root is not None:
        if not isinstance(root, Mapping):
            raise FacetShapeError(f"root must be object, got {json_type_name(root)}")
        _run_and_job(root, "root.")
    residue: dict[str, Any] = dict(facet)
    for member, modeled in (("run", {"runId"}), ("job", {"namespace", "name"})):
        remaining = {key: value for key, value in facet[member].items() if key not in modeled}
        if remaining:
            residue[member] = remaining
        else:
            del residue[member]
    if _BASE_MEMBERS.issuperset(residue):
        return parent, None
    return parent, residue


def _symlinks(facet: Mapping[str, Any]) -> tuple[Symlink, ...]:
    return tuple(
        Symlink(
            required_string(identifier, "namespace", f"identifiers[{index}]."),
            required_string(identifier, "name", f"identifiers[{index}]."),
            optional_string(identifier, "type", f"identifiers[{index}]."),
        )
        for index, identifier in enumerate(optional_objects(facet, "identifiers"))
    )
