from __future__ import annotations

import dataclasses

import pytest

from lineage_stream.redaction import (
    ALL_ENTITY_TYPES,
    DEFAULT_ENTITY_TYPES,
    OPT_IN_ENTITY_TYPES,
    Finding,
    find_pii,
    redact_text,
)
from lineage_stream.redaction.detectors import DETECTORS


def labelled(text: str, entity_types: frozenset[str] | None = None) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start:f.end]) for f in find_pii(text, entity_types)]


def test_redacts_sql_literal_with_entity_placeholder() -> None:
    sql = "SELECT * FROM users WHERE email = 'jane@x.com' AND ip = '192.168.0.1'"
    assert redact_text(sql) == (
        "SELECT * FROM users WHERE email = '<EMAIL_ADDRESS>' AND ip = '<IP_ADDRESS>'"
    )


def test_findings_are_sorted_frozen_and_non_overlapping() -> None:
    text = "a@b.io 4111 1111 1111 1111 078-05-1123 +44 20 7123 4567 fe80::1"
    findings = find_pii(text)

    assert [f.entity_type for f in findings] == [
        "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "PHONE_NUMBER", "IP_ADDRESS",
    ]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
    with pytest.raises(dataclasses.FrozenInstanceError):
        findings[0].start = 0  # type: ignore[misc]


def test_no_text_or_no_entity_types_means_no_findings() -> None:
    assert find_pii("") == []
    assert find_pii("a@b.io", frozenset()) == []
    assert redact_text("nothing to see here") == "nothing to see here"


def test_unknown_entity_types_are_rejected() -> None:
    with pytest.raises(ValueError, match="EMAIL"):
        find_pii("a@b.io", frozenset({"EMAIL"}))


def test_detector_table_rows_are_uniquely_named_and_upper_case_typed() -> None:
    assert len({d.name for d in DETECTORS}) == len(DETECTORS)
    assert all(d.entity_type.isupper() for d in DETECTORS)
    assert all((d.context is None) == (d.context_window == 0) for d in DETECTORS)


def test_entity_type_sets_partition_the_detector_table() -> None:
    assert DEFAULT_ENTITY_TYPES | OPT_IN_ENTITY_TYPES == ALL_ENTITY_TYPES
    assert not DEFAULT_ENTITY_TYPES & OPT_IN_ENTITY_TYPES
    assert "URL" in OPT_IN_ENTITY_TYPES  # lineage namespaces and producers are URLs


# --- overlap resolution -------------------------------------------------


def test_equal_spans_go_to_the_more_specific_detector() -> None:
    assert labelled("username: joe@example.com") == [("CREDENTIALS", "joe@example.com")]
    assert labelled("078-05-1123") == [("US_SSN", "078-05-1123")]


def test_partial_overlap_keeps_the_more_specific_finding() -> None:
    text = "jdbc:mysql+srv://username:pwd@domain.com:3307"
    assert labelled(text) == [("CREDENTIALS_IN_URI", "username:pwd")]
    assert redact_text(text) == "jdbc:mysql+srv://<CREDENTIALS_IN_URI>@domain.com:3307"


def test_a_finding_that_strictly_contains_others_wins() -> None:
    text = "see http://[2001:db8::1]/path and ::ffff:192.0.2.1"
    assert labelled(text) == [("IP_ADDRESS", "2001:db8::1"), ("IP_ADDRESS", "::ffff:192.0.2.1")]
    assert labelled(text, ALL_ENTITY_TYPES) == [
        ("URL", "http://[2001:db8::1]/path"),
        ("IP_ADDRESS", "::ffff:192.0.2.1"),
    ]


def test_rejected_candidate_does_not_hide_a_valid_one_inside_it() -> None:
    assert labelled("SD 20241 440-600-5124") == [("PHONE_NUMBER", "440-600-5124")]


# --- credentials ----------------------------------------------------------


@pytest.mark.parametrize(("uri", "redacted"), [
    ("jdbc:mysql://fred:sec%40ret@hostname", "jdbc:mysql://<CREDENTIALS_IN_URI>@hostname"),
    ("postgresql://etl:p4ss@db.internal:5432/shop",
     "postgresql://<CREDENTIALS_IN_URI>@db.internal:5432/shop"),
    ("jdbc:postgresql://hostname?user=fred&password=sec%40ret",
     "jdbc:postgresql://hostname?user=<CREDENTIALS_IN_URI>&password=<CREDENTIALS_IN_URI>"),
    ("jdbc:sqlserver://hostname;user=fred;password=sec%40ret",
     "jdbc:sqlserver://hostname;user=<CREDENTIALS_IN_URI>;password=<CREDENTIALS_IN_URI>"),
    ("jdbc:oracle:thin:fred/sec%40ret@//hostname",
     "jdbc:oracle:thin:<CREDENTIALS_IN_URI>@//hostname"),
    ("jdbc:mysql://u:pw@h1:1111,u:pw@h2:2222",
     "jdbc:mysql://<CREDENTIALS_IN_URI>@h1:1111,<CREDENTIALS_IN_URI>@h2:2222"),
    ("https://acct.blob.core.windows.net/c/b.csv?sv=2022-11-02&sig=abc%2Bdef",
     "https://acct.blob.core.windows.net/c/b.csv?sv=2022-11-02&sig=<CREDENTIALS_IN_URI>"),
])
def test_credentials_in_uris_are_removed_and_hosts_kept(uri: str, redacted: str) -> None:
    assert redact_text(uri) == redacted


