"""``lineage-stream``: the command line. Flags fall back to ``LINEAGE_*`` environment variables."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from lineage_stream.errors import LineageStreamError
from lineage_stream.settings import DEFAULTS, kafka_settings, neo4j_settings, worker_settings

if TYPE_CHECKING:
    from lineage_stream.naming import AliasMap

log = logging.getLogger("lineage_stream")

# flag destination → environment variable it overrides
_FLAG_ENV = {
    "bootstrap": "LINEAGE_KAFKA_BOOTSTRAP",
    "registry": "LINEAGE_REGISTRY_URL",
    "topic": "LINEAGE_AVRO_TOPIC",
    "openlineage_topics": "LINEAGE_OPENLINEAGE_TOPICS",
    "dlq_topic": "LINEAGE_DLQ_TOPIC",
    "group": "LINEAGE_GROUP_ID",
    "neo4j_uri": "LINEAGE_NEO4J_URI",
    "neo4j_user": "LINEAGE_NEO4J_USER",
    "batch_size": "LINEAGE_BATCH_SIZE",
    "metrics_host": "LINEAGE_METRICS_HOST",
    "metrics_port": "LINEAGE_METRICS_PORT",
}


def _flag(parser: argparse.ArgumentParser, dest: str, help_text: str) -> None:
    var = _FLAG_ENV[dest]
    parser.add_argument(f"--{dest.replace('_', '-')}", dest=dest, default=None,
                        help=f"{help_text} (env {var}, default {DEFAULTS[var]})")


def _environment(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    for dest, var in _FLAG_ENV.items():
        value = getattr(args, dest, None)
        if value is not None:
            env[var] = str(value)
    return env


def _kafka_flags(parser: argparse.ArgumentParser) -> None:
    _flag(parser, "bootstrap", "Kafka bootstrap servers")
    _flag(parser, "registry", "schema registry URL (Confluent-compatible API)")
    _flag(parser, "topic", "Avro lineage topic")


def _neo4j_flags(parser: argparse.ArgumentParser) -> None:
    _flag(parser, "neo4j_uri", "Neo4j Bolt URI")
    _flag(parser, "neo4j_user", "Neo4j user; the password is read from LINEAGE_NEO4J_PASSWORD only")


def cmd_produce(args: argparse.Namespace) -> int:
    from lineage_stream.openlineage import read_openlineage_documents
    from lineage_stream.producer import LineageProducer

    kafka = kafka_settings(_environment(args))
    with LineageProducer(kafka.bootstrap, kafka.registry_url, kafka.avro_topic) as producer:
        for path in args.files:
            count = 0
            for document in read_openlineage_documents(Path(path)):
                producer.send_openlineage(document)
                count += 1
            print(f"{path}: {count} event(s)")
    print(f"published {producer.sent} event(s) to {kafka.avro_topic} (schema ID {producer.schema_id})")
    return 0


def _aliases(path: str | None) -> "AliasMap | None":
    """The alias map from a JSON file: {"host_aliases": {...}, "namespace_aliases": {...}}."""
    from lineage_stream.errors import ConfigError
    from lineage_stream.naming import AliasMap

    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the alias map {path}: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"the alias map {path} must be a JSON object")
    return AliasMap.from_mapping(data)


def cmd_worker(args: argparse.Namespace) -> int:
    from lineage_stream.app import run_worker

    from lineage_stream.failpoints import Failpoints

    env = _environment(args)
    settings = worker_settings(env)
    totals = run_worker(settings, until_idle=args.until_idle, serve_metrics=not args.no_metrics,
                        aliases=_aliases(args.aliases or env.get("LINEAGE_ALIASES_FILE")),
                        failpoints=Failpoints.parse(env.get("LINEAGE_FAILPOINTS")))
    print("worker: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    from lineage_stream.adapters.neo4j_sink import Neo4jSink
    from lineage_stream.queries import format_edges, lineage

    with Neo4jSink(neo4j_settings(_environment(args))) as sink:
        for direction in ("up", "down") if args.direction == "both" else (args.direction,):
            edges = lineage(sink, args.namespace, args.name, direction=direction, depth=args.depth)
            label = "upstream" if direction == "up" else "downstream"
            print(f"{label} of {args.namespace}/{args.name} ({len(edges)} edge(s)):")
            print("\n".join(format_edges(edges)) or "  (none)")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from lineage_stream.adapters.neo4j_migrate import migrate

    report = migrate(neo4j_settings(_environment(args)))
    print(f"migrate: facets split into per-facet properties on {report.nodes_migrated} node(s)"
          + (f"; {report.unreadable} node(s) with unreadable facets left as they were" if report.unreadable else ""))
    return 0


def _preview(value: bytes | None, width: int = 80) -> str:
    if value is None:
        return "(null)"
    try:
        text = value.decode("utf-8")
        return text if len(text) <= width else text[: width - 1] + "…"
    except UnicodeDecodeError:
        return value[: width // 3].hex() + ("…" if len(value) > width // 3 else "")


def cmd_dlq(args: argparse.Namespace) -> int:
    from lineage_stream.adapters.dead_letter_admin import read_dead_letters, replay_dead_letters

    kafka = kafka_settings(_environment(args))
    if args.action == "replay":
        count = replay_dead_letters(kafka.bootstrap, kafka.dlq_topic, from_beginning=args.from_beginning)
        print(f"replayed {count} dead letter(s) from {kafka.dlq_topic} to their original topics")
        return 0
    if args.action == "show":
        letters = read_dead_letters(kafka.bootstrap, kafka.dlq_topic, partition=args.partition, offset=args.offset, limit=1)
        if not letters or letters[0].offset != args.offset:
            print(f"no dead letter at {kafka.dlq_topic}[{args.partition}]@{args.offset}", file=sys.stderr)
            return 1
        letter = letters[0]
        print(f"{kafka.dlq_topic}[{letter.partition}]@{letter.offset}  key={_preview(letter.key)}")
        for name, value in sorted(letter.errors.items()):
            print(f"  {name}: {value}")
        for header, raw in letter.original_headers:
            print(f"  header {header}: {_preview(raw)}")
        print(f"  value ({len(letter.value or b'')} bytes): {_preview(letter.value, 2000)}")
        return 0
    letters = read_dead_letters(kafka.bootstrap, kafka.dlq_topic, limit=args.limit)
    print(f"{len(letters)} dead letter(s) in {kafka.dlq_topic}" + (" (limit reached)" if len(letters) == args.limit else ""))
    for letter in letters:
        errors = letter.errors
        print(f"  [{letter.partition}]@{letter.offset}  from {errors.get('topic')}[{errors.get('partition')}]@"
              f"{errors.get('offset')}  {errors.get('stage')}: {errors.get('exception.message', '')[:100]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lineage-stream", description="Live lineage graph from Kafka into Neo4j.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    from lineage_stream.infra import cli as infra_cli

    infra_cli.add_parser(commands)
    commands.choices["infra"].set_defaults(handler=infra_cli.run)

    produce = commands.add_parser("produce", help="publish OpenLineage JSON/JSONL files as Avro lineage events")
    produce.add_argument("files", nargs="+", metavar="FILE")
    _kafka_flags(produce)
    produce.set_defaults(handler=cmd_produce)

    worker = commands.add_parser("worker", help="consume lineage events and upsert them into Neo4j")
    _kafka_flags(worker)
    _flag(worker, "openlineage_topics", "comma-separated OpenLineage JSON topics")
    _flag(worker, "dlq_topic", "dead-letter topic")
    _flag(worker, "group", "consumer group ID")
    _flag(worker, "batch_size", "records per Neo4j transaction")
    _flag(worker, "metrics_host", "address of the /metrics endpoint")
    _flag(worker, "metrics_port", "port of the /metrics endpoint")
    _neo4j_flags(worker)
    worker.add_argument("--aliases", metavar="FILE", help="JSON alias map: host_aliases, namespace_aliases "
                        "(env LINEAGE_ALIASES_FILE)")
    worker.add_argument("--until-idle", action="store_true", help="exit once every partition is caught up")
    worker.add_argument("--no-metrics", action="store_true", help="do not serve /metrics")
    worker.set_defaults(handler=cmd_worker)

    dlq = commands.add_parser("dlq", help="inspect and replay the dead-letter topic")
    dlq_actions = dlq.add_subparsers(dest="action", required=True)
    dlq_list = dlq_actions.add_parser("list", help="list dead letters with their reasons")
    dlq_list.add_argument("--limit", type=int, default=100)
    dlq_show = dlq_actions.add_parser("show", help="show one dead letter: reason, headers, value")
    dlq_show.add_argument("partition", type=int)
    dlq_show.add_argument("offset", type=int)
    dlq_replay = dlq_actions.add_parser("replay", help="re-drive dead letters to their original topics")
    dlq_replay.add_argument("--from-beginning", action="store_true",
                            help="replay every dead letter, not only those not replayed before")
    for sub in (dlq_list, dlq_show, dlq_replay):
        _flag(sub, "bootstrap", "Kafka bootstrap servers")
        _flag(sub, "dlq_topic", "dead-letter topic")
    dlq.set_defaults(handler=cmd_dlq)

    from lineage_stream.bench.__main__ import add_arguments as add_bench_arguments, run as run_bench

    bench = commands.add_parser("bench", help="measure throughput: Kafka clients, pipeline, worker (docs/benchmarks.md)")
    add_bench_arguments(bench)
    bench.set_defaults(handler=run_bench)

    query = commands.add_parser("lineage", help="print the upstream and/or downstream lineage of a dataset")
    query.add_argument("namespace", help="dataset namespace, e.g. postgres://db.example.com:5432")
    query.add_argument("name", help="dataset name, e.g. analytics.public.orders")
    query.add_argument("--direction", choices=("up", "down", "both"), default="both")
    query.add_argument("--depth", type=int, default=5, help="dataset hops to follow (1-20)")
    _neo4j_flags(query)
    query.set_defaults(handler=cmd_lineage)

    migrate = commands.add_parser("migrate", help="bring an existing graph to the current storage (idempotent)")
    _neo4j_flags(migrate)
    migrate.set_defaults(handler=cmd_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        for noisy in ("neo4j", "httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except LineageStreamError as error:
        print(f"lineage-stream: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
