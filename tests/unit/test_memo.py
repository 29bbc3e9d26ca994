from __future__ import annotations

import pytest

from lineage_stream.memo import Memo


def test_a_hit_returns_the_value_and_a_miss_none():
    memo: Memo[str, int] = Memo(4)
    memo.put("a", 0)
    assert memo.get("a") == 0  # a falsy value is still a hit
    assert memo.get("b") is None


def test_memory_is_bounded_by_two_generations():
    memo: Memo[int, int] = Memo(10)
    for n in range(1_000):
        memo.put(n, n)
        assert len(memo) <= 20
    assert memo.get(999) == 999
    assert memo.get(0) is None


def test_an_entry_used_once_per_generation_survives_every_turn():
    """Unlike a dict cleared when full, the hot entry is never dropped with the cold ones."""
    memo: Memo[str, int] = Memo(10)
    memo.put("hot", 1)
    for n in range(1_000):
        memo.put(f"cold-{n}", n)
        if n % 9 == 0:
            assert memo.get("hot") == 1, n
    assert memo.get("cold-0") is None


def test_clear_and_a_useless_size_is_refused():
    memo: Memo[str, int] = Memo(2)
    memo.put("a", 1)
    memo.clear()
    assert len(memo) == 0 and memo.get("a") is None
    with pytest.raises(ValueError):
        Memo(0)


def test_an_identity_memo_hits_the_very_object_only_and_keeps_it_alive():
    from lineage_stream.memo import IdentityMemo

    memo: IdentityMemo[tuple[str, ...], int] = IdentityMemo(2)
    key = tuple(["a", "b"])
    memo.put(key, 1)
    assert memo.get(key) == 1
    assert memo.get(tuple(["a", "b"])) is None  # equal, but another object
    del key  # the entry holds its object: no later object can take its id while the entry lives
    assert all(memo.get(tuple([str(n), "b"])) is None for n in range(1_000))  # same length: CPython reuses
    assert len(memo) == 1
    for n in range(10):
        memo.put(tuple([str(n)]), n)
        assert len(memo) <= 4
