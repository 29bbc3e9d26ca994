"""``lineage-stream``: the command line.

Settings come from flags > ``LINEAGE_*`` environment variables > a settings file (``--config``) >
defaults (``docs/configuration.md``). Each sub-command imports only what it needs, so the publisher's
light install (no Neo4j driver, no Prometheus client) runs ``produce`` and ``dlq``, and the test and
development tooling (``infra``, ``bench``) is imported only when its command runs.
"""

from __future__ import annotations

import argparse
import os
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Protocol, Sequence

from lineage_stream.errors import ConfigError, LineageStreamError

if TYPE_CHECKING:
    from lineage_stream.naming import AliasMap
    from lineage_stream.settings import Settings

log = logging.getLogger("lineage_stream")

# flag destination → (settings path, help, legacy environment variable)
_FLAGS: dict[str, tuple[tuple[str, ...], str]] = {
    "bootstrap": (("kafka", "bootstrap"), "Kafka bootstrap servers"),
    "registry": (("registry", "url"), "schema registry URL (Confluent-compatible API)"),
    "topic": (("kafka", "avro_topic"), "Avro lineage topic"),
    "openlineage_topics": (("kafka", "openlineage_topics"), "comma-separated OpenLineage JSON topics"),
    "dlq_topic": (("kafka", "dlq_topic"), "dead-letter topic"),
    "group": (("kafka", "group_id"), "consumer group ID"),
    "neo4j_uri": (("neo4j", "uri"), "Neo4j Bolt URI"),
    "neo4j_user": (("neo4j", "user"), "Neo4j user; the password comes from LINEAGE_NEO4J_PASSWORD or the file"),
    "batch_size": (("batch_size",), "records per Neo4j transaction"),
    "metrics_host": (("metrics_host",), "address of the /metrics endpoint"),
    "metrics_port": (("metrics_port",), "port of the /metrics endpoint"),
    "aliases": (("aliases_file",), "JSON alias map: host_aliases, namespace_aliases"),
}
_COMMANDS = {
    "produce": "publish OpenLineage JSON/JSONL files as Avro lineage events",
    "worker": "consume lineage events and upsert them into Neo4j",
    "dlq": "inspect and replay the dead-letter topic",
    "migrate": "bring an existing graph to the current storage (idempotent)",
    "config": "show the settings in force, or generate their reference (docs/configuration.md)",
}
# The analysts' commands (lineage_stream/query/cli.py registers them all at once).
_QUERY_COMMANDS = {
    "lineage": "upstream and/or downstream lineage of a dataset",
    "impact": "what breaks if this dataset changes",
    "columns": "column-level lineage of one field, both ways",
    "runs": "run history of a job",
    "schema": "schema versions of a dataset and what changed",
    "search": "datasets and jobs by name",
    "serve": "read-only HTTP API and lineage page",
}
_GLOBAL_WITH_VALUE = ("--config", "--log-level", "--log-format")
PLUGIN_GROUP = "lineage_stream.commands"


def _env_name(path: tuple[str, ...]) -> str:
    """The variable named in help: the flat name where there is one (it is the documented one)."""
    from lineage_stream.settings import legacy_env_names

    legacy: dict[tuple[str, ...], str] = {path_: name for name, path_ in legacy_env_names().items()}
    return legacy.get(path, "LINEAGE_" + "__".join(path).upper())


def _flag(parser: argparse.ArgumentParser, dest: str) -> None:
    path, help_text = _FLAGS[dest]
    parser.add_argument(f"--{dest.replace('_', '-')}", dest=dest, default=None, metavar="VALUE" if dest != "aliases"
                        else "FILE", help=f"{help_text} (env {_env_name(path)})")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The flags given, as a nested mapping over the settings model."""
    nested: dict[str, Any] = {}
    for dest, (path, _help) in _FLAGS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        node = nested
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    if getattr(args, "log_level", None):
        nested["log_level"] = args.log_level
    if getattr(args, "log_format", None):
        nested["log_format"] = args.log_format
    return nested


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings: flags over environment over the settings file over defaults (read once here)."""
    from lineage_stream.settings import load_settings

    return load_settings(_overrides(args), config_file=getattr(args, "config", None))


def cmd_produce(args: argparse.Namespace) -> int:
    from lineage_stream.openlineage import read_openlineage_documents
    from lineage_stream.producer import LineageProducer

    settings = settings_of(args)
    _check_kafka(settings, "producer")
    with LineageProducer.from_settings(settings) as producer:
        for path in args.files:
            count = 0
            for document in read_openlineage_documents(Path(path)):
                producer.send_openlineage(document)
                count += 1
            print(f"{path}: {count} event(s)")
    print(f"published {producer.sent} event(s) to {producer.topic} (schema ID {producer.schema_id})")
    return 0


