"""Kustomize directories: render with `kubectl kustomize` (or `kustomize build`) and point each
rendered object back at the document it came from.

Rendering is what `kubectl apply -k` applies, so the namespace, name prefixes and patches are
the ones the cluster sees. Positions, though, must point at a file a reviewer can edit: each
rendered object is matched (kind, name after prefix/suffix, namespace) to a document of the
kustomization's `resources:` (followed recursively through directories, bases and components)
and takes that document's path and positions; paths that only exist after rendering resolve to
the nearest existing node. Objects with no source (generators) point at the kustomization file.

Without either tool, or when rendering fails, the resource files are read as they are and the
kustomization's `namespace:` becomes each document's `default_namespace`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from npaudit.document import Document
from npaudit.findings import Finding, Severity
from npaudit.load import parse_raw, parse_text
from npaudit.load_inputs import KUSTOMIZATION_NAMES, LoadContext, load_file, read_text
from npaudit.load_positions import TreePositions
from npaudit.span import Span, file_span

RULE_KUSTOMIZE = "kustomize-error"
_TIMEOUT_S = 120
_RESOURCE_KEYS = ("resources", "bases", "components")
#: kustomization entries that name files; an error message quoting one is located at it
_FILE_KEYS = (*_RESOURCE_KEYS, "patchesStrategicMerge", "crds", "configurations", "transformers", "generators")
_KLOG_ERR = re.compile(r'err="(.*)"\s*$', re.S)


@dataclass(frozen=True, slots=True)
class _Layer:
    """What one kustomization level does to the names and namespaces of what it includes."""

    namespace: str | None = None
    prefix: str = ""
    suffix: str = ""

    def wrap(self, inner: _Layer) -> _Layer:
        # the outer kustomization's transformers run last: its namespace wins, its affixes go outside
        return _Layer(self.namespace or inner.namespace, self.prefix + inner.prefix, inner.suffix + self.suffix)


@dataclass(frozen=True, slots=True)
class _Source:
    doc: Document
    kind: str
    name: str
    namespace: str | None  # after the kustomization's namespace transformer
    rendered_name: str


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def find_tool() -> list[str] | None:
    """The render command prefix: `kubectl kustomize` first (it is in every CI image with
    kubectl), else the standalone `kustomize build`."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    kustomize = shutil.which("kustomize")
    return [kustomize, "build"] if kustomize else None


def load_kustomizations(ctx: LoadContext, directories: list[Path]) -> None:
    """Render the kustomizations a directory walk found. One that another of them includes (a
    base of an overlay) is rendered only as part of the includer: `kubectl apply -k` is run on
    overlays, and rendering the base on its own too would define every object twice."""
    found = {Path(os.path.abspath(d)): d for d in directories}
    included_by: dict[Path, Path] = {}
    for key, directory in found.items():
        for target in _included_dirs(ctx, directory, set()):
            if target in found and target != key:
                included_by.setdefault(target, key)
    for key, directory in found.items():
        includer = included_by.get(key)
        if includer is None or _cyclic(key, included_by):
            load_kustomization(ctx, directory)
        else:
            where, by = ctx.display(directory), ctx.display(found[includer])
            ctx.sink.note(f"kustomization {where} is included by {by}: rendered there only")


def _cyclic(start: Path, included_by: dict[Path, Path]) -> bool:
    """True when following "included by" from `start` comes back to it (kubectl reports it)."""
    seen: set[Path] = set()
    current = start
    while current in included_by and current not in seen:
        seen.add(current)
        current = included_by[current]
    return current == start


def _included_dirs(ctx: LoadContext, directory: Path, seen: set[Path]) -> Iterator[Path]:
    config, _ = _read_kustomization(ctx, directory)
    for target in _resource_paths(directory, config, seen):
        if target.is_dir():
            yield Path(os.path.abspath(target))
            yield from _included_dirs(ctx, target, seen)


def load_kustomization(ctx: LoadContext, directory: Path) -> None:
    kfile = kustomization_file(directory)
    if kfile is None:  # pragma: no cover - callers check
        return
    where = ctx.display(directory)
    tool = find_tool()
    if tool is None:
        note = f"kustomize: neither `kubectl` nor `kustomize` on PATH; read the files of {where} without rendering"
        ctx.sink.note(note)
        read_unrendered(ctx, directory, _Layer(), set())
        return
    output, error = _render(tool, directory)
    if error is not None:
        error = error.replace(os.path.abspath(ctx.root) + os.sep, "")  # reports show repo paths
        error = error if len(error) <= 400 else error[:400] + " …"
        message = f"kustomize build of {where} failed: {error}; its files were read without rendering"
        span = _error_span(ctx, kfile, error)
        ctx.sink.add_finding(Finding(RULE_KUSTOMIZE, Severity.ERROR, message, span, f"Kustomization {where}"))
        read_unrendered(ctx, directory, _Layer(), set())
        return
    _add_rendered(ctx, kfile, output or "")


def _error_span(ctx: LoadContext, kfile: Path, error: str) -> Span:
    """The kustomization entry the error message quotes (a missing resource), else the file."""
    display = ctx.display(kfile)
    docs, _ = parse_text(read_text(kfile, display, ctx.limits, []) or "", display, ctx.limits)
    if docs:
        for key in _FILE_KEYS:
            entries = docs[0].data.get(key)
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                path = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(path, str) and path and (f"'{path}'" in error or f"/{path}'" in error):
                    return docs[0].value_span((key, i))
    return file_span(display)


