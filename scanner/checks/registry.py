"""The explicit registry of check kinds: every module that implements kinds exports a
`KINDS: tuple[CheckKind, ...]`, and this file lists those modules. Nothing registers itself."""

from __future__ import annotations

from collections.abc import Iterable

from npaudit.checks.base import CheckKind

#: Kinds whose findings come from the loader, the schema check or the model builder rather than
#: from a check run over the model; rules of these kinds are documentation-only entries.
INPUT_KINDS = frozenset({"loader", "schema", "validity", "model"})


def _index(kinds: Iterable[CheckKind]) -> dict[str, CheckKind]:
    table: dict[str, CheckKind] = {}
    for kind in kinds:
        if kind.name in table or kind.name in INPUT_KINDS:
            raise ValueError(f"duplicate check kind {kind.name!r}")
        table[kind.name] = kind
    return table


def _builtin_kinds() -> tuple[CheckKind, ...]:
    # One line per module that defines kinds, e.g.:
    #   from npaudit.checks import reach
    #   kinds += reach.KINDS
    kinds: tuple[CheckKind, ...] = ()
    from npaudit.checks import hygiene_coverage, hygiene_onesided, hygiene_ports, hygiene_sections, hygiene_select

    kinds += hygiene_select.KINDS + hygiene_ports.KINDS + hygiene_sections.KINDS + hygiene_coverage.KINDS
    kinds += hygiene_onesided.KINDS
    from npaudit.checks import hygiene_redundancy

    kinds += hygiene_redundancy.KINDS
    from npaudit.checks import reach

    kinds += reach.KINDS
    return kinds


CHECK_KINDS: dict[str, CheckKind] = _index(_builtin_kinds())
