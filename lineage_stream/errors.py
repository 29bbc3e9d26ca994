"""The one exception root, and subclasses that say what happens next.

- ``RejectedRecord``: this record can never be processed as it is; dead-letter it and go on.
- ``RetryableError``: a dependency is unavailable for now; back off (``retry_after`` when the
  dependency says how long) and retry, commit nothing.
- ``FatalError``: a dependency refuses us for a reason only a human can fix (credentials, rights);
  stop with a clear message, dead-letter nothing, commit nothing. The worker never catches it.
- ``ConfigError``: the settings are wrong; stop with a clear message.

Anything else raised is a bug: the process crashes with the stack trace, and is never retried.
- ``InfraError``: a local service could not be installed or started.
"""

from __future__ import annotations


class LineageStreamError(Exception):
    """Root of every error lineage-stream raises on purpose."""


class ConfigError(LineageStreamError):
    """Settings are missing or invalid; the process should stop and say which."""


class InfraError(LineageStreamError):
    """A local service could not be downloaded, started or reached."""


class RejectedRecord(LineageStreamError):
    """A record that cannot be processed; it goes to the dead-letter topic with ``reason``.

    ``stage`` names the pipeline stage that rejected it (decode, validate, normalize, write).
    """

    stage = "unknown"

    def __init__(self, reason: str, *, stage: str | None = None) -> None:
        # Reasons quote what they reject (a bad time, an identifier); they reach logs and dead-letter
        # headers, so secrets and personal data in them are masked here, where every reason passes.
        from lineage_stream.redaction import redact_text

        reason = redact_text(reason)
        super().__init__(reason)
        self.reason = reason
        if stage is not None:
            self.stage = stage


class DecodeError(RejectedRecord):
    """The bytes are not a lineage event we can read (wire format, Avro, JSON, UTF-8)."""

    stage = "decode"


class ValidationError(RejectedRecord):
    """The record decoded but breaks the event contract (missing run ID, wrong types)."""

    stage = "validate"


class IdentifierError(RejectedRecord):
    """A dataset or job identifier is unusable (empty, too long, control characters)."""

    stage = "normalize"


class RetryableError(LineageStreamError):
    """A dependency is unavailable; retry without committing.

    ``retry_after``: seconds the dependency asked us to wait, or None to follow the backoff policy.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalError(LineageStreamError):
    """A dependency refuses us and retrying cannot help (credentials, permissions); stop the process."""


class SinkAuthError(FatalError):
    """Neo4j refused the credentials or the rights of the configured user."""


class RegistryAuthError(FatalError):
    """The schema registry refused the credentials (HTTP 401/403)."""


class RegistryTlsError(FatalError):
    """TLS with the schema registry failed: its certificate is not trusted or does not name the host."""


class SinkUnavailable(RetryableError):
    """Neo4j cannot be reached or refused the transaction for a transient reason."""


class DeliveryError(LineageStreamError):
    """The producer could not deliver one or more events to Kafka; ``failures`` says which and why."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__(f"{len(failures)} event(s) not delivered: " + "; ".join(failures[:5]))
        self.failures = failures


class KafkaAuthError(FatalError):
    """A Kafka broker refused the credentials, or TLS with it failed (certificate, host name)."""


class SinkTlsError(FatalError):
    """TLS with Neo4j failed: the server's certificate is not trusted or does not name the host."""
