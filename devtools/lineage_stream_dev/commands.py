"""Sub-commands for the ``lineage-stream`` CLI, found through the ``lineage_stream.commands`` entry
points. Each is a :class:`lineage_stream.cli.PluginCommand`: a help line, and a function that fills
in the command's parser (importing its module only then) and sets its ``handler``."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Command:
    help: str
    build: Callable[[argparse.ArgumentParser], None]


def _bench(parser: argparse.ArgumentParser) -> None:
    from lineage_stream_dev.bench.__main__ import add_arguments, run

    add_arguments(parser)
    parser.set_defaults(handler=run)


def _infra(parser: argparse.ArgumentParser) -> None:
    from lineage_stream_dev.infra.cli import add_arguments

    add_arguments(parser)


infra = Command("start, stop or inspect the local development services (Kafka, Neo4j, registry, Prometheus)",
                _infra)
bench = Command("measure throughput: Kafka clients, pipeline, worker (docs/benchmarks.md)", _bench)
