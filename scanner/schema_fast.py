"""A fast yes/no validity test for the pruned Kubernetes schemas.

`jsonschema` walks every node through generic machinery (about 1.5 ms for one Pod), which made
schema checking the slowest phase on large repositories. Almost every object is valid, so
`schema.check_object` first asks this compiled predicate and runs `jsonschema` (for the located
problems) only when it says no. The predicate understands exactly the keywords the generated
bundles use - `type`, `$ref`, `properties`, `additionalProperties`, `items`, `required`,
`enum` of strings - and refuses to compile anything else (then `jsonschema` always runs), so it
can never call an invalid object valid by ignoring a keyword. A differential test checks it
against `jsonschema` on mutated manifests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[object], bool]

_SUPPORTED = frozenset({"type", "$ref", "properties", "additionalProperties", "items", "required", "enum"})
_REF_PREFIX = "#/$defs/"


class Unsupported(Exception):
    """The schema uses a keyword this predicate does not implement."""


def _is_type(value: object, name: str) -> bool:
    if name == "object":
        return isinstance(value, Mapping)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    raise Unsupported(f"type {name}")


class Compiler:
    """Compiles `$defs` lazily, once each; recursion goes through `self.checks`."""

    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs
        self.checks: dict[str, Check] = {}

    def ref(self, name: str) -> Check:
        if name not in self.checks:
            self.checks[name] = lambda value: False  # placeholder while compiling a cycle
            compiled = self.compile(self.defs[name])
            self.checks[name] = compiled
        checks = self.checks
        return lambda value: checks[name](value)

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda value: True
        if not isinstance(schema, Mapping) or not set(schema) <= _SUPPORTED:
            raise Unsupported(str(sorted(schema) if isinstance(schema, Mapping) else schema))
        parts = [self._part(key, value) for key, value in schema.items() if key != "additionalProperties"]
        if "additionalProperties" in schema:
            known = frozenset(schema.get("properties", {}))
            parts.append(self._additional(schema["additionalProperties"], known))
        if len(parts) == 1:
            return parts[0]
        return lambda value: all(part(value) for part in parts)

    def _part(self, key: str, value: Any) -> Check:
        if key == "$ref":
            if not isinstance(value, str) or not value.startswith(_REF_PREFIX):
                raise Unsupported(f"$ref {value}")
            return self.ref(value[len(_REF_PREFIX):])
        if key == "type":
            names = tuple(value) if isinstance(value, list) else (value,)
            for name in names:
                _is_type(None, name)  # raises on an unknown type name
            return lambda v: any(_is_type(v, n) for n in names)
        if key == "enum":
            if not all(isinstance(e, str) for e in value):
                raise Unsupported("enum of non-strings")
            allowed = frozenset(value)
            return lambda v: isinstance(v, str) and v in allowed
        if key == "required":
            names = tuple(value)
            return lambda v: not isinstance(v, Mapping) or all(n in v for n in names)
        if key == "items":
            if not isinstance(value, Mapping):
                raise Unsupported("items as a list")
            item = self.compile(value)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        props = {name: self.compile(sub) for name, sub in value.items()}  # "properties"
        return lambda v: not isinstance(v, Mapping) or all(props[k](x) for k, x in v.items() if k in props)

    def _additional(self, extra: Any, known: frozenset[str]) -> Check:
        """Keys outside `properties`: forbidden (`false`, the strict schemas) or checked."""
        if extra is False:
            return lambda v: not isinstance(v, Mapping) or all(k in known for k in v)
        other = self.compile(extra)
        return lambda v: not isinstance(v, Mapping) or all(other(x) for k, x in v.items() if k not in known)
