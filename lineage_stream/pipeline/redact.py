"""Scrub secrets and personal data from every string of an event before anything reaches the graph.

What passes through the policy (``governance/redactor.py``): every facet of the run, the job and
each dataset (members at every depth, and their keys), dataset and job namespaces and names, the
identifiers as sent (``raw_namespace``/``raw_name``, kept on the node for audit), symlinks, the
parent run's job, schema field descriptions (and names, unless the policy keeps ``field.name``),
column-lineage sources and transformation descriptions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from lineage_stream.errors import ValidationError
from lineage_stream.governance.policy import load_policy
from lineage_stream.governance.redactor import PolicyRedactor, Tally
from lineage_stream.governance.suppression import Suppression
from lineage_stream.memo import Memo
from lineage_stream.model import (
    Dataset,
    FacetMap,
    FieldLineage,
    InputField,
    Job,
    LineageEvent,
    Run,
    SchemaField,
    Symlink,
    Transformation,
)

_SAME = object()
"""A memo entry's result when redaction changed nothing: the caller keeps its own object."""
_CLEAN: tuple[Any, tuple[()]] = (_SAME, ())
Counts = tuple[tuple[tuple[str, str], int], ...]
OnRedactions = Callable[[Mapping[tuple[str, str], int]], None]
"""Told, once per event that had any, the redactions made: (detector, action) -> count."""


_NUMBERS = re.compile(r'("(?:[^"\\]|\\.)*")|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?')
"""A JSON string (kept, group 1) or a number outside strings (dropped by ``sub(r"\1", ...)``)."""


def _shape(text: str) -> str:
    """A facet's JSON text without its numbers: what its redaction depends on. The policy scans strings
    and keys and masks whatever a secret-named key holds; a number it never reads otherwise."""
    return _NUMBERS.sub(r"\1", text)


def _weight(dataset: Dataset) -> int:
    """About how many characters a dataset memo entry holds of its own: the facets' text and the
    column lineage (some hundred characters per source field). Entries above the memo's limit are
    not kept, so a producer whose datasets change at every run cannot fill the memo with large ones."""
    return (sum(len(text) for text in dataset.facets.values())
            + 100 * sum(len(lineage.inputs) for lineage in dataset.column_lineage))