@pytest.mark.parametrize("uri", [
    "jdbc:oracle:thin:@//test-host.com:1522/serviceName",
    "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=h)(PORT=1521)))",
    "postgresql://Orders-DB.internal:5432/shop",
    "kafka://broker-1.prod:9092,broker-2.prod:9092",
])
def test_connection_strings_without_credentials_are_untouched(uri: str) -> None:
    assert find_pii(uri) == []


@pytest.mark.parametrize(("text", "secret"), [
    ("host=db user=etl password=hunter2 dbname=shop", "hunter2"),
    ("CREATE USER etl IDENTIFIED BY 'S3cr3t!'", "S3cr3t!"),
    ("ALTER ROLE etl WITH PASSWORD 'new pass phrase'", "new pass phrase"),
    ('{"db_password": "hunter2"}', "hunter2"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI/K7MDENG"),
    ("Authorization: Bearer abcdef0123456789", "abcdef0123456789"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
])
def test_free_text_secrets_are_removed(text: str, secret: str) -> None:
    redacted = redact_text(text)
    assert secret not in redacted
    assert "<CREDENTIALS>" in redacted


# --- things that must stay ------------------------------------------------


@pytest.mark.parametrize("text", [
    "0193a1f0-0000-7000-8000-000000000001",
    "2026-11-20T02:00:00.000Z",
    "1732212345678",
    "s3://bucket/warehouse/orders/dt=2024-01-15/part-00000-3f2a.snappy.parquet",
    "SELECT * FROM t WHERE id IN (100234, 2024011512) AND amount > 1234567.89",
    "SELECT amount::numeric, '2024-01-01'::date FROM a.b.c",
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "version 1.24.0 sha 3f2a9c1e8b7d6f5a4c3b2a1908f7e6d5c4b3a2f1",
    "rows written: 1048576, bytes: 52428800, duration_ms=123456",
    "password authentication failed for user",
    "login failed: timeout after 30s",
    "max_tokens: 4096",
    "DECLARE @rowcount INT; @Override",
    "Error at 10:32:45.123, ratio 0.123456789",
    "order 4111 1111 1111 1112",
    "INV 123-45-6789",
])
def test_ordinary_lineage_text_is_left_alone(text: str) -> None:
    assert find_pii(text) == []


# --- individual detectors -------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Card 4012-8888-8888-1881", [("CREDIT_CARD", "4012-8888-8888-1881")]),
    ("Card 4012-8888-8888-1882", []),  # Luhn fails
    ("IBAN DE89 3704 0044 0532 0130 00", [("IBAN_CODE", "DE89 3704 0044 0532 0130 00")]),
    ("IBAN GB82 WEST 1234 5698 7654 33", []),  # mod 97 fails
    ("wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", [
        ("CRYPTO", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")]),
    ("wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp", []),  # bech32 checksum
    ("from 256.1.1.1 or 2001::db8::1", []),
    ("mac 00:1A:2B:3C:4D:5E, not FF:FF:FF:FF:FF:FF", [("MAC_ADDRESS", "00:1A:2B:3C:4D:5E")]),
    ("born on 4 June 1976", [("DATE_OF_BIRTH", "on 4 June 1976")]),
    ("shipped on 4 June 1976", []),  # a date is only a DOB next to a keyword
    ("my passport: 191280342", [("US_PASSPORT", "191280342")]),
    ("NI number AB 12 34 56 C", [("UK_NINO", "AB 12 34 56 C")]),
])
def test_detectors_validate_what_their_regex_matches(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert labelled(text) == expected


def test_opt_in_types_are_only_found_when_asked_for() -> None:
    text = "see https://example.com, tweet @someone, call 5321234567"
    assert labelled(text) == []
    assert labelled(text, frozenset({"URL", "TWITTER_HANDLE", "TR_PHONE_NUMBER"})) == [
        ("URL", "https://example.com"),
        ("TWITTER_HANDLE", "@someone"),
        ("TR_PHONE_NUMBER", "5321234567"),
    ]


def test_finding_is_a_plain_value() -> None:
    assert Finding("EMAIL_ADDRESS", 0, 6) == Finding("EMAIL_ADDRESS", 0, 6)
    assert find_pii("a@b.io") == [Finding("EMAIL_ADDRESS", 0, 6)]
