from __future__ import annotations

from collections import Counter

import pytest

from lineage_stream_dev.bench.pipeline import encode_all
from lineage_stream_dev.bench.stream import StreamSpec, stream_events
from lineage_stream.pipeline.redact import RedactStage

BASE_US = 1_763_600_000_000_000


@pytest.fixture(scope="module")
def records():
    return list(stream_events(StreamSpec(6_000, token="shape"), BASE_US))


def test_same_spec_same_records():
    spec = StreamSpec(500, token="again")
    assert list(stream_events(spec, BASE_US)) == list(stream_events(spec, BASE_US))


def test_exact_count_and_bad_specs_refused():
    assert list(stream_events(StreamSpec(0), BASE_US)) == []
    assert len(list(stream_events(StreamSpec(777), BASE_US))) == 777
    with pytest.raises(ValueError):
        list(stream_events(StreamSpec(10, duplicate_share=1.0), BASE_US))
    with pytest.raises(ValueError):
        list(stream_events(StreamSpec(10, job_io="sometimes"), BASE_US))


def _io_by_job(events):
    io = {}
    for e in events:
        shape = (tuple(d.key for d in e.inputs), tuple((d.namespace, d.name.split("/dt=")[0]) for d in e.outputs),
                 tuple(tuple(c for c in d.column_lineage) for d in e.outputs))
        io.setdefault((e.job.namespace, e.job.name), set()).add(shape)
    return io


def test_a_job_reads_and_writes_the_same_datasets_at_every_run_unless_per_run(records):
    stable = _io_by_job(records)
    runs = Counter((e.job.namespace, e.job.name) for e in records if e.event_type.value == "START")
    assert sum(n > 1 for n in runs.values()) > 100  # jobs that ran several times
    assert all(len(shapes) == 1 for shapes in stable.values())
    churn = _io_by_job(stream_events(StreamSpec(6_000, token="shape", job_io="per-run"), BASE_US))
    assert sum(len(shapes) > 1 for shapes in churn.values()) > 100


def test_about_a_tenth_are_resends_of_the_same_event(records):
    counts = Counter(e.event_id for e in records)
    resent = sum(c - 1 for c in counts.values())
    assert 0.08 < resent / len(records) < 0.12
    by_id = {}
    for event in records:
        assert by_id.setdefault(event.event_id, event) == event  # a re-send is the same event


def test_some_originals_arrive_after_later_events(records):
    seen, late, newest = set(), 0, 0
    for event in records:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        late += event.event_time_us < newest
        newest = max(newest, event.event_time_us)
    assert 0.03 < late / len(seen) < 0.08


def test_zipf_reuse_over_several_namespaces(records):
    datasets = Counter((d.namespace, d.name.split("/dt=")[0]) for e in records for d in (*e.inputs, *e.outputs))
    assert len({ns.split("://")[0] for ns, _ in datasets}) >= 5
    hottest = datasets.most_common(1)[0][1]
    assert hottest > 20 * (sum(datasets.values()) / len(datasets))  # a few hot tables carry much of the traffic
    assert len({e.job.name for e in records}) > 300


def test_shape_size_and_column_lineage(records):
    assert all(1 <= len(e.inputs) <= 3 and 1 <= len(e.outputs) <= 2 for e in records)
    outputs = [d for e in records for d in e.outputs]
    assert 0.25 < sum(1 for d in outputs if d.column_lineage) / len(outputs) < 0.4
    sizes = [len(v) for v in encode_all(records[:1000])]
    assert 1500 <= sum(sizes) / len(sizes) <= 2100


def _pii_in_sql(event):
    return "contact = " in event.job.facets.get("sql", "")


def _pii_in_description(event):
    return any("ticket by" in (f.description or "") for d in event.outputs for f in (d.fields or ()))


def test_about_a_third_carry_pii_and_redaction_finds_it_in_sql(records):
    originals = list({e.event_id: e for e in records}.values())
    in_sql = [e for e in originals if _pii_in_sql(e)]
    in_description = [e for e in originals if _pii_in_description(e)]
    assert 0.26 < (len(in_sql) + len(in_description)) / len(originals) < 0.34
    assert in_sql and in_description
    redact = RedactStage()
    assert all(redact(e) != e for e in in_sql[:300])
