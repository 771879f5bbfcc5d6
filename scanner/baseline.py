"""Baselines: adopt npaudit on an existing repository without fixing everything first.

`npaudit scan --write-baseline FILE` records the current findings by their stable fingerprint
(rule id + anchor, never line numbers, so moving lines or files around keeps them matched);
`--baseline FILE` then reports only findings whose fingerprint is not in the file, and lists
the entries that no longer match anything (stale) so the file can be pruned.

Pure functions over text and findings; the CLI reads and writes the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from npaudit.errors import UserError
from npaudit.findings import Finding

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One accepted finding. `rule_id`, `anchor`, `path` and `message` are for humans reading
    the file (and for stale-entry reports); only `fingerprint` is compared."""

    fingerprint: str
    rule_id: str
    anchor: str
    path: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Baseline:
    entries: tuple[BaselineEntry, ...]

    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)


@dataclass(frozen=True, slots=True)
class BaselineResult:
    """`new`: findings not in the baseline (reported); `known`: findings the baseline accepts;
    `stale`: baseline entries matching no current finding."""

    new: tuple[Finding, ...]
    known: tuple[Finding, ...]
    stale: tuple[BaselineEntry, ...]


def make_baseline(findings: Iterable[Finding]) -> Baseline:
    """One entry per distinct fingerprint, sorted so the file diffs well under review."""
    by_fp: dict[str, BaselineEntry] = {}
    for f in findings:
        by_fp.setdefault(f.fingerprint, BaselineEntry(f.fingerprint, f.rule_id, f.anchor, f.span.path, f.message))
    return Baseline(tuple(sorted(by_fp.values(), key=lambda e: (e.rule_id, e.anchor, e.fingerprint))))


def render_baseline(baseline: Baseline) -> str:
    payload = {
        "npaudit_baseline": FORMAT_VERSION,
        "entries": [
            {"fingerprint": e.fingerprint, "rule": e.rule_id, "anchor": e.anchor, "path": e.path, "message": e.message}
            for e in baseline.entries
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def parse_baseline(text: str, source: str = "baseline") -> Baseline:
    """Read a baseline file; an unusable file is a usage error (exit 2), never a silent pass."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{source}:{exc.lineno}:{exc.colno}: not a baseline file ({exc.msg})") from exc
    if not isinstance(payload, dict) or payload.get("npaudit_baseline") != FORMAT_VERSION:
        raise UserError(f"{source}: not an npaudit baseline (expected \"npaudit_baseline\": {FORMAT_VERSION})")
    raw = payload.get("entries")
    if not isinstance(raw, list):
        raise UserError(f"{source}: \"entries\" must be a list")
    entries = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise UserError(f"{source}: entries[{i}] has no \"fingerprint\" string")
        entries.append(
            BaselineEntry(
                item["fingerprint"],
                str(item.get("rule", "")),
                str(item.get("anchor", "")),
                str(item.get("path", "")),
                str(item.get("message", "")),
            )
        )
    return Baseline(tuple(entries))


def apply_baseline(findings: Iterable[Finding], baseline: Baseline) -> BaselineResult:
    """Fingerprints are compared as a set: two findings with the same rule and anchor are the
    same problem (they differ only in where a line moved to)."""
    accepted = baseline.fingerprints()
    new: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        (known if f.fingerprint in accepted else new).append(f)
    seen = {f.fingerprint for f in known}
    stale = tuple(e for e in baseline.entries if e.fingerprint not in seen)
    return BaselineResult(tuple(new), tuple(known), stale)


def describe_stale(entry: BaselineEntry) -> str:
    """One stderr line for a stale entry."""
    where = f" ({entry.path})" if entry.path else ""
    return f"baseline entry no longer matches: {entry.rule_id} {entry.anchor}{where} [{entry.fingerprint}]"
