"""The redaction policy: a YAML document read once at the edge, turned into a frozen value.

The default ships inside the package (``redaction-policy.yaml``, read with ``importlib.resources``);
an operator's copy replaces it whole. Unknown keys, entity types or actions raise ``ConfigError``, so
a typo can never switch redaction off silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping, cast

import yaml

from lineage_stream.errors import ConfigError
from lineage_stream.redaction.detectors import ALL_ENTITY_TYPES, DEFAULT_ENTITY_TYPES

Action = Literal["mask", "pseudonymize", "drop"]
ACTIONS: frozenset[str] = frozenset({"mask", "pseudonymize", "drop"})
DEFAULT_POLICY_RESOURCE = "redaction-policy.yaml"
PERSON = "PERSON"
ERASED = "ERASED"
"""The tag of a value on the suppression list (an erased person's traces)."""
PSEUDONYM = "PSEUDONYM"
"""The tag of a pseudonymized value on the suppression list where no detector named its type."""


@dataclass(frozen=True)
class RedactionPolicy:
    entity_types: frozenset[str]
    """Detected in free text (facets, descriptions)."""
    identifier_entity_types: frozenset[str]
    """Detected in namespaces, names and the identifiers as sent."""
    actions: Mapping[str, Action]
    default_action: Action
    keep_paths: tuple[str, ...] = ()
    drop_paths: tuple[str, ...] = ()
    person_paths: tuple[str, ...] = ()
    """Facet members whose whole value names a person (owners, authors)."""

    def action(self, entity_type: str) -> Action:
        return self.actions.get(entity_type, self.default_action)

    def keeps(self, path: str) -> bool:
        return _matches(path, self.keep_paths)

    def drops(self, path: str) -> bool:
        return _matches(path, self.drop_paths)

    def names_person(self, path: str) -> bool:
        return _matches(path, self.person_paths)


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(path, pattern) for pattern in patterns)


def default_policy_text() -> str:
    return resources.files("lineage_stream.governance").joinpath(DEFAULT_POLICY_RESOURCE).read_text("utf-8")


def load_policy(path: Path | None = None) -> RedactionPolicy:
    """The policy in ``path``, or the shipped default.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or breaks the policy's shape.
    """
    try:
        text = default_policy_text() if path is None else path.read_text("utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the redaction policy {path}: {error.strerror}") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"the redaction policy {path or DEFAULT_POLICY_RESOURCE} is not valid YAML: {error}") from error
    return parse_policy(document, source=str(path or DEFAULT_POLICY_RESOURCE))


def parse_policy(document: object, *, source: str = "policy") -> RedactionPolicy:
    """A ``RedactionPolicy`` from the parsed YAML document (see the shipped file for its shape)."""
    root = _mapping(document, source, {"version", "detectors", "actions", "identifiers", "paths"})
    if root.get("version", 1) != 1:
        raise ConfigError(f"{source}: unsupported version {root.get('version')!r} (expected 1)")
    known = ALL_ENTITY_TYPES
    detectors = _mapping(root.get("detectors", {}), f"{source}: detectors", {"default", "enable", "disable"})
    base = DEFAULT_ENTITY_TYPES if detectors.get("default", True) else frozenset()
    types = (base | _types(detectors.get("enable"), known, f"{source}: detectors.enable")) \
        - _types(detectors.get("disable"), known, f"{source}: detectors.disable")
    actions_doc = _mapping(root.get("actions", {}), f"{source}: actions", {"default", "by_type"})
    by_type = _mapping(actions_doc.get("by_type", {}), f"{source}: actions.by_type", known)
    identifiers = _mapping(root.get("identifiers", {}), f"{source}: identifiers", {"entity_types"})
    identifier_types = _types(identifiers.get("entity_types"), known, f"{source}: identifiers.entity_types")
    paths = _mapping(root.get("paths", {}), f"{source}: paths", {"keep", "drop", "person"})
    return RedactionPolicy(
        entity_types=frozenset(types),
        identifier_entity_types=frozenset(identifier_types & types),
        actions={str(k): _action(v, f"{source}: actions.by_type.{k}") for k, v in by_type.items()},
        default_action=_action(actions_doc.get("default", "mask"), f"{source}: actions.default"),
        keep_paths=_strings(paths.get("keep"), f"{source}: paths.keep"),
        drop_paths=_strings(paths.get("drop"), f"{source}: paths.drop"),
        person_paths=_strings(paths.get("person"), f"{source}: paths.person"),
    )


def _mapping(value: object, where: str, allowed: frozenset[str] | set[str]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}")
    return cast(Mapping[str, Any], value)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _types(value: object, known: frozenset[str], where: str) -> frozenset[str]:
    names = frozenset(_strings(value, where))
    unknown = sorted(names - known)
    if unknown:
        raise ConfigError(f"{where}: unknown entity type(s) {unknown}")
    return names


def _action(value: object, where: str) -> Action:
    if value not in ACTIONS:
        raise ConfigError(f"{where}: unknown action {value!r} (one of {sorted(ACTIONS)})")
    return cast(Action, value)
