"""docs/configuration.md is generated from the settings model and must not go stale."""

from __future__ import annotations

from pathlib import Path

from lineage_stream.config_docs import render
from lineage_stream.settings import Settings, legacy_env_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_configuration_reference_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: run `lineage-stream config docs -o docs/configuration.md`")


def test_every_setting_and_every_flat_variable_is_documented():
    text = render()
    for name in legacy_env_names():
        assert f"`{name}`" in text
    for name in Settings.model_fields:
        assert f"`LINEAGE_{name.upper()}" in text
    assert "`LINEAGE_KAFKA__SECURITY__SASL_PASSWORD`" in text and "*secret*" in text