def _render(tool: list[str], directory: Path) -> tuple[str | None, str | None]:
    try:
        proc = subprocess.run(
            [*tool, str(directory)], capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {_TIMEOUT_S} s"
    except OSError as err:
        return None, f"cannot run {tool[0]}: {err.strerror or err}"
    if proc.returncode != 0:
        text = proc.stderr or proc.stdout
        match = _KLOG_ERR.search(text)  # kubectl wraps the message in a klog line: ... err="..."
        message = match.group(1) if match else " ".join(line.strip() for line in text.splitlines() if line.strip())
        return None, message or f"exit status {proc.returncode}"
    return proc.stdout, None


def _add_rendered(ctx: LoadContext, kfile: Path, output: str) -> None:
    kdisplay = ctx.display(kfile)
    sources = list(_sources(ctx, kfile.parent, _Layer(), set()))
    raws, problems = parse_raw(output, kdisplay, ctx.limits)
    ctx.sink.add_findings(problems)
    fallback = TreePositions(kdisplay, 0, None)
    for raw in raws:
        data = raw.data
        if not isinstance(data, dict):
            continue
        src = _match(data, sources)
        if src is None:
            ctx.sink.add_document(Document(kdisplay, raw.index, data, fallback))
        else:
            ctx.sink.add_document(Document(src.doc.path, src.doc.index, data, src.doc.positions, src.doc.item_path))


def _identity(data: dict) -> tuple[str, str, str | None]:
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name, namespace = meta.get("name"), meta.get("namespace")
    kind = data.get("kind")
    return (
        kind if isinstance(kind, str) else "",
        name if isinstance(name, str) else "",
        namespace if isinstance(namespace, str) else None,
    )


def _match(data: dict, sources: list[_Source]) -> _Source | None:
    """Best source for a rendered object: same kind and the name kustomize would give it (and
    the same namespace when that still tells two apart), else a unique same-kind candidate."""
    kind, name, namespace = _identity(data)
    same_kind = [s for s in sources if s.kind == kind]
    for keep in (
        lambda s: s.rendered_name == name and s.namespace == namespace,
        lambda s: s.rendered_name == name,
        lambda s: s.name == name,
        lambda s: bool(s.name) and s.name in name,
    ):
        found = [s for s in same_kind if keep(s)]
        if found:
            return found[0]  # the same object reached through two bases: the first one
    return None


def _sources(ctx: LoadContext, directory: Path, outer: _Layer, seen: set[Path]) -> Iterator[_Source]:
    """Every object document reachable through the kustomization's resources."""
    config, layer = _read_kustomization(ctx, directory)
    layer = outer.wrap(layer)
    for target in _resource_paths(directory, config, seen):
        if target.is_dir():
            if kustomization_file(target) is not None:
                yield from _sources(ctx, target, layer, seen)
            continue
        yield from _file_sources(ctx, target, layer)


def _file_sources(ctx: LoadContext, path: Path, layer: _Layer) -> Iterator[_Source]:
    display = ctx.display(path)
    text = read_text(path, display, ctx.limits, [])
    if text is None:
        return
    docs, _ = parse_text(text, display, ctx.limits)
    for doc in docs:
        for item in _objects(doc):
            kind, name, namespace = _identity(item.data)
            yield _Source(item, kind, name, layer.namespace or namespace, layer.prefix + name + layer.suffix)


def _objects(doc: Document) -> Iterator[Document]:
    items = doc.data.get("items")
    if doc.kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield Document(doc.path, doc.index, item, doc.positions, ("items", i))
    else:
        yield doc


def _read_kustomization(ctx: LoadContext, directory: Path) -> tuple[dict | None, _Layer]:
    kfile = kustomization_file(directory)
    if kfile is None:
        return None, _Layer()
    text = read_text(kfile, ctx.display(kfile), ctx.limits, [])
    docs, _ = parse_text(text or "", ctx.display(kfile), ctx.limits)
    if not docs:
        return None, _Layer()
    config = dict(docs[0].data)
    ns, prefix, suffix = config.get("namespace"), config.get("namePrefix"), config.get("nameSuffix")
    return config, _Layer(
        ns if isinstance(ns, str) and ns else None,
        prefix if isinstance(prefix, str) else "",
        suffix if isinstance(suffix, str) else "",
    )


def _resource_paths(directory: Path, config: dict | None, seen: set[Path]) -> Iterator[Path]:
    if config is None:
        return
    for key in _RESOURCE_KEYS:
        entries = config.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, str) or "://" in entry or entry.startswith(("github.com/", "git@")):
                continue  # remote bases cannot be matched to a local file
            target = Path(os.path.normpath(directory / entry))
            if target in seen or not target.exists():
                continue
            seen.add(target)
            yield target


def read_unrendered(ctx: LoadContext, directory: Path, outer: _Layer, seen: set[Path]) -> None:
    """Read a kustomization's resources as they are; its `namespace:` (the outermost one wins,
    as when rendering) becomes the documents' default namespace."""
    config, layer = _read_kustomization(ctx, directory)
    layer = outer.wrap(layer)
    if config is None:
        _read_all(ctx, directory, layer.namespace)
        return
    for target in _resource_paths(directory, config, seen):
        if target.is_dir():
            if kustomization_file(target) is not None:
                read_unrendered(ctx, target, layer, seen)
            else:
                _read_all(ctx, target, layer.namespace)
        else:
            load_file(ctx, target, explicit=True, default_namespace=layer.namespace)


def _read_all(ctx: LoadContext, directory: Path, namespace: str | None) -> None:
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".json") and path.name not in KUSTOMIZATION_NAMES:
            load_file(ctx, path, explicit=False, default_namespace=namespace)

