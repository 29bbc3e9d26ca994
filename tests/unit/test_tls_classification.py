"""A refused certificate is told apart from an outage: the verification message found in the cause chain."""

from __future__ import annotations

import ssl

import pytest

from lineage_stream.adapters import registry
from lineage_stream.adapters.tls_diagnosis import verify_message
from lineage_stream.errors import RegistryTlsError, RetryableError


def _chained(message: str | None) -> Exception:
    outer = ConnectionError("Couldn't connect")
    if message is not None:
        cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
        cause.verify_message = message
        outer.__cause__ = cause
    return outer


def test_verify_message_walks_the_chain() -> None:
    assert verify_message(_chained("Hostname mismatch, certificate is not valid for 'x'.")) == \
        "Hostname mismatch, certificate is not valid for 'x'."
    assert verify_message(_chained(None)) is None


@pytest.mark.skipif(not registry._transport_errors(), reason="no HTTP transport error type installed")
@pytest.mark.parametrize("message,expected", [
    ("IP address mismatch, certificate is not valid for '127.0.0.1'.", "not a name the registry's certificate"),
    ("self-signed certificate in certificate chain", "not signed by a CA in registry.ssl_ca_location"),
])
def test_registry_certificate_refusals_are_fatal_and_say_which(message: str, expected: str) -> None:
    error = registry._transport_errors()[0]("boom")
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = message
    error.__cause__ = cause
    classified = registry.classify(error, "registering")
    assert isinstance(classified, RegistryTlsError) and expected in str(classified)


@pytest.mark.skipif(not registry._transport_errors(), reason="no HTTP transport error type installed")
def test_registry_unreachable_stays_retryable() -> None:
    classified = registry.classify(registry._transport_errors()[0]("refused"), "registering")
    assert isinstance(classified, RetryableError) and not isinstance(classified, RegistryTlsError)
