"""The manifest loader: YAML/JSON text -> plain data + exact positions, and input paths -> Documents.

This is the only module that touches ruamel. It drives ruamel's libyaml-based C parser at the
event level and builds plain Python data (dict/list/str/int/float/bool/None) and the compact
position tree of `load_positions` in one pass: ruamel's round-trip loader is ~20x slower and
keeps ruamel types alive. Scalars resolve as kubectl does (`load_scalars`).

Bad input never raises: syntax errors, duplicate keys, alias bombs, deep nesting, control
characters become located findings. After a syntax error the documents before it are kept and
parsing resumes at the next ``---`` line after the error (libyaml itself cannot continue).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from npaudit.document import Document
from npaudit.errors import UserError
from npaudit.findings import Finding, Severity
from npaudit.gcpause import gc_paused
from npaudit.load_positions import ENTRY_SHIFT, TreePositions, entry_key_mark, to_span
from npaudit.load_scalars import SPECIAL, TAG_PREFIX, TagError, key_string, resolve_plain, resolve_tagged
from npaudit.span import Span

try:  # the C parser (ruamel.yaml.clib); the pure-Python parser is a slow but correct fallback
    from ruamel.yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - CPython wheels always ship the C parser
    _CParser = None

__all__ = [
    "InputPathError",
    "LoadLimits",
    "LoadResult",
    "RawDoc",
    "load_paths",
    "parse_raw",
    "parse_text",
]

RULE_SYNTAX = "yaml-syntax"
RULE_DUPLICATE_KEY = "yaml-duplicate-key"
RULE_INPUT = "input-file"
RULE_SHAPE = "document-shape"

# Characters YAML forbids in a stream (YAML 1.1 "printable"); libyaml would stop the whole file
# on the first one, before even returning the documents in front of it.
_BAD_CHARS = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_SURROGATE_PAIR = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
_MAX_RESUMES = 100
_NO_KEY = object()  # the next node of the current mapping is a key
_SKIP = object()  # the current entry's key was unusable: drop its value
_MERGE = object()  # the current entry is a `<<` merge key (go-yaml supports them)


class InputPathError(UserError):
    """An input path that cannot be used at all (missing, not a file or directory): exit 2."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Guards against hostile or broken input; each one exceeded is an `input-file` finding."""

    max_file_bytes: int = 16 * 1024 * 1024
    #: nesting deeper than this stops the file (libyaml slows down quadratically with depth)
    max_depth: int = 500
    #: nodes added by alias expansion per document ("billion laughs" guard)
    max_alias_nodes: int = 1_000_000


@dataclass(frozen=True, slots=True)
class RawDoc:
    """One parsed YAML document before any Kubernetes shape checks; `data` may be anything."""

    index: int
    data: object
    positions: TreePositions
    line: int  # 0-based line of the root node (matches helm `# Source:` comments)


@dataclass(frozen=True, slots=True)
class LoadResult:
    documents: tuple[Document, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]


class _Abort(Exception):
    """Stop the current parse at `mark` (limit exceeded); parsing resumes after it."""

    def __init__(self, mark: int, finding: Finding) -> None:
        super().__init__(finding.message)
        self.mark = mark
        self.finding = finding


def finding(rule_id: str, span: Span, message: str, anchor_detail: str = "") -> Finding:
    """A loader finding; its anchor is the file plus the detail (not the line), so it survives
    unrelated edits."""
    return Finding(rule_id, Severity.ERROR, message, span, f"File {span.path} {anchor_detail}".rstrip())


def parse_text(text: str, path: str, limits: LoadLimits | None = None) -> tuple[list[Document], list[Finding]]:
    """Parse a (multi-document) YAML or JSON text. Every document whose root is a mapping becomes
    a `Document`; other non-empty documents are `document-shape` findings. No Kubernetes checks."""
    raws, findings = parse_raw(text, path, limits)
    docs: list[Document] = []
    for raw in raws:
        if isinstance(raw.data, dict):
            docs.append(Document(path, raw.index, raw.data, raw.positions))
        else:
            findings.append(shape_finding(raw, "a YAML mapping"))
    return docs, findings


def shape_finding(raw: RawDoc, expected: str) -> Finding:
    what = type(raw.data).__name__.replace("dict", "mapping").replace("list", "sequence")
    span = raw.positions.value_span(())
    return finding(RULE_SHAPE, span, f"document {raw.index + 1} is a {what}, expected {expected}", f"doc {raw.index}")