class RedactStage:
    """Applies the redaction policy to the whole event.

    Producers repeat facets and names run after run (the same SQL, the same Spark properties), so
    results are memoized by text, in bounded memory; a memo hit reports its counts again.
    """

    name = "redact"

    def __init__(self, redactor: PolicyRedactor | None = None, *, cache_entries: int = 8_192,
                 max_cached_chars: int = 16_384, on_redactions: OnRedactions | None = None) -> None:
        self._redactor = redactor or PolicyRedactor(load_policy())
        self._max_cached_chars = max_cached_chars
        self._on_redactions = on_redactions
        self._pending: Suppression | None = None
        # Memos of (result, or _SAME when unchanged; counts). Whole datasets come first (``_dataset``),
        # so the memos of a dataset's parts serve only the datasets it has not seen (and the run's and
        # job's facets): half the size (over 60,000 records of the bench stream: no more CPU, 3 MB less).
        half = max(1, cache_entries // 2)
        self._ids: Memo[str, tuple[Any, Counts]] = Memo(cache_entries)
        self._facets_memo: Memo[Any, tuple[Any, Counts]] = Memo(half)
        self._fields_memo: Memo[Any, tuple[Any, Counts]] = Memo(half)
        self._lineage_memo: Memo[Any, tuple[Any, Counts]] = Memo(half)
        self._datasets: Memo[Any, tuple[Any, Dataset | None, Counts]] = Memo(half)
        """Per dataset: (its schema, redacted without io_facets or None when unchanged, counts)."""
        self._clean_shapes: Memo[tuple[str, str], bool] = Memo(half)
        """(facet name, shape) of facets that redaction left as they were and counted nothing in (``_facet``)."""
        self._redacted_schemas: Memo[tuple[SchemaField, ...], tuple[SchemaField, ...]] = Memo(half)
        """Each redacted schema by its content (``_schema``)."""
        self._keep_field_names = self._redactor.keeps("field.name")

    def set_suppression(self, suppression: Suppression) -> None:
        """Use this suppression list from the next event on (safe to call from another thread)."""
        self._pending = suppression

    def __call__(self, event: LineageEvent) -> LineageEvent:
        pending, self._pending = self._pending, None
        if pending is not None and pending != self._redactor.suppression:
            self._redactor = self._redactor.with_suppression(pending)
            for memo in (self._ids, self._facets_memo, self._fields_memo, self._lineage_memo, self._datasets,
                         self._clean_shapes, self._redacted_schemas):
                memo.clear()
        tally: Tally = Counter()
        run = self._run(event.run, tally) if event.run else None
        job = self._job(event.job, tally) if event.job else None
        inputs = tuple(self._dataset(d, tally) for d in event.inputs)
        outputs = tuple(self._dataset(d, tally) for d in event.outputs)
        dataset = self._dataset(event.dataset, tally) if event.dataset else None
        unchanged = (run is event.run and job is event.job and dataset is event.dataset
                     and all(a is b for a, b in zip(inputs, event.inputs))
                     and all(a is b for a, b in zip(outputs, event.outputs)))
        out = event if unchanged else replace(event, run=run, job=job, inputs=inputs, outputs=outputs, dataset=dataset)
        if tally and self._on_redactions is not None:
            self._on_redactions(tally)
        return out

    # --- memoized parts: the same names, facets and schemas recur in every event ---
    def _memo(self, memo: Memo[Any, tuple[Any, Counts]], key: Any, value: Any, compute: Callable[[Tally], Any],
              tally: Tally) -> Any:
        """``compute``'s result for ``value`` (memoized under ``key``); ``value`` itself when nothing changed."""
        hit = memo.get(key)
        if hit is None:
            counts: Tally = Counter()
            result = compute(counts)
            hit = (_SAME if result == value else result, tuple(counts.items()))
            memo.put(key, hit)
        for counted, count in hit[1]:
            tally[counted] += count
        return value if hit[0] is _SAME else hit[0]

    def _text(self, text: str | None, tally: Tally, *, identifier: bool = False) -> str | None:
        return self._redactor.text(text, tally, identifier=identifier) if text else text

    def _id(self, text: str, tally: Tally) -> str:
        hit = self._ids.get(text)
        if hit is not None and hit[0] is _SAME:
            return text  # the common case: a clean name seen before
        result: str = self._memo(self._ids, text, text, lambda c: self._redactor.text(text, c, identifier=True), tally)
        return result

    def _facets(self, facets: FacetMap, tally: Tally) -> FacetMap:
        if not facets:
            return facets
        out: dict[str, str] = {}
        changed = False
        for name, text in facets.items():
            hit = self._facets_memo.get((name, text))
            if hit is None:
                hit = self._facet(name, text)
            for counted, count in hit[1]:
                tally[counted] += count
            redacted = text if hit[0] is _SAME else hit[0]
            changed = changed or redacted is not text
            if redacted is not None:
                out[name] = redacted
        return out if changed else facets

    def _facet(self, name: str, text: str) -> tuple[Any, Counts]:
        """A facet not in the memo: (redacted, or _SAME when unchanged; counts).

        A facet whose name and shape came out unchanged before is unchanged: with the strings, keys and
        structure equal, the walk is the same and a number passes as it is. It is still parsed, so a
        malformed one is refused as it would be; and not kept, since its numbers make it new (a run's
        output statistics at every run, which took 10.9 us each to parse and walk, and filled the memo).
        A facet the policy keeps whole is never parsed, so it never takes that way.

        Raises:
            ValidationError: the facet's text is not JSON (an Avro producer sent it as text).
        """
        by_shape = not self._redactor.keeps(name)
        shape = _shape(text) if by_shape else ""
        try:
            if by_shape and self._clean_shapes.get((name, shape)) is not None:
                json.loads(text)
                return _CLEAN
            counts: Tally = Counter()
            redacted = self._redactor.facet(name, text, counts)
        except (ValueError, RecursionError) as error:
            raise ValidationError(f"a facet's text is not JSON ({type(error).__name__}: {error})",
                                  stage="redact") from None
        hit = (_SAME if redacted == text else redacted, tuple(counts.items()))
        if by_shape and redacted is text and not counts and len(shape) <= self._max_cached_chars:
            self._clean_shapes.put((name, shape), True)
        if len(text) <= self._max_cached_chars:
            self._facets_memo.put((name, text), hit)
        return hit

    # --- the event's parts ---------------------------------------------------
    def _run(self, run: Run, tally: Tally) -> Run:
        parent = run.parent
        if parent is not None:
            namespace, name = self._id(parent.job_namespace, tally), self._id(parent.job_name, tally)
            if namespace is not parent.job_namespace or name is not parent.job_name:
                parent = replace(parent, job_namespace=namespace, job_name=name)
        facets = self._facets(run.facets, tally)
        if parent is run.parent and facets is run.facets:
            return run
        return replace(run, parent=parent, facets=facets)

    def _job(self, job: Job, tally: Tally) -> Job:
        namespace, name = self._id(job.namespace, tally), self._id(job.name, tally)
        facets = self._facets(job.facets, tally)
        if namespace is job.namespace and name is job.name and facets is job.facets:
            return job
        return Job(namespace, name, facets)

    def _dataset(self, dataset: Dataset, tally: Tally) -> Dataset:
        """The dataset redacted; the very same object when nothing in it changes (the common case).

        A job sends the same datasets run after run, so all but the run-side facets (``io_facets``, such
        as each run's output statistics) are memoized per dataset, by a key of its parts. The schema
        counts by identity (the decoder shares one tuple per distinct schema; hashing it would hash
        every field), so the entry keeps that tuple: no other can take its ``id`` while the entry lives.
        """
        fields = dataset.fields
        key = (dataset.namespace, dataset.name, dataset.raw_namespace, dataset.raw_name, dataset.naming_rule,
               dataset.partitions, id(fields), dataset.column_lineage, dataset.symlinks, tuple(dataset.facets.items()))
        hit = self._datasets.get(key)
        if hit is None or hit[0] is not fields:
            counts: Tally = Counter()
            parts = self._parts(dataset, counts)
            redacted = None if parts is None else replace(dataset, **parts, io_facets={})
            hit = (fields, redacted, tuple(counts.items()))
            if _weight(dataset) <= self._max_cached_chars:
                self._datasets.put(key, hit)  # an entry holds its dataset's own facets and column lineage
        for counted, count in hit[2]:
            tally[counted] += count
        redacted = hit[1]
        if not dataset.io_facets:
            return dataset if redacted is None else redacted
        io_facets = self._facets(dataset.io_facets, tally)
        if redacted is None and io_facets is dataset.io_facets:
            return dataset
        return replace(redacted or dataset, io_facets=io_facets)

    def _parts(self, dataset: Dataset, tally: Tally) -> dict[str, Any] | None:
        """The redacted parts of the dataset but its ``io_facets``; None when none changes."""
        parts: dict[str, Any] = {
            "namespace": self._id(dataset.namespace, tally),
            "name": self._id(dataset.name, tally),
            "raw_namespace": self._id(dataset.raw_namespace, tally) if dataset.raw_namespace else dataset.raw_namespace,
            "raw_name": self._id(dataset.raw_name, tally) if dataset.raw_name else dataset.raw_name,
            "fields": self._memo(self._fields_memo, dataset.fields, dataset.fields, lambda c: self._schema(dataset.fields, c), tally)
            if dataset.fields else dataset.fields,
            "column_lineage": self._memo(self._lineage_memo, dataset.column_lineage, dataset.column_lineage,
                                         lambda c: self._lineages(dataset.column_lineage, c), tally)
            if dataset.column_lineage else dataset.column_lineage,
            "symlinks": self._symlinks(dataset.symlinks, tally) if dataset.symlinks else dataset.symlinks,
            "facets": self._facets(dataset.facets, tally),
        }
        if all(value is getattr(dataset, key) for key, value in parts.items()):
            return None
        return parts

    def _symlinks(self, symlinks: tuple[Symlink, ...], tally: Tally) -> tuple[Symlink, ...]:
        redacted = tuple(Symlink(self._id(s.namespace, tally), self._id(s.name, tally), s.type) for s in symlinks)
        return symlinks if redacted == symlinks else redacted

    def _field_name(self, name: str, tally: Tally) -> str:
        return name if self._keep_field_names else self._id(name, tally)

    def _schema(self, fields: tuple[SchemaField, ...] | None, tally: Tally) -> tuple[SchemaField, ...]:
        """The schema redacted: ``fields`` itself when no field changes; otherwise the unchanged fields
        stay the same objects, and equal redacted schemas are one object (a column description quoting
        a different e-mail address at every run redacts to the same schema every time)."""
        fields = fields or ()
        redacted = tuple(self._field(f, tally) for f in fields)
        if all(a is b for a, b in zip(redacted, fields)):
            return fields
        shared = self._redacted_schemas.get(redacted)
        if shared is None:
            self._redacted_schemas.put(redacted, redacted)
            shared = redacted
        return shared

    def _lineages(self, lineages: tuple[FieldLineage, ...], tally: Tally) -> tuple[FieldLineage, ...]:
        return tuple(self._lineage(c, tally) for c in lineages)

    def _field(self, field: SchemaField, tally: Tally) -> SchemaField:
        """The field redacted; the very same object when nothing in it changes."""
        name, description = self._field_name(field.name, tally), self._text(field.description, tally)
        nested = tuple(self._field(f, tally) for f in field.fields)
        if name == field.name and description == field.description and all(a is b for a, b in zip(nested, field.fields)):
            return field
        return SchemaField(name, field.type, description, nested)

    def _lineage(self, lineage: FieldLineage, tally: Tally) -> FieldLineage:
        return FieldLineage(self._field_name(lineage.output_field, tally), tuple(
            InputField(self._id(i.namespace, tally), self._id(i.name, tally), self._field_name(i.field, tally),
                       tuple(Transformation(t.type, t.subtype, self._text(t.description, tally), t.masking)
                             for t in i.transformations))
            for i in lineage.inputs))
