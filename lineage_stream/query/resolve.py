"""Find the canonical dataset (or job) a user's text names, or say which ones are nearest."""

from __future__ import annotations

import difflib
from typing import Any, Callable, Protocol, TypeVar

from lineage_stream.naming import AliasMap
from lineage_stream.query import cypher
from lineage_stream.query.errors import BadQuery, QueryError, UnknownDataset, UnknownJob
from lineage_stream.query.model import DatasetRef, Resolution
from lineage_stream.query.spelling import bare_name, candidates, search_terms

T = TypeVar("T")
MAX_TEXT = 8192


class Tx(Protocol):
    def query(self, cypher: str, **parameters: object) -> list[dict[str, Any]]: ...


class Reader(Protocol):
    def read(self, work: Callable[[Any], T]) -> T: ...


def _nearest(tx: Tx, statement: str, text: str, limit: int = 5) -> list[str]:
    rows = tx.query(statement, terms=search_terms(text))
    labels = {f"{r['namespace']} {r['name']}": f"{r['namespace']}/{r['name']}".lower() for r in rows}
    wanted = text.strip().lower().replace(" ", "/")
    ranked = sorted(labels, key=lambda label: -difflib.SequenceMatcher(None, wanted, labels[label]).ratio())
    return ranked[:limit]


def resolve_in(tx: Tx, text: str, name: str | None = None, aliases: AliasMap | None = None) -> Resolution:
    """Resolve inside an open read transaction. See ``resolve``."""
    if not text.strip() or (name is not None and not name.strip()):
        raise BadQuery("the dataset must not be blank")
    if len(text) + len(name or "") > MAX_TEXT:
        raise BadQuery(f"the dataset text is longer than {MAX_TEXT} characters")
    found = candidates(text, name, aliases)
    keys = [{"namespace": c.namespace, "name": c.name, "how": "canonical"} for c in found]
    rows = tx.query(cypher.FIND_DATASETS, keys=keys) if keys else []
    if not rows and found:
        raw = list(dict.fromkeys(c.raw_key for c in found))
        rows = [dict(r, how="raw identifier") for r in tx.query(cypher.FIND_RAW, raw=raw)]
    if not rows and name is None:
        bare = bare_name(text)
        if bare is not None:
            rows = [dict(r, how="name") for r in tx.query(cypher.FIND_BY_NAME, name=bare)]
    distinct = list(dict.fromkeys((r["namespace"], r["name"], r["how"]) for r in rows))
    spelled = text if name is None else f"{text} {name}"
    if not distinct:
        raise UnknownDataset(spelled, _nearest(tx, cypher.NEAREST_DATASETS, spelled))
    closures: dict[DatasetRef, Resolution] = {}
    for namespace, dataset, how in distinct:
        closure = tx.query(cypher.ALIAS_CLOSURE, namespace=namespace, name=dataset)[0]
        canonical = DatasetRef(closure["namespace"], closure["name"])
        if canonical != DatasetRef(namespace, dataset):
            how = f"{how}, alias of the canonical dataset"
        members = tuple(sorted({DatasetRef(a["namespace"], a["name"]) for a in closure["aliases"]} - {canonical},
                               key=lambda d: (d.namespace, d.name)))
        closures.setdefault(canonical, Resolution(spelled, canonical, how, members))
    if len(closures) > 1:
        names = ", ".join(str(d) for d in closures)
        raise QueryError(f"{spelled!r} matches {len(closures)} datasets: {names}; give the namespace too")
    return next(iter(closures.values()))


def resolve(reader: Reader, text: str, name: str | None = None, aliases: AliasMap | None = None) -> Resolution:
    """The canonical dataset ``text`` names (any spelling a producer uses), with its aliases.

    Tries, in order: the canonical identifiers of every split of the text (same normalizer, partition
    roll-up and alias map as the worker); the identifiers as producers sent them
    (``raw_identifiers``); a bare name across namespaces. ``ALIAS_OF`` is followed both ways: an alias
    resolves to its canonical dataset, and the canonical dataset brings its aliases along.

    Raises:
        UnknownDataset: nothing matches; the error lists the nearest datasets.
        QueryError: a bare name matches datasets in several namespaces.
    """
    return reader.read(lambda tx: resolve_in(tx, text, name, aliases))


def _job_keys(text: str, name: str | None) -> list[dict[str, str]]:
    if name is not None:
        return [{"namespace": text.strip(), "name": name.strip()}]
    parts = text.split()
    keys = [{"namespace": parts[0], "name": parts[1]}] if len(parts) == 2 else []
    if text.startswith("job:"):
        body = text[4:]
        keys += [{"namespace": body[:i], "name": body[i + 1:]} for i, c in enumerate(body) if c == ":"]
    return keys


def resolve_job_in(tx: Tx, text: str, name: str | None = None) -> DatasetRef:
    """The job ``text`` names: ``NAMESPACE NAME``, ``job:NAMESPACE:NAME`` or a name alone.

    Raises:
        UnknownJob: nothing matches; the error lists the nearest jobs.
        QueryError: a name alone matches jobs in several namespaces.
    """
    if not text.strip() or (name is not None and not name.strip()):
        raise BadQuery("the job must not be blank")
    if len(text) + len(name or "") > MAX_TEXT:
        raise BadQuery(f"the job text is longer than {MAX_TEXT} characters")
    keys = _job_keys(text, name)
    rows = tx.query(cypher.FIND_JOBS, keys=keys) if keys else []
    if not rows and name is None:
        rows = tx.query(cypher.FIND_JOB_BY_NAME, name=text.strip())
    spelled = text if name is None else f"{text} {name}"
    jobs = list(dict.fromkeys(DatasetRef(r["namespace"], r["name"]) for r in rows))
    if not jobs:
        raise UnknownJob(spelled, _nearest(tx, cypher.NEAREST_JOBS, spelled))
    if len(jobs) > 1:
        raise QueryError(f"{spelled!r} matches {len(jobs)} jobs: {', '.join(map(str, jobs))}; give the namespace too")
    return jobs[0]
