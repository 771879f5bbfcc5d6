"""Input discovery for the loader: files, directory walks, standard input, helm charts, and the
byte-level checks (size, binary, encoding). Kustomizations are delegated to `kustomize.py`;
Kubernetes document shapes (lists, apiVersion/kind) to `load_manifests.py`."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from npaudit.findings import Finding
from npaudit.load import RULE_INPUT, InputPathError, LoadLimits, LoadResult, finding, parse_raw
from npaudit.load_manifests import ManifestSink
from npaudit.load_positions import TreePositions
from npaudit.span import Span, file_span

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.M)


@dataclass
class LoadContext:
    """Mutable state of one `load_paths` call."""

    root: Path
    exclude: tuple[str, ...]
    limits: LoadLimits
    sink: ManifestSink = field(default_factory=ManifestSink)
    #: a `npaudit.gitrev.ParseCache` (files by Git blob hash and path), or None
    parse_cache: Any = None
    #: files parsed ahead (in two processes) by display path: (read findings, parse or None)
    preparsed: dict[str, Any] = field(default_factory=dict)

    def display(self, path: Path) -> str:
        """Repository-relative POSIX path when `path` is under the root, else as given."""
        absolute = os.path.abspath(path)
        try:
            return Path(absolute).relative_to(os.path.abspath(self.root)).as_posix() or "."
        except ValueError:
            return path.as_posix()

    def excluded(self, path: Path) -> bool:
        rel = self.display(path)
        name = path.name
        # a pattern without "/" also matches the bare name anywhere, like .gitignore
        return any(
            fnmatch.fnmatchcase(rel, pat) or ("/" not in pat and fnmatch.fnmatchcase(name, pat)) for pat in self.exclude
        )


def load_inputs(
    paths: Sequence[str],
    *,
    root: Path | None,
    stdin_text: str | None,
    stdin_name: str,
    exclude: Sequence[str],
    limits: LoadLimits,
    parse_cache: Any = None,
) -> LoadResult:
    ctx = LoadContext(root or Path.cwd(), tuple(exclude), limits, parse_cache=parse_cache)
    for given in paths:
        if given == "-":
            if stdin_text is None:
                raise InputPathError("-", "standard input was not provided")
            load_stdin(ctx, stdin_text, stdin_name)
            continue
        path = Path(given)
        if not path.exists():
            raise InputPathError(given, "no such file or directory")
        if path.is_dir():
            walk(ctx, path)
        elif path.is_file():
            load_named_file(ctx, path)
        else:
            raise InputPathError(given, "not a regular file or directory")
    return ctx.sink.result()


def load_named_file(ctx: LoadContext, path: Path) -> None:
    """A file named on the command line: read whatever its extension (the user chose it)."""
    if path.name in KUSTOMIZATION_NAMES:
        from npaudit.kustomize import load_kustomization

        load_kustomization(ctx, path.parent)
        return
    load_file(ctx, path, explicit=True)


def walk(ctx: LoadContext, top: Path) -> None:
    """Recursive, sorted walk over *.yaml/*.yml/*.json; hidden entries are skipped; a helm chart
    is skipped with a note; a kustomization directory is rendered as one unit."""
    from npaudit.kustomize import kustomization_file, load_kustomizations

    def unreadable(err: OSError) -> None:
        where = ctx.display(Path(err.filename)) if err.filename else ctx.display(top)
        ctx.sink.add_finding(finding(RULE_INPUT, file_span(where), f"cannot read directory: {err.strerror}", "dir"))

    if ctx.parse_cache is None:
        _preparse(ctx, _manifest_files(ctx, top))
    kustomizations: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not ctx.excluded(here / d))
        if _is_helm_chart(here, filenames):
            ctx.sink.note(helm_note(ctx.display(here)))
            dirnames[:] = []
            continue
        if kustomization_file(here) is not None:
            kustomizations.append(here)  # rendered after the walk, which finds bases and overlays
            dirnames[:] = []
            continue
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or not name.endswith(MANIFEST_SUFFIXES) or ctx.excluded(path):
                continue
            load_file(ctx, path, explicit=False)
    load_kustomizations(ctx, kustomizations)


def _manifest_files(ctx: LoadContext, top: Path) -> list[Path]:
    """The files `walk` loads one by one, found by the same rules (no findings here)."""
    from npaudit.kustomize import kustomization_file

    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not ctx.excluded(here / d))
        if _is_helm_chart(here, filenames) or kustomization_file(here) is not None:
            dirnames[:] = []
            continue
        files += [here / n for n in sorted(filenames)
                  if not n.startswith(".") and n.endswith(MANIFEST_SUFFIXES) and not ctx.excluded(here / n)]
    return files


def _preparse(ctx: LoadContext, files: list[Path]) -> None:
    """Read and parse the files ahead, on two cores when there is enough input; `load_file`
    then takes each result in the walk's order, so findings and documents keep their order."""
    from npaudit.load_parallel import MIN_PARALLEL_BYTES, map_in_two

    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    if sum(sizes) < MIN_PARALLEL_BYTES:
        return  # parsed one by one in `load_file`, as without this step
    displays = {path: ctx.display(path) for path in files}

    def work(path: Path) -> tuple[list[Finding], Any]:
        found: list[Finding] = []
        text = read_text(path, displays[path], ctx.limits, found)
        return found, (None if text is None else parse_raw(text, displays[path], ctx.limits))

    for path, result in zip(files, map_in_two(files, work, sizes)):
        ctx.preparsed[displays[path]] = result


def helm_note(where: str) -> str:
    return (
        f"helm chart at {where} skipped: render it with "
        f"`helm template <release> {where} | npaudit scan -` (add `-f <values>` as you deploy it)"
    )


def _is_helm_chart(here: Path, filenames: list[str]) -> bool:
    return "Chart.yaml" in filenames and (here / "templates").is_dir()


def load_file(ctx: LoadContext, path: Path, *, explicit: bool, default_namespace: str | None = None) -> None:
    display = ctx.display(path)
    is_json = path.suffix == ".json"
    ahead = ctx.preparsed.pop(display, None) if ctx.preparsed and default_namespace is None else None
    if ahead is not None:
        read_findings, parsed = ahead
        ctx.sink.findings.extend(read_findings)
        if parsed is not None:
            ctx.sink.add_findings(parsed[1])
            ctx.sink.add_raw(parsed[0], display, explicit=explicit, is_json=is_json)
        return
    cached = _cached_parse(ctx, path, display) if ctx.parse_cache is not None else None
    if cached is not None:
        ctx.sink.add_findings(list(cached[1]))
        ctx.sink.add_raw(list(cached[0]), display, explicit=explicit, is_json=is_json, default_namespace=default_namespace)
        return
    text = read_text(path, display, ctx.limits, ctx.sink.findings)
    if text is None:
        return
    raws, problems = parse_raw(text, display, ctx.limits)
    ctx.sink.add_findings(problems)
    ctx.sink.add_raw(raws, display, explicit=explicit, is_json=is_json, default_namespace=default_namespace)


def git_blob_id(data: bytes) -> str:
    """The id Git gives these bytes as a blob, so working-tree files share cache entries with
    the same content read from a revision."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _cached_parse(ctx: LoadContext, path: Path, display: str) -> tuple[tuple[Any, ...], tuple[Finding, ...]] | None:
    """(raw documents, decode/parse findings) through the parse cache; None when the file
    cannot be read or is over the size limit (the uncached path reports that)."""
    try:
        if path.stat().st_size > ctx.limits.max_file_bytes:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    cache = ctx.parse_cache
    key = (git_blob_id(data), display)
    hit = cache.parsed.get(key)
    if hit is not None:
        cache.hits += 1
        return hit  # type: ignore[no-any-return]
    cache.misses += 1
    problems: list[Finding] = []
    raws: list[Any] = []
    text = decode(data, display, problems)
    if text is not None:
        raws, more = parse_raw(text, display, ctx.limits)
        problems += more
    entry = (tuple(raws), tuple(problems))
    cache.parsed[key] = entry
    return entry


def read_text(path: Path, display: str, limits: LoadLimits, findings: list[Finding]) -> str | None:
    """The file's text, or None with an `input-file` finding (unreadable, too large, binary,
    not UTF-8). UTF-8 and UTF-16 byte-order marks are honoured as kubectl does."""
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            message = f"file is {size} bytes, larger than the {limits.max_file_bytes}-byte limit; not read"
            findings.append(finding(RULE_INPUT, file_span(display), message, "size"))
            return None
        data = path.read_bytes()
    except OSError as err:
        findings.append(finding(RULE_INPUT, file_span(display), f"cannot read file: {err.strerror or err}", "read"))
        return None
    return decode(data, display, findings)


def decode(data: bytes, display: str, findings: list[Finding]) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            message = "file has a UTF-16 byte-order mark but is not valid UTF-16"
            findings.append(finding(RULE_INPUT, file_span(display), message, "encoding"))
            return None
    if b"\x00" in data:
        message = "binary file (contains NUL bytes); not a manifest"
        findings.append(finding(RULE_INPUT, file_span(display), message, "binary"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        findings.append(_encoding_finding(data, err.start, display))
        return None


def _encoding_finding(data: bytes, pos: int, display: str) -> Finding:
    line_start = data.rfind(b"\n", 0, pos) + 1
    line = data.count(b"\n", 0, pos) + 1
    col = len(data[line_start:pos].decode("utf-8", errors="replace")) + 1
    message = f"file is not valid UTF-8 (byte 0x{data[pos]:02x}); save it as UTF-8"
    return finding(RULE_INPUT, Span(display, line, col), message, "encoding")


def load_stdin(ctx: LoadContext, text: str, name: str) -> None:
    """Standard input; `# Source: <path>` comments (helm template) name the file of the
    documents below them, with lines counted from the comment (the rendered template's lines)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    raws, problems = parse_raw(text, name, ctx.limits)
    ctx.sink.add_findings(problems)
    sources = _helm_sources(text)
    for raw in raws:
        source = next(((line, path) for line, path in reversed(sources) if line < raw.line), None)
        if source is None:
            ctx.sink.add_raw([raw], name, explicit=True, is_json=False)
            continue
        line, path = source
        positions = TreePositions(path, raw.positions.root, raw.positions.data, line_offset=line + 1)
        moved = type(raw)(raw.index, raw.data, positions, raw.line)
        ctx.sink.add_raw([moved], path, explicit=True, is_json=False)


def _helm_sources(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = line = 0
    for match in _HELM_SOURCE.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        out.append((line, match.group(1)))
    return out

