from __future__ import annotations

import pytest

from lineage_stream.model import FieldLineage, InputField
from lineage_stream.pipeline.rollup import RollupStage, fold_datasets, split_partition
from factories import dataset, run_event


@pytest.mark.parametrize("name,parent,partition", [
    ("lake/events/dt=2024-05-01/hr=07", "lake/events", "dt=2024-05-01/hr=07"),
    ("events/2024/05/01", "events", "2024/05/01"),
    ("events/2024/05/01/07", "events", "2024/05/01/07"),
    ("events/2024-05-01", "events", "2024-05-01"),
    ("/data/x/year=2024/", "/data/x", "year=2024"),
    ("db.schema.table", "db.schema.table", None),
    ("bucket/x/07", "bucket/x/07", None),           # a lone number is not a date path
    ("2024-05-01", "2024-05-01", None),              # nothing left to fold into
    ("dt=2024-05-01", "dt=2024-05-01", None),
    ("reports/v2", "reports/v2", None),
])
def test_split_partition(name, parent, partition):
    assert split_partition(name) == (parent, partition)


def test_partitions_of_one_table_merge_into_one_dataset():
    folded = fold_datasets([dataset("t/dt=2024-05-01"), dataset("t/dt=2024-05-02"), dataset("other")])
    assert [(d.name, d.partitions) for d in folded] == [("t", ("dt=2024-05-01", "dt=2024-05-02")), ("other", ())]


def test_stage_folds_inputs_outputs_and_column_lineage_sources():
    out = dataset("curated", column_lineage=(FieldLineage("a", (InputField("postgres://db:5432", "raw/dt=2024-01-01", "a"),)),))
    event = RollupStage()(run_event(inputs=(dataset("raw/dt=2024-01-01"),), outputs=(out,)))
    assert event.inputs[0].name == "raw"
    assert event.outputs[0].column_lineage[0].inputs[0].name == "raw"


def test_hostile_names_fold_in_linear_time():
    name = "a/" + "dt=1/" * 20_000
    parent, partition = split_partition(name)
    assert parent == "a" and partition is not None
