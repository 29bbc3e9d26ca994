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
    out = RedactStage(max_cached_chars=1_000)(replace(run_event(), job=Job("ns", "job", {"sql": big})))
    assert "a@b.io" not in out.job.facets["sql"]


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
