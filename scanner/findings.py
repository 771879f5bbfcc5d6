"""Findings: what every check, loader and proof reports. Renderers take these, never engines."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from npaudit.span import Span


class Severity(str, Enum):
    """Finding severities, ordered error > warning > note > info.

    `info` is for notes about the input that never fail a run (skipped kinds, helm charts);
    they are printed by the text renderer in the summary and kept out of SARIF.
    """

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANK = {Severity.INFO: 0, Severity.NOTE: 1, Severity.WARNING: 2, Severity.ERROR: 3}


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that matters for a finding (the other end of a connection, a covering rule)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem.

    `anchor` identifies *what* the finding is about independently of line numbers, e.g.
    ``NetworkPolicy orders/allow-ui spec.ingress[0].from[1]`` plus any extra discriminator
    (the other end of a connection). The fingerprint is derived from rule id and anchor, so
    it survives lines moving (SARIF partialFingerprints, baselines).
    `properties` carries structured extras for JSON/SARIF (witness, ports, scope); values are
    JSON-compatible.
    """

    rule_id: str
    severity: Severity
    message: str
    span: Span
    anchor: str
    related: tuple[Related, ...] = ()
    properties: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.rule_id}\x00{self.anchor}".encode()).hexdigest()
        return digest[:32]

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.col, self.rule_id, self.message)


def object_anchor(kind: str, namespace: str | None, name: str, path: str = "") -> str:
    """Stable identity of a Kubernetes object (plus an optional JSON path inside it)."""
    ident = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
    return f"{ident} {path}".rstrip()
