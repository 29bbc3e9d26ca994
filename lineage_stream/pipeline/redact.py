"""Scrub secrets and personal data from every string of an event before anything reaches the graph.

What passes through the policy (``governance/redactor.py``): every facet of the run, the job and
each dataset (members at every depth, and their keys), dataset and job namespaces and names, the
identifiers as sent (``raw_namespace``/``raw_name``, kept on the node for audit), symlinks, the
parent run's job, schema field descriptions (and names, unless the policy keeps ``field.name``),
column-lineage sources and transformation descriptions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace

from lineage_stream.governance.policy import load_policy
from lineage_stream.governance.redactor import PolicyRedactor, Tally
from lineage_stream.governance.suppression import Suppression
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

OnRedactions = Callable[[Mapping[tuple[str, str], int]], None]
"""Told, once per event that had any, the redactions made: (detector, action) -> count."""


class RedactStage:
    """Applies the redaction policy to the whole event.

    Producers repeat facets and names run after run (the same SQL, the same Spark properties), so
    results are memoized by text, in bounded memory; a memo hit reports its counts again.
    """

    name = "redact"

    def __init__(self, redactor: PolicyRedactor | None = None, *, cache_entries: int = 20_000,
                 max_cached_chars: int = 16_384, on_redactions: OnRedactions | None = None) -> None:
        self._redactor = redactor or PolicyRedactor(load_policy())
        self._cache_entries = cache_entries
        self._max_cached_chars = max_cached_chars
        self._on_redactions = on_redactions
        self._pending: Suppression | None = None
        self._facets_memo: dict[tuple[str, str], tuple[str | None, tuple[tuple[tuple[str, str], int], ...]]] = {}
        self._text_memo: dict[tuple[str, bool], tuple[str, tuple[tuple[tuple[str, str], int], ...]]] = {}
        self._keep_field_names = self._redactor.keeps("field.name")

    def set_suppression(self, suppression: Suppression) -> None:
        """Use this suppression list from the next event on (safe to call from another thread)."""
        self._pending = suppression

    def __call__(self, event: LineageEvent) -> LineageEvent:
        pending, self._pending = self._pending, None
        if pending is not None and pending != self._redactor.suppression:
            self._redactor = self._redactor.with_suppression(pending)
            self._facets_memo.clear()
            self._text_memo.clear()
        tally: Tally = Counter()
        run = self._run(event.run, tally) if event.run else None
        job = self._job(event.job, tally) if event.job else None
        out = replace(
            event, run=run, job=job,
            inputs=tuple(self._dataset(d, tally) for d in event.inputs),
            outputs=tuple(self._dataset(d, tally) for d in event.outputs),
            dataset=self._dataset(event.dataset, tally) if event.dataset else None,
        )
        if tally and self._on_redactions is not None:
            self._on_redactions(tally)
        return out

    # --- strings, memoized --------------------------------------------------
    def _text(self, text: str | None, tally: Tally, *, identifier: bool = False) -> str | None:
        if not text:
            return text
        hit = self._text_memo.get((text, identifier))
        if hit is None:
            counts: Tally = Counter()
            result = self._redactor.text(text, counts, identifier=identifier)
            hit = (result, tuple(counts.items()))
            if len(text) <= self._max_cached_chars:
                if len(self._text_memo) >= self._cache_entries:
                    self._text_memo.clear()
                self._text_memo[(text, identifier)] = hit
        for key, count in hit[1]:
            tally[key] += count
        return hit[0]

    def _id(self, text: str, tally: Tally) -> str:
        return self._text(text, tally, identifier=True) or text

    def _facets(self, facets: FacetMap, tally: Tally) -> FacetMap:
        if not facets:
            return facets
        out: dict[str, str] = {}
        for name, text in facets.items():
            hit = self._facets_memo.get((name, text))
            if hit is None:
                counts: Tally = Counter()
                hit = (self._redactor.facet(name, text, counts), tuple(counts.items()))
                if len(text) <= self._max_cached_chars:
                    if len(self._facets_memo) >= self._cache_entries:
                        self._facets_memo.clear()
                    self._facets_memo[(name, text)] = hit
            for key, count in hit[1]:
                tally[key] += count
            if hit[0] is not None:
                out[name] = hit[0]
        return out

    # --- the event's parts ---------------------------------------------------
    def _run(self, run: Run, tally: Tally) -> Run:
        parent = run.parent
        if parent is not None:
            parent = replace(parent, job_namespace=self._id(parent.job_namespace, tally),
                             job_name=self._id(parent.job_name, tally))
        return replace(run, parent=parent, facets=self._facets(run.facets, tally))

    def _job(self, job: Job, tally: Tally) -> Job:
        return replace(job, namespace=self._id(job.namespace, tally), name=self._id(job.name, tally),
                       facets=self._facets(job.facets, tally))

    def _dataset(self, dataset: Dataset, tally: Tally) -> Dataset:
        return replace(
            dataset,
            namespace=self._id(dataset.namespace, tally),
            name=self._id(dataset.name, tally),
            raw_namespace=self._text(dataset.raw_namespace, tally, identifier=True),
            raw_name=self._text(dataset.raw_name, tally, identifier=True),
            fields=tuple(self._field(f, tally) for f in dataset.fields) if dataset.fields is not None else None,
            column_lineage=tuple(self._lineage(c, tally) for c in dataset.column_lineage),
            symlinks=tuple(Symlink(self._id(s.namespace, tally), self._id(s.name, tally), s.type)
                           for s in dataset.symlinks),
            facets=self._facets(dataset.facets, tally),
            io_facets=self._facets(dataset.io_facets, tally),
        )

    def _field_name(self, name: str, tally: Tally) -> str:
        return name if self._keep_field_names else self._id(name, tally)

    def _field(self, field: SchemaField, tally: Tally) -> SchemaField:
        return SchemaField(self._field_name(field.name, tally), field.type, self._text(field.description, tally),
                           tuple(self._field(f, tally) for f in field.fields))

    def _lineage(self, lineage: FieldLineage, tally: Tally) -> FieldLineage:
        return FieldLineage(self._field_name(lineage.output_field, tally), tuple(
            InputField(self._id(i.namespace, tally), self._id(i.name, tally), self._field_name(i.field, tally),
                       tuple(Transformation(t.type, t.subtype, self._text(t.description, tally), t.masking)
                             for t in i.transformations))
            for i in lineage.inputs))
