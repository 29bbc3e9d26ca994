from __future__ import annotations

from lineage_stream.governance.cardinality import NamespaceBudget, Sampler, SamplingRule, keeps_run
from lineage_stream.pipeline.rollup import PartitionRules, RollupStage
from factories import dataset, run_event


def test_sampling_is_deterministic_by_run_id_and_close_to_its_rate():
    ids = [f"run-{i}" for i in range(20_000)]
    kept = [i for i in ids if keeps_run(i, 0.1)]
    assert kept == [i for i in ids if keeps_run(i, 0.1)]  # the same answer every time, in every worker
    assert 0.09 < len(kept) / len(ids) < 0.11
    assert all(keeps_run(i, 1.0) for i in ids[:100]) and not any(keeps_run(i, 0.0) for i in ids[:100])


def test_sampled_out_runs_keep_job_and_dataset_lineage():
    stage = RollupStage(sampler=Sampler([SamplingRule("busy/*", 0.0)]))
    event = run_event("r1", job=("busy", "stream"), inputs=(dataset("a"),), outputs=(dataset("b"),))
    out = stage(event)
    assert out.run is None and out.job == event.job and out.inputs == event.inputs and out.outputs == event.outputs
    quiet = run_event("r1", job=("quiet", "daily"), inputs=(dataset("a"),))
    assert stage(quiet) is quiet


def test_a_namespace_over_budget_is_reported_once():
    seen: list[tuple[str, int]] = []
    stage = RollupStage(budget=NamespaceBudget(3), on_over_budget=lambda ns, b: seen.append((ns, b)))
    for i in range(10):
        stage(run_event(f"r{i}", inputs=(dataset(f"t{i}", namespace="s3://wide"), dataset("x", namespace="s3://narrow"))))
    assert seen == [("s3://wide", 3)]


def test_partition_rules_are_configurable():
    rules = PartitionRules([r"run-\d+", r"\d{8}"])
    assert rules.split("lake/events/run-42") == ("lake/events", "run-42")
    assert rules.split("lake/events/20240501") == ("lake/events", "20240501")
    assert rules.split("lake/events/dt=2024-05-01") == ("lake/events/dt=2024-05-01", None)  # not in these rules
    out = RollupStage(rules)(run_event(outputs=(dataset("t/run-1"), dataset("t/run-2"))))
    assert [(d.name, d.partitions) for d in out.outputs] == [("t", ("run-1", "run-2"))]
