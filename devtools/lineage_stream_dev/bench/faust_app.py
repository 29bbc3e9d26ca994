"""Consumer (b) of the framework comparison: a faust-streaming agent batching with ``stream.take``.

    python -m lineage_stream_dev.bench.faust_app --topic T --events N --group G --result out.json

A faust app (``store="memory://"``, no tables, no web server, no leader topic, no topic
declaration) whose one agent takes batches of up to 1000 raw values (``within=1.0``) and decodes
each with the worker's ``AvroDecoder``. The app ID is the fresh group ``G``. After ``N`` records
it writes its timing as JSON (see ``lineage_stream_dev.bench.child``) and stops itself with SIGTERM,
which the faust worker handles as a graceful shutdown. Needs the ``bench`` extra
(faust-streaming) and, to read lz4-compressed topics such as the producer writes, aiokafka's lz4
codec (``aiokafka[lz4]``, i.e. cramjam).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # before faust is imported: its start-up counts

import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from typing import Any, Sequence  # noqa: E402

from lineage_stream_dev.bench.child import (  # noqa: E402
    BATCH,
    FETCH_BYTES_PER_PARTITION,
    ChildArgs,
    ChildResult,
    make_decoder,
    parse_child_args,
)

log = logging.getLogger("lineage_stream_dev.bench.faust_app")


def _stop_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # the faust worker's own signal handler stops it gracefully


def build_app(args: ChildArgs, result: ChildResult, datadir: str) -> Any:
    import faust
    from aiokafka import codec

    result.mark("imported")
    if not codec.has_lz4():
        raise SystemExit("aiokafka cannot decompress lz4 (the producer's compression): install aiokafka[lz4]")
    decode = make_decoder(args)
    app = faust.App(
        args.group,
        broker=f"kafka://{args.bootstrap}",
        store="memory://",
        datadir=datadir,
        topic_partitions=3,
        topic_disable_leader=True,  # no <app>-__assignor-__leader topic
        topic_allow_declare=False,  # the topic exists; faust creates nothing
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        consumer_max_fetch_size=FETCH_BYTES_PER_PARTITION,
        key_serializer="raw",
        value_serializer="raw",
    )
    topic = app.topic(args.topic, key_serializer="raw", value_serializer="raw")

    @app.agent(topic, concurrency=1)
    async def decode_all(stream: Any) -> None:
        result.mark("ready")
        async for values in stream.take(BATCH, within=1.0):
            if result.complete:
                continue  # stopping: the records after the target are not ours
            result.batch_received()
            result.decode_batch(decode, values)
            if result.complete:
                result.write(args.result)
                _stop_self()

    return app


def run(args: ChildArgs, result: ChildResult) -> None:
    def give_up() -> None:
        if not result.complete:
            result.finish(complete=False)
            result.write(args.result)
            _stop_self()

    timer = threading.Timer(args.timeout_s, give_up)
    timer.daemon = True
    with tempfile.TemporaryDirectory(prefix="lineage-bench-faust-") as datadir:
        app = build_app(args, result, datadir)
        import faust

        timer.start()
        worker = faust.Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
        try:
            worker.execute_from_commandline()
        except SystemExit:
            pass
        finally:
            timer.cancel()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_child_args(argv, prog="python -m lineage_stream_dev.bench.faust_app")
    result = ChildResult("faust-streaming", args.events, _STARTED)
    try:
        run(args, result)
    finally:
        if not result.complete and not args.result.exists():
            result.finish(complete=False)
            result.write(args.result)
    return 0 if result.complete else 1


if __name__ == "__main__":
    sys.exit(main())