def parse_raw(text: str, path: str, limits: LoadLimits | None = None) -> tuple[list[RawDoc], list[Finding]]:
    """Parse every document of `text`; empty and comment-only documents are dropped."""
    limits = limits or LoadLimits()
    findings: list[Finding] = []
    if text.startswith("\ufeff"):
        text = text[1:]  # a UTF-8 BOM is not part of the first line's columns
    text = _replace_bad_chars(text, path, findings)
    if "\\u" in text and text.lstrip().startswith(("{", "[")):
        text = _json_surrogates(text)
    docs: list[RawDoc] = []
    with gc_paused():
        _parse_resuming(text, path, limits, docs, findings)
    return docs, findings


def _replace_bad_chars(text: str, path: str, findings: list[Finding]) -> str:
    first = _BAD_CHARS.search(text)
    if first is None:
        return text
    line = text.count("\n", 0, first.start())
    col = first.start() - (text.rfind("\n", 0, first.start()) + 1)
    char = f"U+{ord(first.group()):04X}"
    span = to_span(path, (line << 32) | col)
    message = f"character {char} is not allowed in YAML (control character or invalid code point)"
    findings.append(finding(RULE_SYNTAX, span, message, "control-char"))
    # keep every other position exact: one replacement character per bad character
    return _BAD_CHARS.sub("\ufffd", text)


def _json_surrogates(text: str) -> str:
    """JSON writes characters beyond U+FFFF as escaped surrogate pairs (`\\ud83d\\ude00`), which
    YAML forbids; kubectl reads JSON input with a JSON decoder, so accept them here by rewriting
    each pair as one `\\U0001f600` escape (later columns on that line shift left by two)."""

    def combine(match: re.Match[str]) -> str:
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"

    return _SURROGATE_PAIR.sub(combine, text)


def _parse_resuming(text: str, path: str, limits: LoadLimits, docs: list[RawDoc], findings: list[Finding]) -> None:
    """Parse from the start; after an error, restart at the next document marker below it."""
    start_line, first_index = 0, 0
    markers: list[int] | None = None
    for _ in range(_MAX_RESUMES):
        builder = _Builder(path, limits, docs, findings, first_index)
        chunk = text if start_line == 0 else "\n" * start_line + text[_line_offset(text, start_line):]
        stop = builder.run(_events(chunk))
        if stop is None:
            return
        if markers is None:
            markers = _marker_lines(text)
        after = max(stop, builder.doc_line + 1)
        resume = next((m for m in markers if m >= after), None)
        if resume is None:
            return
        skipped = sum(1 for m in markers if builder.doc_line < m < resume)
        start_line, first_index = resume, builder.doc_index + 1 + skipped


def _marker_lines(text: str) -> list[int]:
    lines, pos, line = [], 0, 0
    for match in _DOC_START.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        lines.append(line)
    return lines


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        offset = text.index("\n", offset) + 1
    return offset


def _events(text: str) -> Callable[[], object]:
    if _CParser is not None:
        return _CParser(text).get_event
    from ruamel.yaml import YAML  # pragma: no cover

    return iter(YAML(typ="safe", pure=True).parse(text)).__next__  # pragma: no cover




def load_paths(
    paths: Sequence[str],
    *,
    root: Path | None = None,
    stdin_text: str | None = None,
    stdin_name: str = "<stdin>",
    exclude: Sequence[str] = (),
    limits: LoadLimits | None = None,
    parse_cache: Any = None,
) -> LoadResult:
    """Load files, directories (recursive *.yaml/*.yml/*.json, kustomizations rendered) and
    "-" (standard input, given as `stdin_text`) into Documents, findings and notes.
    `parse_cache`: a `npaudit.gitrev.ParseCache`; files already parsed with the same content
    and path in this process are not parsed again.

    Raises `InputPathError` for a path that does not exist or is neither file nor directory."""
    from npaudit.load_inputs import load_inputs

    with gc_paused():
        return load_inputs(
            paths,
            root=root,
            stdin_text=stdin_text,
            stdin_name=stdin_name,
            exclude=exclude,
            limits=limits or LoadLimits(),
            parse_cache=parse_cache,
        )


