"""Write planned graph batches to Neo4j: one transaction per batch, Kafka offsets inside it."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, Iterable, Iterator, Mapping, Sequence

import neo4j
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
    Forbidden,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from lineage_stream.adapters.tls_diagnosis import verify_message
from lineage_stream.errors import SinkAuthError, SinkTlsError, SinkUnavailable
from lineage_stream.graph.cypher import (
    EXPIRE_APPLIED,
    READ_APPLIED,
    READ_OFFSETS,
    SCHEMA,
    SHOW_SCHEMA,
    WRITE_ATTRIBUTES,
    WRITE_BATCH,
    schema_missing,
)
from lineage_stream.graph.plan import GraphBatch
from lineage_stream.settings import Neo4jSettings

log = logging.getLogger(__name__)

_TRANSIENT = (ServiceUnavailable, SessionExpired, TransientError, DatabaseUnavailable, OSError,
              ConnectionAcquisitionTimeoutError)
"""Outages: the caller pauses and retries. A connection not had within the acquisition timeout is one
too (a server too busy to finish a handshake in time, as three workers on two cores made it)."""
_REFUSED = (AuthError, Forbidden)
"""Credentials or rights: only a human can fix these (``TokenExpired`` is an ``AuthError``)."""

TopicPartition = tuple[str, int]


class BatchRejected(Exception):
    """Neo4j refused the batch for a reason retrying will not fix (a constraint, a type error)."""


def create_missing(driver: neo4j.Driver, database: str, statements: Sequence[str]) -> None:
    """Run the schema ``statements`` (``CREATE CONSTRAINT|INDEX <name> IF NOT EXISTS``) whose constraint
    or index does not exist yet; all of them when this user may not list the schema (``IF NOT
    EXISTS`` makes that harmless)."""
    names: set[str] = set()
    try:
        for show in SHOW_SCHEMA:
            records, _, _ = driver.execute_query(show, database_=database)
            names.update(str(r["name"]) for r in records)
    except Forbidden as error:
        log.info("cannot list the schema (%s): creating every constraint and index", error.code)
        names = set()
    for statement in schema_missing(names, statements):
        driver.execute_query(statement, database_=database)


def open_driver(settings: Neo4jSettings, **options: Any) -> neo4j.Driver:
    """A driver with the settings' credentials and TLS (a custom CA when ``trusted_ca`` is set)."""
    if settings.trusted_ca is not None:
        options = {"encrypted": True, "trusted_certificates": neo4j.TrustCustomCAs(str(settings.trusted_ca)), **options}
    return neo4j.GraphDatabase.driver(settings.uri, auth=(settings.user, settings.secret_password()),
                                      max_connection_lifetime=settings.max_connection_lifetime_s, **options)


