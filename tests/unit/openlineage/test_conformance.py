"""Every concrete OpenLineage event of the shared conformance suite parses, loses nothing we model,
and survives the Avro contract.

The expectations come from a small extractor over the raw JSON written for this test, not from
the parser. Files are discovered at collection time, so a new file in ``events/concrete/`` is
covered without new code.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import fastavro
import pytest

from lineage_stream.contract import event_from_record, event_to_record, latest_schema
from lineage_stream.errors import ValidationError
from lineage_stream.model import Dataset, EventKind, LineageEvent, RunState, SchemaField
from lineage_stream.openlineage import derive_event_id, parse_openlineage, read_openlineage_documents

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONFORMANCE = PROJECT_ROOT.parent / "shared" / "conformance" / "openlineage"
CONCRETE = CONFORMANCE / "events" / "concrete"
MISSING = f"OpenLineage conformance suite not found at {CONCRETE} (expected beside the project)"

# Facets of concrete events that are malformed per the spec, so the parser drops them.
EXPECTED_DROPS: Mapping[str, set[tuple[str, str]]] = {
    # The Spark serde fixture's parent facet has a job and a root but no run.
    "ol_spark_serde_openlineage_event_START.json": {("run", "parent")},
}

# Marquez's demo seed data leaves eventTime as a template to fill at load time.
_TEMPLATE = re.compile(r"\{\{\s*RUN_(?:START_TIME|END_TIME_AFTER_(\d+)_MINUTES)\s*\}\}")
_TEMPLATE_BASE = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)


def raw_documents(path: Path) -> list[dict[str, Any]]:
    """An independent reader: one object, an array of objects, or JSON Lines."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    loaded = json.loads(text)
    return loaded if isinstance(loaded, list) else [loaded]


def fill_templates(doc: dict[str, Any]) -> dict[str, Any]:
    event_time = doc.get("eventTime")
    if not isinstance(event_time, str):
        return doc
    match = _TEMPLATE.fullmatch(event_time)
    if match is None:
        return doc
    minutes = int(match.group(1) or 0)
    filled = (_TEMPLATE_BASE + timedelta(minutes=minutes)).isoformat()
    return {**doc, "eventTime": filled}


def _concrete_params() -> Iterator[Any]:
    if not CONCRETE.is_dir():
        yield pytest.param(None, 0, marks=pytest.mark.skip(reason=MISSING), id="suite-missing")
        return
    for path in sorted(CONCRETE.iterdir()):
        if path.suffix in (".json", ".jsonl"):
            for index in range(len(raw_documents(path))):
                yield pytest.param(path, index, id=f"{path.name}[{index}]")


def _concrete_files() -> list[Any]:
    if not CONCRETE.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="suite-missing")]
    return [pytest.param(p, id=p.name) for p in sorted(CONCRETE.iterdir()) if p.suffix in (".json", ".jsonl")]


# --- the independent extractor -------------------------------------------------------------

MODELED_DATASET_FACETS = {"schema", "columnLineage", "symlinks"}


def _facets(container: Any) -> dict[str, Any]:
    return dict(container or {})


def _schema_names(fields: Any, prefix: str = "") -> list[str]:
    names: list[str] = []
    for field in fields or []:
        names.append(prefix + field["name"])
        names.extend(_schema_names(field.get("fields"), prefix + field["name"] + "."))
    return names


def _lineage_edges(facet: Mapping[str, Any]) -> Counter[tuple[str, str, str, str]]:
    edges: Counter[tuple[str, str, str, str]] = Counter()
    for output, entry in (facet.get("fields") or {}).items():
        for source in entry["inputFields"]:
            edges[(output, source["namespace"], source["name"], source["field"])] += 1
    for source in facet.get("dataset") or []:
        edges[("", source["namespace"], source["name"], source["field"])] += 1
    return edges


def expected_dataset(
    raw: Mapping[str, Any], io_key: str | None, drops: set[tuple[str, str]], where: str
) -> dict[str, Any]:
    facets = {k: v for k, v in _facets(raw.get("facets")).items() if (where, k) not in drops}
    io_facets = {k: v for k, v in _facets(raw.get(io_key) if io_key else None).items()}
    return {
        "key": (raw["namespace"], raw["name"]),
        "schema": _schema_names(facets["schema"].get("fields")) if "schema" in facets else None,
        "lineage": _lineage_edges(facets["columnLineage"]) if "columnLineage" in facets else Counter(),
        "symlinks": [
            (s["namespace"], s["name"], s.get("type")) for s in (facets.get("symlinks") or {}).get("identifiers", [])
        ],
        "facets": {k: v for k, v in facets.items() if k not in MODELED_DATASET_FACETS},
        "io_facets": io_facets,
    }


