"""The lock files pin, with hashes, every dependency pyproject.toml declares (run `make lock` after a change)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DEVTOOLS = tomllib.loads((ROOT / "devtools" / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins = {_canonical(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)", text, re.M)}
    assert text.count("--hash=sha256:") >= len(pins), f"{name}: every pin needs its hashes"
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*extras: str) -> list[Requirement]:
    lines = list(PROJECT["dependencies"])
    for extra in extras:
        lines += PROJECT["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def _check(lock: str, requirements: list[Requirement]) -> None:
    pins = _locked(lock)
    stale = [str(r) for r in requirements if _canonical(r.name) not in pins
             or not r.specifier.contains(pins[_canonical(r.name)], prereleases=True)]
    assert not stale, f"requirements/{lock} is stale for {stale}: run `make lock`"


def test_application_lock_covers_the_base_and_worker_dependencies():
    _check("worker.lock", _declared("worker"))


def test_ci_lock_covers_every_extra_and_the_development_tooling():
    _check("ci.lock", _declared(*PROJECT["optional-dependencies"]) + [Requirement(line) for line in DEVTOOLS["dependencies"]])
