"""Source positions. Every finding and every model object points at a real place in a file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A position in an input file: repository-relative POSIX path, 1-based line and column.

    `path` is what reports show (relative to the scan root or the repository root, or the
    `--stdin-filename`). `end_line`/`end_col` are optional and 1-based, inclusive.
    """

    path: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


def file_span(path: str) -> Span:
    """A span for a whole file (used when a problem has no better place: empty or binary file)."""
    return Span(path, 1, 1)