def expected_summary(doc: Mapping[str, Any], drops: set[tuple[str, str]]) -> dict[str, Any]:
    kind = "RUN" if doc.get("run") else "JOB" if doc.get("job") else "DATASET"
    summary: dict[str, Any] = {"kind": kind, "producer": doc.get("producer") or "unknown"}
    if kind == "RUN":
        event_type = doc.get("eventType")
        summary["event_type"] = event_type if event_type in RunState.__members__ else "OTHER"
        run_facets = {k: v for k, v in _facets(doc["run"].get("facets")).items() if ("run", k) not in drops}
        parent = run_facets.pop("parent", None)
        summary["run"] = (
            doc["run"]["runId"],
            (parent["run"]["runId"], parent["job"]["namespace"], parent["job"]["name"]) if parent else None,
            run_facets,
        )
    if kind in ("RUN", "JOB"):
        summary["job"] = (doc["job"]["namespace"], doc["job"]["name"], _facets(doc["job"].get("facets")))
        for role, io_key in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
            summary[role] = [
                expected_dataset(raw, io_key, drops, f"{role}[{i}]") for i, raw in enumerate(doc.get(role) or [])
            ]
    else:
        summary["dataset"] = expected_dataset(doc["dataset"], None, drops, "dataset")
    return summary


def _parsed_schema_names(fields: tuple[SchemaField, ...], prefix: str = "") -> list[str]:
    names: list[str] = []
    for field in fields:
        names.append(prefix + field.name)
        names.extend(_parsed_schema_names(field.fields, prefix + field.name + "."))
    return names


def _decoded(facets: Mapping[str, str]) -> dict[str, Any]:
    return {name: json.loads(text) for name, text in facets.items()}


def parsed_dataset(dataset: Dataset) -> dict[str, Any]:
    return {
        "key": dataset.key,
        "schema": _parsed_schema_names(dataset.fields) if dataset.fields is not None else None,
        "lineage": Counter(
            (lineage.output_field, source.namespace, source.name, source.field)
            for lineage in dataset.column_lineage
            for source in lineage.inputs
        ),
        "symlinks": [(s.namespace, s.name, s.type) for s in dataset.symlinks],
        "facets": _decoded(dataset.facets),
        "io_facets": _decoded(dataset.io_facets),
    }


def parsed_summary(event: LineageEvent) -> dict[str, Any]:
    summary: dict[str, Any] = {"kind": event.kind.value, "producer": event.producer}
    if event.run is not None:
        assert event.event_type is not None
        summary["event_type"] = event.event_type.value
        parent = event.run.parent
        run_facets = _decoded(event.run.facets)
        # The parent facet's leftovers (root, forwarded facets) are checked separately.
        run_facets.pop("parent", None)
        summary["run"] = (
            event.run.run_id,
            (parent.run_id, parent.job_namespace, parent.job_name) if parent else None,
            run_facets,
        )
    if event.job is not None:
        summary["job"] = (event.job.namespace, event.job.name, _decoded(event.job.facets))
        summary["inputs"] = [parsed_dataset(d) for d in event.inputs]
        summary["outputs"] = [parsed_dataset(d) for d in event.outputs]
    if event.dataset is not None:
        summary["dataset"] = parsed_dataset(event.dataset)
    return summary


def _expected_event_time_us(value: str) -> int:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "index"), list(_concrete_params()))
def test_concrete_event_parses_without_loss(path: Path, index: int) -> None:
    doc = fill_templates(raw_documents(path)[index])
    parsed = parse_openlineage(doc)

    drops = EXPECTED_DROPS.get(path.name, set())
    assert {(d.location, d.facet) for d in parsed.dropped_facets} == drops, parsed.dropped_facets
    assert all(d.reason for d in parsed.dropped_facets)
    assert parsed_summary(parsed.event) == expected_summary(doc, drops)
    assert parsed.event.event_time_us == _expected_event_time_us(doc["eventTime"])
    assert parsed.event.event_id == derive_event_id(doc)
    assert parsed.event.schema_url == doc.get("schemaURL")
    if parsed.event.kind is not EventKind.RUN:
        assert parsed.event.event_type is None


@pytest.mark.parametrize(("path", "index"), list(_concrete_params()))
def test_concrete_event_survives_the_avro_contract(path: Path, index: int) -> None:
    event = parse_openlineage(fill_templates(raw_documents(path)[index])).event
    schema = latest_schema().parsed
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, event_to_record(event))
    buffer.seek(0)
    record = fastavro.schemaless_reader(buffer, schema, schema)
    assert isinstance(record, dict)
    assert event_from_record(record) == event


@pytest.mark.parametrize("path", _concrete_files())
def test_file_reader_yields_every_document(path: Path) -> None:
    assert list(read_openlineage_documents(path)) == raw_documents(path)


def test_parent_root_is_kept_in_the_run_facets() -> None:
    path = CONCRETE / "ol_dbt_singular_test_result_array.json"
    if not path.is_file():
        pytest.skip(MISSING)
    for doc in raw_documents(path):
        parent = (doc["run"].get("facets") or {}).get("parent")
        if parent is None or "root" not in parent:
            continue
        run = parse_openlineage(doc).event.run
        assert run is not None
        assert json.loads(run.facets["parent"])["root"] == parent["root"]


def test_unfilled_event_time_template_is_rejected() -> None:
    path = CONCRETE / "mq_docker_metadata_template_food_delivery_array.json"
    if not path.is_file():
        pytest.skip(MISSING)
    with pytest.raises(ValidationError, match="eventTime"):
        parse_openlineage(raw_documents(path)[0])
