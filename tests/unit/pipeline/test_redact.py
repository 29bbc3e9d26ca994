from __future__ import annotations

import json
from dataclasses import replace

from lineage_stream.model import Job, Run
from lineage_stream.pipeline.redact import RedactStage
from factories import dataset, run_event


def test_pii_in_every_facet_container_is_redacted_and_clean_facets_keep_their_text():
    sql = json.dumps({"query": "SELECT * FROM users WHERE email = 'jane.doe@example.com'"})
    clean = '{"b":1,  "a":2}'
    event = replace(
        run_event(outputs=(dataset("t", facets={"documentation": '{"description":"owner: ops@example.com"}'},
                                   io_facets={"stats": clean}),)),
        run=Run("r", facets={"env": '{"DB_PASSWORD":"hunter2","HOME":"/root"}'}),
        job=Job("ns", "job", {"sql": sql}),
    )
    stage = RedactStage()
    out = stage(event)
    assert "jane.doe@example.com" not in out.job.facets["sql"] and "<EMAIL_ADDRESS>" in out.job.facets["sql"]
    assert json.loads(out.run.facets["env"]) == {"DB_PASSWORD": "<SECRET>", "HOME": "/root"}
    assert "ops@example.com" not in out.outputs[0].facets["documentation"]
    assert out.outputs[0].io_facets["stats"] == clean
    assert stage(event) == out  # memoized results are the same results


def test_large_facets_bypass_the_memo_but_are_still_redacted():
    big = json.dumps({"query": "x" * 20_000 + " contact: a@b.io"})
    stage = RedactStage(max_cached_chars=1_000)
    out = stage(replace(run_event(), job=Job("ns", "job", {"sql": big})))
    assert "a@b.io" not in out.job.facets["sql"]
    out = stage(run_event(outputs=(dataset("t", facets={"doc": big}),)))
    assert "a@b.io" not in out.outputs[0].facets["doc"]
    assert len(stage._datasets) == 0 and len(stage._facets_memo) == 0  # neither memo holds the large text
    medium = [json.dumps({"note": "y" * 400}) for _ in range(3)]  # each under the limit, together over it
    stage(run_event(outputs=(dataset("t", facets={f"f{n}": text for n, text in enumerate(medium)}),)))
    assert len(stage._datasets) == 0


def test_every_string_of_the_event_goes_through_the_policy():
    from collections import Counter

    from lineage_stream.governance.policy import load_policy
    from lineage_stream.governance.redactor import PolicyRedactor
    from lineage_stream.model import FieldLineage, InputField, ParentRun, SchemaField, Symlink, Transformation

    mail = "x.leak@example.com"
    source = dataset(f"in/{mail}", namespace=f"postgres://u:pw{mail}@db:5432", raw_namespace=f"postgresql://u:Pw1@db",
                     raw_name=f"t_{mail}", fields=(SchemaField("email", "varchar", f"like {mail}"),),
                     symlinks=(Symlink("hive://h", f"s_{mail}"),),
                     column_lineage=(FieldLineage("email", (InputField("ns", f"n_{mail}", "f", (
                         Transformation("DIRECT", None, f"copy of {mail}"),)),)),))
    event = replace(run_event(inputs=(source,)), job=Job(f"ns_{mail}", f"job_{mail}", {}),
                    run=Run("r", ParentRun("p", f"pns_{mail}", f"pjob_{mail}")))
    seen: list[Counter] = []
    out = RedactStage(PolicyRedactor(load_policy(), b"k"), on_redactions=lambda c: seen.append(Counter(c)))(event)
    assert mail not in repr(out) and "Pw1" not in repr(out)
    assert out.inputs[0].fields[0].name == "email"  # field names are kept by the default policy
    assert sum(seen[0].values()) >= 11


