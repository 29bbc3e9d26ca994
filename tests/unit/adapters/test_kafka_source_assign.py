"""The rebalance callback's start offsets, with a stand-in for librdkafka's consumer (the real one is in
tests/integration/test_kafka_source.py): what the graph stores wins; otherwise Kafka's committed
offset; otherwise the offset ``auto.offset.reset`` points to; anything Kafka does not answer is left to
librdkafka."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, OFFSET_INVALID, KafkaError, KafkaException, TopicPartition

from lineage_stream.adapters import kafka_source
from lineage_stream.errors import RetryableError


@dataclass
class _Committed:
    topic: str
    partition: int
    offset: int
    error: KafkaError | None = None


class _Consumer:
    def __init__(self, committed: dict[int, int] | None = None, *, fails: bool = False, errors: tuple[int, ...] = (),
                 log_start: int = 3, log_end: int = 90, list_fails: bool = False, list_errors: tuple[int, ...] = ()):
        self._committed = committed or {}
        self._fails = fails
        self._errors = errors
        self._ends = {OFFSET_BEGINNING: log_start, OFFSET_END: log_end}
        self._list_fails = list_fails
        self._list_errors = list_errors
        self.assigned: list[TopicPartition] = []
        self.asked: list[list[int]] = []
        self.listed: list[list[tuple[int, int]]] = []

    def subscribe(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def committed(self, partitions: list[TopicPartition], timeout: float) -> list[_Committed]:
        self.asked.append([tp.partition for tp in partitions])
        if self._fails:
            raise KafkaException(KafkaError(KafkaError._TIMED_OUT))
        return [_Committed(tp.topic, tp.partition, self._committed.get(tp.partition, OFFSET_INVALID),
                           KafkaError(KafkaError.COORDINATOR_NOT_AVAILABLE) if tp.partition in self._errors else None)
                for tp in partitions]

    def offsets_for_times(self, partitions: list[TopicPartition], timeout: float) -> list[_Committed]:
        """Kafka's ListOffsets: the logical offsets -2 and -1 stand for the log's start and end."""
        self.listed.append([(tp.partition, tp.offset) for tp in partitions])
        if self._list_fails:
            raise KafkaException(KafkaError(KafkaError._TIMED_OUT))
        return [_Committed(tp.topic, tp.partition, self._ends[tp.offset],
                           KafkaError(KafkaError.NOT_LEADER_FOR_PARTITION) if tp.partition in self._list_errors else None)
                for tp in partitions]

    def incremental_assign(self, partitions: list[TopicPartition]) -> None:
        self.assigned += partitions

    def close(self) -> None:
        pass


def _source(monkeypatch, consumer: _Consumer, stored: Any, reset: str | None = None) -> kafka_source.KafkaSource:
    monkeypatch.setattr(kafka_source, "Consumer", lambda _config: consumer)
    extra = {"auto.offset.reset": reset} if reset else {}
    return kafka_source.KafkaSource("kafka:9092", "g", ["t"], stored, max_message_bytes=1 << 20, extra_config=extra)


def _assign(source: kafka_source.KafkaSource, consumer: _Consumer, count: int = 3) -> dict[int, int]:
    source._on_assign(consumer, [TopicPartition("t", p) for p in range(count)])  # type: ignore[arg-type]
    return {tp.partition: tp.offset for tp in consumer.assigned}


def test_graph_offsets_first_then_kafkas_committed_then_the_reset(monkeypatch):
    consumer = _Consumer({1: 40, 2: OFFSET_INVALID})
    source = _source(monkeypatch, consumer, lambda _topics: {("t", 0): 7})
    assert _assign(source, consumer) == {0: 7, 1: 40, 2: 3}
    assert consumer.asked == [[1, 2]]  # Kafka is asked only for what the graph does not hold
    assert consumer.listed == [[(2, OFFSET_BEGINNING)]]  # and where the reset points, only where nothing is committed
    assert source._starts == {("t", 0): 7, ("t", 1): 40, ("t", 2): 3}


@pytest.mark.parametrize("reset,offset", [("latest", OFFSET_END), ("LARGEST", OFFSET_END), ("smallest", OFFSET_BEGINNING)])
def test_the_reset_setting_is_honoured_whatever_its_spelling(monkeypatch, reset, offset):
    consumer = _Consumer()
    source = _source(monkeypatch, consumer, lambda _topics: {}, reset)
    assert _assign(source, consumer, 1) == {0: 90 if offset == OFFSET_END else 3}
    assert consumer.listed == [[(0, offset)]]


def test_where_the_reset_points_is_given_as_a_number_or_else_left_to_librdkafka(monkeypatch):
    """Each partition gets a number, so all are fetched together from the start: a logical offset
    resolved by librdkafka made the first fetch go out for whichever partitions it resolved first."""
    consumer = _Consumer(list_errors=(1,))
    assert _assign(_source(monkeypatch, consumer, lambda _topics: {}), consumer, 2) == {0: 3, 1: OFFSET_BEGINNING}
    down = _Consumer({0: 5}, list_fails=True)
    source = _source(monkeypatch, down, lambda _topics: {}, "latest")
    assert _assign(source, down, 2) == {0: 5, 1: OFFSET_END} and source._starts == {("t", 0): 5}


def test_what_kafka_does_not_answer_is_left_to_librdkafka(monkeypatch):
    consumer = _Consumer({0: 5, 1: 6}, errors=(1,))
    assert _assign(_source(monkeypatch, consumer, lambda _topics: {}), consumer, 2) == {0: 5, 1: OFFSET_INVALID}
    down = _Consumer(fails=True)
    assert _assign(_source(monkeypatch, down, lambda _topics: {}), down, 2) == {0: OFFSET_INVALID, 1: OFFSET_INVALID}
    error_reset = _Consumer({0: 5})
    source = _source(monkeypatch, error_reset, lambda _topics: {}, "error")
    assert _assign(source, error_reset, 1) == {0: OFFSET_INVALID} and error_reset.asked == error_reset.listed == []


def test_an_assignment_served_by_close_reads_no_offsets(monkeypatch):
    def unreachable(_topics):
        raise AssertionError("read offsets while closing")

    consumer = _Consumer({0: 5})
    source = _source(monkeypatch, consumer, unreachable)
    source._closing = True  # what close() sets before librdkafka serves the pending assignment
    assert _assign(source, consumer, 1) == {0: OFFSET_INVALID} and consumer.asked == []


def test_a_graph_that_cannot_be_read_leaves_kafkas_offsets(monkeypatch):
    def down(_topics):
        raise RetryableError("neo4j down")

    consumer = _Consumer({0: 9})
    assert _assign(_source(monkeypatch, consumer, down), consumer, 1) == {0: 9}
