"""docker-compose.yml against the Compose specification's JSON schema, and the Dockerfile's shape.

No Docker engine runs here: the compose file and the image are validated, not run.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
DEPLOY_README = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")


def test_the_compose_file_follows_the_compose_specification():
    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(COMPOSE), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_services_run_the_versions_of_the_local_services():
    images = {name: service.get("image", "") for name, service in COMPOSE["services"].items()}
    assert images["kafka"] == "apache/kafka:4.3.1" and "Apache Kafka 4.3.1" in DEPLOY_README
    assert images["registry"].endswith(":2.4.2.Final") and "Apicurio Registry 2.4.2.Final" in DEPLOY_README
    assert images["neo4j"].startswith("neo4j:5.26") and "Neo4j Community 5.26" in DEPLOY_README


def test_the_worker_is_built_here_waits_for_healthy_services_and_is_checked_itself():
    worker = COMPOSE["services"]["worker"]
    assert worker["build"]["dockerfile"] == "Dockerfile" and (ROOT / worker["build"]["context"] / "Dockerfile").is_file()
    assert {name: dep["condition"] for name, dep in worker["depends_on"].items()} == {
        "kafka": "service_healthy", "registry": "service_healthy", "neo4j": "service_healthy"}
    for name in ("kafka", "registry", "neo4j", "worker"):
        assert COMPOSE["services"][name]["healthcheck"]["test"], name
    assert "volumes" not in worker or all(v.endswith(":ro") for v in worker["volumes"])


def test_the_dockerfile_is_multi_stage_pinned_and_non_root():
    stages = re.findall(r"^FROM\s+(\S+)\s+AS\s+(\w+)", DOCKERFILE, re.M)
    assert len(stages) >= 2
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", DOCKERFILE, re.M)
    assert base and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base.group(1))
    assert "--require-hashes" in DOCKERFILE and "requirements/worker.lock" in DOCKERFILE
    user = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    assert user and not user[-1].startswith(("0", "root"))
    assert "HEALTHCHECK" in DOCKERFILE


def test_docker_compose_accepts_the_file_where_docker_is_installed():
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("no docker compose on this machine: the file is validated against the schema only")
    done = subprocess.run([docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
