from __future__ import annotations

import copy

import pytest

from lineage_stream.redaction import redact_json
from lineage_stream.redaction.redactor import MAX_JSON_DEPTH, key_words, names_secret


def nested_lists(levels: int, leaf: object = "leaf") -> object:
    value: object = leaf
    for _ in range(levels):
        value = [value]
    return value


def list_depth(value: object) -> int:
    depth = 0
    while isinstance(value, list):
        depth += 1
        value = value[0] if value else None
    return depth


def innermost(value: object) -> object:
    while isinstance(value, list):
        value = value[0]
    return value


def test_redacts_strings_in_nested_event_and_counts_each_finding() -> None:
    event = {
        "run": {"runId": "0193a1f0-0000-7000-8000-000000000001", "facets": {
            "errorMessage": {"message": "connect to 10.0.3.4 failed for ops@example.com"},
        }},
        "job": {"facets": {"sql": {"query": "SELECT * FROM c WHERE email = 'jane@x.com'"}}},
        "inputs": [{"namespace": "postgresql://db.internal:5432", "name": "shop.customers"}],
        "eventTime": "2026-11-20T02:00:00.000Z",
        "rowCount": 1048576,
    }

    redacted, count = redact_json(event)

    assert redacted == {
        "run": {"runId": "0193a1f0-0000-7000-8000-000000000001", "facets": {
            "errorMessage": {"message": "connect to <IP_ADDRESS> failed for <EMAIL_ADDRESS>"},
        }},
        "job": {"facets": {"sql": {"query": "SELECT * FROM c WHERE email = '<EMAIL_ADDRESS>'"}}},
        "inputs": [{"namespace": "postgresql://db.internal:5432", "name": "shop.customers"}],
        "eventTime": "2026-11-20T02:00:00.000Z",
        "rowCount": 1048576,
    }
    assert count == 3


@pytest.mark.parametrize("key", [
    "password", "PASSWORD", "db_password", "passwd", "secret", "client_secret",
    "token", "access_token", "api_key", "apiKey", "APIKEY", "X-Api-Key", "access_key",
    "AWS_SECRET_ACCESS_KEY", "awsSecretAccessKey", "private_key", "privateKey",
    "Authorization", "Proxy-Authorization", "credentials", "SECRET_KEY",
])
def test_values_of_secret_keys_become_secret_whatever_their_type(key: str) -> None:
    for value in ("hunter2", 12345, {"nested": "thing"}, ["a", "b"], True):
        assert redact_json({key: value}) == ({key: "<SECRET>"}, 1)


@pytest.mark.parametrize("key", [
    "max_tokens", "token_count", "secret_name", "tokenizer", "passwords_rotated_at",
    "PWD", "name", "description", "key", "authorized_by",
])
def test_keys_that_only_mention_secrets_are_scanned_not_blanked(key: str) -> None:
    assert redact_json({key: "plain value"}) == ({key: "plain value"}, 0)
    assert not names_secret(key)


def test_empty_secret_values_are_kept_and_not_counted() -> None:
    assert redact_json({"password": None, "token": ""}) == ({"password": None, "token": ""}, 0)


def test_secret_key_words_split_on_separators_and_camel_case() -> None:
    assert key_words("awsSecretAccessKey") == ("aws", "secret", "access", "key")
    assert key_words("X-API-Key") == ("x", "api", "key")
    assert key_words("db_password2") == ("db", "password", "2")
    assert not names_secret(3)
    assert not names_secret("password" * 100)


def test_keys_are_kept_and_only_values_redacted() -> None:
    redacted, count = redact_json({"jane@example.com": "x", "contact": "jane@example.com"})
    assert redacted == {"jane@example.com": "x", "contact": "<EMAIL_ADDRESS>"}
    assert count == 1


def test_scalars_and_tuples_keep_their_types() -> None:
    value = {"n": 1, "f": 1.5, "b": False, "none": None, "t": ("a@b.io", 2)}
    assert redact_json(value) == (
        {"n": 1, "f": 1.5, "b": False, "none": None, "t": ("<EMAIL_ADDRESS>", 2)},
        1,
    )
    assert redact_json("call 415-555-0132") == ("call <PHONE_NUMBER>", 1)
    assert redact_json(42) == (42, 0)


def test_input_is_never_mutated_and_containers_are_new() -> None:
    original = {"a": [{"password": "p", "msg": "mail a@b.io"}], "b": ("10.0.0.1",)}
    snapshot = copy.deepcopy(original)

    redacted, _ = redact_json(original)

    assert original == snapshot
    assert isinstance(redacted, dict)
    assert redacted is not original
    assert redacted["a"] is not original["a"]
    assert redacted["a"][0] is not original["a"][0]


def test_containers_up_to_the_depth_bound_are_kept() -> None:
    redacted, count = redact_json(nested_lists(MAX_JSON_DEPTH, "a@b.io"))
    assert list_depth(redacted) == MAX_JSON_DEPTH
    assert innermost(redacted) == "<EMAIL_ADDRESS>"
    assert count == 1


def test_containers_past_the_depth_bound_become_too_deep() -> None:
    redacted, count = redact_json(nested_lists(MAX_JSON_DEPTH + 1, "a@b.io"))
    assert list_depth(redacted) == MAX_JSON_DEPTH
    assert innermost(redacted) == "<TOO_DEEP>"
    assert count == 1


def test_very_deep_dicts_do_not_recurse_past_the_bound() -> None:
    deep: dict[str, object] = {}
    cursor = deep
    for _ in range(50_000):
        child: dict[str, object] = {}
        cursor["child"] = child
        cursor = child

    redacted, count = redact_json(deep)

    levels = 0
    node: object = redacted
    while isinstance(node, dict):
        levels += 1
        node = node["child"]
    assert (levels, node, count) == (MAX_JSON_DEPTH, "<TOO_DEEP>", 1)


def test_entity_types_limit_what_is_redacted() -> None:
    value = {"msg": "ops@example.com from 10.0.0.1"}
    assert redact_json(value, frozenset({"EMAIL_ADDRESS"})) == (
        {"msg": "<EMAIL_ADDRESS> from 10.0.0.1"},
        1,
    )
    with pytest.raises(ValueError, match="NOT_A_TYPE"):
        redact_json(value, frozenset({"NOT_A_TYPE"}))
