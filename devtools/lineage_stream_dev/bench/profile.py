"""Where the worker's time goes: a cProfile of ``Worker.run`` folded into its stages (pure).

The profiler's timer is the main thread's CPU clock (``time.thread_time``), so waiting (for Kafka,
for Neo4j's reply) costs nothing and each stage's figure is the CPU the worker's loop spent in it.
Work done in other threads (librdkafka's, the Neo4j driver's if it had any) is not in it.
"""

from __future__ import annotations

import pstats
from typing import Any

STAGES: tuple[tuple[str, str, str], ...] = (
    # (stage, the module path it lives in, the function whose cumulative time is the stage's)
    ("Kafka consume", "adapters/kafka_source.py", "consume"),
    ("decode", "pipeline/decode.py", "__call__"),
    ("dedup", "pipeline/dedup.py", "__call__"),
    ("normalize", "pipeline/normalize.py", "__call__"),
    ("redact", "pipeline/redact.py", "__call__"),
    ("rollup", "pipeline/rollup.py", "__call__"),
    ("plan", "graph/plan.py", "plan_batch"),
    ("applied-ID check (Neo4j read)", "adapters/neo4j_sink.py", "applied_event_ids"),
    ("Neo4j write (driver side)", "adapters/neo4j_sink.py", "write"),
    ("Kafka commit", "adapters/kafka_source.py", "commit"),
    ("dead letters", "adapters/dead_letter.py", "send_all"),
)
TOTAL = ("lineage_stream/worker.py", "run")
OTHER = "other (metrics, idle checks, bookkeeping)"


def fold(stats: dict[tuple[str, int, str], tuple[Any, ...]]) -> dict[str, float]:
    """Seconds per stage from ``pstats`` raw stats (``(file, line, function) -> (cc, nc, tt, ct, callers)``).

    The total is ``Worker.run``'s cumulative time; what no stage claims is reported as ``OTHER``.
    """
    seconds = {name: 0.0 for name, _, _ in STAGES}
    total = 0.0
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        path = filename.replace("\\", "/")
        if path.endswith(TOTAL[0]) and function == TOTAL[1]:
            total = max(total, float(cumulative))
            continue
        for name, module, name_of_function in STAGES:
            if path.endswith(module) and function == name_of_function:
                seconds[name] += float(cumulative)
    seconds[OTHER] = max(total - sum(seconds.values()), 0.0)
    seconds["total"] = total
    return seconds


def stage_seconds(profiler: Any) -> dict[str, float]:
    """Fold a finished ``cProfile.Profile``."""
    return fold(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]


def shares(seconds: dict[str, float]) -> list[tuple[str, float, float]]:
    """(stage, seconds, share of the total), largest first, the total itself left out."""
    total = seconds.get("total", 0.0)
    rows = [(name, value, value / total if total > 0 else 0.0) for name, value in seconds.items() if name != "total"]
    return sorted(rows, key=lambda row: -row[1])
