"""Canonical dataset and job identifiers, so one real dataset is one node.

Every identifier an event mentions (inputs, outputs, the subject of a DatasetEvent, column-lineage
sources, symlinks, the parent job) goes through the same naming rules; the identifiers as sent stay
on the dataset for audit, with the name of the rule that canonicalized them.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from lineage_stream.model import Dataset, FieldLineage, InputField, Job, LineageEvent, ParentRun, Symlink
from lineage_stream.naming import AliasMap, CanonicalName, normalize_dataset, normalize_job_name


class NormalizeStage:
    name = "normalize"

    def __init__(self, aliases: AliasMap | None = None, *, memo_size: int = 65_536) -> None:
        self._aliases = aliases
        # The naming rules are pure: the same few thousand identifiers recur in every batch.
        self._canonical = lru_cache(maxsize=memo_size)(self._canonical_uncached)
        self._job_name = lru_cache(maxsize=memo_size)(normalize_job_name)

    def _canonical_uncached(self, namespace: str, name: str) -> CanonicalName:
        return normalize_dataset(namespace, name, self._aliases)

    def __call__(self, event: LineageEvent) -> LineageEvent:
        """Raises:
        IdentifierError: an identifier is blank, too long or carries control characters.
        """
        job = event.job
        if job is not None:
            namespace, name = self._job_name(job.namespace, job.name)
            job = Job(namespace, name, job.facets)
        run = event.run
        if run is not None and run.parent is not None:
            p_namespace, p_name = self._job_name(run.parent.job_namespace, run.parent.job_name)
            run = replace(run, parent=ParentRun(run.parent.run_id, p_namespace, p_name))
        return replace(
            event,
            job=job,
            run=run,
            inputs=tuple(self._dataset(d) for d in event.inputs),
            outputs=tuple(self._dataset(d) for d in event.outputs),
            dataset=self._dataset(event.dataset) if event.dataset is not None else None,
        )

    def _dataset(self, dataset: Dataset) -> Dataset:
        canonical = self._canonical(dataset.namespace, dataset.name)
        # Built directly (not dataclasses.replace, three times slower): every field is named here.
        return Dataset(
            namespace=canonical.namespace,
            name=canonical.name,
            fields=dataset.fields,
            column_lineage=self._lineages(dataset.column_lineage) if dataset.column_lineage else (),
            symlinks=tuple(self._symlink(s) for s in dataset.symlinks) if dataset.symlinks else (),
            facets=dataset.facets,
            io_facets=dataset.io_facets,
            raw_namespace=dataset.namespace,
            raw_name=dataset.name,
            naming_rule=canonical.rule,
            partitions=dataset.partitions,
        )

    def _lineages(self, lineages: tuple[FieldLineage, ...]) -> tuple[FieldLineage, ...]:
        """The column lineage with canonical source names; the same tuple when every name already is."""
        normalized = tuple(self._lineage(lineage) for lineage in lineages)
        return lineages if all(a is b for a, b in zip(normalized, lineages)) else normalized

    def _lineage(self, lineage: FieldLineage) -> FieldLineage:
        inputs = []
        changed = False
        for source in lineage.inputs:
            canonical = self._canonical(source.namespace, source.name)
            if canonical.namespace == source.namespace and canonical.name == source.name:
                inputs.append(source)
            else:
                changed = True
                inputs.append(InputField(canonical.namespace, canonical.name, source.field, source.transformations))
        return FieldLineage(lineage.output_field, tuple(inputs)) if changed else lineage

    def _symlink(self, symlink: Symlink) -> Symlink:
        canonical = self._canonical(symlink.namespace, symlink.name)
        return Symlink(canonical.namespace, canonical.name, symlink.type)
