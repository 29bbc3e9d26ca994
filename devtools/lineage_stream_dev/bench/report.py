"""Pure helpers of the benchmark report: rates, medians with their spread, ratios, plain-text tables."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class Spread:
    """The median of repeated measurements, with the smallest and largest."""

    median: float
    low: float
    high: float
    count: int


def spread(values: Iterable[float]) -> Spread:
    """Raises ValueError for no values."""
    data = sorted(values)
    if not data:
        raise ValueError("no measurements")
    return Spread(statistics.median(data), data[0], data[-1], len(data))


def rate(events: int, seconds: float | None) -> float:
    """Events per second; 0.0 when nothing was timed."""
    if not seconds or seconds <= 0.0:
        return 0.0
    return events / seconds


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """``a[i] / b[i]`` for each repetition (pairs with a zero denominator are skipped).

    Pairing the two measurements of one repetition cancels drift in the machine's load between
    repetitions, which a ratio of medians would not.
    """
    if len(numerators) != len(denominators):
        raise ValueError(f"{len(numerators)} numerators but {len(denominators)} denominators")
    return [a / b for a, b in zip(numerators, denominators) if b > 0.0]


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


def fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x"


def fmt_spread(value: Spread) -> tuple[str, str, str]:
    """(median, min, max) as rates."""
    return fmt_rate(value.median), fmt_rate(value.low), fmt_rate(value.high)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, indent: str = "  ") -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {list(row)} has {len(row)} cells, expected {len(headers)}")
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]

    def line(cells: Sequence[str]) -> str:
        parts = [cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return (indent + "  ".join(parts)).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_facts() -> dict[str, str]:
    """Cores, platform, Python and the versions of the libraries the figures depend on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = {
        "cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
    }
    try:
        import confluent_kafka

        librdkafka = f" (librdkafka {confluent_kafka.libversion()[0]})"
    except ImportError:  # pragma: no cover - a project dependency
        librdkafka = ""
    facts["confluent-kafka"] = _version("confluent-kafka") + librdkafka
    for distribution in ("faust-streaming", "aiokafka", "mode-streaming", "cramjam", "fastavro", "neo4j"):
        facts[distribution] = _version(distribution)
    return facts


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
