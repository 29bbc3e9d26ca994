"""Fail fast when Kafka refuses us: one metadata request at start-up, its errors classified.

librdkafka retries a refused login or a failed TLS handshake for ever, so a client with a wrong
password or an untrusted certificate would just wait. ``check_kafka`` asks for metadata once and
turns an authentication or TLS error into ``KafkaAuthError`` saying which setting to fix; an
unreachable broker is left to the clients' own retries.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from lineage_stream.adapters.tls_diagnosis import diagnose
from lineage_stream.errors import KafkaAuthError

_AUTHENTICATION: int = getattr(KafkaError, "_AUTHENTICATION")
_SSL: int = getattr(KafkaError, "_SSL")
_TRANSPORT: int = getattr(KafkaError, "_TRANSPORT")
_SECURITY_CODES = (_AUTHENTICATION, _SSL)
_SSL_TRANSPORT = ("SSL alert", "bad certificate", "certificate required", "unknown ca")


def _first_broker(bootstrap: str) -> tuple[str, int]:
    first = bootstrap.split(",")[0].strip().split("://")[-1]
    host, _, port = first.rpartition(":")
    return host.strip("[]"), int(port or 9092)


def _mask(text: str, config: Mapping[str, Any]) -> str:
    for key in ("sasl.password", "ssl.key.password", "sasl.oauthbearer.client.secret"):
        value = config.get(key)
        if value:
            text = text.replace(str(value), "**********")
    return text


def _explain(error: KafkaError, config: Mapping[str, Any]) -> str:
    bootstrap = str(config.get("bootstrap.servers", ""))
    reason = error.str()
    if error.code() == _AUTHENTICATION:
        user, mechanism = config.get("sasl.username"), config.get("sasl.mechanism")
        return (f"Kafka at {bootstrap} refused user {user!r} (SASL {mechanism}): {reason}; "
                "fix kafka.security.sasl_username / sasl_password")
    host, port = _first_broker(bootstrap)
    verify = str(config.get("ssl.endpoint.identification.algorithm", "https")) != "none"
    why = diagnose(host, port, config.get("ssl.ca.location"), check_hostname=verify)
    if why is not None and "mismatch" in why.lower():
        advice = ("the broker's certificate does not name the host the client connects to: use a "
                  "bootstrap host its certificate carries")
    elif why is not None:
        advice = "the broker's certificate is not signed by a CA in kafka.security.ssl_ca_location"
    else:
        advice = ("TLS with the broker failed (check kafka.security.ssl_ca_location, and the client "
                  "certificate and key for a listener that requires one)")
    detail = f" ({why})" if why else ""
    return f"Kafka at {bootstrap}: {advice}{detail}; librdkafka: {reason}"


def check_kafka(config: Mapping[str, Any], *, timeout_s: float = 10.0) -> frozenset[str] | None:
    """Raise ``KafkaAuthError`` when the brokers refuse the credentials or the TLS handshake fails.

    Returns the names of the topics the metadata lists once it arrives (so the caller need not ask
    again), or None when the deadline passes with only transport errors (the broker may be
    starting; the clients retry by themselves).
    """
    errors: list[KafkaError] = []
    options = {key: value for key, value in config.items() if key != "error_cb"}
    client: dict[str, Any] = {**options, "error_cb": errors.append}
    admin = AdminClient(client)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return frozenset(admin.list_topics(timeout=1.0).topics)
        except KafkaException:
            pass
        admin.poll(0)
        for error in errors:
            transport_tls = error.code() == _TRANSPORT and any(m in error.str() for m in _SSL_TRANSPORT)
            if error.code() in _SECURITY_CODES or transport_tls:
                raise KafkaAuthError(_mask(_explain(error, options), options))
        errors.clear()
        if time.monotonic() >= deadline:
            return None