def test_a_dataset_seen_before_is_redacted_alike_with_its_own_run_facets_and_counts():
    """Datasets are memoized but for their io_facets: each run's statistics are redacted on their own,
    and a memoized dataset still reports its redactions to the metric, every time."""
    from collections import Counter

    from lineage_stream.model import SchemaField

    fields = (SchemaField("email", "varchar", "contact: ops@example.com"),)
    seen: list[Counter] = []
    stage = RedactStage(on_redactions=lambda c: seen.append(Counter(c)))
    outputs = []
    for io_facets in ({}, {"stats": '{"rowCount":5}'}, {"stats": '{"note":"by jane.doe@example.com"}'}, {}):
        out = stage(run_event(outputs=(dataset("t", fields=fields, facets={"doc": '{"x":"ops@example.com"}'},
                                               io_facets=io_facets),)))
        outputs.append(out.outputs[0])
    assert [len(o.io_facets) for o in outputs] == [0, 1, 1, 0]
    assert outputs[1].io_facets == {"stats": '{"rowCount":5}'}
    assert "jane.doe" not in outputs[2].io_facets["stats"] and "<EMAIL_ADDRESS>" in outputs[2].io_facets["stats"]
    for out in outputs:
        assert "ops@example.com" not in repr(out)
        assert out.fields == outputs[0].fields and out.facets == outputs[0].facets
    assert [sum(c.values()) for c in seen] == [2, 2, 3, 2]


def test_an_equal_schema_in_another_object_is_redacted_again_not_taken_from_the_memo():
    """The dataset memo counts the schema by identity (hashing it would hash every field): an equal
    schema built apart is a miss, and still comes out redacted."""
    from lineage_stream.model import SchemaField

    stage = RedactStage()
    first = stage(run_event(outputs=(dataset("t", fields=(SchemaField("a", "int", "by a@b.io"),)),)))
    second = stage(run_event(outputs=(dataset("t", fields=(SchemaField("a", "int", "by a@b.io"),)),)))
    other = stage(run_event(outputs=(dataset("t", fields=(SchemaField("a", "int", "no contact"),)),)))
    assert first.outputs[0] == second.outputs[0] and "a@b.io" not in repr(first) + repr(second)
    assert other.outputs[0].fields == (SchemaField("a", "int", "no contact"),)


def test_a_redacted_schema_keeps_its_unchanged_fields_and_equal_results_are_one_object():
    """Only the fields redaction changes are new objects, and two schemas that redact to the same one
    (a description quoting another address at every run) come out as the very same tuple: the plan's
    schema memo, which finds a schema by identity, then holds it once."""
    from lineage_stream.model import SchemaField

    nested = SchemaField("source", "STRUCT", None, (SchemaField("at", "TIMESTAMP"),))
    clean = (SchemaField("id", "INT", "The key."), nested)
    stage = RedactStage()

    def redacted(*extra: SchemaField) -> tuple[SchemaField, ...]:
        return stage(run_event(outputs=(dataset("t", fields=(*clean, *extra)),))).outputs[0].fields

    jane = redacted(SchemaField("owner", "VARCHAR", "Backfilled by jane@example.com."))
    john = redacted(SchemaField("owner", "VARCHAR", "Backfilled by john@example.com."))
    assert jane is john and "example.com" not in repr(jane)
    assert jane[2] == SchemaField("owner", "VARCHAR", "Backfilled by <EMAIL_ADDRESS>.")
    assert jane[0] is clean[0] and jane[1] is nested
    deep = redacted(SchemaField("audit", "STRUCT", None, (SchemaField("by", "VARCHAR", "ops@example.com"),
                                                          SchemaField("at", "TIMESTAMP"))))
    assert deep[:2] == clean and deep[0] is clean[0]
    assert deep[2].fields[0].description == "<EMAIL_ADDRESS>" and deep[2].fields[1] == SchemaField("at", "TIMESTAMP")
    fields = (*clean, SchemaField("note", "VARCHAR", "no contact"))
    assert stage(run_event(outputs=(dataset("t", fields=fields),))).outputs[0].fields is fields


def test_a_new_suppression_list_forgets_memoized_datasets():
    from lineage_stream.governance.policy import load_policy
    from lineage_stream.governance.redactor import PolicyRedactor
    from lineage_stream.governance.suppression import Suppression, keyed_hash

    key = b"k" * 32
    event = run_event(outputs=(dataset("t", facets={"doc": '{"about":"bluebird"}'}),))
    stage = RedactStage(PolicyRedactor(load_policy(), key))
    assert "bluebird" in repr(stage(event))
    stage.set_suppression(Suppression(hashes=frozenset({keyed_hash(key, "bluebird")}), word_counts=frozenset({1})))
    assert "bluebird" not in repr(stage(event)) and "<ERASED>" in repr(stage(event))