class Neo4jSink:
    def __init__(self, settings: Neo4jSettings, *, max_retry_time_s: float = 5.0,
                 transaction_timeout_s: float = 60.0) -> None:
        self._database = settings.database
        self._user = settings.user
        self._apply = neo4j.unit_of_work(timeout=transaction_timeout_s)(_apply)
        self._driver = open_driver(
            settings,
            max_transaction_retry_time=max_retry_time_s,
            connection_acquisition_timeout=10.0,
            notifications_min_severity=settings.notifications_min_severity,
        )

    @contextmanager
    def _classified(self, doing: str) -> Iterator[None]:
        """Neo4j's errors by what happens next: refused credentials stop the process, outages retry."""
        try:
            yield
        except _REFUSED as error:
            raise SinkAuthError(f"Neo4j refused user {self._user!r} while {doing} ({error.code}): fix the "
                                "credentials or the user's rights, then restart") from error
        except _TRANSIENT as error:
            why = verify_message(error)
            if why is not None:
                advice = ("the host in neo4j.uri is not a name the server's certificate carries" if "mismatch" in why
                          else "the server's certificate is not signed by a CA in neo4j.trusted_ca")
                raise SinkTlsError(f"TLS with Neo4j failed while {doing}: {advice} ({why})") from None
            raise SinkUnavailable(f"Neo4j unavailable while {doing}: {error}") from error

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Neo4jSink:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def ensure_schema(self) -> None:
        """Create the constraints and indexes of the graph model (idempotent).

        Raises:
            SinkUnavailable: Neo4j cannot be reached.
            SinkAuthError: Neo4j refused the credentials or the rights.
            SinkTlsError: Neo4j's certificate is not trusted or does not name the host.
        """
        with self._classified("creating the schema"):
            # One connection first: a refused certificate or password fails here at once, where
            # execute_query would retry it as an outage for max_transaction_retry_time.
            self._driver.verify_connectivity()
            create_missing(self._driver, self._database, SCHEMA)

    def write(self, batch: GraphBatch) -> None:
        """Apply the batch, offsets included, in one transaction.

        Raises:
            SinkUnavailable: Neo4j is down or the transaction failed transiently; nothing was committed.
            BatchRejected: Neo4j refused a statement because of the batch's data; nothing was committed.
            SinkAuthError: Neo4j refused the credentials or the rights; nothing was committed.
        """
        if batch.is_empty():
            return
        try:
            with self._classified("writing a batch"), self._driver.session(database=self._database) as session:
                session.execute_write(self._apply, batch)
        except ClientError as error:
            if error.code and ("TransactionTimedOut" in error.code or "Terminated" in error.code):
                raise SinkUnavailable(f"Neo4j transaction did not finish: {error.code}") from error
            raise BatchRejected(f"{error.code}: {error.message}") from error

    def stored_offsets(self, group: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
        """Next offsets recorded with the graph for ``group``, by (topic, partition).

        Raises:
            SinkUnavailable: Neo4j cannot be reached.
        """
        with self._classified("reading offsets"):
            records, _, _ = self._driver.execute_query(
                READ_OFFSETS, group=group, topics=list(topics), database_=self._database, routing_="r"
            )
        return {(r["topic"], r["partition"]): r["next_offset"] for r in records}

    def applied_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        """The IDs among ``event_ids`` that an earlier batch already applied.

        Raises:
            SinkUnavailable: Neo4j cannot be reached.
        """
        ids = list(event_ids)
        if not ids:
            return set()
        try:
            with self._classified("checking event IDs"):
                records, _, _ = self._driver.execute_query(READ_APPLIED, ids=ids, database_=self._database,
                                                           routing_="r")
        finally:
            _release(ids)
        return {r["event_id"] for r in records}

    def expire_applied(self, horizon_us: int, limit: int = 10_000) -> int:
        """Forget applied event IDs older than ``horizon_us`` (at most ``limit`` per call)."""
        with self._classified("expiring event IDs"):
            records, _, _ = self._driver.execute_query(
                EXPIRE_APPLIED, horizon=horizon_us, limit=limit, database_=self._database
            )
        return int(records[0]["deleted"])

    def run_query(self, cypher: str, parameters: Mapping[str, object] | None = None) -> list[dict[str, object]]:
        """Run a read query (for the query CLI and tests) and return plain dicts."""
        with self._classified("reading"):
            records, _, _ = self._driver.execute_query(
                cypher, parameters_=dict(parameters or {}), database_=self._database, routing_="r"
            )
        return [r.data() for r in records]


class _Rows(dict[str, Any]):
    """A batch's rows as the statement's parameter, with a ``repr`` that leaves them out.

    The driver formats every RUN message for its debug log before the logger decides whether to
    write it (``" ".join(map(repr, fields))`` in ``Bolt5x5.run``, neo4j 6.4), debug logging on or
    not. For a batch that formatted every row: 2 MB of text per batch of 1,000 records, 23.5 us per
    record on the writer thread with the GIL held, where packing the same rows for the wire takes
    17.6 us (the benchmark's stream). With debug logging on, it also wrote every row to the log.
    Both packers (the Rust extension's and the driver's own) send a ``dict`` subclass as a map.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{sum(len(rows) for rows in self.values()):,} rows of {len(self)} kinds>"


def _apply(tx: neo4j.ManagedTransaction, batch: GraphBatch) -> None:
    rows = _Rows((attribute, getattr(batch, attribute)) for attribute in WRITE_ATTRIBUTES)
    try:
        tx.run(WRITE_BATCH, batch=rows).consume()
    finally:
        _release(rows)


def _release(parameters: dict[str, Any] | list[Any]) -> None:
    """Empty a statement's parameters once it has run.

    The driver's ``Result`` keeps them, in a reference cycle with its error handler, until the garbage
    collector finds the cycle: a whole batch's rows lived on for several batches, and every collection
    meanwhile traversed them (measured over 15,000 records: about seven cyclic objects per record, the
    rows' dicts and lists). Emptied, they go with the batch; a retried transaction builds them again.
    """
    parameters.clear()


assert set(WRITE_ATTRIBUTES) == {f.name for f in fields(GraphBatch)}
