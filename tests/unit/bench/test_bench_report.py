from __future__ import annotations

import pytest

from lineage_stream_dev.bench.report import (
    Spread,
    fmt_rate,
    fmt_ratio,
    fmt_seconds,
    machine_facts,
    paired_ratios,
    rate,
    spread,
    table,
)


def test_spread_median_min_max():
    assert spread([3.0, 1.0, 2.0]) == Spread(2.0, 1.0, 3.0, 3)
    assert spread([4.0, 1.0]) == Spread(2.5, 1.0, 4.0, 2)


def test_spread_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        spread([])


def test_rate():
    assert rate(1000, 2.0) == 500.0
    assert rate(1000, 0.0) == 0.0
    assert rate(1000, None) == 0.0


def test_paired_ratios_pair_by_repetition_and_skip_zero_denominators():
    assert paired_ratios([10.0, 20.0, 30.0], [5.0, 0.0, 10.0]) == [2.0, 3.0]
    with pytest.raises(ValueError):
        paired_ratios([1.0], [1.0, 2.0])


def test_formats():
    assert fmt_rate(12345.6) == "12,346/s"
    assert fmt_ratio(2.345) == "2.35x"
    assert fmt_seconds(None) == "-"
    assert fmt_seconds(1.234) == "1.23 s"


def test_table_aligns_columns():
    text = table(["name", "value"], [["a", "1"], ["longer", "1,000"]])
    lines = text.splitlines()
    assert lines[0] == "  name    value"
    assert lines[1] == "  ------  -----"
    assert lines[2] == "  a           1"
    assert lines[3] == "  longer  1,000"


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError):
        table(["a", "b"], [["only one"]])


def test_machine_facts_name_the_libraries():
    facts = machine_facts()
    for key in ("cores", "python", "confluent-kafka", "faust-streaming", "aiokafka", "fastavro"):
        assert facts[key]
