"""Suppressions: the two ways a team marks a finding as accepted, each with a required reason.

1. An annotation on the Kubernetes object (survives helm and kustomize rendering, because
   annotations are data and comments are not)::

       metadata:
         annotations:
           npaudit.io/ignore: "no-db-from-ui,shadowed-rule -- the reporting job reads replicas"

2. A YAML comment on the finding's line, or in the block of full-line comments directly above
   it::

       # npaudit: ignore[no-db-from-ui] the reporting job reads replicas
       - from: [...]

A suppression without a reason does not suppress anything and is itself a finding
(`suppression-missing-reason`, at the annotation value or the comment). Everything here is pure:
file lines are read through the injected `lines_of` callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from npaudit.document import Document
from npaudit.findings import Finding, Severity, object_anchor
from npaudit.span import Span

#: Rule id of a suppression that gives no reason (or cannot be read).
MISSING_REASON_RULE_ID = "suppression-missing-reason"
ANNOTATION = "npaudit.io/ignore"

_RULE_ID = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
# "# npaudit: ignore[<id>[,<id>]] <reason>"; the reason may be introduced by "--", ":" or "-".
_COMMENT = re.compile(r"#\s*npaudit\s*:\s*ignore\b(?P<rest>.*)$")
_IDS = re.compile(rf"^\[\s*(?P<ids>{_RULE_ID}(?:\s*,\s*{_RULE_ID})*)\s*\](?P<reason>.*)$")
_ANNOTATION_IDS = re.compile(rf"^\s*(?P<ids>{_RULE_ID}(?:\s*,\s*{_RULE_ID})*)\s*(?:--(?P<reason>.*))?$")

LinesOf = Callable[[str], Sequence[str]]


@dataclass(frozen=True, slots=True)
class Suppression:
    """One parsed suppression. `reason` is "" when missing (then it suppresses nothing)."""

    rule_ids: frozenset[str]
    reason: str
    span: Span


@dataclass(frozen=True, slots=True)
class SuppressionResult:
    """`kept`: findings still reported; `suppressed_findings`: the ones a suppression with a
    reason covered (never rendered, only counted); `new_findings`: problems with the
    suppressions themselves (missing reason, unreadable syntax)."""

    kept: tuple[Finding, ...]
    suppressed_findings: tuple[Finding, ...]
    new_findings: tuple[Finding, ...]

    @property
    def suppressed(self) -> int:
        return len(self.suppressed_findings)


# --- comments -------------------------------------------------------------------------------


def parse_comment(line: str, path: str, lineno: int) -> Suppression | None:
    """The suppression comment on one line, if any (`rule_ids` empty = unreadable syntax)."""
    hash_at = _comment_start(line)
    if hash_at < 0:
        return None
    match = _COMMENT.match(line, hash_at)
    if match is None:
        return None
    span = Span(path, lineno, hash_at + 1)
    ids = _IDS.match(match.group("rest").strip())
    if ids is None:
        return Suppression(frozenset(), "", span)
    return Suppression(_split_ids(ids.group("ids")), _clean_reason(ids.group("reason")), span)


def _comment_start(line: str) -> int:
    """Column (0-based) of the YAML comment's `#`: at line start or after whitespace, and not
    inside a quoted scalar (a `#` glued to text is part of the value in YAML)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return -1


