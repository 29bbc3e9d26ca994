"""The query sub-commands: lineage, impact, columns, runs, schema, search, serve.

``lineage_stream.cli`` registers them with ``register``; handlers read settings once here, at the edge.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, Callable, Mapping

from lineage_stream.query import formats, service
from lineage_stream.query.resolve import Reader
from lineage_stream.query.times import parse_time

NeoFlags = Callable[[argparse.ArgumentParser], None]
Environment = Callable[[argparse.Namespace], Mapping[str, str]]


def _now_us() -> int:
    return time.time_ns() // 1_000


def _dataset_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", metavar="DATASET",
                        help="the dataset in any spelling producers use: a URI (credentials and case are "
                             "ignored), a JDBC URL and table ('jdbc:postgresql://h/db public.t'), "
                             "'NAMESPACE NAME', an alias, a partition path, or a bare name")
    parser.add_argument("name", nargs="?", metavar="NAME", help="the dataset name, when DATASET is only its namespace")
    parser.add_argument("--aliases", metavar="FILE", help="the worker's JSON alias map (env LINEAGE_ALIASES_FILE)")


def _common(parser: argparse.ArgumentParser, neo4j_flags: NeoFlags) -> None:
    neo4j_flags(parser)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a query is stopped (default 10)")


def register(commands: Any, neo4j_flags: NeoFlags, environment: Environment,
             aliases: Callable[[str | None], Any], neo4j_of: Callable[[argparse.Namespace], Any]) -> None:
    """Add the query sub-commands to ``commands`` (an argparse sub-parsers action).

    ``neo4j_of(args)`` gives the Neo4j settings (flags over environment over the settings file).
    """

    def run(handler: Callable[[argparse.Namespace, Reader, Mapping[str, str]], int]) -> Callable[[argparse.Namespace], int]:
        def call(args: argparse.Namespace) -> int:
            from lineage_stream.query.store import GraphReader

            env = environment(args)
            with GraphReader(neo4j_of(args), timeout_s=args.timeout) as reader:
                return handler(args, reader, env)
        return call

    def alias_map(args: argparse.Namespace, env: Mapping[str, str]) -> Any:
        return aliases(getattr(args, "aliases", None) or env.get("LINEAGE_ALIASES_FILE"))

    lin = commands.add_parser("lineage", help="upstream and/or downstream lineage of a dataset")
    lin.add_argument("direction", choices=("upstream", "downstream", "both"))
    _dataset_args(lin)
    lin.add_argument("--depth", type=int, default=5, help=f"dataset hops to follow (1-{service.MAX_DEPTH}, default 5)")
    lin.add_argument("--as-of", metavar="TIME", help="the lineage as it stood then: 2026-11-20, 2026-11-20T02:00Z, 7d")
    lin.add_argument("--format", choices=formats.FORMATS, default="table")
    lin.add_argument("--limit", type=int, default=service.DEFAULT_LIMIT, help="most edges per direction")
    _common(lin, neo4j_flags)

    def do_lineage(args: argparse.Namespace, reader: Reader, env: Mapping[str, str]) -> int:
        as_of = parse_time(args.as_of, now_us=_now_us()) if args.as_of else None
        result = service.lineage(reader, args.dataset, args.name, direction=args.direction, depth=args.depth,
                                 as_of_us=as_of, limit=args.limit, aliases=alias_map(args, env))
        print(formats.render_lineage(result, args.format))
        return 0

    lin.set_defaults(handler=run(do_lineage))

    imp = commands.add_parser("impact", help="what breaks if this dataset changes: everything downstream, "
                                             "the jobs writing it and their last run state")
    _dataset_args(imp)
    imp.add_argument("--depth", type=int, default=10)
    imp.add_argument("--limit", type=int, default=service.DEFAULT_LIMIT, help="most edges to follow")
    imp.add_argument("--format", choices=("table", "json"), default="table")
    _common(imp, neo4j_flags)

    def do_impact(args: argparse.Namespace, reader: Reader, env: Mapping[str, str]) -> int:
        result = service.impact(reader, args.dataset, args.name, depth=args.depth, limit=args.limit,
                                aliases=alias_map(args, env))
        print(json.dumps(formats.impact_dict(result), indent=2) if args.format == "json" else formats.impact_table(result))
        return 0

    imp.set_defaults(handler=run(do_impact))

    col = commands.add_parser("columns", help="column-level lineage of one field, both ways")
    col.add_argument("dataset", metavar="DATASET", help="the dataset, any spelling (see 'lineage --help')")
    col.add_argument("field", metavar="FIELD", help="the field (nested fields dotted: address.city)")
    col.add_argument("--aliases", metavar="FILE", help="the worker's JSON alias map (env LINEAGE_ALIASES_FILE)")
    col.add_argument("--depth", type=int, default=10)
    col.add_argument("--format", choices=("table", "json"), default="table")
    _common(col, neo4j_flags)

    def do_columns(args: argparse.Namespace, reader: Reader, env: Mapping[str, str]) -> int:
        resolution, edges, truncated = service.columns(reader, args.dataset, args.field, depth=args.depth,
                                                       aliases=alias_map(args, env))
        if args.format == "json":
            print(json.dumps({"resolved": formats.resolution_dict(resolution), "field": args.field,
                              "truncated": truncated, "edges": formats.column_dicts(edges)}, indent=2))
        else:
            print(formats.columns_table(resolution, args.field, edges, truncated))
        return 0

    col.set_defaults(handler=run(do_columns))

    rns = commands.add_parser("runs", help="run history of a job")
    rns.add_argument("job", metavar="JOB", help="'NAMESPACE NAME', or the job name alone")
    rns.add_argument("name", nargs="?", metavar="NAME")
    rns.add_argument("--state", type=str.upper, choices=service.RUN_STATES)
    rns.add_argument("--since", metavar="TIME", help="runs updated since then: 2026-11-20, 7d, 36h")
    rns.add_argument("--limit", type=int, default=50)
    rns.add_argument("--format", choices=("table", "json"), default="table")
    _common(rns, neo4j_flags)

    def do_runs(args: argparse.Namespace, reader: Reader, env: Mapping[str, str]) -> int:
        since = parse_time(args.since, now_us=_now_us()) if args.since else None
        job, rows = service.runs(reader, args.job, args.name, state=args.state, since_us=since, limit=args.limit)
        if args.format == "json":
            print(json.dumps({"job": formats.ref(job), "runs": [formats.run_dict(r) for r in rows]}, indent=2))
        else:
            print(formats.runs_table(job, rows))
        return 0

    rns.set_defaults(handler=run(do_runs))

    sch = commands.add_parser("schema", help="schema versions of a dataset and what changed")
    _dataset_args(sch)
    sch.add_argument("--since", metavar="TIME", help="versions first seen since then")
    sch.add_argument("--format", choices=("table", "json"), default="table")
    _common(sch, neo4j_flags)

    def do_schema(args: argparse.Namespace, reader: Reader, env: Mapping[str, str]) -> int:
        since = parse_time(args.since, now_us=_now_us()) if args.since else None
        resolution, rows = service.schema(reader, args.dataset, args.name, since_us=since, aliases=alias_map(args, env))
        if args.format == "json":
            print(json.dumps({"resolved": formats.resolution_dict(resolution),
                              "versions": [formats.schema_dict(r) for r in rows]}, indent=2))
        else:
            print(formats.schema_table(resolution, rows))
        return 0

    sch.set_defaults(handler=run(do_schema))

    sea = commands.add_parser("search", help="datasets and jobs by name")
    sea.add_argument("text", metavar="TEXT")
    sea.add_argument("--limit", type=int, default=50)
    sea.add_argument("--format", choices=("table", "json"), default="table")
    _common(sea, neo4j_flags)

    def do_search(args: argparse.Namespace, reader: Reader, env: Mapping[str, str]) -> int:
        hits = service.search(reader, args.text, limit=args.limit)
        if args.format == "json":
            print(json.dumps(hits, indent=2))
        else:
            print(f"{len(hits)} match(es) for {args.text!r}:")
            for h in hits:
                print(f"  {h['kind']:<7}  {h['namespace']}  {h['name']}")
        return 0

    sea.set_defaults(handler=run(do_search))

    srv = commands.add_parser("serve", help="read-only HTTP API and lineage page (127.0.0.1 by default)")
    srv.add_argument("--host", default=None, help="address to listen on (env LINEAGE_API_HOST, default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=None, help="port (env LINEAGE_API_PORT, default 5050)")
    srv.add_argument("--aliases", metavar="FILE", help="the worker's JSON alias map (env LINEAGE_ALIASES_FILE)")
    srv.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (env LINEAGE_API_TLS_CERT)")
    srv.add_argument("--tls-key", metavar="FILE", help="and this PEM key (env LINEAGE_API_TLS_KEY)")
    _common(srv, neo4j_flags)

    def do_serve(args: argparse.Namespace) -> int:
        from lineage_stream.api.server import serve

        env = environment(args)
        host = args.host or env.get("LINEAGE_API_HOST") or "127.0.0.1"
        port = args.port or int(env.get("LINEAGE_API_PORT") or 5050)
        serve(neo4j_of(args), host=host, port=port, timeout_s=args.timeout, aliases=alias_map(args, env),
              tls_cert=args.tls_cert or env.get("LINEAGE_API_TLS_CERT"),
              tls_key=args.tls_key or env.get("LINEAGE_API_TLS_KEY"))
        return 0

    srv.set_defaults(handler=do_serve)
