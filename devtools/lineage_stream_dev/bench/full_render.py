"""The sustained benchmark's report as text (pure), and writing it into ``docs/benchmarks.md``.

The generated part of the doc sits between two marker lines; ``write_doc`` replaces only that part,
so the prose around it (and sections others add) stays as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from lineage_stream_dev.bench.profile import shares
from lineage_stream_dev.bench.report import fmt_rate, table

BEGIN = "<!-- lineage-stream bench: generated, begin -->"
END = "<!-- lineage-stream bench: generated, end -->"


def _ratio(ours: float, other: float) -> str:
    return f"{ours / other:.2f}x" if other > 0 else "-"


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{float(value):.2f} s"


def _ms(value: Any) -> str:
    return "-" if value is None else f"{float(value) * 1000:,.0f} ms"


def throughput_rows(results: Mapping[str, Any]) -> list[list[str]]:
    """One row per measured run: name, records, seconds, records/s, ours ÷ it."""
    ours = float(results["ours"]["rate"])
    rows = []
    for key, label in (("b0", "B0 raw intake: consume() + decode, nothing else"),
                       ("b1", "B1 Neo4j ceiling: our write batches replayed"),
                       ("b2", "B2 naive: poll, decode, one MERGE tx per event"),
                       ("ours", "ours: the worker, end to end (steady state)")):
        figures = results[key]
        seconds = figures["steady_seconds"] if key == "ours" else figures["seconds"]
        records = figures["handled"] if key == "ours" else figures["records"]
        rows.append([label, f"{records:,}", f"{seconds:,.1f} s", fmt_rate(float(figures["rate"])),
                     "1.00x" if key == "ours" else _ratio(ours, float(figures["rate"]))])
    return rows


def render_full(results: Mapping[str, Any]) -> str:
    stream, ours, b1 = results["stream"], results["ours"], results["b1"]
    out = [
        f"stream: {stream['records']:,} records ({stream['distinct_events']:,} distinct events; "
        f"{stream['duplicate_share']:.0%} re-sent, {stream['out_of_order_share']:.0%} late, {stream['pii_share']:.0%} "
        f"with PII), {stream['mean_bytes']:,.0f} bytes per record, {stream['datasets']:,} datasets and "
        f"{stream['jobs']:,} jobs drawn by Zipf (s={stream['zipf_s']}), topic of {stream['partitions']} partitions, "
        f"{'OpenLineage JSON' if results['config']['json_format'] else 'Avro'}; produced in "
        f"{stream['produce_s']:,.1f} s before any clock started",
        f"Neo4j: {results['neo4j']['server']}, memory: {results['neo4j'].get('memory', 'unknown')}, "
        + ("emptied before each phase" if not results["config"]["scoped"] else
           f"NOT emptied (--scoped; {results['neo4j']['non_bench_nodes_before']:,} other nodes present)"),
        "settings: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in results["config"].items()),
        "",
        "throughput (records/s: records taken off the topic and, except B0, committed in Neo4j or dropped as duplicates)",
        table(["run", "records", "time", "records/s", "ours ÷ run"], throughput_rows(results)),
        "",
        "the worker",
        table(["measure", "value"], [
            ["records/s, steady state", f"{fmt_rate(float(ours['rate']))} ({ours['window']} of the records, "
                                        f"{float(ours['steady_seconds']):,.1f} s)"],
            ["totals", ", ".join(f"{k} {v:,}" for k, v in (ours["totals"] or {}).items())],
            ["peak RSS", f"{float(ours['peak_rss_mib']):,.0f} MiB (dedup window pre-filled with "
                         f"{int(ours['prefilled'] or 0):,} IDs; {int(ours['dedup_ids'] or 0):,} held at exit)"],
            ["start-up to first commit", f"{_seconds(ours['startup_s'])} (process start -> first batch committed, "
                                         "less the bench's filling of the dedup window; of it, before run_worker (imports, settings) "
                                         f"{_seconds(ours.get('before_run_s'))})"],
            ["--until-idle exit delay", f"{_seconds(ours['exit_delay_s'])} (last commit -> run_worker returned)"],
            ["graph rows per event", f"{b1['rows'] / max(b1['written_events'], 1):.1f} "
                                     f"({b1['rows']:,} rows for {b1['written_events']:,} events written, in B1's batches)"],
            ["CPU seconds (worker process)", f"{float(ours['cpu_s'] or 0):,.1f} s over {float(ours['wall_s']):,.1f} s wall"],
        ]),
    ]
    if results.get("latency"):
        rows = [[f"{e['load']:.0%}", fmt_rate(float(e["target_rate"])), fmt_rate(float(e["achieved_rate"])),
                 f"{e['committed']:,}", _ms(e["p50"]), _ms(e["p95"]), _ms(e["p99"]),
                 _ms(e.get("p95_whole_run"))] for e in results["latency"]]
        warmup = float(results["latency"][0].get("warmup_s", 0.0))
        out += ["", "latency, event time -> Neo4j commit, with a producer sending beside the worker "
                    f"(load = share of the steady rate above; events sent after a {warmup:.0f} s warm-up, "
                    "and the p95 of the whole run with it)",
                table(["load", "target", "sent", "events", "p50", "p95", "p99", "p95 incl. warm-up"], rows)]
    if results.get("profile"):
        seconds = results["profile"]["seconds"]
        rows = [[name, f"{value:,.2f} s", f"{share:.0%}"] for name, value, share in shares(seconds)]
        out += ["", f"CPU of the worker's main thread per stage (cProfile, {results['profile']['records']:,} records; "
                    f"{seconds.get('total', 0.0):,.1f} s in Worker.run)",
                table(["stage", "CPU", "share"], rows)]
    return "\n".join(out)


def doc_block(command: str, when: str, facts: Mapping[str, str], report: str, elapsed_s: float) -> str:
    facts_text = "\n".join(f"  {k.ljust(max(map(len, facts)))}  {v}" for k, v in facts.items())
    return "\n".join([
        BEGIN,
        f"Generated by `{command}` on {when} ({elapsed_s / 60:.1f} minutes).",
        "",
        "```",
        facts_text,
        "",
        report,
        "```",
        END,
    ])


def write_doc(path: Path, block: str) -> None:
    """Replace the generated block of ``path`` (or append one if it has none).

    Raises:
        ValueError: the file has a begin marker without an end marker after it.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find(BEGIN)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        end = text.find(END, start)
        if end < 0:
            raise ValueError(f"{path} has {BEGIN!r} but no {END!r} after it")
        text = text[:start] + block + text[end + len(END):]
    path.write_text(text, encoding="utf-8")
