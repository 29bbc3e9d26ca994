"""Detached service processes: spawn, pid files, liveness, stop, log tails.

A service runs in its own session (``start_new_session=True``) so it survives the CLI that
started it and can be stopped as a whole process group. Its pid file holds the pid on the first
line and a *marker* on the second: a string that must appear in ``/proc/<pid>/cmdline`` for the
pid to count as ours, so a pid reused by an unrelated process is never reported or signalled.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PidRecord:
    pid: int
    marker: str


def write_pid_file(path: Path, record: PidRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(f"{record.pid}\n{record.marker}\n", encoding="utf-8")
    tmp.replace(path)


def read_pid_file(path: Path) -> PidRecord | None:
    """The record in ``path``; None when the file is missing or malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    if not lines:
        return None
    try:
        pid = int(lines[0].strip())
    except ValueError:
        return None
    if pid <= 0:
        return None
    marker = lines[1].strip() if len(lines) > 1 else ""
    return PidRecord(pid, marker)


def remove_pid_file(path: Path) -> None:
    path.unlink(missing_ok=True)


def _cmdline(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode("utf-8", "replace")


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    # The state follows the parenthesised command name, which may itself contain spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def is_alive(pid: int, marker: str = "") -> bool:
    """True when ``pid`` runs, is not a zombie and (if given) has ``marker`` in its command line."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if _is_zombie(pid):
        return False
    if marker:
        cmdline = _cmdline(pid)
        return cmdline is not None and marker in cmdline
    return True


def running_pid(pid_file: Path) -> int | None:
    """The pid recorded in ``pid_file`` if that process is still ours and alive."""
    record = read_pid_file(pid_file)
    if record is None:
        return None
    return record.pid if is_alive(record.pid, record.marker) else None


def spawn(
    command: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    marker: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command`` detached (new session), output appended to ``log_file``; write its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(command)}\n".encode())
        out.flush()
        proc = subprocess.Popen(  # noqa: S603 - fixed command lines built by this package
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    write_pid_file(pid_file, PidRecord(proc.pid, marker))
    log.debug("spawned %s as pid %s", command[0], proc.pid)
    return proc


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group led by ``pid`` (our services are session leaders), else the pid."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our child (avoids a zombie while this process lives on)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def wait_gone(pid: int, marker: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pid)
        if not is_alive(pid, marker):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def stop(pid_file: Path, *, timeout: float) -> int | None:
    """SIGTERM the recorded process, wait up to ``timeout`` s, then SIGKILL; remove the pid file.

    Returns the pid that was stopped, or None when nothing of ours was running.
    """
    record = read_pid_file(pid_file)
    if record is None or not is_alive(record.pid, record.marker):
        remove_pid_file(pid_file)
        return None
    log.info("stopping pid %s (SIGTERM, up to %.0f s)", record.pid, timeout)
    _signal_group(record.pid, signal.SIGTERM)
    if not wait_gone(record.pid, record.marker, timeout):
        log.warning("pid %s still running after %.0f s; sending SIGKILL", record.pid, timeout)
        _signal_group(record.pid, signal.SIGKILL)
        wait_gone(record.pid, record.marker, 10.0)
    remove_pid_file(pid_file)
    return record.pid


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_file`` (serialises concurrent ``up``/``down``)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def rss_kib(pid: int) -> int | None:
    """Resident set size of ``pid`` in KiB (from /proc), or None when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of ``path`` ("" when it does not exist)."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except FileNotFoundError:
        return ""
