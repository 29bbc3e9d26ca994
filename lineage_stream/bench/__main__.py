"""``python -m lineage_stream.bench``: measure, then print figures a decision can rest on.

    python -m lineage_stream.bench [--events N] [--repeat R] [--only consume|pipeline|worker] [--json PATH]

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

from lineage_stream.bench import consume, pipeline, render, worker
from lineage_stream.bench.report import machine_facts
from lineage_stream.settings import DEFAULTS, neo4j_settings

log = logging.getLogger("lineage_stream.bench")

PARTS = ("consume", "pipeline", "worker")
DESCRIPTION = ("Benchmark lineage-stream: confluent-kafka vs faust-streaming consuming the same Avro records (a/b), "
               "the pure pipeline (c) and the end-to-end worker into Neo4j (d).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=50_000, metavar="N",
                        help="records for the framework comparison (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="repetitions of each measurement (default 3)")
    parser.add_argument("--only", choices=PARTS, help="run one part: consume = (a)/(b), pipeline = (c), worker = (d)")
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
    for name in ("events", "repeat", "pipeline_events", "worker_events"):
        if getattr(args, name) < 1:
            print(f"--{name.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    kafka = consume.KafkaTarget(
        args.bootstrap or os.environ.get("LINEAGE_KAFKA_BOOTSTRAP") or DEFAULTS["LINEAGE_KAFKA_BOOTSTRAP"],
        args.registry or os.environ.get("LINEAGE_REGISTRY_URL") or DEFAULTS["LINEAGE_REGISTRY_URL"],
    )
    parts = [args.only] if args.only else list(PARTS)
    worker_repeat = args.worker_repeat or args.repeat
    facts = machine_facts()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load is not None:
        facts["load average"] = " ".join(f"{v:.2f}" for v in load) + " (1, 5, 15 min, before the run)"
    command = "python -m lineage_stream.bench " + " ".join(sys.argv[1:]) if sys.argv[1:] else "python -m lineage_stream.bench"
    _say(f"lineage-stream bench, {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
    _say(render.render_facts(facts))
    _say("\nmeasures:")
    sizes = {"consume": f"N={args.events:,}, R={args.repeat}", "pipeline": f"N={args.pipeline_events:,}, R={args.repeat}",
             "worker": f"N={args.worker_events:,}, R={worker_repeat}"}
    for part in parts:
        _say(f"  {render.PLAN[part]}\n    [{sizes[part]}]")
    kafka_problem = services_problem(kafka) if {"consume", "worker"} & set(parts) else None
    neo4j_problem = neo4j_problem_of(os.environ) if "worker" in parts and not kafka_problem else None
    skipped: dict[str, str] = {}
    for part in parts:
        reason = kafka_problem if part in ("consume", "worker") else None
        reason = reason or (neo4j_problem if part == "worker" else None)
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
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        _say(f"\nwrote {args.json}")
    return 0 if sections and not skipped and not failures else 1


def _maybe(value: Any) -> Any:
    return asdict(value) if value is not None else None


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="  [%(levelname)s %(name)s] %(message)s")
    parser = argparse.ArgumentParser(prog="python -m lineage_stream.bench", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
