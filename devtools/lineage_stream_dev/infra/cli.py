"""``lineage-stream infra up | down | status [SERVICE ...]``.

The ``lineage-stream`` CLI finds it through the ``lineage_stream.commands`` entry points
(``lineage_stream_dev.commands``), fills its parser with ``add_arguments`` and runs ``run(args)``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from lineage_stream.errors import InfraError
from lineage_stream_dev.infra import manager, pins, secure
from lineage_stream_dev.infra.layout import Layout, Settings, default_root

log = logging.getLogger(__name__)


HELP = "start, stop or inspect the local development services (Kafka, Neo4j, registry, Prometheus)"


def add_parser(subparsers: Any) -> None:
    """Add the ``infra`` sub-command to an ``argparse`` sub-parsers object."""
    add_arguments(subparsers.add_parser("infra", help=HELP, description=HELP))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``infra`` sub-command's arguments; ``run`` is its handler."""
    parser.description = "Local services on 127.0.0.1, installed under <root>/.local."
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="project root holding .local/ (default: the checkout this package runs from)",
    )
    actions = parser.add_subparsers(dest="infra_action", metavar="ACTION", required=True)
    for action, text in (
        ("up", "start services (all by default) and wait until they answer"),
        ("down", "stop services (all by default)"),
        ("status", "show state, pid, address and log of each service"),
    ):
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument(
            "--secure",
            action="store_true",
            help="the secure profile: Kafka SASL_SSL (SCRAM-SHA-512, PLAIN) and mTLS listeners with ACLs, Neo4j "
            "with TLS on Bolt, the registry over HTTPS, a CA generated at start-up; own ports and .local/secure "
            "(docs/security.md)",
        )
        sub.add_argument(
            "services",
            nargs="*",
            metavar="SERVICE",
            help=f"one of: {', '.join(manager.SERVICE_NAMES)}",
        )
    pin = actions.add_parser(
        "pins",
        help="check the Maven artifacts against deploy/<service>/artifacts.sha256, or record them after a "
        "reviewed upgrade",
    )
    pin.add_argument("pin_action", choices=("verify", "record"))
    pin.add_argument("services", nargs="*", metavar="SERVICE", help="kafka, neo4j, registry (default: all)")
    parser.set_defaults(handler=run)


def _status_line(st: manager.ServiceStatus) -> str:
    pid = str(st.pid) if st.pid is not None else "-"
    rss = f"{st.rss_kib // 1024} MiB" if st.rss_kib is not None else "-"
    return f"{st.name:<11} {st.state:<8} pid {pid:<8} {st.address:<16} rss {rss:<9} log {st.log}"


def _print_status(root: Path | None, names: list[str], out: TextIO, settings: Settings) -> None:
    for st in manager.status(names or None, root=root, settings=settings):
        print(_status_line(st), file=out)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``infra <action>``; returns the process exit code (0 ok, 1 failure)."""
    out = out or sys.stdout
    root: Path | None = getattr(args, "root", None)
    names: list[str] = list(getattr(args, "services", None) or [])
    action = args.infra_action
    if action == "pins":
        argv = [args.pin_action, *names, *(["--root", str(root)] if root is not None else [])]
        return pins.main(argv)
    settings = secure.secure_settings() if getattr(args, "secure", False) else Settings()
    try:
        if action == "up":
            started = time.monotonic()
            results = manager.ensure_up(names or None, root=root, settings=settings)
            for result in results:
                pid_text = str(result.pid) if result.pid is not None else "-"
                print(
                    f"{result.name:<11} {result.action:<15} pid {pid_text:<8} "
                    f"{result.address:<16} {result.seconds:6.1f} s  log {result.log}",
                    file=out,
                )
            print(f"up: {len(results)} service(s) ready in {time.monotonic() - started:.1f} s", file=out)
            if settings.secure:
                layout = Layout.for_root(root, settings.profile)
                print(f"secure: CA {secure.tls_dir(layout) / 'ca.pem'}; settings file for the worker user "
                      f"(passwords inside, mode 0600): {secure.client_config_path(layout)}", file=out)
        elif action == "down":
            for name, pid in manager.down(names or None, root=root, settings=settings):
                state = f"stopped pid {pid}" if pid is not None else "was not running"
                print(f"{name:<11} {state}", file=out)
        elif action == "status":
            _print_status(root, names, out, settings)
        else:  # pragma: no cover - argparse restricts the choices
            print(f"unknown infra action {action!r}", file=sys.stderr)
            return 2
    except InfraError as exc:
        print(f"infra {action} failed:\n{exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m lineage_stream_dev.infra.cli up kafka``)."""
    parser = argparse.ArgumentParser(prog="lineage-stream")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["infra", *(sys.argv[1:] if argv is None else argv)])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.debug("project root %s", args.root or default_root())
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
