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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from npaudit.errors import UserError
from npaudit.findings import Finding
from npaudit.span import file_span

#: Files a kustomize build starts from (kustomize accepts all three names); the loader's list.
KUSTOMIZATION_FILES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # what a directory walk reads (as the loader)
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
    """Parsed files by (blob hash, display path): the same content at the same path is decoded
    and parsed once per process, whichever revision it comes from (positions carry the path, so
    a renamed file is parsed again). Values: (raw documents, findings of decoding/parsing)."""

    parsed: dict[tuple[str, str], tuple[tuple[object, ...], tuple[Finding, ...]]] = field(default_factory=dict)
    #: blob contents by hash, shared by the readers of every revision
    blobs: dict[str, bytes] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0


class _Tree:
    """Directory view of a revision's blob list (tree paths, "" is the top)."""

    def __init__(self, entries: Iterable[TreeEntry]) -> None:
        self.files: dict[str, TreeEntry] = {}
        self.subdirs: dict[str, set[str]] = {"": set()}
        self.dir_files: dict[str, list[str]] = {}
        for e in entries:
            self.files[e.path] = e
            parent = _parent(e.path)
            self.dir_files.setdefault(parent, []).append(e.path)
            while parent and parent not in self.subdirs:
                self.subdirs[parent] = set()
                self.subdirs.setdefault(_parent(parent), set()).add(parent)
                parent = _parent(parent)

    def is_dir(self, path: str) -> bool:
        return path in self.subdirs

    def under(self, top: str) -> list[str]:
        prefix = f"{top}/" if top else ""
        return [p for p in self.files if p.startswith(prefix)]


