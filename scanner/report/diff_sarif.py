"""SARIF for a revision diff: only the findings that are new at head, so code scanning on a
pull request shows exactly what the change introduces. Reuses the scan's SARIF renderer."""

from __future__ import annotations

from collections.abc import Iterable

from npaudit import __version__
from npaudit.checks.base import RuleMeta
from npaudit.diff.types import DiffResult
from npaudit.report import Report, render_sarif


def render_diff_sarif(result: DiffResult, rules: Iterable[RuleMeta], *, repo_root: str | None) -> str:
    report = Report(
        findings=result.new_findings,
        rules=tuple(rules),
        notes=(),
        inputs=(),
        tool_version=__version__,
        suppressed=int(str(result.stats.get("suppressed", 0))),
    )
    return render_sarif(report, repo_root=repo_root)
