from __future__ import annotations

from dataclasses import fields

from lineage_stream.model import Dataset, FieldLineage, InputField, SchemaField, Symlink, Transformation
from lineage_stream.pipeline.normalize import NormalizeStage
from factories import run_event


def test_normalizing_a_dataset_keeps_every_other_field_of_it():
    raw = Dataset(
        namespace="postgres://db.internal:5432", name="shop.public.orders",
        fields=(SchemaField("id", "INT"),),
        column_lineage=(FieldLineage("id", (InputField("postgres://db.internal:5432", "shop.public.src", "id",
                                                       (Transformation("DIRECT", "IDENTITY", None, False),)),)),),
        symlinks=(Symlink("hive://metastore", "db.orders", "TABLE"),),
        facets={"documentation": "{}"}, io_facets={"outputStatistics": "{}"}, partitions=("day=1",),
    )
    assert {f.name for f in fields(Dataset)} == {
        "namespace", "name", "fields", "column_lineage", "symlinks", "facets", "io_facets", "raw_namespace",
        "raw_name", "naming_rule", "partitions"}, "a new Dataset field: NormalizeStage._dataset must carry it"
    (out,) = NormalizeStage()(run_event(outputs=(raw,))).outputs
    assert (out.raw_namespace, out.raw_name) == (raw.namespace, raw.name) and out.naming_rule
    assert (out.fields, out.facets, out.io_facets, out.partitions) == (raw.fields, raw.facets, raw.io_facets, raw.partitions)
    assert out.column_lineage[0].inputs[0].transformations == raw.column_lineage[0].inputs[0].transformations
    assert out.symlinks[0].type == "TABLE"
