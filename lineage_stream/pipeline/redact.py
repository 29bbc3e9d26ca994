"""Scrub PII and secrets from facet JSON before anything reaches the graph."""

from __future__ import annotations

import json
from dataclasses import replace
from lineage_stream.model import Dataset, FacetMap, LineageEvent
from lineage_stream.redaction import redact_json


def redact_facets(facets: FacetMap) -> FacetMap:
    """Each facet's JSON text with PII replaced by ``<ENTITY_TYPE>`` markers; unchanged facets keep their text."""
    out: dict[str, str] = {}
    for name, text in facets.items():
        value = json.loads(text)
        redacted, count = redact_json({name: value})
        out[name] = (
            json.dumps(redacted[name], separators=(",", ":"), sort_keys=True, ensure_ascii=False)  # type: ignore[index]
            if count
            else text
        )
    return out


class RedactStage:
    name = "redact"

    def __call__(self, event: LineageEvent) -> LineageEvent:
        run = replace(event.run, facets=redact_facets(event.run.facets)) if event.run else None
        job = replace(event.job, facets=redact_facets(event.job.facets)) if event.job else None
        return replace(
            event,
            run=run,
            job=job,
            inputs=tuple(_dataset(d) for d in event.inputs),
            outputs=tuple(_dataset(d) for d in event.outputs),
            dataset=_dataset(event.dataset) if event.dataset else None,
        )


def _dataset(dataset: Dataset) -> Dataset:
    if not dataset.facets and not dataset.io_facets:
        return dataset
    return replace(dataset, facets=redact_facets(dataset.facets), io_facets=redact_facets(dataset.io_facets))
