"""The outside facts a compliance report records, gathered by the CLI (the core does no I/O):
the Git commit of the inputs, the SHA-256 of every input file, and the connectivity graph drawn
by Graphviz. Each helper degrades to "not available" instead of failing: the report is evidence
and must still be written when Git or Graphviz is missing."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Graphviz and Git get this long; a report of a huge repository must not hang a CI job.
DOT_TIMEOUT = 60
GIT_TIMEOUT = 30


@dataclass(frozen=True, slots=True)
class GitState:
    commit: str
    #: input files with uncommitted changes (`git status --porcelain` over the inputs)
    dirty: tuple[str, ...] = ()


def git_state(paths: Iterable[str]) -> GitState | None:
    """HEAD of the repository holding the inputs, or None outside a Git checkout."""
    targets = [p for p in paths if p != "-"] or ["."]
    first = Path(targets[0])
    where = first if first.is_dir() else first.parent
    commit = (_git(where, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip()
    if not commit:
        return None
    top = (_git(where, "rev-parse", "--show-toplevel") or "").strip()
    # -z: one "XY path" record per NUL, paths relative to the top level and never quoted
    status = _git(Path(top or where), "status", "--porcelain", "-z", "--untracked-files=all", "--",
                  *(str(Path(t).resolve()) for t in targets))
    records = (status or "").split("\0")
    dirty = tuple(sorted(r[3:] for r in records if len(r) > 3 and r[2] == " "))
    return GitState(commit, dirty)


def _git(where: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def sha256_files(paths: Iterable[str]) -> list[tuple[str, str]]:
    """(path, hex digest) of each existing regular file, sorted by path; others are skipped
    (standard input, a kustomization rendered in memory)."""
    out = []
    for path in sorted(set(paths)):
        file = Path(path)
        if not file.is_file():
            continue
        digest = hashlib.sha256()
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
        out.append((path, digest.hexdigest()))
    return out


_PROLOG = re.compile(r"\A\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--.*?-->\s*)*", re.S)


def draw_svg(dot_source: str) -> tuple[str | None, str]:
    """(inline SVG, "") with Graphviz, or (None, why not). The XML prolog, doctype and
    generator comments are stripped so the SVG can sit inside an HTML page."""
    dot = shutil.which("dot")
    if dot is None:
        return None, "Graphviz (dot) is not installed"
    try:
        done = subprocess.run([dot, "-Tsvg"], input=dot_source, capture_output=True, text=True,
                              timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return None, f"Graphviz did not finish within {DOT_TIMEOUT}s"
    except OSError as exc:
        return None, f"Graphviz could not run: {exc.strerror}"
    if done.returncode != 0 or "<svg" not in done.stdout:
        last = done.stderr.strip().splitlines()
        return None, f"Graphviz failed: {last[-1] if last else f'exit {done.returncode}'}"
    return _PROLOG.sub("", done.stdout, count=1).strip(), ""