class _Builder:
    """Builds plain data and position trees from a parser's event stream, one document at a
    time, with an explicit stack (no recursion, so nesting depth cannot overflow Python)."""

    def __init__(self, path: str, limits: LoadLimits, docs: list[RawDoc], findings: list[Finding], first: int) -> None:
        self.path = path
        self.limits = limits
        self.docs = docs
        self.findings = findings
        self.doc_index = first - 1
        self.doc_line = 0
        self.anchors: dict[str, tuple[object, object, int]] = {}
        self.expanded = 0
        self.merged: dict[int, set[str]] = {}

    def run(self, get_event: Callable[[], object]) -> int | None:
        """Consume the whole stream; return None, or the 0-based line where parsing stopped."""
        try:
            self._loop(get_event)
        except _Abort as abort:
            self.findings.append(abort.finding)
            return abort.mark >> 32
        except MarkedYAMLError as exc:
            return self._syntax_error(exc)
        except YAMLError as exc:  # reader errors without a mark
            self._report(RULE_SYNTAX, self.doc_line << 32, f"YAML error: {exc}", "error")
            return self.doc_line
        return None

    def _report(self, rule_id: str, mark: int, message: str, detail: str) -> None:
        """A finding at a packed mark; the anchor names the document and the detail, not the
        line, so a fingerprint survives edits elsewhere in the file."""
        self.findings.append(finding(rule_id, to_span(self.path, mark), message, f"doc {self.doc_index} {detail}"))

    def _syntax_error(self, exc: MarkedYAMLError) -> int:
        mark = exc.problem_mark or exc.context_mark
        packed = (mark.line << 32) | mark.column if mark is not None else self.doc_line << 32
        message = f"YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}"
        if exc.context and exc.problem:
            where = ""
            ctx_mark = exc.context_mark
            if ctx_mark is not None and ctx_mark.line != mark.line:
                where = f" at line {to_span(self.path, (ctx_mark.line << 32) | ctx_mark.column).line}"
            message += f" ({exc.context}{where})"
        self._report(RULE_SYNTAX, packed, message, "syntax")
        return packed >> 32

    def _loop(self, get_event: Callable[[], object]) -> None:  # noqa: C901, PLR0912, PLR0915
        # One flat loop with locals instead of per-node method calls: this is the loader's hot
        # path (about a million events for 10k workloads), see the module docstring.
        Scalar, Alias = ScalarEvent, AliasEvent
        MapStart, MapEnd, SeqStart, SeqEnd = MappingStartEvent, MappingEndEvent, SequenceStartEvent, SequenceEndEvent
        special_get, resolve = SPECIAL.get, resolve_plain
        stack: list[tuple] = []
        push, pop = stack.append, stack.pop
        max_depth = self.limits.max_depth
        cur: dict | list | None = None
        children: list | None = None
        is_map = False
        key: object = _NO_KEY
        kmark = 0
        nodes = 0
        root: object = _NO_KEY
        root_pos: object = None
        while True:
            ev = get_event()
            cls = ev.__class__
            if cls is Scalar:
                sm = ev.start_mark
                vpos = (sm.line << 32) | sm.column
                value = ev.value
                nodes += 1
                if ev.tag is not None or ev.anchor is not None:
                    value = self._tagged_scalar(ev, value, vpos, nodes)
                elif not ev.style:
                    resolved = special_get(value, value)
                    value = resolve(value) if resolved is value else resolved
            elif cls is MapStart or cls is SeqStart:
                sm = ev.start_mark
                push((cur, children, is_map, key, kmark, ev.anchor, nodes))
                nodes += 1
                children = [(sm.line << 32) | sm.column, 0]  # [mark, key mark, *entries]
                if cls is MapStart:
                    cur, is_map, key = {}, True, _NO_KEY
                else:
                    cur, is_map = [], False
                if len(stack) > max_depth:
                    raise _Abort(children[0], self._limit(children[0], f"nesting deeper than {max_depth} levels"))
                continue
            elif cls is MapEnd or cls is SeqEnd:
                frame = pop()
                value, vpos = cur, children
                cur, children, is_map, key, kmark = frame[0], frame[1], frame[2], frame[3], frame[4]
                if frame[5] is not None:
                    self.anchors[frame[5]] = (value, vpos, nodes - frame[6])
            elif cls is Alias:
                value, vpos, nodes = self._alias(ev, nodes, stack)
            elif cls is DocumentStartEvent:
                self._start_document(ev)
                nodes, root, root_pos = 0, _NO_KEY, None
                continue
            elif cls is StreamEndEvent:
                return
            else:  # DocumentEnd (StreamStart carries nothing)
                if root is not _NO_KEY and root is not None:
                    positions = TreePositions(self.path, root_pos, root)
                    self.docs.append(RawDoc(self.doc_index, root, positions, root_pos_line(root_pos)))
                root = _NO_KEY
                continue
            # attach the finished node (value, vpos) to its parent
            if is_map:
                if key is _NO_KEY:
                    kmark = vpos if vpos.__class__ is int else vpos[0]
                    if value.__class__ is str and value != "<<":
                        key = value
                    else:
                        key = self._key(value, kmark, ev)
                elif key.__class__ is str:
                    if vpos.__class__ is int:  # scalar: key and value marks in one int
                        vpos = (kmark << ENTRY_SHIFT) | vpos
                    else:
                        vpos[1] = kmark
                    if key in cur:
                        self._duplicate(cur, children, key, kmark, vpos)
                    else:
                        children.append(vpos)  # entries follow the dict's key order
                    cur[key] = value
                    key = _NO_KEY
                else:
                    if key is _MERGE:
                        self._merge(cur, children, value, vpos, kmark)
                    key = _NO_KEY
            elif cur is not None:
                cur.append(value)
                children.append(vpos)
            else:
                root, root_pos = value, vpos

    def _start_document(self, ev: DocumentStartEvent) -> None:
        self.doc_index += 1
        self.doc_line = ev.start_mark.line
        self.anchors = {}
        self.merged = {}
        self.expanded = 0

    def _tagged_scalar(self, ev: ScalarEvent, value: str, mark: int, nodes: int) -> object:
        tag = ev.tag
        if tag is None or tag == "!":
            result: object = (resolve_plain(value) if tag is None and not ev.style else value)
        else:
            try:
                result = resolve_tagged(tag, value)
            except TagError as exc:
                self._report(RULE_SYNTAX, mark, f"YAML type error: {exc}", f"tag {tag} {value[:40]}")
                result = value
        if ev.anchor is not None:
            self.anchors[ev.anchor] = (result, mark, 1)
        return result

    def _alias(self, ev: AliasEvent, nodes: int, stack: list[tuple]) -> tuple[object, object, int]:
        sm = ev.start_mark
        mark = (sm.line << 32) | sm.column
        entry = self.anchors.get(ev.anchor)
        if entry is None:
            recursive = any(frame[5] == ev.anchor for frame in stack)
            what = "refers to a node that contains it" if recursive else "refers to an unknown anchor"
            self._report(RULE_SYNTAX, mark, f"YAML error: alias *{ev.anchor} {what}", f"alias {ev.anchor}")
            return None, mark, nodes + 1
        value, target, weight = entry
        self.expanded += weight
        if self.expanded > self.limits.max_alias_nodes:
            raise _Abort(mark, self._limit(mark, f"aliases expand to more than {self.limits.max_alias_nodes} nodes"))
        # the alias itself is where its value "is" in this document; inside, the anchor's nodes
        vpos = mark if target.__class__ is int else [mark, 0, *target[2:]]
        return value, vpos, nodes + weight

    def _limit(self, mark: int, what: str) -> Finding:
        message = f"input rejected: {what} in document {self.doc_index + 1}; the rest of this document is not read"
        return finding(RULE_INPUT, to_span(self.path, mark), message, f"doc {self.doc_index} limit {what.split()[0]}")

    def _key(self, value: object, kmark: int, ev: object) -> object:
        """A mapping key that is not a plain string: `<<`, a number/bool, or unusable."""
        if value == "<<" and ev.__class__ is ScalarEvent and not ev.style and ev.tag is None:
            return _MERGE
        if ev.__class__ is ScalarEvent and getattr(ev, "tag", None) == TAG_PREFIX + "merge":
            return _MERGE
        name = key_string(value)
        if name is not None:
            return name
        what = "null" if value is None else ("a mapping" if isinstance(value, dict) else "a sequence")
        message = f"mapping key is {what}; Kubernetes objects only have string keys"
        self._report(RULE_SHAPE, kmark, message, f"key {what}")
        return _SKIP

    def _duplicate(self, cur: dict, children: list, key: str, kmark: int, entry: object) -> None:
        index = list(cur).index(key) + 2
        first = to_span(self.path, entry_key_mark(children[index]))
        children[index] = entry  # the later value wins, as in go-yaml's lenient decoding
        merged = self.merged.get(id(cur), set())
        if key in merged:
            merged.discard(key)
            return  # an explicit key overrides a merged one (YAML merge semantics)
        message = f"duplicate key {key!r} (first defined at line {first.line}); kubectl rejects duplicate fields"
        self._report(RULE_DUPLICATE_KEY, kmark, message, f"key {key}")

    def _merge(self, cur: dict, children: list, value: object, vpos: object, kmark: int) -> None:
        """`<<: *base` (or a list of them): copy keys the mapping does not set itself."""
        sources = [(value, vpos)] if isinstance(value, dict) else []
        if isinstance(value, list) and isinstance(vpos, list):
            sources = list(zip(value, vpos[2:], strict=False))
        if not sources or not all(isinstance(src, dict) and isinstance(pos, list) for src, pos in sources):
            message = "YAML merge key `<<` needs a mapping or a list of mappings"
            self._report(RULE_SYNTAX, kmark, message, "merge")
            return
        merged = self.merged.setdefault(id(cur), set())
        for src, pos in sources:
            for (name, item), entry in zip(src.items(), pos[2:], strict=False):
                if name not in cur:
                    cur[name] = item
                    children.append(entry)
                    merged.add(name)


def root_pos_line(pos: object) -> int:
    mark = pos if isinstance(pos, int) else pos[0]  # type: ignore[index]
    return mark >> 32
