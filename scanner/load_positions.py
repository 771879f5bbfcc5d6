"""Compact source positions for loaded documents (built by `load.py`, read through `Positions`).

The loader records one packed integer per node, ``line << 32 | column`` with the parser's
0-based line and column, in a tree that mirrors the data:

- a scalar is its packed mark (an ``int``);
- a mapping is one list ``[mark, key_mark, entry, ...]`` with one entry per key, in the order
  of the data dict's keys; a sequence is ``[mark, key_mark, child, ...]``; ``key_mark`` is the
  mark of the key holding the collection in its parent mapping (0 otherwise);
- a mapping entry is the child collection, or for a scalar value one ``int`` holding both marks,
  ``key_mark << 64 | value_mark``.

One list per collection, no dict or tuple and no object per scalar beyond one int: the positions of 10k
workloads cost about half of their data. Lookups walk the data and the positions together.
`to_span` is the only place where a 0-based parser mark becomes a 1-based `Span`.
"""

from __future__ import annotations

from npaudit.document import JsonPath
from npaudit.span import Span

#: A packed mark, a mapping position or a sequence position (see the module docstring).
PosNode = int | list

LINE_SHIFT = 32
COL_MASK = (1 << LINE_SHIFT) - 1
ENTRY_SHIFT = 64
ENTRY_MASK = (1 << ENTRY_SHIFT) - 1


def pack(line: int, column: int) -> int:
    """Pack a 0-based parser mark (the loader inlines this expression in its hot loop)."""
    return (line << LINE_SHIFT) | column


def to_span(path: str, mark: int, line_offset: int = 0) -> Span:
    """The single conversion from a packed 0-based parser mark to a 1-based `Span`.

    `line_offset` is subtracted from the line: helm output on stdin counts lines from its
    ``# Source:`` comment so they match the rendered template file."""
    line = (mark >> LINE_SHIFT) + 1 - line_offset
    return Span(path, max(line, 1), (mark & COL_MASK) + 1)


def node_mark(node: PosNode) -> int:
    return node if isinstance(node, int) else node[0]


def entry_key_mark(entry: PosNode) -> int:
    """The key mark of a mapping entry (see the module docstring)."""
    return entry >> ENTRY_SHIFT if isinstance(entry, int) else entry[1]


class TreePositions:
    """`npaudit.document.Positions` over a packed position tree and the data it was built with.
    Lookups never raise: an absent path resolves to the nearest existing ancestor."""

    __slots__ = ("path", "root", "data", "line_offset")

    def __init__(self, path: str, root: PosNode, data: object, line_offset: int = 0) -> None:
        self.path = path
        self.root = root
        self.data = data
        self.line_offset = line_offset

    def key_span(self, path: JsonPath) -> Span:
        if not path or not isinstance(path[-1], str):
            return self.value_span(path)
        parent, data, found = self._walk(path[:-1])
        if found and isinstance(parent, list) and isinstance(data, dict):
            index = _key_index(data, path[-1], parent)
            if index is not None:
                return to_span(self.path, entry_key_mark(parent[index]), self.line_offset)
        return to_span(self.path, node_mark(parent), self.line_offset)

    def value_span(self, path: JsonPath) -> Span:
        node, _, _ = self._walk(path)
        return to_span(self.path, node_mark(node), self.line_offset)

    def _walk(self, path: JsonPath) -> tuple[PosNode, object, bool]:
        """The deepest node along `path` (with its data), and whether the whole path exists."""
        node, data = self.root, self.data
        for step in path:
            if isinstance(node, int):
                return node, data, False
            if isinstance(data, dict):
                index = _key_index(data, step, node)
                if index is None:
                    return node, data, False
                entry = node[index]
                node, data = (entry & ENTRY_MASK if isinstance(entry, int) else entry), data[step]
            elif isinstance(data, list) and type(step) is int and 0 <= step < min(len(data), len(node) - 2):
                node, data = node[step + 2], data[step]
            else:
                return node, data, False
        return node, data, True


def _key_index(data: dict, key: object, node: list) -> int | None:
    """Index in `node` of the entry for `key` (entries start at 2 and follow the dict order)."""
    if not isinstance(key, str) or key not in data:
        return None
    index = list(data).index(key) + 2
    return index if index < len(node) else None
