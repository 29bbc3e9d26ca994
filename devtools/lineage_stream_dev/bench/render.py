"""The benchmark's printed report: what is measured (before measuring) and the figures (after)."""

from __future__ import annotations

from lineage_stream_dev.bench.consume import CONFLUENT, FAUST, ConsumeReport
from lineage_stream_dev.bench.pipeline import PipelineReport
from lineage_stream_dev.bench.report import fmt_rate, fmt_ratio, fmt_seconds, fmt_spread, table
from lineage_stream_dev.bench.worker import WorkerReport

PLAN = {
    "consume": (
        "(a)/(b) consume + decode, framework against framework, on the SAME records: N generated events are\n"
        "    produced once with LineageProducer (Confluent-framed Avro, lz4) to a fresh 3-partition topic; then,\n"
        "    R times alternating which goes first, each framework reads the whole topic from the beginning with a\n"
        "    fresh consumer group in a fresh subprocess and decodes every record with the worker's AvroDecoder:\n"
        "      (a) confluent-kafka: Consumer.consume(num_messages=1000, timeout=1.0) loop\n"
        "      (b) faust-streaming: one agent over stream.take(1000, within=1.0), value_serializer='raw'\n"
        "    events/s = records / (first batch handed over -> N-th record decoded); start-up = process start ->\n"
        "    first batch; ratio a/b = paired per repetition."
    ),
    "pipeline": (
        "(c) pure pipeline, no I/O, one batch of 1000 at a time as Worker.process runs it: decode\n"
        "    (AvroDecoder over in-memory records), then the worker's stages (dedup, normalize, redact, rollup)\n"
        "    + plan_batch, each timed; plus one extra pass timing every step on its own."
    ),
    "worker": (
        "(d) end-to-end worker: run_worker(until_idle=True) on fresh topics and a fresh consumer group, events\n"
        "    under a fresh bench-<token> namespace, into Neo4j; events/s = written / run_worker wall time\n"
        "    (start-up included); everything the bench wrote is deleted afterwards."
    ),
}


def render_facts(facts: dict[str, str]) -> str:
    width = max(len(k) for k in facts)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in facts.items())


def render_consume(report: ConsumeReport) -> str:
    what = "consume + decode" if report.decode else "consume only (NOT decoded: transport alone)"
    lines = [
        f"(a)/(b) {what}: {report.events:,} records, topic {report.topic} "
        f"({report.partitions} partitions, {report.compression}, {report.mean_record_bytes:,.0f} bytes/record), "
        f"produced in {report.produce_s:.1f} s",
    ]
    rows = []
    for framework in (CONFLUENT, FAUST):
        summary = report.summary(framework)
        if framework in report.skipped or summary is None:
            rows.append([framework, "-", "-", "-", "-", "-", "-", report.skipped.get(framework, "no complete run")])
            continue
        startup, overall = report.startup(framework), report.overall(framework)
        walls = [r.wall_s for r in report.runs if r.framework == framework]
        per_run = ", ".join(f"{r:,.0f}" for r in report.rates(framework))
        rows.append([framework, *fmt_spread(summary), fmt_seconds(startup.median if startup else None),
                     fmt_rate(overall.median) if overall else "-", fmt_seconds(sorted(walls)[len(walls) // 2]), per_run])
    lines.append(table(["framework", "median", "min", "max", "start-up", "incl. start-up", "process wall",
                        "events/s per repetition"], rows))
    ratio = report.ratio()
    if ratio is not None:
        lines.append(f"  ratio confluent-kafka / faust-streaming (paired per repetition): median {fmt_ratio(ratio.median)}"
                     f" (min {fmt_ratio(ratio.low)}, max {fmt_ratio(ratio.high)}, {ratio.count} pairs)")
    order = "; ".join(f"{r.repetition + 1}:{r.framework}" for r in report.runs if r.position == 1)
    lines.append(f"  went first: {order}")
    for run in report.runs:
        if not run.complete:
            lines.append(f"  INCOMPLETE {run.framework} repetition {run.repetition + 1}: decoded {run.decoded:,}/"
                         f"{run.events:,}, errors {run.errors}, {run.first_error or ''}")
            lines.extend(f"    | {line}" for line in run.log_tail[-8:])
    return "\n".join(lines)


def render_pipeline(report: PipelineReport) -> str:
    rows = [
        ["decode (AvroDecoder)", *fmt_spread(report.decode)],
        ["stages + plan_batch", *fmt_spread(report.pipeline)],
    ]
    # Both steps run one after the other on one core in the worker: their rates combine harmonically.
    combined = 1.0 / (1.0 / report.decode.median + 1.0 / report.pipeline.median)
    rows.append(["decode + stages + plan (derived)", fmt_rate(combined), "", ""])
    lines = [f"(c) pure pipeline: {report.events:,} events in batches of {report.batch_size:,}, "
             f"{report.passed:,} passed, {report.dropped:,} dropped, {report.rejected:,} rejected, "
             f"{report.graph_rows:,} graph rows per pass",
             table(["step", "median", "min", "max"], rows)]
    total = sum(report.stage_seconds.values()) or 1.0
    breakdown = [[name, f"{seconds:.2f} s", f"{100.0 * seconds / total:.0f}%",
                  fmt_rate(report.events / seconds) if seconds > 0 else "-"]
                 for name, seconds in report.stage_seconds.items()]
    lines.append("  time per step, one extra pass:")
    lines.append(table(["step", "seconds", "share", "alone"], breakdown, indent="    "))
    return "\n".join(lines)


def render_worker(report: WorkerReport) -> str:
    lines = [f"(d) end-to-end worker: {report.events:,} events per repetition, batch size {report.batch_size:,}, "
             f"Neo4j {report.neo4j_server or 'unknown'}"]
    rows = []
    for run in report.runs:
        neo4j_share = f"{100.0 * run.neo4j_s / run.wall_s:.0f}%" if run.wall_s else "-"
        rows.append([str(run.repetition + 1), f"{run.totals.get('written', 0):,}", f"{run.totals.get('rejected', 0):,}",
                     fmt_seconds(run.wall_s), fmt_rate(run.rate), fmt_seconds(run.first_consumed_s),
                     fmt_rate(run.steady_rate), f"{run.neo4j_s:.1f} s ({neo4j_share})",
                     f"{sum(run.deleted.values()):,}"])
    lines.append(table(["repetition", "written", "rejected", "wall", "events/s (wall)", "start-up",
                        "events/s (running)", "in Neo4j tx", "nodes deleted"], rows))
    summary, steady = report.summary, report.steady
    if summary is not None:
        lines.append(f"  wall: median {fmt_rate(summary.median)} (min {fmt_rate(summary.low)}, max {fmt_rate(summary.high)})"
                     " -- start-up and the final idle check included")
    if steady is not None:
        lines.append(f"  running (first record consumed -> last event written): median {fmt_rate(steady.median)} "
                     f"(min {fmt_rate(steady.low)}, max {fmt_rate(steady.high)})")
    lines.extend(f"  problem: {p}" for p in report.problems)
    return "\n".join(lines)
