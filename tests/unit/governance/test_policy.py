from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from lineage_stream.errors import ConfigError
from lineage_stream.governance.policy import default_policy_text, load_policy, parse_policy
from lineage_stream.governance.redactor import PolicyRedactor
from lineage_stream.governance.suppression import Suppression, keyed_hash, pseudonym, word_count

KEY = b"test-key"


def _policy(**changes: object):
    document = yaml.safe_load(default_policy_text())
    document.update(changes)
    return parse_policy(document)


def test_the_shipped_default_loads_and_is_safe():
    policy = load_policy()
    assert {"EMAIL_ADDRESS", "CREDENTIALS_IN_URI", "AWS_ACCESS_KEY", "PRIVATE_KEY", "PERSON"} <= policy.entity_types
    assert "URL" not in policy.entity_types and "IP_ADDRESS" not in policy.identifier_entity_types
    assert policy.action("EMAIL_ADDRESS") == "pseudonymize" and policy.action("US_SSN") == "mask"
    assert policy.keeps("field.name") and policy.drops("spark.logicalPlan")


@pytest.mark.parametrize("document, message", [
    ({"detektors": {}}, "unknown key"),
    ({"detectors": {"enable": ["EMAIL"]}}, "unknown entity type"),
    ({"actions": {"default": "hide"}}, "unknown action"),
    ({"actions": {"by_type": {"EMAIL_ADRESS": "mask"}}}, "unknown key"),
    ({"paths": {"keep": "field.name"}}, "list of strings"),
    ({"version": 2}, "unsupported version"),
])
def test_a_typo_is_a_config_error_never_a_silent_off_switch(document, message):
    with pytest.raises(ConfigError, match=message):
        parse_policy(document)


def test_an_unreadable_or_broken_file_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("detectors: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_policy(broken)


def test_actions_mask_pseudonymize_and_drop():
    policy = _policy(actions={"default": "mask", "by_type": {"EMAIL_ADDRESS": "pseudonymize", "US_SSN": "drop"}})
    redactor, tally = PolicyRedactor(policy, KEY), Counter()
    out = redactor.text("mail a.b@example.com, ip 10.1.2.3", tally)
    expected = f"<EMAIL_ADDRESS:{pseudonym(KEY, 'a.b@example.com')}>"
    assert out == f"mail {expected}, ip <IP_ADDRESS>"
    assert redactor.text("mail A.B@example.com", Counter()) == f"mail {expected}"  # the same value joins
    assert PolicyRedactor(policy, b"other").text("a.b@example.com", Counter()) != expected  # keyed
    assert redactor.text("ssn 536-22-8726 of the row", tally) == "<US_SSN>"
    assert tally == Counter({("email_address", "pseudonymize"): 1, ("ipv4_address", "mask"): 1,
                             ("us_social_security_number", "drop"): 1})
    assert PolicyRedactor(policy).text("a.b@example.com", Counter()) == "<EMAIL_ADDRESS>"  # no key: mask


def test_identifiers_are_never_dropped_and_keep_infrastructure():
    policy = _policy(actions={"default": "drop"})
    redactor = PolicyRedactor(policy, KEY)
    out = redactor.text("exports/jane@example.com/10.1.2.3", Counter(), identifier=True)
    assert out.startswith("exports/<EMAIL_ADDRESS:") and out.endswith("/10.1.2.3")


def test_facet_paths_keep_drop_person_and_secret_keys():
    redactor, tally = PolicyRedactor(load_policy(), KEY), Counter()
    assert redactor.facet("spark.logicalPlan", '{"plan":"x"}', tally) is None
    text = ('{"_producer":"mailto:a@example.com","owners":[{"name":"user:jdoe","type":"OWNER"}],'
            '"db_password":"hunter2","logicalPlan":{"a":1},"note":"call owner: Jane Doe"}')
    out = redactor.facet("ownership", text, tally)
    assert out is not None
    assert '"_producer":"mailto:a@example.com"' in out and '"db_password":"<SECRET>"' in out
    assert "logicalPlan" not in out and "jdoe" not in out and "Jane Doe" not in out
    assert tally[("person_path", "pseudonymize")] == 1 and tally[("path", "drop")] == 2
    clean = '{"b": 1, "a": "x"}'
    assert redactor.facet("stats", clean, Counter()) == clean  # untouched text keeps its bytes


def test_suppression_erases_values_by_keyed_hash_only():
    erased = ["Jane Doe", "jane.doe@example.com"]
    suppression = Suppression(hashes=frozenset(keyed_hash(KEY, v) for v in erased),
                              word_counts=frozenset(word_count(v) for v in erased))
    redactor, tally = PolicyRedactor(load_policy(), KEY, suppression), Counter()
    out = redactor.text("owner Jane  DOE, mail jane.doe@example.com; Jane Smith", tally)
    assert out == "owner <ERASED>, mail <ERASED>; Jane Smith"
    assert tally[("suppression", "erase")] + tally[("email_address", "erase")] == 2
    assert "Jane" not in repr(suppression)
    with pytest.raises(ValueError):
        PolicyRedactor(load_policy(), None, suppression)


def test_a_value_pseudonymized_by_erasure_keeps_one_pseudonym_everywhere():
    suppression = Suppression(pseudonymized=frozenset({keyed_hash(KEY, "Jane Doe")}), word_counts=frozenset({2}))
    redactor = PolicyRedactor(load_policy(), KEY, suppression)
    alias = pseudonym(KEY, "Jane Doe")
    assert redactor.text("met Jane Doe today", Counter()) == f"met <PSEUDONYM:{alias}> today"
    assert redactor.text("owner: Jane Doe", Counter()) == f"owner: <PSEUDONYM:{alias}>"


def test_a_facet_that_repeats_a_key_is_never_passed_on_with_the_value_parsing_dropped():
    """JSON parsing keeps a repeated key's last value; the walk never sees the first, so the text itself
    must not be passed on as clean."""
    redactor = PolicyRedactor(load_policy())
    for text in ('{"d":"ops@example.com","d":1}', '{"x":{"note":"call +44 20 7946 0123","note":null}}',
                 '[{"a":"jane.doe@example.com","a":"ok"}]'):
        out = redactor.facet("doc", text, Counter())
        assert out is not None and "example.com" not in out and "7946" not in out, out
    clean = '{"a":1,"b":"x"}'
    assert redactor.facet("doc", clean, Counter()) is clean
