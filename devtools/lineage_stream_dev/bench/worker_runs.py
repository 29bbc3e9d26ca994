"""Running ``bench.worker_process`` and reading what it measured (rates, start-up, exit, latency)."""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from lineage_stream_dev.bench.report import rate


@dataclass(slots=True)
class WorkerResult:
    raw: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0
    exit_code: int | None = None
    log_tail: list[str] = field(default_factory=list)

    @property
    def commits(self) -> list[tuple[float, float]]:
        return [(float(t), float(h)) for t, h in self.raw.get("commits", [])]

    @property
    def handled(self) -> int:
        commits = self.commits
        return int(commits[-1][1]) if commits else 0

    def steady(self, low: float = 0.1, high: float = 0.9) -> tuple[float, float, str]:
        """(records/s, seconds, window): handled records between the commits that pass ``low`` and
        ``high`` of the total, over the time between them; when the run is too short for that
        window, all records over run_worker start → last commit (start-up included)."""
        commits = self.commits
        total = self.handled
        if commits and total:
            first = next(c for c in commits if c[1] >= low * total)
            last = next(c for c in commits if c[1] >= high * total)
            if last[0] > first[0] and last[1] > first[1]:
                return rate(int(last[1] - first[1]), last[0] - first[0]), last[0] - first[0], f"{low:.0%}-{high:.0%}"
            seconds = commits[-1][0] - float(self.raw["run_worker_at"])
            return rate(total, seconds), seconds, "whole run"
        return 0.0, 0.0, "nothing committed"

    @property
    def startup_s(self) -> float | None:
        """Process start → first committed batch, less the time the bench spent filling the dedup window."""
        commits = self.commits
        if not commits:
            return None
        return self._since_start(commits[0][0])

    @property
    def before_run_s(self) -> float | None:
        """Process start -> ``run_worker`` called (imports, settings, metrics), less the dedup window's filling."""
        return self._since_start(float(self.raw["run_worker_at"])) if "run_worker_at" in self.raw else None

    def _since_start(self, at: float) -> float:
        """Seconds from the process's start to ``at``, less the time the bench spent filling the dedup window."""
        return at - float(self.raw["started_at"]) - float(self.raw.get("prefill_s", 0.0))

    @property
    def exit_delay_s(self) -> float | None:
        """Last committed batch → ``run_worker`` returned (with ``--until-idle``: the idle check)."""
        commits = self.commits
        return float(self.raw["returned_at"]) - commits[-1][0] if commits and "returned_at" in self.raw else None

    @property
    def peak_rss_mib(self) -> float:
        return float(self.raw.get("peak_rss_kib", 0)) / 1024.0


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p95, p99 (inclusive method), None where there are too few values."""
    if len(values) < 2:
        only = values[0] if values else None
        return {"p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


class WorkerProcess:
    """``python -m lineage_stream_dev.bench.worker_process`` as a child; ``finish`` returns its result."""

    def __init__(self, env: Mapping[str, str], *, until_idle: bool, prefill: int = 0, stop_after: int = 0,
                 profile: bool = False) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="lineage-bench-worker-")
        self._result = Path(self._dir.name) / "result.json"
        self._log = Path(self._dir.name) / "worker.log"
        command = [sys.executable, "-m", "lineage_stream_dev.bench.worker_process", "--result", str(self._result),
                   "--prefill", str(prefill), "--stop-after", str(stop_after),
                   *(["--until-idle"] if until_idle else []), *(["--profile"] if profile else [])]
        self._started = time.perf_counter()
        with open(self._log, "w", encoding="utf-8") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(env))

    def running(self) -> bool:
        return self._process.poll() is None

    def terminate(self) -> None:
        if self.running():
            self._process.send_signal(signal.SIGTERM)

    def finish(self, timeout_s: float) -> WorkerResult:
        """Wait for the child (killing it past ``timeout_s``) and read its result."""
        try:
            self._process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self._process.kill()  # our own child, past its deadline
            self._process.wait()
        result = WorkerResult(wall_s=time.perf_counter() - self._started, exit_code=self._process.returncode)
        lines = self._log.read_text(encoding="utf-8", errors="replace").splitlines()
        result.log_tail = [line for line in lines if line.strip()][-15:]
        if self._result.exists():
            result.raw = json.loads(self._result.read_text(encoding="utf-8"))
        self._dir.cleanup()
        return result


def failure(result: WorkerResult, what: str) -> str | None:
    """Why a worker run gave no figures, or None when it did."""
    if result.raw and result.exit_code == 0:
        return None
    tail = "\n    ".join(result.log_tail) or "(no output)"
    return f"{what}: the worker exited with {result.exit_code} and {'a' if result.raw else 'no'} result; log tail:\n    {tail}"
