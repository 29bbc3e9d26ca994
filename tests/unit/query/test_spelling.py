from __future__ import annotations

import pytest

from lineage_stream.naming import AliasMap
from lineage_stream.query.errors import BadQuery
from lineage_stream.query.spelling import bare_name, candidates, search_terms
from lineage_stream.query.times import iso, parse_time

PG = "postgres://orders-db.internal:5432"


def keys(text: str, name: str | None = None, aliases: AliasMap | None = None) -> list[tuple[str, str]]:
    return [(c.namespace, c.name) for c in candidates(text, name, aliases)]


@pytest.mark.parametrize("text,name", [
    ("postgresql://user:pw@Orders-DB.INTERNAL:5432/shop.public.orders", None),
    ("postgresql://Orders-DB.internal", "shop.public.orders"),
    ("jdbc:postgresql://orders-db.internal:5432/shop?user=x&password=y", "public.orders"),
    ("postgres://orders-db.internal:5432 shop.public.orders", None),
    ("dataset:postgres://orders-db.internal:5432:shop.public.orders", None),
])
def test_producer_spellings_yield_the_canonical_key(text: str, name: str | None) -> None:
    assert (PG, "shop.public.orders") in keys(text, name)


def test_partition_paths_roll_up_and_aliases_apply() -> None:
    assert ("s3://lake", "raw/orders") in keys("s3a://lake/raw/orders/dt=2026-11-20/hr=07")
    aliases = AliasMap.from_mapping({"host_aliases": {"orders-db-replica.internal:5432": "orders-db.internal:5432"}})
    assert (PG, "shop.public.orders") in keys("postgres://orders-db-replica.internal:5432/shop.public.orders",
                                              aliases=aliases)
    assert (PG, "shop.public.orders") not in keys("postgres://orders-db-replica.internal:5432/shop.public.orders")


def test_unusable_text_gives_no_candidate_and_never_raises() -> None:
    assert keys("   ") == []
    assert keys("\x00bad://x/y") == [] or all("\x00" not in k[0] for k in keys("\x00bad://x/y"))


def test_bare_names_and_search_terms() -> None:
    assert bare_name("shop.public.orders") == "shop.public.orders"
    assert bare_name("s3://lake/x") is None
    assert search_terms("s3://lake/curated/order_enrich") == ["enrich", "order", "curated"]


def test_times() -> None:
    now = parse_time("2026-11-28T12:00:00Z", now_us=0)
    assert iso(now) == "2026-11-28T12:00:00Z"
    assert parse_time("2026-11-28", now_us=0) == now - 12 * 3600 * 1_000_000
    assert parse_time("7d", now_us=now) == now - 7 * 86_400 * 1_000_000
    assert parse_time("2026-11-28T14:00:00+02:00", now_us=0) == now
    with pytest.raises(BadQuery, match="cannot read the time"):
        parse_time("last tuesday", now_us=now)