def _stats_event(text: str):
    return run_event(outputs=(dataset("t", io_facets={"outputStatistics": text}),))


class _Counting:
    """Counts the facets the policy itself redacts."""

    def __init__(self, redactor):
        self.redactor, self.calls = redactor, 0

    def __getattr__(self, name):
        return getattr(self.redactor, name)

    def facet(self, name, text, tally):
        self.calls += 1
        return self.redactor.facet(name, text, tally)


def test_a_facet_of_a_shape_seen_clean_is_passed_as_it_is_whatever_its_numbers():
    from lineage_stream.governance.policy import load_policy
    from lineage_stream.governance.redactor import PolicyRedactor

    policy = _Counting(PolicyRedactor(load_policy()))
    stage = RedactStage(policy)  # type: ignore[arg-type]
    texts = [json.dumps({"_producer": "spark", "rowCount": n, "size": n * 1013, "ratio": -n / 7})
             for n in range(1, 50)]
    for text in texts:
        assert stage(_stats_event(text)).outputs[0].io_facets["outputStatistics"] is text
    assert policy.calls == 1  # one walk for the shape; the others by shape
    assert len(stage._facets_memo) == 1  # facets found clean by shape are not kept one by one

    # What the shape keeps is what redaction depends on: a string, a key, a secret-named key.
    email = json.dumps({"_producer": "spark", "rowCount": 5, "size": "mail ops@example.com", "ratio": 1})
    assert "ops@example.com" not in stage(_stats_event(email)).outputs[0].io_facets["outputStatistics"]
    for n in (1, 2):
        secret = json.dumps({"_producer": "spark", "rowCount": 5, "size": 1, "password": n})
        assert json.loads(stage(_stats_event(secret)).outputs[0].io_facets["outputStatistics"])["password"] == "<SECRET>"
    # A malformed text of a clean shape is refused as the policy's own parse refuses it.
    import pytest
    from lineage_stream.errors import RejectedRecord
    with pytest.raises(RejectedRecord, match="not JSON"):
        stage(_stats_event('{"_producer": "spark", "rowCount": 1-2, "size": 3, "ratio": 4}'))


def test_a_new_suppression_list_forgets_clean_shapes():
    from lineage_stream.governance.policy import load_policy
    from lineage_stream.governance.redactor import PolicyRedactor
    from lineage_stream.governance.suppression import Suppression, keyed_hash

    key = b"k" * 32
    stage = RedactStage(PolicyRedactor(load_policy(), key))
    assert "bluebird" in repr(stage(_stats_event('{"who":"bluebird","rows":1}')))
    stage.set_suppression(Suppression(hashes=frozenset({keyed_hash(key, "bluebird")}), word_counts=frozenset({1})))
    assert "bluebird" not in repr(stage(_stats_event('{"who":"bluebird","rows":2}')))


def test_a_facet_that_is_not_json_rejects_its_record_instead_of_stopping_the_worker():
    from lineage_stream.errors import RejectedRecord
    from lineage_stream.pipeline.chain import run_stages

    stage = RedactStage()
    good = _stats_event('{"rows": 1, "size": 2}')
    stage(good)  # the shape is clean from now on
    bad = [_stats_event('{"rows": 1-2, "size": 3}'), replace(run_event(), job=Job("ns", "job", {"sql": "{oops"})),
           _stats_event("[" * 100_000 + "]" * 100_000)]
    result = run_stages([stage], [(n, event) for n, event in enumerate([good, *bad])])
    assert [origin for origin, _ in result.oks] == [0]
    assert [r.item for r in result.errors] == [1, 2, 3]
    assert all(isinstance(r.error, RejectedRecord) and "not JSON" in r.error.reason for r in result.errors)


def test_a_facet_the_policy_keeps_whole_is_never_parsed():
    from dataclasses import replace as with_
    from lineage_stream.governance.policy import load_policy
    from lineage_stream.governance.redactor import PolicyRedactor

    policy = load_policy()
    stage = RedactStage(PolicyRedactor(with_(policy, keep_paths=(*policy.keep_paths, "outputStatistics"))))
    for text in ('{"rows": 1}', '{"rows": 01}', "not json at all"):
        assert stage(_stats_event(text)).outputs[0].io_facets["outputStatistics"] is text