def _parent(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


class RevisionReader:
    """A drop-in for `npaudit.load.load_paths` that reads one commit from the object database.

    It walks the revision's tree with the loader's rules (hidden entries and `exclude` globs
    skipped, helm charts noted, kustomization directories rendered as one unit, only
    *.yaml/*.yml/*.json in directory walks) and hands blob texts to the loader's parser and
    document shaping, so a revision loads exactly as its checkout would. Display paths are
    repository-relative. `lines_of(path)` gives a file's lines at this revision (comment
    suppressions). Paths missing at this revision load nothing and are listed in `missing`."""

    def __init__(self, repo: Repo, commit: str, cache: ParseCache | None = None) -> None:
        self.repo = repo
        self.commit = commit
        self.cache = cache if cache is not None else ParseCache()
        self.missing: list[str] = []
        self._tree: _Tree | None = None
        self._texts: dict[str, bytes] = self.cache.blobs
        self._stack = ExitStack()
        self._checkout: Path | None = None
        #: blobs parsed ahead by `_prefetch`, by (blob hash, path), until `_load_file` takes them
        self._ahead: dict[tuple[str, str], tuple[tuple[Any, ...], tuple[Finding, ...]]] = {}

    @property
    def tree(self) -> _Tree:
        if self._tree is None:
            self._tree = _Tree(list_tree(self.repo, self.commit))
        return self._tree

    def lines_of(self, path: str) -> list[str]:
        from npaudit.load_inputs import decode

        entry = self.tree.files.get(path)
        if entry is None:
            raise KeyError(path)
        if entry.sha not in self._texts:
            # comment suppressions read many files: fetch every manifest blob still missing
            # (parse-cache hits were never fetched) in one `git cat-file` call, not one each
            self._fetch([entry, *(e for p, e in self.tree.files.items() if p.endswith(MANIFEST_SUFFIXES))])
        text = decode(self._texts[entry.sha], path, [])
        if text is None:
            raise ValueError(path)
        return text.splitlines()

    def _fetch(self, entries: Iterable[TreeEntry]) -> None:
        missing = [e.sha for e in entries if e.sha not in self._texts]
        self._texts.update(read_blobs(self.repo, missing))

    def __call__(
        self,
        paths: Sequence[str],
        *,
        root: Path | None = None,
        stdin_text: str | None = None,
        stdin_name: str = "<stdin>",
        exclude: Sequence[str] = (),
        limits: Any = None,
    ) -> Any:
        """Same signature and result (`LoadResult`) as `load_paths`; "-" is refused."""
        from npaudit.gcpause import gc_paused
        from npaudit.load import LoadLimits
        from npaudit.load_inputs import LoadContext

        ctx = LoadContext(self.repo.root, tuple(exclude), limits or LoadLimits())
        tree_paths = [self._tree_path(given) for given in paths]
        with gc_paused(), self._stack:  # as in `load_paths`: no cycles, millions of containers
            self._prefetch(tree_paths, ctx.limits)
            for tree_path in tree_paths:
                self._load_path(ctx, tree_path)
        self._checkout = None
        return ctx.sink.result()

    def _tree_path(self, given: str) -> str:
        if given == "-":
            raise UserError("standard input cannot be read at a Git revision")
        return self.repo.tree_path(given)

    def _prefetch(self, tree_paths: Sequence[str], limits: Any) -> None:
        """Blobs not in the parse cache, through one `git cat-file --batch` call, parsed ahead
        on two cores when there are enough of them (`npaudit.load_parallel`)."""
        from npaudit.load_parallel import MIN_PARALLEL_BYTES, map_in_two

        wanted = []
        for top in tree_paths:
            for path in [top] if top in self.tree.files else self.tree.under(top):
                entry = self.tree.files[path]
                if path.endswith(MANIFEST_SUFFIXES) and (entry.sha, path) not in self.cache.parsed:
                    wanted.append(entry)
        self._fetch(wanted)
        sizes = [len(self._texts.get(e.sha, b"")) for e in wanted]
        if sum(sizes) >= MIN_PARALLEL_BYTES:
            parsed = map_in_two(wanted, lambda e: self._parse_blob(e, limits), sizes)
            self._ahead.update(((e.sha, e.path), r) for e, r in zip(wanted, parsed))

    def _parse_blob(self, entry: TreeEntry, limits: Any) -> tuple[tuple[Any, ...], tuple[Finding, ...]]:
        """(raw documents, findings of decoding/parsing) of one blob, as the loader reads a file."""
        from npaudit.load import RULE_INPUT, finding, parse_raw
        from npaudit.load_inputs import decode

        data = self._texts[entry.sha]
        problems: list[Finding] = []
        raws: list[Any] = []
        if len(data) > limits.max_file_bytes:
            message = f"file is {len(data)} bytes, larger than the {limits.max_file_bytes}-byte limit; not read"
            problems.append(finding(RULE_INPUT, file_span(entry.path), message, "size"))
        else:
            text = decode(data, entry.path, problems)
            if text is not None:
                raws, parse_problems = parse_raw(text, entry.path, limits)
                problems += parse_problems
        return tuple(raws), tuple(problems)

    def _load_path(self, ctx: Any, tree_path: str) -> None:
        if tree_path in self.tree.files:
            if PurePosixPath(tree_path).name in KUSTOMIZATION_FILES:
                self._kustomize(ctx, _parent(tree_path))
            else:
                self._load_file(ctx, tree_path, explicit=True)
        elif self.tree.is_dir(tree_path):
            self._walk(ctx, tree_path)
        else:
            self.missing.append(tree_path or ".")

    def _walk(self, ctx: Any, directory: str) -> None:
        """The loader's `walk`, over the tree: files of a directory, then its subdirectories."""
        from npaudit.load_inputs import helm_note

        names = sorted(PurePosixPath(p).name for p in self.tree.dir_files.get(directory, []))
        if "Chart.yaml" in names and self.tree.is_dir(_join(directory, "templates")):
            ctx.sink.note(helm_note(directory or "."))
            return
        if any(n in KUSTOMIZATION_FILES for n in names):
            self._kustomize(ctx, directory)
            return
        for name in names:
            path = _join(directory, name)
            if name.startswith(".") or not name.endswith(MANIFEST_SUFFIXES) or ctx.excluded(self.repo.root / path):
                continue
            self._load_file(ctx, path, explicit=False)
        for sub in sorted(self.tree.subdirs.get(directory, ())):
            if not PurePosixPath(sub).name.startswith(".") and not ctx.excluded(self.repo.root / sub):
                self._walk(ctx, sub)

    def _load_file(self, ctx: Any, path: str, *, explicit: bool) -> None:
        entry = self.tree.files[path]
        key = (entry.sha, path)
        cached = self.cache.parsed.get(key)
        if cached is None:
            self.cache.misses += 1
            cached = self._ahead.pop(key, None)
            if cached is None:
                self._fetch([entry])
                cached = self._parse_blob(entry, ctx.limits)
            self.cache.parsed[key] = cached
        else:
            self.cache.hits += 1
        ctx.sink.add_findings(list(cached[1]))
        ctx.sink.add_raw(list(cached[0]), path, explicit=explicit, is_json=path.endswith(".json"))

    def _kustomize(self, ctx: Any, directory: str) -> None:
        """Render a kustomization from the revision's files, materialised once per load."""
        from npaudit.kustomize import load_kustomization
        from npaudit.load_inputs import LoadContext

        if self._checkout is None:
            self._checkout = self._stack.enter_context(materialised(self.repo, self.commit))
        kctx = LoadContext(self._checkout, ctx.exclude, ctx.limits, ctx.sink)
        load_kustomization(kctx, self._checkout / directory if directory else self._checkout)


def worktree_lines(root: Path) -> Callable[[str], list[str]]:
    """`lines_of` for files in the working tree (display paths relative to `root`), decoded as
    the loader decodes them; unreadable files raise (suppression then skips comments there)."""
    from npaudit.load_inputs import decode

    def lines_of(path: str) -> list[str]:
        text = decode((root / path).read_bytes(), path, [])
        if text is None:
            raise ValueError(path)
        return text.splitlines()

    return lines_of
