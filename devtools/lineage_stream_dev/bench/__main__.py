"""``python -m lineage_stream_dev.bench``: measure, then print figures a decision can rest on.

    python -m lineage_stream_dev.bench [--events N] [--repeat R] [--only consume|pipeline|worker] [--json PATH]

(a)/(b) compare confluent-kafka and faust-streaming consuming + decoding the same Avro records,
(c) measures the pure stages + ``plan_batch``, (d) the end-to-end worker into Neo4j. (a), (b) and
(d) need Kafka and the schema registry ((d) also Neo4j); (c) needs nothing. The CLI can be
mounted as ``lineage-stream bench`` with ``add_arguments`` and ``run``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import urllib.request
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from lineage_stream_dev.bench import consume, full, full_render, pipeline, render, worker
from lineage_stream_dev.bench.report import machine_facts
from lineage_stream.errors import ConfigError
from lineage_stream.settings import DEFAULTS, Settings, neo4j_settings


def _default_batch_size() -> int:
    return int(Settings.model_fields["batch_size"].default)

log = logging.getLogger("lineage_stream_dev.bench")

PARTS = ("stream", "consume", "pipeline", "worker")
DESCRIPTION = ("Benchmark lineage-stream. By default: the worker against its baselines (B0 raw intake, B1 Neo4j "
               "ceiling, B2 naive) on one realistic pre-filled stream, with latency under load, peak RSS, start-up "
               "and a per-stage profile. --only consume|pipeline|worker: confluent-kafka vs faust-streaming (a/b), "
               "the pure pipeline (c), a short end-to-end worker run (d).")
STREAM_PLAN = (
    "stream: one realistic stream, produced before any clock starts, read by the worker and by its baselines:\n"
    "    B0 raw intake (consume() + decode), B1 Neo4j ceiling (our own write batches, planned in memory, replayed),\n"
    "    ours (the worker process, dedup window pre-filled, until idle), B2 naive (one auto-commit MERGE per\n"
    "    event), a cProfile of the worker, and latency with a producer at 50%/80% of ours beside the worker."
)


def _loads(text: str) -> tuple[float, ...]:
    try:
        loads = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--loads takes fractions such as 0.5,0.8, got {text!r}") from None
    if any(not 0.0 < load <= 1.0 for load in loads):
        raise argparse.ArgumentTypeError(f"each load must be in (0, 1], got {text!r}")
    return loads


def add_arguments(parser: argparse.ArgumentParser) -> None:
    stream = parser.add_argument_group("the sustained benchmark (the default part, 'stream')")
    stream.add_argument("--records", type=int, default=300_000, metavar="N",
                        help="records in the stream, duplicates included (default 300,000)")
    stream.add_argument("--format", choices=("avro", "json"), default="avro",
                        help="the stream's wire format: Avro through the SDK (default) or OpenLineage JSON")
    stream.add_argument("--batch-size", type=int, default=None, metavar="N",
                        help=f"the worker's batch size (env LINEAGE_BATCH_SIZE, default {_default_batch_size()})")
    stream.add_argument("--prefill", type=int, default=1_000_000, metavar="N",
                        help="IDs in the worker's dedup window before it starts (default 1,000,000)")
    stream.add_argument("--naive-seconds", type=float, default=30.0, metavar="S", help="length of the B2 sample (default 30)")
    stream.add_argument("--profile-records", type=int, default=50_000, metavar="N",
                        help="records of the profiled worker run (default 50,000; 0 skips it)")
    stream.add_argument("--latency-seconds", type=float, default=30.0, metavar="S",
                        help="length of each latency run (default 30)")
    stream.add_argument("--job-io", choices=("stable", "per-run"), default="stable",
                        help="stable (default): each job reads and writes the same datasets at every run; "
                             "per-run: every run draws them afresh (most graph structure new at every event)")
    stream.add_argument("--latency-warmup", type=float, default=5.0, metavar="S",
                        help="seconds each latency run sends before its events count (default 5)")
    stream.add_argument("--loads", type=_loads, default=(0.5, 0.8), metavar="A,B",
                        help="latency loads as fractions of the measured rate (default 0.5,0.8)")
    stream.add_argument("--neo4j-uri", default=None,
                        help="the Neo4j the bench may empty (env LINEAGE_BENCH_NEO4J_URI, then LINEAGE_NEO4J_URI; "
                             "user and password from LINEAGE_NEO4J_USER/LINEAGE_NEO4J_PASSWORD)")
    stream.add_argument("--wipe", action="store_true",
                        help="allow deleting EVERYTHING in that Neo4j (needed unless it holds only bench data)")
    stream.add_argument("--scoped", action="store_true",
                        help="never empty the graph: delete only what the bench wrote (the graph is then not empty)")
    stream.add_argument("--write-doc", nargs="?", const=Path("docs/benchmarks.md"), type=Path, default=None,
                        metavar="PATH", help="write the figures into PATH's generated block (default docs/benchmarks.md)")
    parser.add_argument("--all", action="store_true", help="run every part: stream, consume, pipeline, worker")
    parser.add_argument("--events", type=int, default=50_000, metavar="N",
                        help="records for the framework comparison (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="repetitions of each measurement (default 3)")
    parser.add_argument("--only", choices=PARTS,
                        help="run one part: stream (the default), consume = (a)/(b), pipeline = (c), worker = (d)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure as JSON here")
    parser.add_argument("--pipeline-events", type=int, default=5_000, metavar="N",
                        help="events for (c), the pure pipeline (default 5,000)")
    parser.add_argument("--worker-events", type=int, default=3_000, metavar="N",
                        help="events per repetition for (d), the worker into Neo4j (default 3,000)")
    parser.add_argument("--worker-repeat", type=int, default=None, metavar="R",
                        help="repetitions of (d) (default: --repeat)")
    parser.add_argument("--compression", choices=("lz4", "none"), default="lz4",
                        help="producer compression of the comparison topic (default lz4, as LineageProducer)")
    parser.add_argument("--no-decode", action="store_true",
                        help="(a)/(b) without decoding: the Kafka client and framework alone, for diagnosis")
    parser.add_argument("--seed", type=int, default=7, help="event generator seed (default 7)")
    parser.add_argument("--bootstrap", default=None,
                        help=f"Kafka bootstrap servers (env LINEAGE_KAFKA_BOOTSTRAP, default {DEFAULTS['LINEAGE_KAFKA_BOOTSTRAP']})")
    parser.add_argument("--registry", default=None,
                        help=f"schema registry URL (env LINEAGE_REGISTRY_URL, default {DEFAULTS['LINEAGE_REGISTRY_URL']})")


def services_problem(kafka: consume.KafkaTarget) -> str | None:
    """Why Kafka or the registry cannot be used, or None when both answer."""
    from confluent_kafka.admin import AdminClient

    try:
        AdminClient({"bootstrap.servers": kafka.bootstrap}).list_topics(timeout=5.0)
    except Exception as error:
        return f"Kafka at {kafka.bootstrap} does not answer: {error}"
    try:
        with urllib.request.urlopen(f"{kafka.registry.rstrip('/')}/subjects", timeout=5.0) as response:
            if response.status != 200:
                return f"the schema registry answered HTTP {response.status}"
    except Exception as error:
        return f"the schema registry at {kafka.registry} does not answer: {error}"
    return None


def neo4j_problem_of(env: Mapping[str, str]) -> str | None:
    """Why Neo4j cannot be used (per the ``LINEAGE_NEO4J_*`` settings), or None when it answers."""
    import neo4j

    settings = neo4j_settings(env)
    try:
        with neo4j.GraphDatabase.driver(settings.uri, auth=(settings.user, settings.secret_password())) as driver:
            driver.verify_connectivity()
    except Exception as error:
        return f"Neo4j at {settings.uri} does not answer: {error}"
    return None


def _say(text: str) -> None:
    print(text, flush=True)


def run(args: argparse.Namespace) -> int:
    for name in ("events", "repeat", "pipeline_events", "worker_events", "records"):
        if getattr(args, name) < 1:
            print(f"--{name.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    kafka = consume.KafkaTarget(
        args.bootstrap or os.environ.get("LINEAGE_KAFKA_BOOTSTRAP") or DEFAULTS["LINEAGE_KAFKA_BOOTSTRAP"],
        args.registry or os.environ.get("LINEAGE_REGISTRY_URL") or DEFAULTS["LINEAGE_REGISTRY_URL"],
    )
    parts = [args.only] if args.only else (list(PARTS) if args.all else ["stream"])
    worker_repeat = args.worker_repeat or args.repeat
    facts = machine_facts()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load is not None:
        facts["load average"] = " ".join(f"{v:.2f}" for v in load) + " (1, 5, 15 min, before the run)"
    given = sys.argv[1:]
    if given[:1] == ["bench"]:  # run as `lineage-stream bench ...`
        given = given[1:]
    command = " ".join(["python -m lineage_stream_dev.bench", *given])
    _say(f"lineage-stream bench, {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
    _say(render.render_facts(facts))
    _say("\nmeasures:")
    sizes = {"consume": f"N={args.events:,}, R={args.repeat}", "pipeline": f"N={args.pipeline_events:,}, R={args.repeat}",
             "worker": f"N={args.worker_events:,}, R={worker_repeat}", "stream": f"N={args.records:,}"}
    plans = {**render.PLAN, "stream": STREAM_PLAN}
    for part in parts:
        _say(f"  {plans[part]}\n    [{sizes[part]}]")
    kafka_problem = services_problem(kafka) if {"consume", "worker", "stream"} & set(parts) else None
    neo4j_problem = neo4j_problem_of(os.environ) if "worker" in parts and not kafka_problem else None
    bench_neo4j = full.resolve_neo4j(args.neo4j_uri, os.environ)
    stream_problem = (neo4j_problem_of({**os.environ, "LINEAGE_NEO4J_URI": bench_neo4j.uri})
                      if "stream" in parts and not kafka_problem else None)
    skipped: dict[str, str] = {}
    for part in parts:
        reason = kafka_problem if part in ("consume", "worker", "stream") else None
        reason = reason or (neo4j_problem if part == "worker" else None) or (stream_problem if part == "stream" else None)
        if reason:
            skipped[part] = reason
            _say(f"\nskipping {part}: {reason}")
    results: dict[str, Any] = {"command": command, "facts": facts, "kafka": asdict(kafka), "skipped": skipped}
    sections: list[str] = []
    failures: list[str] = []
    started = time.perf_counter()

    def attempt(part: str, title: str, measure: Callable[[], tuple[str, dict[str, Any]]]) -> None:
        if part not in parts or part in skipped:
            return
        _say(f"\n-- {title}")
        try:
            section, figures = measure()
        except ConfigError:
            raise  # a refusal (a graph the bench may not empty), not a failed measurement
        except Exception as error:  # one part failing must not lose the others' figures
            log.debug("%s failed", part, exc_info=True)
            failures.append(f"{title} failed: {type(error).__name__}: {error}")
            _say(f"  {failures[-1]}")
            return
        sections.append(section)
        results[part] = figures

    def measure_consume() -> tuple[str, dict[str, Any]]:
        report = consume.measure(kafka, args.events, args.repeat, _say, seed=args.seed, compression=args.compression,
                                 decode=not args.no_decode)
        ratio = report.ratio()
        return render.render_consume(report), {
            **asdict(report), "ratio_confluent_over_faust": _maybe(ratio),
            "summary": {f: _maybe(report.summary(f)) for f in (consume.CONFLUENT, consume.FAUST)}}

    def measure_pipeline() -> tuple[str, dict[str, Any]]:
        pipe = pipeline.measure(args.pipeline_events, args.repeat, _say, seed=args.seed)
        return render.render_pipeline(pipe), {**asdict(pipe), "decode": asdict(pipe.decode),
                                              "stages_and_plan": asdict(pipe.pipeline)}

    def measure_worker() -> tuple[str, dict[str, Any]]:
        work = worker.measure(kafka, args.worker_events, worker_repeat, _say, seed=args.seed)
        return render.render_worker(work), {**asdict(work), "summary": _maybe(work.summary),
                                            "running": _maybe(work.steady)}

    def measure_stream() -> tuple[str, dict[str, Any]]:
        config = full.FullConfig(
            records=args.records, json_format=args.format == "json", seed=args.seed,
            batch_size=args.batch_size or int(os.environ.get("LINEAGE_BATCH_SIZE") or _default_batch_size()),
            prefill=args.prefill, naive_seconds=args.naive_seconds, profile_records=args.profile_records,
            latency_seconds=args.latency_seconds, latency_warmup_seconds=args.latency_warmup, loads=args.loads,
            job_io=args.job_io, wipe=args.wipe, scoped=args.scoped)
        figures = full.run_full(config, kafka, bench_neo4j, os.environ, _say)
        return full_render.render_full(figures), figures

    attempt("stream", "the sustained benchmark", measure_stream)
    attempt("consume", "(a)/(b) consume + decode" if not args.no_decode else "(a)/(b) consume only", measure_consume)
    attempt("pipeline", "(c) pure pipeline", measure_pipeline)
    attempt("worker", "(d) end-to-end worker", measure_worker)
    results["failures"] = failures
    elapsed = time.perf_counter() - started
    results["elapsed_s"] = elapsed
    _say(f"\n== results ({elapsed:.0f} s) ==")
    _say("\n\n".join(sections) if sections else "  nothing was measured")
    for part, reason in skipped.items():
        _say(f"\nnot measured: {part}: {reason}")
    for failure in failures:
        _say(f"\nFAILED: {failure}")
    if args.write_doc and "stream" in results:
        block = full_render.doc_block(command.replace("python -m lineage_stream_dev.bench", "lineage-stream bench"),
                                      f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}", facts,
                                      full_render.render_full(results["stream"]), elapsed)
        full_render.write_doc(args.write_doc, block)
        _say(f"\nwrote the figures into {args.write_doc}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        _say(f"\nwrote {args.json}")
    return 0 if sections and not skipped and not failures else 1


def _maybe(value: Any) -> Any:
    return asdict(value) if value is not None else None


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="  [%(levelname)s %(name)s] %(message)s")
    parser = argparse.ArgumentParser(prog="python -m lineage_stream_dev.bench", description=DESCRIPTION)
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except ConfigError as error:
        print(f"lineage-stream bench: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
