"""Secrets from a mounted directory (LINEAGE_SECRETS_DIR): one file per variable, the environment wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_stream.errors import ConfigError
from lineage_stream.settings import load_settings


def _mount(tmp_path: Path) -> Path:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "LINEAGE_KAFKA__SECURITY__SASL_PASSWORD").write_text("kafka-from-file\n")
    (secrets / "lineage_neo4j__password").write_text("neo4j-from-file")
    (secrets / "..data").mkdir()  # what Kubernetes adds beside the keys
    (secrets / "unrelated").write_text("ignored")
    return secrets


def test_values_come_from_the_files_and_stay_secret(tmp_path: Path) -> None:
    settings = load_settings(env={"LINEAGE_SECRETS_DIR": str(_mount(tmp_path))})
    assert settings.kafka.security.sasl_password is not None
    assert settings.kafka.security.sasl_password.get_secret_value() == "kafka-from-file"
    assert settings.neo4j.secret_password() == "neo4j-from-file"
    assert "from-file" not in repr(settings)


def test_the_environment_wins_over_a_file(tmp_path: Path) -> None:
    settings = load_settings(env={"LINEAGE_SECRETS_DIR": str(_mount(tmp_path)), "LINEAGE_NEO4J__PASSWORD": "from-env"})
    assert settings.neo4j.secret_password() == "from-env"


def test_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        load_settings(env={"LINEAGE_SECRETS_DIR": str(tmp_path / "absent")})
