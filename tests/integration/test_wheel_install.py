"""The package as users get it: a wheel built from the repository, installed in a fresh virtual environment.

First the publisher's light install (no Neo4j driver, no Prometheus client) publishes the example
events; then the ``worker`` extra is added and ``lineage-stream worker --until-idle`` writes them to
Neo4j. Nothing here runs from the source tree: the commands are the installed entry point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "nightly_orders.jsonl"


def _run(command: list[str], env: dict[str, str] | None = None, timeout: float = 240) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd="/")
    assert done.returncode == 0, f"{command[:3]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_the_wheel_installs_and_runs_produce_then_worker(services, graph, unique, tmp_path):
    # Built from a copy of what the package is made of: an in-tree build reuses build/lib, where
    # modules moved or deleted since an earlier build linger and end up in the wheel.
    source, dist = tmp_path / "source", tmp_path / "dist"
    shutil.copytree(ROOT / "lineage_stream", source / "lineage_stream", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(source)])
    (wheel,) = dist.glob("lineage_stream-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packages = {name.split("/")[1] for name in archive.namelist() if name.startswith("lineage_stream/") and name.count("/") > 1}
    assert not packages & {"bench", "reliability", "infra"}, "development tooling belongs in devtools/, not in the wheel"
    assert "schemas" in packages

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python, cli = str(env_dir / "bin" / "python"), str(env_dir / "bin" / "lineage-stream")
    _run([python, "-m", "pip", "install", "--quiet", str(wheel)])

    light = _run([python, "-c", "import importlib.util as u; print([m for m in ('neo4j', 'prometheus_client') "
                  "if u.find_spec(m)])"])
    assert light.strip() == "[]", "the base install must not pull in the worker's dependencies"
    assert _run([cli, "--version"]).strip().startswith("lineage-stream ")

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LINEAGE_KAFKA_BOOTSTRAP": services.kafka_bootstrap,
        "LINEAGE_REGISTRY_URL": services.registry_url,
        "LINEAGE_NEO4J_URI": services.neo4j_uri,
        "LINEAGE_NEO4J_USER": services.neo4j_user,
        "LINEAGE_NEO4J_PASSWORD": services.neo4j_password,
        "LINEAGE_AVRO_TOPIC": f"lineage-events-{unique}",
        "LINEAGE_OPENLINEAGE_TOPICS": f"openlineage-{unique}",
        "LINEAGE_DLQ_TOPIC": f"lineage-dlq-{unique}",
        "LINEAGE_GROUP_ID": f"worker-{unique}",
    }
    produced = _run([cli, "produce", str(EXAMPLES)], env)
    assert "published 10 event(s)" in produced

    refused = subprocess.run([cli, "worker", "--until-idle", "--no-metrics"], capture_output=True, text=True,
                             env=env, timeout=60, cwd="/")
    assert refused.returncode == 2 and "lineage-stream[worker]" in refused.stderr

    _run([python, "-m", "pip", "install", "--quiet", f"{wheel}[worker]"])
    worked = _run([cli, "worker", "--until-idle", "--no-metrics"], env)
    # The example file re-sends one event on purpose: it is applied once.
    assert "worker: consumed 10, written 9, duplicates 1, rejected 0" in worked
    noise = [line for line in (produced + worked).splitlines() if " WARNING " in line or "GETPID" in line
             or line.startswith("%")]
    assert not noise, "the output should show the lineage, not warnings:\n" + "\n".join(noise)

    jobs = graph.execute_query("MATCH (j:Job {namespace: 'airflow-prod', name: 'nightly_orders'}) "
                               "RETURN count(j) AS n").records[0]["n"]
    assert jobs == 1
