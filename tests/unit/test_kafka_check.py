"""How a refused Kafka connection is explained: the setting to fix, never a secret."""

from __future__ import annotations

import time

from confluent_kafka import KafkaError

from lineage_stream.adapters import kafka_check
from lineage_stream.adapters.kafka_source import ensure_topics


def test_authentication_names_user_and_setting_and_masks_the_password() -> None:
    error = KafkaError(getattr(KafkaError, "_AUTHENTICATION"), "SASL authentication error: bad s3cret-Pw")
    config = {"bootstrap.servers": "broker:9093", "sasl.username": "worker", "sasl.mechanism": "SCRAM-SHA-512",
              "sasl.password": "s3cret-Pw"}
    text = kafka_check._mask(kafka_check._explain(error, config), config)
    assert "refused user 'worker' (SASL SCRAM-SHA-512)" in text and "sasl_password" in text
    assert "s3cret-Pw" not in text


def test_tls_failure_without_a_diagnosis_says_what_to_check() -> None:
    error = KafkaError(getattr(KafkaError, "_SSL"), "SSL handshake failed")
    text = kafka_check._explain(error, {"bootstrap.servers": "127.0.0.1:1"})  # nothing listens: no diagnosis
    assert "TLS with the broker failed (check kafka.security.ssl_ca_location" in text


def test_first_broker() -> None:
    assert kafka_check._first_broker("SASL_SSL://b1:9093, b2:9093") == ("b1", 9093)
    assert kafka_check._first_broker("[::1]:9092") == ("::1", 9092)


def test_ensure_topics_makes_no_admin_client_when_every_topic_is_known() -> None:
    started = time.monotonic()
    # Nothing listens there: a client would wait out its timeout and raise.
    ensure_topics("127.0.0.1:1", ["events", "dlq"], timeout_s=2.0, known=frozenset({"events", "dlq", "other"}))
    assert time.monotonic() - started < 0.5
