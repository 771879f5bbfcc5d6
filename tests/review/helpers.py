"""Helpers shared by the review tests: small documents without the YAML loader, and temporary
Git repositories built commit by commit."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from npaudit.document import Document, JsonPath
from npaudit.span import Span


@dataclass(frozen=True)
class LinePositions:
    """Positions from an explicit table: JSON path -> line (col 1); unknown paths -> `start`."""

    path: str
    start: int
    lines: Mapping[JsonPath, int]

    def key_span(self, p: JsonPath) -> Span:
        return Span(self.path, self.lines.get(p, self.start), 1)

    def value_span(self, p: JsonPath) -> Span:
        return Span(self.path, self.lines.get(p, self.start), 1)


def doc(path: str, data: Mapping[str, object], start: int = 1, lines: Mapping[JsonPath, int] | None = None) -> Document:
    return Document(path, 0, data, LinePositions(path, start, dict(lines or {})))


class GitRepo:
    """A throw-away repository; `commit(files)` writes, removes (value None) and commits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root),
        }
        out = subprocess.run(["git", *args], cwd=self.root, env=env, check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def write(self, files: Mapping[str, str | None]) -> None:
        for rel, text in files.items():
            target = self.root / rel
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit(self, files: Mapping[str, str | None], message: str = "change") -> str:
        self.write(files)
        self.git("add", "-A", ".")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def move(self, old: str, new: str, message: str = "move") -> str:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")
