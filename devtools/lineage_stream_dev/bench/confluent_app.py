"""Consumer (a) of the framework comparison: a plain confluent-kafka ``Consumer.consume`` loop.

    python -m lineage_stream_dev.bench.confluent_app --topic T --events N --group G --result out.json

Reads ``T`` from the beginning with the fresh group ``G``, decodes every record with the worker's
``AvroDecoder`` in batches of up to 1000, stops after ``N`` records and writes its timing as JSON
(see ``lineage_stream_dev.bench.child``).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # before the consumer library is imported: start-up counts

import sys  # noqa: E402
from typing import Sequence  # noqa: E402

from lineage_stream_dev.bench.child import (  # noqa: E402
    BATCH,
    FETCH_BYTES_PER_PARTITION,
    ChildArgs,
    ChildResult,
    make_decoder,
    parse_child_args,
)


def consume(args: ChildArgs, result: ChildResult) -> None:
    from confluent_kafka import Consumer

    result.mark("imported")
    decode = make_decoder(args)
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,  # committed in the background, as faust commits periodically
        "fetch.max.bytes": 64 * 1024 * 1024,
        "max.partition.fetch.bytes": FETCH_BYTES_PER_PARTITION,
    })
    consumer.subscribe([args.topic])
    result.mark("ready")
    deadline = time.monotonic() + args.timeout_s
    try:
        while not result.done and time.monotonic() < deadline:
            messages = consumer.consume(num_messages=BATCH, timeout=1.0)
            if not messages:
                continue
            result.batch_received()
            values = []
            for message in messages:
                error = message.error()
                if error is None:
                    values.append(message.value())
                else:  # partition EOF is not reported (enable.partition.eof is off)
                    result.errors += 1
                    result.first_error = result.first_error or f"consumer error: {error}"
            result.decode_batch(decode, values)
        if not result.complete:
            result.finish(complete=False)
    finally:
        consumer.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_child_args(argv, prog="python -m lineage_stream_dev.bench.confluent_app")
    result = ChildResult("confluent-kafka", args.events, _STARTED)
    try:
        consume(args, result)
    finally:
        result.write(args.result)
    return 0 if result.complete else 1


if __name__ == "__main__":
    sys.exit(main())
