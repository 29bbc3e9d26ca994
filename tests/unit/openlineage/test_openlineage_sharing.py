"""The JSON decoder shares equal schemas and column lineage between events, as the Avro decoder does:
the stages after it compare by identity first, so a schema seen before costs them a lookup, not a
rebuild (on the benchmark's stream as JSON, the pipeline took 440-456 us per record instead of
633-652)."""

from __future__ import annotations

import json
from typing import Any

from lineage_stream.contract.codec import Schemas
from lineage_stream.model import SchemaField
from lineage_stream.openlineage import decode_openlineage_json


def _event(run_id: str, description: str = "order id") -> bytes:
    schema = {"fields": [{"name": "id", "type": "long", "description": description},
                         {"name": "address", "type": "struct", "fields": [{"name": "city", "type": "string"}]}]}
    lineage = {"fields": {"id": {"inputFields": [
        {"namespace": "pg://db:5432", "name": "shop.orders", "field": "id",
         "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}]}]}}}
    doc: dict[str, Any] = {
        "eventType": "COMPLETE", "eventTime": "2024-07-05T09:04:13.979349Z", "producer": "https://example.com/p",
        "run": {"runId": run_id}, "job": {"namespace": "airflow", "name": "load"},
        "outputs": [{"namespace": "pg://db:5432", "name": "shop.orders_copy",
                     "facets": {"schema": schema, "columnLineage": lineage}}],
    }
    return json.dumps(doc).encode()


def test_equal_schemas_and_column_lineage_are_one_object_across_events() -> None:
    schemas = Schemas()
    first = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee831"), schemas=schemas).event
    second = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee832"), schemas=schemas).event
    assert first.outputs[0].fields is second.outputs[0].fields
    assert first.outputs[0].column_lineage is second.outputs[0].column_lineage
    assert first.outputs[0].fields == (
        SchemaField("id", "long", "order id"),
        SchemaField("address", "struct", None, (SchemaField("city", "string"),)),
    )


def test_a_changed_column_is_a_schema_of_its_own_that_shares_the_unchanged_fields() -> None:
    schemas = Schemas()
    first = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee831"), schemas=schemas).event
    changed = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee832", "the order's id"),
                                      schemas=schemas).event
    assert changed.outputs[0].fields is not first.outputs[0].fields
    assert changed.outputs[0].fields[0].description == "the order's id"
    assert changed.outputs[0].fields[1] is first.outputs[0].fields[1]


def test_without_a_schemas_each_event_is_built_on_its_own() -> None:
    first = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee831")).event
    second = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee832")).event
    assert first.outputs[0].fields == second.outputs[0].fields
    assert first.outputs[0].fields is not second.outputs[0].fields


def test_the_workers_json_decoder_shares_between_the_records_it_decodes() -> None:
    from lineage_stream.pipeline.decode import OpenLineageJsonDecoder

    decode = OpenLineageJsonDecoder(max_bytes=1 << 20, clock_us=lambda: 1_720_170_000_000_000)
    first = decode(_event("01908223-0782-79b8-9495-b1c38aaee831"))
    second = decode(_event("01908223-0782-79b8-9495-b1c38aaee832"))
    assert first.outputs[0].fields is second.outputs[0].fields


def test_a_schema_found_again_is_not_checked_again_but_a_malformed_one_still_is() -> None:
    """A schema built before is taken by its content (no field is checked again); a facet that only
    looks like one (a type that is not a string, a field that is not an object) is checked, and dropped."""
    schemas = Schemas()
    good = decode_openlineage_json(_event("01908223-0782-79b8-9495-b1c38aaee831"), schemas=schemas)
    assert good.dropped_facets == ()
    for bad_field in ({"name": "id", "type": 5, "description": "order id"}, {"name": "id", "type": ["long"]},
                      "id", {"type": "long"},
                      {"name": "id", "type": "long", "description": "order id", "fields": ""},
                      {"name": "id", "type": "long", "description": "order id", "fields": {}}):
        doc = json.loads(_event("01908223-0782-79b8-9495-b1c38aaee832"))
        doc["outputs"][0]["facets"]["schema"]["fields"][0] = bad_field
        parsed = decode_openlineage_json(json.dumps(doc).encode(), schemas=schemas)
        assert [d.facet for d in parsed.dropped_facets] == ["schema"], bad_field
        assert parsed.event.outputs[0].fields is None
    for shape in (None, "fields", {"id": {}}, [["id"]], [{"name": "id", "fields": 0}]):
        assert schemas.known(shape) is None
