"""Scrub PII and secrets from facet JSON before anything reaches the graph."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from lineage_stream.model import Dataset, FacetMap, LineageEvent
from lineage_stream.redaction import redact_json


def redact_facet(name: str, text: str) -> str:
    """A facet's JSON text with PII replaced by ``<ENTITY_TYPE>`` markers (the same text when clean)."""
    redacted, count = redact_json({name: json.loads(text)})
    if not count:
        return text
    return json.dumps(redacted[name], separators=(",", ":"), sort_keys=True, ensure_ascii=False)  # type: ignore[index]


def redact_facets(facets: FacetMap) -> FacetMap:
    return {name: redact_facet(name, text) for name, text in facets.items()}


class RedactStage:
    """Redacts every facet. Producers repeat facets run after run (the same SQL, the same Spark
    properties), so results are memoized by facet text, in bounded memory."""

    name = "redact"

    def __init__(self, cache_entries: int = 20_000, max_cached_chars: int = 16_384) -> None:
        self._max_cached_chars = max_cached_chars
        self._cached = lru_cache(maxsize=cache_entries)(redact_facet)

    def __call__(self, event: LineageEvent) -> LineageEvent:
        run = replace(event.run, facets=self._facets(event.run.facets)) if event.run else None
        job = replace(event.job, facets=self._facets(event.job.facets)) if event.job else None
        return replace(
            event,
            run=run,
            job=job,
            inputs=tuple(self._dataset(d) for d in event.inputs),
            outputs=tuple(self._dataset(d) for d in event.outputs),
            dataset=self._dataset(event.dataset) if event.dataset else None,
        )

    def _facets(self, facets: FacetMap) -> FacetMap:
        return {
            name: self._cached(name, text) if len(text) <= self._max_cached_chars else redact_facet(name, text)
            for name, text in facets.items()
        }

    def _dataset(self, dataset: Dataset) -> Dataset:
        if not dataset.facets and not dataset.io_facets:
            return dataset
        return replace(dataset, facets=self._facets(dataset.facets), io_facets=self._facets(dataset.io_facets))
