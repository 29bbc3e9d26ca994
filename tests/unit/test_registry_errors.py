"""What each schema registry answer means for the record in hand (the real-registry cases are in
tests/integration/test_failure_classes.py; these are the answers a development registry never gives)."""

from __future__ import annotations

import pytest
from confluent_kafka.schema_registry import SchemaRegistryError

from lineage_stream.adapters.registry import classify
from lineage_stream.errors import FatalError, RegistryAuthError, RetryableError


@pytest.mark.parametrize("status,expected", [
    (401, RegistryAuthError), (403, RegistryAuthError), (503, RetryableError), (429, RetryableError),
    (500, RetryableError), (400, FatalError), (404, FatalError),
])
def test_registry_answers_are_classified_by_what_happens_next(status, expected):
    error = classify(SchemaRegistryError(status, 0, "answer"), "fetching schema ID 1")
    assert type(error) is expected


def test_an_unexpected_exception_is_not_turned_into_a_retry():
    bug = KeyError("schema")
    assert classify(bug, "fetching schema ID 1") is bug


def test_settings_that_cannot_be_honoured_fail_ready_and_every_use():
    from lineage_stream.adapters.registry import RegistrySchemas

    schemas = RegistrySchemas("http://127.0.0.1:9", config={"not.a.setting": "x"})
    with pytest.raises(ValueError, match="not.a.setting"):
        schemas.validate_settings()
    with pytest.raises(ValueError, match="not.a.setting"):  # and every look-up, the same way
        schemas.writer_schema(1)
    with pytest.raises(ValueError, match="not.a.setting"):  # and Confluent's client, which registers
        schemas.register("subject", "{}")