def _aliases(path: Path | None) -> "AliasMap | None":
    """The alias map from a JSON file: {"host_aliases": {...}, "namespace_aliases": {...}}."""
    from lineage_stream.naming import AliasMap

    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the alias map {path}: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"the alias map {path} must be a JSON object")
    return AliasMap.from_mapping(data)


def _has_worker_extra() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("neo4j", "prometheus_client"))


def _worker_extra() -> None:
    """Fail with a clear message when the worker's dependencies (the ``worker`` extra) are missing."""
    import importlib.util

    missing = [name for name in ("neo4j", "prometheus_client") if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(f"this command needs {', '.join(missing)}: pip install 'lineage-stream[worker]'")


def cmd_worker(args: argparse.Namespace) -> int:
    _worker_extra()
    from lineage_stream.app import run_worker
    from lineage_stream.failpoints import Failpoints

    settings = settings_of(args)
    totals = run_worker(settings, until_idle=args.until_idle, serve_metrics=not args.no_metrics,
                        aliases=_aliases(settings.aliases_file), failpoints=Failpoints.parse(settings.failpoints))
    print("worker: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 0


def _neo4j_flags(parser: argparse.ArgumentParser) -> None:
    _flag(parser, "neo4j_uri")
    _flag(parser, "neo4j_user")


def _query_environment(_args: argparse.Namespace) -> dict[str, str]:
    """The environment the query commands read their own variables from (LINEAGE_API_*, LINEAGE_ALIASES_FILE)."""
    return dict(os.environ)


def cmd_migrate(args: argparse.Namespace) -> int:
    _worker_extra()
    from lineage_stream.adapters.neo4j_migrate import migrate

    report = migrate(settings_of(args).neo4j)
    print(f"migrate: facets split into per-facet properties on {report.nodes_migrated} node(s)"
          + (f"; {report.unreadable} node(s) with unreadable facets left as they were" if report.unreadable else "")
          + f"; latest run set on {report.jobs_updated} job(s)")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    if args.action == "docs":
        from lineage_stream.config_docs import render

        text = render()
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
            print(f"wrote {args.output}")
        else:
            sys.stdout.write(text)
        return 0
    settings = settings_of(args)  # SecretStr fields print masked
    print(settings.model_dump_json(indent=2))
    return 0


def _preview(value: bytes | None, width: int = 80) -> str:
    if value is None:
        return "(null)"
    try:
        text = value.decode("utf-8")
        return text if len(text) <= width else text[: width - 1] + "…"
    except UnicodeDecodeError:
        return value[: width // 3].hex() + ("…" if len(value) > width // 3 else "")


def _check_kafka(settings: "Settings", role: Literal["consumer", "producer", "admin"]) -> None:
    """Stop at once (KafkaAuthError) when the brokers refuse the credentials or TLS fails."""
    from lineage_stream.adapters.kafka_check import check_kafka
    from lineage_stream.logs import kafka_logger

    check_kafka({**settings.kafka.client_config(role), "logger": kafka_logger()})


def cmd_dlq(args: argparse.Namespace) -> int:
    from lineage_stream.adapters.dead_letter_admin import read_dead_letters, replay_dead_letters

    from lineage_stream.logs import kafka_logger

    settings = settings_of(args)
    kafka = settings.kafka
    consumer_config = {**kafka.client_config("consumer"), "logger": kafka_logger()}
    _check_kafka(settings, "consumer")
    if args.action == "replay":
        count = replay_dead_letters(kafka.bootstrap, kafka.dlq_topic, from_beginning=args.from_beginning,
                                    consumer_config=consumer_config,
                                    producer_config={**kafka.client_config("producer"), "logger": kafka_logger()})
        print(f"replayed {count} dead letter(s) from {kafka.dlq_topic} to their original topics")
        return 0
    if args.action == "show":
        letters = read_dead_letters(kafka.bootstrap, kafka.dlq_topic, partition=args.partition, offset=args.offset,
                                    limit=1, config=consumer_config)
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
    letters = read_dead_letters(kafka.bootstrap, kafka.dlq_topic, limit=args.limit, config=consumer_config)
    print(f"{len(letters)} dead letter(s) in {kafka.dlq_topic}" + (" (limit reached)" if len(letters) == args.limit else ""))
    for letter in letters:
        errors = letter.errors
        print(f"  [{letter.partition}]@{letter.offset}  from {errors.get('topic')}[{errors.get('partition')}]@"
              f"{errors.get('offset')}  {errors.get('stage')}: {errors.get('exception.message', '')[:100]}")
    return 0


def _add_command(commands: Any, name: str, full: bool) -> argparse.ArgumentParser | None:
    """The sub-command's parser; only the command being run is built in full (and imports its module)."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=_COMMANDS[name], description=_COMMANDS[name])
    if not full:
        parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        return None
    return parser


class PluginCommand(Protocol):
    """A sub-command another installed package adds (entry point group ``lineage_stream.commands``):
    the development tooling's ``bench`` is one."""

    help: str

    def build(self, parser: argparse.ArgumentParser) -> None:
        """Fill in the command's parser and set its ``handler`` (import the heavy modules only here)."""


def _add_plugins(commands: Any, chosen: str | None) -> None:
    from importlib.metadata import entry_points

    taken = set(commands.choices)
    for point in entry_points(group=PLUGIN_GROUP):
        if point.name in taken:
            continue
        command: PluginCommand = point.load()
        parser = commands.add_parser(point.name, help=command.help, description=command.help)
        if chosen == point.name:
            command.build(parser)
        else:
            parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the chosen sub-command's parser is built in full."""
    parser = argparse.ArgumentParser(prog="lineage-stream", description="Live lineage graph from Kafka into Neo4j.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--config", metavar="FILE", help="settings file, TOML or YAML (env LINEAGE_CONFIG_FILE)")
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), type=str.upper,
                        help="log level (env LINEAGE_LOG_LEVEL, default INFO)")
    parser.add_argument("--log-format", choices=("text", "json"), help="log lines as text or JSON objects "
                        "(env LINEAGE_LOG_FORMAT, default text)")
    parser.add_argument("-v", "--verbose", action="store_true", help="same as --log-level DEBUG")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen(argv)
    built = {name: _add_command(commands, name, full=chosen in (None, name)) for name in _COMMANDS}

    produce = built["produce"]
    if produce is not None:
        produce.add_argument("files", nargs="+", metavar="FILE")
        for dest in ("bootstrap", "registry", "topic"):
            _flag(produce, dest)
        produce.set_defaults(handler=cmd_produce)

    worker = built["worker"]
    if worker is not None:
        for dest in ("bootstrap", "registry", "topic", "openlineage_topics", "dlq_topic", "group", "batch_size",
                     "metrics_host", "metrics_port", "neo4j_uri", "neo4j_user", "aliases"):
            _flag(worker, dest)
        worker.add_argument("--until-idle", action="store_true", help="exit once every partition is caught up")
        worker.add_argument("--no-metrics", action="store_true", help="do not serve /metrics")
        worker.set_defaults(handler=cmd_worker)

    dlq = built["dlq"]
    if dlq is not None:
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
            _flag(sub, "bootstrap")
            _flag(sub, "dlq_topic")
        dlq.set_defaults(handler=cmd_dlq)

    if chosen in _QUERY_COMMANDS or (chosen is None and _has_worker_extra()):
        _worker_extra()
        from lineage_stream.query.cli import register as register_queries

        register_queries(commands, _neo4j_flags, _query_environment,
                         lambda path: _aliases(Path(path) if path else None), lambda a: settings_of(a).neo4j)
    else:
        for name, text in _QUERY_COMMANDS.items():
            light = commands.add_parser(name, help=text, description=text)
            light.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    migrate = built["migrate"]
    if migrate is not None:
        _neo4j_flags(migrate)
        migrate.set_defaults(handler=cmd_migrate)

    config = built["config"]
    if config is not None:
        config_actions = config.add_subparsers(dest="action", required=True)
        config_actions.add_parser("show", help="the settings in force (secrets masked), as JSON")
        docs = config_actions.add_parser("docs", help="the configuration reference, generated from the settings model")
        docs.add_argument("--output", "-o", metavar="FILE", help="write it here (docs/configuration.md)")
        config.set_defaults(handler=cmd_config)

    _register_governance(commands, chosen)
    _add_plugins(commands, chosen)
    return parser


# --- governance commands (erase, retention): lineage_stream/governance_cli.py ---------------------
def _register_governance(commands: Any, chosen: str | None) -> None:
    from lineage_stream import governance_cli

    if chosen in governance_cli.COMMANDS:
        _worker_extra()
        governance_cli.register(commands, settings_of, _neo4j_flags)
        return
    for name, text in governance_cli.COMMANDS.items():
        light = commands.add_parser(name, help=text, description=text)
        light.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def _chosen(argv: Sequence[str] | None) -> str | None:
    """The sub-command named in ``argv`` (None: not known yet, build every light parser)."""
    if argv is None:
        return None
    tokens = iter(argv)
    for token in tokens:
        if token in _GLOBAL_WITH_VALUE:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lineage-stream")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    from lineage_stream.logs import configure

    try:
        if args.verbose:
            args.log_level = "DEBUG"
        level, fmt = args.log_level, args.log_format
        if level is None or fmt is None:
            try:
                base = settings_of(args)
                level, fmt = level or base.log_level, fmt or base.log_format
            except ConfigError:
                level, fmt = level or "INFO", fmt or "text"  # the command reports the error itself
        configure(level, fmt)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except LineageStreamError as error:
        log.debug("stopping", exc_info=True)
        print(f"lineage-stream: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
