"""Neo4j TLS and credentials from the settings reach the driver (no connection is opened here)."""

from __future__ import annotations

import pytest

from lineage_stream.adapters.neo4j_sink import Neo4jSink
from lineage_stream.errors import ConfigError
from lineage_stream.settings import Neo4jSettings, load_settings


@pytest.mark.parametrize("settings", [
    Neo4jSettings(uri="bolt://db:7687", password="x", trusted_ca="/etc/lineage-stream/neo4j-ca.pem"),
    Neo4jSettings(uri="neo4j+s://db:7687", password="x"),
    Neo4jSettings(uri="bolt+s://db:7687", password="x"),
])
def test_tls_settings_make_an_encrypted_driver(settings):
    with Neo4jSink(settings) as sink:
        assert sink._driver.encrypted


def test_plain_bolt_stays_unencrypted():
    with Neo4jSink(Neo4jSettings(uri="bolt://db:7687", password="x")) as sink:
        assert not sink._driver.encrypted


def test_production_without_a_password_cannot_open_a_sink():
    settings = load_settings(env={"LINEAGE_PROFILE": "production", "LINEAGE_ALLOW_PLAINTEXT_KAFKA": "true"})
    with pytest.raises(ConfigError, match="password is not set"):
        Neo4jSink(settings.neo4j)
