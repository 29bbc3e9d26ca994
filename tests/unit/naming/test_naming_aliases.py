"""User-configured host and namespace aliases."""

from __future__ import annotations

from typing import Any

import pytest

from lineage_stream.errors import ConfigError
from lineage_stream.naming import AliasMap, CanonicalName, normalize_dataset


def test_host_alias_rewrites_authority_after_normalization() -> None:
    aliases = AliasMap.from_mapping(
        {"host_aliases": {"db-prod-1.internal:5432": "warehouse.example.com:5432"}}
    )
    result = normalize_dataset("postgresql://DB-PROD-1.internal", "db.s.t", aliases)
    assert result == CanonicalName("postgres://warehouse.example.com:5432", "db.s.t", "postgres")


def test_host_alias_keys_are_normalized() -> None:
    aliases = AliasMap.from_mapping({"host_aliases": {" DB-Prod-1.Internal:5432 ": "WH:5432"}})
    assert dict(aliases.host_aliases) == {"db-prod-1.internal:5432": "wh:5432"}


def test_host_alias_without_port_keeps_the_port() -> None:
    aliases = AliasMap(host_aliases={"db-prod-1.internal": "warehouse.example.com"})
    result = normalize_dataset("mysql://db-prod-1.internal:3307", "db.t", aliases)
    assert result.namespace == "mysql://warehouse.example.com:3307"


def test_host_alias_applies_to_each_host_of_a_list() -> None:
    aliases = AliasMap(host_aliases={"h2:5432": "replica.example.com:5432"})
    result = normalize_dataset("postgres://h1,h2", "d.s.t", aliases)
    assert result.namespace == "postgres://h1:5432,replica.example.com:5432"


def test_host_alias_keeps_azure_container() -> None:
    aliases = AliasMap(host_aliases={"old.dfs.core.windows.net": "new.dfs.core.windows.net"})
    result = normalize_dataset("abfss://data@old.dfs.core.windows.net", "a/b", aliases)
    assert result.namespace == "abfss://data@new.dfs.core.windows.net"


def test_host_alias_keeps_path_of_namespace() -> None:
    aliases = AliasMap(host_aliases={"my-host": "cosmos.example.com"})
    result = normalize_dataset("azurecosmos://my-host/dbs/db", "colls/c", aliases)
    assert result.namespace == "azurecosmos://cosmos.example.com/dbs/db"


def test_host_alias_ignores_unrecognized_namespaces() -> None:
    aliases = AliasMap(host_aliases={"h:1": "x:1"})
    result = normalize_dataset("custom://h:1", "n", aliases)
    assert result == CanonicalName("custom://h:1", "n", "unrecognized")


def test_namespace_alias_maps_whole_canonical_namespace() -> None:
    aliases = AliasMap.from_mapping(
        {"namespace_aliases": {"hive://metastore:9083": "s3://warehouse-bucket"}}
    )
    result = normalize_dataset("HIVE://Metastore:9083/", "db.t", aliases)
    assert result == CanonicalName("s3://warehouse-bucket", "db.t", "hive")


def test_namespace_alias_keys_and_targets_are_canonicalized() -> None:
    aliases = AliasMap(namespace_aliases={"postgresql://PG-1/": "s3a://Lake/"})
    assert dict(aliases.namespace_aliases) == {"postgres://pg-1:5432": "s3://lake"}
    assert normalize_dataset("postgres://pg-1:5432", "d.s.t", aliases).namespace == "s3://lake"


def test_host_alias_then_namespace_alias() -> None:
    aliases = AliasMap(
        host_aliases={"pg-1:5432": "pg.example.com:5432"},
        namespace_aliases={"postgres://pg.example.com:5432": "postgres://primary:5432"},
    )
    assert normalize_dataset("postgres://pg-1", "d.s.t", aliases).namespace == (
        "postgres://primary:5432"
    )


def test_namespace_alias_applies_to_unrecognized_namespace() -> None:
    aliases = AliasMap(namespace_aliases={"my-catalog": "s3://bucket"})
    result = normalize_dataset(" my-catalog ", "t", aliases)
    assert result == CanonicalName("s3://bucket", "t", "unrecognized")


def test_no_match_returns_same_object() -> None:
    aliases = AliasMap(host_aliases={"a:1": "b:1"})
    original = normalize_dataset("postgres://z:5432", "d.s.t")
    assert aliases.apply(original) is original


def test_empty_mapping_and_none_sections() -> None:
    aliases = AliasMap.from_mapping({"host_aliases": None})
    assert dict(aliases.host_aliases) == {} and dict(aliases.namespace_aliases) == {}
    assert dict(AliasMap().host_aliases) == {}


def test_alias_map_is_read_only() -> None:
    aliases = AliasMap(host_aliases={"a:1": "b:1"})
    with pytest.raises(TypeError):
        aliases.host_aliases["c:1"] = "d:1"  # type: ignore[index]
    with pytest.raises(AttributeError):
        aliases.host_aliases = {}  # type: ignore[misc]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([], id="not-a-mapping"),
        pytest.param({"hosts": {}}, id="unknown-section"),
        pytest.param({"host_aliases": ["a"]}, id="section-not-mapping"),
        pytest.param({"host_aliases": {"a": 1}}, id="non-string-value"),
        pytest.param({"host_aliases": {1: "a"}}, id="non-string-key"),
        pytest.param({"host_aliases": {"": "a"}}, id="empty-key"),
        pytest.param({"host_aliases": {"a b": "c"}}, id="space-in-host"),
        pytest.param({"host_aliases": {"a/b": "c"}}, id="slash-in-host"),
        pytest.param({"host_aliases": {"a:99999": "c:1"}}, id="bad-port"),
        pytest.param({"host_aliases": {"a": "b:5432"}}, id="port-added-to-portless-key"),
        pytest.param({"host_aliases": {"A:1": "b:1", "a:1": "c:1"}}, id="conflicting-keys"),
        pytest.param({"host_aliases": {"a:1": "b:1", "b:1": "c:1"}}, id="host-chain"),
        pytest.param({"namespace_aliases": {"  ": "s3://b"}}, id="blank-namespace"),
        pytest.param({"namespace_aliases": {"s3://a": "s3://b\x00"}}, id="control-char"),
        pytest.param({"namespace_aliases": {"s3://a": "s3://b", "s3://b": "s3://a"}}, id="cycle"),
    ],
)
def test_bad_config_raises_config_error(data: Any) -> None:
    with pytest.raises(ConfigError):
        AliasMap.from_mapping(data)


def test_constructor_validates_too() -> None:
    with pytest.raises(ConfigError):
        AliasMap(host_aliases={"not a host": "x"})
