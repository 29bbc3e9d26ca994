"""Neo4j reads for the query side: read transactions, a timeout on each, plain dicts out."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import neo4j
from neo4j.exceptions import ClientError, DatabaseUnavailable, ServiceUnavailable, SessionExpired

from lineage_stream.adapters.neo4j_sink import open_driver
from lineage_stream.query.errors import GraphUnavailable, QueryError, QueryTimeout
from lineage_stream.settings import Neo4jSettings

T = TypeVar("T")


class ReadTx:
    """One read transaction; ``query`` runs a parameterized statement and returns its rows."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self._tx = tx

    def query(self, cypher: str, **parameters: object) -> list[dict[str, Any]]:
        return [record.data() for record in self._tx.run(cypher, parameters)]


class GraphReader:
    """Read-only access to the lineage graph.

    Every call runs in a read transaction (``execute_read``) bounded by ``timeout_s``; Neo4j ends a
    transaction that runs longer and the caller gets ``QueryTimeout``.
    """

    def __init__(self, settings: Neo4jSettings, *, timeout_s: float = 10.0) -> None:
        self._database = settings.database
        self._timeout_s = timeout_s
        self._driver = open_driver(
            settings,
            max_transaction_retry_time=2.0, connection_acquisition_timeout=5.0, connection_timeout=5.0,
            notifications_min_severity="OFF",
        )

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> GraphReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read(self, work: Callable[[ReadTx], T]) -> T:
        """Run ``work`` in one read transaction.

        Raises:
            QueryTimeout: the transaction ran past the timeout.
            GraphUnavailable: Neo4j cannot be reached.
            QueryError: Neo4j refused the statement.
        """

        @neo4j.unit_of_work(timeout=self._timeout_s)
        def unit(tx: neo4j.ManagedTransaction) -> T:
            return work(ReadTx(tx))

        try:
            with self._driver.session(database=self._database, default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(unit)
        except ClientError as error:
            code = error.code or ""
            if "TransactionTimedOut" in code or "Terminated" in code or "TransactionTimedOut" in str(error):
                raise QueryTimeout(f"the query ran past {self._timeout_s:g} s and was stopped; "
                                   "ask for less depth or a narrower time range") from error
            raise QueryError(f"Neo4j refused the query: {error.message}") from error
        except (ServiceUnavailable, SessionExpired, DatabaseUnavailable, OSError) as error:
            raise GraphUnavailable(f"Neo4j is unavailable: {error}") from error
