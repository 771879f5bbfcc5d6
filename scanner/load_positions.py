"""Compact source positions for loaded documents (built by `load.py`, read through `Positions`).

The loader records one packed integer per node, ``line << 32 | column`` with the parser's
0-based line and column, in a tree that mirrors the data:

- a scalar value is just its packed mark (an ``int``);
- a mapping is ``MapPos = [mark, {key: (key_mark, child)}]``;
- a sequence is ``SeqPos = [mark, [child, ...]]``.

That is one small tuple per mapping entry and no objects per scalar, which keeps 10k workloads
cheap. `to_span` is the only place where a 0-based parser mark becomes a 1-based `Span`.
"""

from __future__ import annotations

from npaudit.document import JsonPath
from npaudit.span import Span

#: A packed mark, a mapping position or a sequence position (see the module docstring).
PosNode = int | list

LINE_SHIFT = 32
COL_MASK = (1 << LINE_SHIFT) - 1


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


class TreePositions:
    """`npaudit.document.Positions` over a packed position tree. Lookups never raise: an
    absent path resolves to the nearest existing ancestor, the root to the document start."""

    __slots__ = ("path", "root", "line_offset")

    def __init__(self, path: str, root: PosNode, line_offset: int = 0) -> None:
        self.path = path
        self.root = root
        self.line_offset = line_offset

    def key_span(self, path: JsonPath) -> Span:
        if not path or not isinstance(path[-1], str):
            return self.value_span(path)
        parent, found = self._walk(path[:-1])
        if found and isinstance(parent, list) and isinstance(parent[1], dict):
            entry = parent[1].get(path[-1])
            if entry is not None:
                return to_span(self.path, entry[0], self.line_offset)
        return to_span(self.path, node_mark(parent), self.line_offset)

    def value_span(self, path: JsonPath) -> Span:
        node, _ = self._walk(path)
        return to_span(self.path, node_mark(node), self.line_offset)

    def _walk(self, path: JsonPath) -> tuple[PosNode, bool]:
        """The deepest node along `path`, and whether the whole path exists."""
        node = self.root
        for step in path:
            child = _child(node, step)
            if child is None:
                return node, False
            node = child
        return node, True


def _child(node: PosNode, step: str | int) -> PosNode | None:
    if isinstance(node, int):
        return None
    children = node[1]
    if isinstance(children, dict):
        entry = children.get(step) if isinstance(step, str) else None
        return None if entry is None else entry[1]
    if isinstance(step, int) and not isinstance(step, bool) and 0 <= step < len(children):
        return children[step]
    return None
