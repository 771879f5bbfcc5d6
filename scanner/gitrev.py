"""Read the manifests of a Git revision straight from the object database.

Nothing here touches the working tree or the index: `git ls-tree -r -z` lists a revision's
files, one `git cat-file --batch` process streams their blobs, and the texts go to the loader's
`parse_text(text, path)`. Parsed files are cached by (blob hash, path), so a diff between two
revisions parses each unchanged file once.

Kustomizations need the files of their revision on disk (bases and components are looked up
relative to the kustomization): for those directories the revision's tree is materialised into
a temporary directory (`git archive`, never the working tree) and rendered by the loader there.

This module and `load.py` are the only core modules that read outside data; errors become
`UserError` (unknown revision, not a repository) or located findings (bad files).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from npaudit.document import Document
from npaudit.errors import UserError
from npaudit.findings import Finding

#: Files a kustomize build starts from (kustomize accepts all three names).
KUSTOMIZATION_FILES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_GIT_TIMEOUT = 120


@dataclass(frozen=True, slots=True)
class Repo:
    """A Git repository: `root` is the top level; `prefix` is the current directory relative to
    it ("" at the top, else "sub/dir/"), used to turn command-line paths into tree paths."""

    root: Path
    prefix: str = ""

    def tree_path(self, path: str) -> str:
        """A command-line path (relative to the current directory) as a path inside the tree."""
        joined = PurePosixPath(self.prefix, Path(path).as_posix()) if not Path(path).is_absolute() else None
        if joined is None:
            try:
                joined = PurePosixPath(Path(path).resolve().relative_to(self.root.resolve()).as_posix())
            except ValueError as exc:
                raise UserError(f"{path} is outside the repository {self.root}") from exc
        parts: list[str] = []
        for part in joined.parts:
            if part == "..":
                if not parts:
                    raise UserError(f"{path} is outside the repository {self.root}")
                parts.pop()
            elif part not in (".", ""):
                parts.append(part)
        return "/".join(parts)


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    mode: str
    sha: str


def _git(repo_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo_dir, input=stdin, capture_output=True, timeout=_GIT_TIMEOUT, check=False
        )
    except FileNotFoundError as exc:
        raise UserError("git is not installed (needed to read revisions)") from exc
    except subprocess.TimeoutExpired as exc:
        raise UserError(f"git {args[0]} did not finish within {_GIT_TIMEOUT}s") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"git {args[0]} failed: {message[-1] if message else f'exit {done.returncode}'}")
    return done.stdout


def find_repo(start: Path | None = None) -> Repo:
    """The repository containing `start` (default: the current directory)."""
    where = (start or Path.cwd()).resolve()
    try:
        out = _git(where, "rev-parse", "--show-toplevel", "--show-prefix").decode("utf-8").splitlines()
    except UserError as exc:
        raise UserError(f"{where} is not inside a Git repository ({exc})") from exc
    return Repo(Path(out[0]), out[1] if len(out) > 1 else "")


def resolve_commit(repo: Repo, rev: str) -> str:
    """The full commit hash of `rev` (branch, tag, hash, `HEAD~2`, `origin/main`...)."""
    if not rev or rev.startswith("-"):
        raise UserError(f"not a revision: {rev!r}")
    try:
        return _git(repo.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").decode().strip()
    except UserError as exc:
        raise UserError(f"unknown revision {rev!r} in {repo.root}") from exc


def list_tree(repo: Repo, commit: str, paths: Sequence[str] = ()) -> tuple[TreeEntry, ...]:
    """Every blob of `commit` under `paths` (tree paths; empty = the whole tree). Symlinks and
    submodules are skipped: their targets are not part of this revision's content."""
    raw = _git(repo.root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths)
    out = []
    for record in raw.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob" and mode in ("100644", "100755"):
            out.append(TreeEntry(name.decode("utf-8", "surrogateescape"), mode, sha))
    return tuple(out)


def read_blobs(repo: Repo, shas: Iterable[str]) -> dict[str, bytes]:
    """Blob contents by hash, through one `git cat-file --batch` process."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    raw = _git(repo.root, "cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode())
    out: dict[str, bytes] = {}
    pos = 0
    for sha in wanted:
        end = raw.index(b"\n", pos)
        header = raw[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue  # "<sha> missing": reported by the caller as an unreadable file
        size = int(header[2])
        out[sha] = raw[pos:pos + size]
        pos += size + 1  # content is followed by a newline
    return out


@contextmanager
def materialised(repo: Repo, commit: str) -> Iterator[Path]:
    """The files of `commit` in a temporary directory (removed afterwards)."""
    data = _git(repo.root, "archive", "--format=tar", commit)
    with tempfile.TemporaryDirectory(prefix="npaudit-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def kustomization_dirs(entries: Iterable[TreeEntry]) -> tuple[str, ...]:
    """Directories (tree paths, "" for the top) that hold a kustomization file."""
    dirs = {str(PurePosixPath(e.path).parent) for e in entries if PurePosixPath(e.path).name in KUSTOMIZATION_FILES}
    return tuple(sorted("" if d == "." else d for d in dirs))


@dataclass
class ParseCache:
    """Parsed files by (blob hash, display path): the same content at the same path parses once
    per process (spans carry the path, so a renamed file is parsed again - cheaply)."""

    parsed: dict[tuple[str, str], tuple[tuple[Document, ...], tuple[Finding, ...]]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
