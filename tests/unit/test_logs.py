"""Log set-up: JSON lines, quiet libraries, bounded rate for repeated lines."""

from __future__ import annotations

import json
import logging

from lineage_stream.logs import RateLimitFilter, TransientKafkaFilter, configure, kafka_logger


def _record(message: str, level: int = logging.WARNING, line: int = 1, name: str = "x") -> logging.LogRecord:
    return logging.LogRecord(name, level, "worker.py", line, message, None, None)


def test_json_format_is_one_object_per_line(capsys):
    configure("INFO", "json")
    try:
        logging.getLogger("lineage_stream.test").info("hello %s", "world")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert json.loads(line)["message"] == "hello world" and json.loads(line)["level"] == "INFO"
    finally:
        configure("INFO", "text")


def test_neo4j_notifications_show_only_at_debug():
    configure("INFO")
    assert not logging.getLogger("neo4j.notifications").isEnabledFor(logging.WARNING)
    configure("DEBUG")
    assert logging.getLogger("neo4j.notifications").isEnabledFor(logging.WARNING)
    configure("INFO")


def test_transient_librdkafka_warnings_are_hidden_unless_debug():
    configure("INFO")
    quiet = TransientKafkaFilter()
    getpid = _record("GETPID [thrd:main]: Failed to acquire idempotence PID: Coordinator load in progress: retrying",
                     name=kafka_logger().name)
    assert not quiet.filter(getpid)
    assert quiet.filter(_record("Connect to ipv4#127.0.0.1:9092 failed", name=kafka_logger().name))


def test_repeated_lines_are_rate_limited_and_the_held_back_count_reported():
    now = [0.0]
    limit = RateLimitFilter(burst=3, interval_s=10.0, clock=lambda: now[0])
    passed = [limit.filter(_record(f"rejected {i}")) for i in range(10)]
    assert passed.count(True) == 3
    assert limit.filter(_record("other call site", line=2))
    now[0] = 11.0
    resumed = _record("rejected again")
    assert limit.filter(resumed) and "7 similar line(s) held back" in resumed.getMessage()
    assert limit.filter(_record("an error always passes", level=logging.ERROR))