def _split_ids(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def _clean_reason(text: str | None) -> str:
    reason = (text or "").strip()
    for sep in ("--", ":", "-"):
        if reason.startswith(sep):
            reason = reason[len(sep):].strip()
            break
    return reason


def comment_suppressions(lines: Sequence[str], path: str) -> dict[int, Suppression]:
    """Every suppression comment of a file, by 1-based line number."""
    out: dict[int, Suppression] = {}
    for index, line in enumerate(lines):
        found = parse_comment(line, path, index + 1)
        if found is not None:
            out[index + 1] = found
    return out


def _covering_comments(lines: Sequence[str], by_line: Mapping[int, Suppression], line: int) -> list[Suppression]:
    """Suppressions on `line` itself or in the contiguous full-line comments directly above it."""
    found = [by_line[line]] if line in by_line else []
    above = line - 1
    while above >= 1 and above <= len(lines) and lines[above - 1].lstrip().startswith("#"):
        if above in by_line:
            found.append(by_line[above])
        above -= 1
    return found


# --- annotations ----------------------------------------------------------------------------


def parse_annotation(value: object, span: Span) -> Suppression:
    text = value if isinstance(value, str) else ""
    match = _ANNOTATION_IDS.match(text)
    if match is None:
        return Suppression(frozenset(), "", span)
    return Suppression(_split_ids(match.group("ids")), (match.group("reason") or "").strip(), span)


def _annotation_of(doc: Document) -> Suppression | None:
    meta = doc.data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(annotations, Mapping) or ANNOTATION not in annotations:
        return None
    span = doc.value_span(("metadata", "annotations", ANNOTATION))
    return parse_annotation(annotations[ANNOTATION], span)


def _identity(doc: Document) -> tuple[str, str, str]:
    meta = doc.data.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = meta.get("name")
    namespace = meta.get("namespace") or doc.default_namespace or "default"
    if doc.kind == "Namespace":
        namespace = ""
    return (doc.kind, str(namespace), str(name) if name is not None else "")


def anchor_object(anchor: str) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of the object an anchor from `object_anchor` names."""
    parts = anchor.split(" ", 2)
    if len(parts) < 2 or not parts[0][:1].isupper():
        return None
    namespace, _, name = parts[1].rpartition("/")
    return (parts[0], namespace, name)


class _ObjectIndex:
    """Finds the document a finding is about: the one its span lies in (same file, the last
    document starting at or before the line), or the object its anchor names."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.by_path: dict[str, list[tuple[int, Document]]] = {}
        self.by_identity: dict[tuple[str, str, str], Document] = {}
        for doc in documents:
            self.by_path.setdefault(doc.path, []).append((doc.value_span(()).line, doc))
            self.by_identity.setdefault(_identity(doc), doc)
        for docs in self.by_path.values():
            docs.sort(key=lambda item: item[0])

    def containing(self, span: Span) -> Document | None:
        best = None
        for start, doc in self.by_path.get(span.path, ()):
            if start > span.line:
                break
            best = doc
        return best

    def named(self, anchor: str) -> Document | None:
        ident = anchor_object(anchor)
        return self.by_identity.get(ident) if ident else None


# --- applying -------------------------------------------------------------------------------


def apply_suppressions(
    findings: Iterable[Finding],
    documents: Iterable[Document],
    *,
    lines_of: LinesOf | None = None,
) -> SuppressionResult:
    """Split `findings` into kept and suppressed, and report suppressions without a reason.

    `lines_of(path)` returns a file's lines (without newlines); None disables the comment form
    (e.g. when the text is not at hand). Findings of `suppression-missing-reason` itself cannot
    be suppressed."""
    docs = tuple(documents)
    index = _ObjectIndex(docs)
    comments = _comments_by_path(docs, lines_of)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        if finding.rule_id != MISSING_REASON_RULE_ID and _is_suppressed(finding, index, comments):
            suppressed.append(finding)
        else:
            kept.append(finding)
    problems = _annotation_problems(docs) + _comment_problems(comments)
    return SuppressionResult(tuple(kept), tuple(suppressed), tuple(problems))


def _comments_by_path(
    docs: Sequence[Document], lines_of: LinesOf | None
) -> dict[str, tuple[Sequence[str], dict[int, Suppression]]]:
    out: dict[str, tuple[Sequence[str], dict[int, Suppression]]] = {}
    if lines_of is None:
        return out
    for path in dict.fromkeys(doc.path for doc in docs):
        try:
            lines = lines_of(path)
        except (OSError, KeyError, ValueError):
            continue  # not readable as text here (e.g. rendered output): only annotations apply
        out[path] = (lines, comment_suppressions(lines, path))
    return out


def _is_suppressed(
    finding: Finding,
    index: _ObjectIndex,
    comments: Mapping[str, tuple[Sequence[str], dict[int, Suppression]]],
) -> bool:
    candidates: list[Suppression] = []
    for doc in (index.containing(finding.span), index.named(finding.anchor)):
        found = _annotation_of(doc) if doc is not None else None
        if found is not None:
            candidates.append(found)
    if finding.span.path in comments:
        lines, by_line = comments[finding.span.path]
        candidates += _covering_comments(lines, by_line, finding.span.line)
    return any(s.reason and finding.rule_id in s.rule_ids for s in candidates)


def _annotation_problems(docs: Sequence[Document]) -> list[Finding]:
    out = []
    for doc in docs:
        found = _annotation_of(doc)
        if found is None or found.reason:
            continue
        kind, namespace, name = _identity(doc)
        anchor = object_anchor(kind or "Object", namespace or None, name, f"metadata.annotations[{ANNOTATION}]")
        if found.rule_ids:
            message = (
                f"{ANNOTATION} on {kind} {_qualified(namespace, name)} ignores "
                f"{', '.join(sorted(found.rule_ids))} without a reason; it is not applied. "
                f'Write "<rule-id>[,<rule-id>] -- <reason>"'
            )
        else:
            message = f'{ANNOTATION} on {kind} {_qualified(namespace, name)} is not "<rule-id>[,<rule-id>] -- <reason>"; it is not applied'
        out.append(Finding(MISSING_REASON_RULE_ID, Severity.WARNING, message, found.span, anchor))
    return out


def _comment_problems(comments: Mapping[str, tuple[Sequence[str], dict[int, Suppression]]]) -> list[Finding]:
    out = []
    for path, (_lines, by_line) in comments.items():
        seen: dict[str, int] = {}
        for found in by_line.values():
            if found.reason:
                continue
            ids = ",".join(sorted(found.rule_ids))
            seen[ids] = seen.get(ids, 0) + 1
            # no line numbers in the anchor: the n-th reason-less comment naming these ids
            anchor = f"File {path} npaudit-ignore[{ids}]#{seen[ids]}"
            if found.rule_ids:
                message = f"suppression comment ignores {ids} without a reason; it is not applied. Write `# npaudit: ignore[{ids}] <reason>`"
            else:
                message = "suppression comment is not `# npaudit: ignore[<rule-id>[,<rule-id>]] <reason>`; it is not applied"
            out.append(Finding(MISSING_REASON_RULE_ID, Severity.WARNING, message, found.span, anchor))
    return out


def _qualified(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name
