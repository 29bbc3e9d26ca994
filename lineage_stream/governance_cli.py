"""``lineage-stream erase`` and ``lineage-stream retention``: governance commands over the graph.

Registered by ``cli.py``; the Neo4j driver is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Callable

from lineage_stream.errors import ConfigError

COMMANDS = {
    "erase": "remove (or pseudonymize) a person's traces from the graph and keep them out for good",
    "retention": "fold old runs into per-job time buckets that keep the totals (docs/governance.md)",
}

SettingsOf = Callable[[argparse.Namespace], Any]


def register(commands: Any, settings_of: SettingsOf, neo4j_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    erase = commands.add_parser("erase", help=COMMANDS["erase"], description=COMMANDS["erase"] + (
        ". The value is looked for as written and as the pseudonym the redaction policy gave it, in every "
        "property of every node and relationship; its keyed hash joins the suppression list the workers "
        "apply, so a replay cannot bring it back; an audit record keeps the hash, never the value. "
        "Needs redaction.pseudonym_key (LINEAGE_REDACTION__PSEUDONYM_KEY)."))
    erase.add_argument("--value", required=True, metavar="TEXT",
                       help="the value to erase (an e-mail address, a name, a user ID); '-' reads it from stdin, "
                            "which keeps it out of the shell history and the process list")
    erase.add_argument("--pseudonym", action="store_true",
                       help="replace the traces with the value's pseudonym instead of <ERASED> (it still joins)")
    erase.add_argument("--dry-run", action="store_true", help="count the properties that would change; change nothing")
    neo4j_flags(erase)
    erase.set_defaults(handler=lambda args: cmd_erase(args, settings_of(args)))

    retention = commands.add_parser("retention", help=COMMANDS["retention"], description=COMMANDS["retention"])
    actions = retention.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="fold runs outside the window and beyond the last N of each job "
                             "(safe while workers write: one job's chunk of runs per transaction)")
    run.add_argument("--dry-run", action="store_true", help="count what would fold; change nothing")
    run.add_argument("--keep-days", type=float, help="window in days (env LINEAGE_RETENTION__KEEP_DAYS, default 30)")
    run.add_argument("--keep-last", type=int, help="runs kept per job (env LINEAGE_RETENTION__KEEP_LAST, default 100)")
    run.add_argument("--bucket", choices=("hour", "day"), help="bucket width (env LINEAGE_RETENTION__BUCKET)")
    neo4j_flags(run)
    retention.set_defaults(handler=lambda args: cmd_retention(args, settings_of(args)))


def cmd_erase(args: argparse.Namespace, settings: Any) -> int:
    from lineage_stream.adapters.governance_store import GovernanceStore
    from lineage_stream.governance.erasure import erasure_request

    key = settings.redaction.key()
    if key is None:
        raise ConfigError("erase needs redaction.pseudonym_key (LINEAGE_REDACTION__PSEUDONYM_KEY): "
                          "the key the workers pseudonymize with")
    value = sys.stdin.readline().rstrip("\n") if args.value == "-" else args.value
    try:
        request = erasure_request(key, value, "pseudonymize" if args.pseudonym else "erase")
    except ValueError as error:
        raise ConfigError(str(error)) from None
    with GovernanceStore(settings.neo4j) as store:
        store.ensure_schema()
        report = store.erase(request, at_us=time.time_ns() // 1000, dry_run=args.dry_run)
    verb = "would change" if report.dry_run else "changed"
    print(f"erase: {verb} {report.properties_changed} propert{'y' if report.properties_changed == 1 else 'ies'}; "
          f"value hash {request.value_hash[:16]}...; audit record {report.audit_id}"
          + ("" if report.dry_run else "; on the suppression list (workers pick it up within "
             f"{settings.redaction.suppression_refresh_s:g} s)"))
    return 0


def cmd_retention(args: argparse.Namespace, settings: Any) -> int:
    from lineage_stream.adapters.governance_store import RetentionStore

    overrides = {k: v for k, v in (("keep_days", args.keep_days), ("keep_last", args.keep_last),
                                   ("bucket", args.bucket)) if v is not None}
    try:
        rule = settings.retention.model_copy(update=overrides).rule()
    except ValueError as error:
        raise ConfigError(str(error)) from None
    with RetentionStore(settings.neo4j) as store:
        store.ensure_schema()
        before = store.totals()
        report = store.run_retention(rule, now_us=time.time_ns() // 1000, dry_run=args.dry_run)
        after = store.totals()
    runs = (sum(t.runs for t in before.values()), sum(t.runs for t in after.values()))
    failed = (sum(t.failed for t in before.values()), sum(t.failed for t in after.values()))
    verb = "would fold" if report.dry_run else "folded"
    print(f"retention: {report.jobs} job(s); {verb} {report.runs_folded} run(s) into {report.buckets} bucket(s); "
          f"totals runs {runs[0]} -> {runs[1]}, failed {failed[0]} -> {failed[1]} "
          "(equal unless workers wrote meanwhile)")
    return 0
