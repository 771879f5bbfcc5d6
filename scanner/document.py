"""The contract between the loader and everything that reads manifests.

A `Document` is one YAML/JSON document as plain Python data (dict/list/str/int/float/bool/None),
plus a `Positions` index that turns a JSON path into a `Span`. Only `load.py` creates them
(and is the only module that reads parser marks); schema checks, validity checks and the model
builder use `Document.key_span(path)` / `Document.value_span(path)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol as TypingProtocol

from npaudit.span import Span

JsonPath = tuple[str | int, ...]


class Positions(TypingProtocol):
    """Position lookup for one document. Paths are tuples of mapping keys (str) and sequence
    indexes (int) from the document root, e.g. ("spec", "ingress", 0, "ports", 0, "port")."""

    def key_span(self, path: JsonPath) -> Span:
        """Span of the mapping *key* at `path` (the last element must be a str); for an int or
        an unknown path, the nearest existing node's span. Never raises."""
        ...

    def value_span(self, path: JsonPath) -> Span:
        """Span of the *value* node at `path`; the nearest existing ancestor when absent."""
        ...


@dataclass(frozen=True, slots=True)
class Document:
    """One manifest document.

    `path`: the display path of the file (repo-relative POSIX path, or the stdin name);
    `index`: 0-based position of the document in its file (after List flattening, list items
    keep the index of the List document and `item_path` locates them);
    `data`: the document (or the List item) as plain data;
    `item_path`: JSON path prefix of `data` inside the file's document ( () normally,
    ("items", i) for a List item) - position lookups take paths relative to `data`;
    `default_namespace`: the namespace a kustomization (or `--namespace`) assigns to objects
    that do not set one; None means `default`.
    """

    path: str
    index: int
    data: Mapping[str, object]
    positions: Positions = field(compare=False, repr=False)
    item_path: JsonPath = ()
    default_namespace: str | None = None

    def key_span(self, path: JsonPath = ()) -> Span:
        return self.positions.key_span(self.item_path + path)

    def value_span(self, path: JsonPath = ()) -> Span:
        return self.positions.value_span(self.item_path + path)

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""
