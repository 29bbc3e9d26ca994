"""Fold high-cardinality detail into the entities people reason about.

A job that writes ``s3://lake/events/dt=2024-05-01/hr=07`` every hour writes one dataset,
``s3://lake/events``, not 8,760 a year: trailing partition segments of a dataset name (Hive-style
``key=value`` segments, ``YYYY/MM/DD``-style and ``YYYY-MM-DD`` date segments) are folded into the
parent dataset and kept as its ``partitions``. Datasets that fold into the same one merge.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from lineage_stream.governance.cardinality import NamespaceBudget, Sampler, keeps_run
from lineage_stream.model import Dataset, FieldLineage, InputField, LineageEvent, Symlink

_PARTITION_SEGMENT = re.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_]{0,63}=[^/=]{1,256}"  # Hive-style key=value
    r"|\d{4}-\d{2}-\d{2}(?:[T ]?\d{2}(?::?\d{2}){0,2})?"  # 2024-05-01, 2024-05-01T07
    r"|\d{4}|\d{2})$"  # 2024/05/01/07 date-and-hour paths
)
_DATE_PATH = re.compile(r"^\d{4}(?:/\d{2}){1,3}$")


class PartitionRules:
    """Which trailing path segments are partitions. The default is the rule above; a deployment can
    give its own segment patterns (``rollup.partition_segments``), each a regex for one whole segment."""

    def __init__(self, segment_patterns: Sequence[str] | None = None) -> None:
        self._segment = _PARTITION_SEGMENT if segment_patterns is None else re.compile(
            "^(?:" + "|".join(f"(?:{p})" for p in segment_patterns) + ")$")
        self._only_date_paths = segment_patterns is None  # custom rules say themselves what a number is
        self.split = lru_cache(maxsize=65_536)(self._split)

    def _split(self, name: str) -> tuple[str, str | None]:
        """``(parent name, partition path)``; the partition is None when the name has no partition suffix.

        Memoized: the same few thousand names recur in every batch, and the answer depends only on the name.
        """
        stripped = name.rstrip("/")
        segments = stripped.split("/")
        cut = len(segments)
        while cut > 1 and self._segment.match(segments[cut - 1]):
            cut -= 1
        if cut == len(segments):
            return name, None
        tail = "/".join(segments[cut:])
        # Bare numbers fold only as a complete date path (2024/05/01), never a lone "/07" suffix.
        if self._only_date_paths and all(s.isdigit() for s in segments[cut:]) and not _DATE_PATH.match(tail):
            return name, None
        parent = "/".join(segments[:cut])
        if not parent or parent.endswith(":"):
            return name, None
        return parent, tail


DEFAULT_RULES = PartitionRules()
split_partition = DEFAULT_RULES.split
"""The default rules' split (the query side spells datasets with it)."""


def fold_datasets(datasets: Iterable[Dataset], rules: PartitionRules = DEFAULT_RULES) -> tuple[Dataset, ...]:
    """Fold partitions and merge datasets that end up with the same identifier, keeping first-seen order."""
    split_partition = rules.split
    merged: dict[tuple[str, str], Dataset] = {}
    for dataset in datasets:
        if _untouched(dataset, split_partition):
            existing = merged.get(dataset.key)
            merged[dataset.key] = dataset if existing is None else _merge(existing, dataset)
            continue
        parent, partition = split_partition(dataset.name)
        raw_name = split_partition(dataset.raw_name)[0] if dataset.raw_name is not None else None
        folded = replace(dataset, name=parent, raw_name=raw_name,
                         partitions=(partition,) if partition else dataset.partitions)
        folded = replace(
            folded,
            column_lineage=tuple(_fold_lineage(c, split_partition) for c in folded.column_lineage),
            symlinks=tuple(Symlink(s.namespace, split_partition(s.name)[0], s.type) for s in folded.symlinks),
        )
        existing = merged.get(folded.key)
        merged[folded.key] = folded if existing is None else _merge(existing, folded)
    return tuple(merged.values())


def _untouched(dataset: Dataset, split_partition: Callable[[str], tuple[str, str | None]]) -> bool:
    """True when folding would return the dataset as it is (the common case): no name carries a partition."""
    return (split_partition(dataset.name)[1] is None
            and (dataset.raw_name is None or split_partition(dataset.raw_name)[1] is None)
            and all(split_partition(i.name)[1] is None for c in dataset.column_lineage for i in c.inputs)
            and all(split_partition(s.name)[1] is None for s in dataset.symlinks))


def _fold_lineage(lineage: FieldLineage, split_partition: Callable[[str], tuple[str, str | None]]) -> FieldLineage:
    return FieldLineage(
        lineage.output_field,
        tuple(InputField(i.namespace, split_partition(i.name)[0], i.field, i.transformations) for i in lineage.inputs),
    )


def _merge(first: Dataset, other: Dataset) -> Dataset:
    return replace(
        first,
        fields=first.fields if first.fields is not None else other.fields,
        column_lineage=first.column_lineage + tuple(c for c in other.column_lineage if c not in first.column_lineage),
        symlinks=first.symlinks + tuple(s for s in other.symlinks if s not in first.symlinks),
        facets={**other.facets, **first.facets},
        io_facets={**other.io_facets, **first.io_facets},
        partitions=first.partitions + tuple(p for p in other.partitions if p not in first.partitions),
    )


class RollupStage:
    """Folds partitions into their tables; with cardinality settings, also samples run detail of
    high-volume jobs and watches the dataset budget of each namespace (``governance/cardinality.py``)."""

    name = "rollup"

    def __init__(self, rules: PartitionRules = DEFAULT_RULES, *, sampler: Sampler | None = None,
                 budget: NamespaceBudget | None = None,
                 on_over_budget: Callable[[str, int], None] | None = None,
                 on_sampled_out: Callable[[], None] | None = None) -> None:
        self._rules = rules
        self._sampler = sampler if sampler else None
        self._budget = budget
        self._on_over_budget = on_over_budget
        self._on_sampled_out = on_sampled_out

    def __call__(self, event: LineageEvent) -> LineageEvent:
        """The event with partitions folded; the very same object when nothing folds, merges or is sampled out."""
        dataset = fold_datasets([event.dataset], self._rules)[0] if event.dataset is not None else None
        inputs, outputs = fold_datasets(event.inputs, self._rules), fold_datasets(event.outputs, self._rules)
        if self._budget is not None:
            for d in (*inputs, *outputs, *([dataset] if dataset else [])):
                if self._budget.see(d.namespace, d.name) and self._on_over_budget is not None:
                    self._on_over_budget(d.namespace, self._budget.budget)
        run = event.run
        if (self._sampler is not None and run is not None and event.job is not None
                and not keeps_run(run.run_id, self._sampler.rate(event.job.namespace, event.job.name))):
            run = None  # job- and dataset-level lineage stay; the run's detail does not
            if self._on_sampled_out is not None:
                self._on_sampled_out()
        if (run is event.run and dataset is event.dataset and _same(inputs, event.inputs)
                and _same(outputs, event.outputs)):
            return event
        return replace(event, run=run, inputs=inputs, outputs=outputs, dataset=dataset)


def _same(folded: tuple[Dataset, ...], original: tuple[Dataset, ...]) -> bool:
    return len(folded) == len(original) and all(a is b for a, b in zip(folded, original))
