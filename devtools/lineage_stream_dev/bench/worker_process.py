"""The worker as its own process, instrumented: ``python -m lineage_stream_dev.bench.worker_process``.

Runs ``run_worker`` exactly as ``lineage-stream worker`` does (settings from the ``LINEAGE_*``
environment), in a fresh interpreter so that its peak RSS and CPU are its own, and writes one
JSON result:

* ``started_at``: wall clock at the first line of this module (before importing the worker);
* ``commits``: per committed batch, (wall time, records handled so far: written + duplicates +
  rejected), from the worker's own ``lineage_last_commit_timestamp_seconds`` updates;
* ``latencies``: the event-time → commit seconds of every written event, as the worker observes
  them into ``lineage_ingestion_latency_seconds``, and ``latency_seen_at``: the wall time of each;
* ``returned_at``, ``totals``, ``peak_rss_kib`` (see ``own_peak_rss_kib``), ``dedup_ids``;
* with ``--profile``: seconds of this process's main thread (CPU, ``time.thread_time``) per stage.

``--prefill N`` fills the dedup window with N IDs before the worker starts (a full window, as a
worker that has run for days holds). ``--stop-after N`` stops once N records were handled;
otherwise ``--until-idle`` or SIGTERM ends it.
"""

from __future__ import annotations

import time

STARTED_AT = time.time()

import argparse  # noqa: E402  (the start-up clock starts before the imports)
from array import array  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Sequence  # noqa: E402


def own_peak_rss_kib() -> int:
    """This process's peak resident set since it started, in KiB: ``VmHWM``.

    Not ``ru_maxrss``: Linux carries it across ``exec``, so a process the bench spawns reports the
    bench's own resident set at the spawn when that was larger (the bench holds the whole stream
    and B1's batches by then: 846 MiB reported for a worker whose own peak, run alone on the same
    300,000 records, was 452 MiB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _Recorder:
    """Stands in for one metric of ``WorkerMetrics``: records each value, then passes it on."""

    def __init__(self, metric: Any, on_value: Any) -> None:
        self._metric = metric
        self._on_value = on_value

    def set(self, value: float) -> None:
        self._on_value(value)
        self._metric.set(value)

    def observe(self, value: float) -> None:
        self._on_value(value)
        self._metric.observe(value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._metric, name)


def _handled(registry: Any) -> float:
    total = 0.0
    for metric in registry.collect():
        if metric.name in ("lineage_events_written", "lineage_events_duplicate", "lineage_events_rejected"):
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lineage_stream_dev.bench.worker_process")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--until-idle", action="store_true")
    parser.add_argument("--prefill", type=int, default=0, metavar="N")
    parser.add_argument("--stop-after", type=int, default=0, metavar="N")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    from lineage_stream.adapters.metrics import WorkerMetrics
    from lineage_stream.app import run_worker, wall_clock_us
    from lineage_stream_dev.bench.profile import stage_seconds
    from lineage_stream.pipeline.dedup import Deduplicator
    from lineage_stream.settings import worker_settings

    settings = worker_settings(os.environ)
    dedup = Deduplicator(settings.dedup_window_s * 1_000_000, settings.dedup_max_ids)
    prefill_started = time.time()
    if args.prefill:
        dedup.remember((f"prefill-{i:08d}" for i in range(args.prefill)), wall_clock_us())
    prefill_s = time.time() - prefill_started
    metrics = WorkerMetrics()
    stop = threading.Event()
    commits: list[tuple[float, float]] = []
    # Every event's latency, recorded by this harness: 8 bytes each in an array, where a list of floats
    # took 32 (two of them over the benchmark's 300,000 records: 19 MB of the peak RSS reported as the worker's).
    latencies = array("d")

    def committed(at: float) -> None:
        handled = _handled(metrics.registry)
        commits.append((at, handled))
        if args.stop_after and handled >= args.stop_after:
            stop.set()

    metrics.last_commit = _Recorder(metrics.last_commit, committed)  # type: ignore[assignment]
    latency_seen_at = array("d")

    def observed(latency: float) -> None:
        latencies.append(latency)
        latency_seen_at.append(time.time())

    metrics.on_ingestion_latency = observed
    result: dict[str, Any] = {"started_at": STARTED_AT, "prefilled": args.prefill, "prefill_s": prefill_s}
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)
    result["run_worker_at"] = time.time()
    if profiler is not None:
        profiler.enable()
    totals = run_worker(settings, until_idle=args.until_idle, serve_metrics=False, metrics=metrics, stop=stop,
                        dedup=dedup)
    if profiler is not None:
        profiler.disable()
        result["profile"] = stage_seconds(profiler)
    returned_at, peak_rss_kib = time.time(), own_peak_rss_kib()  # before the lists for the JSON are made
    result.update(
        returned_at=returned_at, totals=totals, commits=commits, latencies=latencies.tolist(),
        latency_seen_at=latency_seen_at.tolist(), dedup_ids=len(dedup),
        peak_rss_kib=peak_rss_kib,
        cpu_s=sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    )
    args.result.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
