from __future__ import annotations

from lineage_stream.errors import IdentifierError
from lineage_stream.pipeline.chain import run_stages
from factories import run_event


class Named:
    def __init__(self, name, fn):
        self.name, self._fn = name, fn

    def __call__(self, event):
        return self._fn(event)


def test_oks_dropped_and_errors_are_separated_and_keep_their_item():
    def reject(event):
        if event.run.run_id == "bad":
            raise IdentifierError("blank name")
        return event

    stages = [Named("dedup", lambda e: None if e.run.run_id == "dup" else e), Named("normalize", reject)]
    items = [(1, run_event("ok")), (2, run_event("dup")), (3, run_event("bad"))]
    result = run_stages(stages, items)
    assert [i for i, _ in result.oks] == [1]
    assert result.dropped == [(2, "dedup")]
    assert [(r.item, r.error.stage, r.error.reason) for r in result.errors] == [(3, "normalize", "blank name")]
