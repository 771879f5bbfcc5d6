"""Plain-text rendering of a revision diff (terminal, CI logs)."""

from __future__ import annotations

from npaudit.diff.types import ADDED, CHANGED, REMOVED, ConnectionChange, DiffResult
from npaudit.findings import Finding


def _pair(c: ConnectionChange) -> str:
    src = f"{c.src} (new)" if c.src_change == ADDED else f"{c.src} (gone)" if c.src_change == REMOVED else c.src
    dst = f"{c.dst} (new)" if c.dst_change == ADDED else f"{c.dst} (gone)" if c.dst_change == REMOVED else c.dst
    return f"{src} => {dst}"


def connection_line(c: ConnectionChange) -> str:
    """`+ ui/ui[Deployment] => orders/db[StatefulSet] : TCP 5432` style, with what changed."""
    if c.change == ADDED:
        return f"+ {_pair(c)} : {c.head}"
    if c.change == REMOVED:
        return f"- {_pair(c)} : {c.base}"
    parts = []
    if c.opened:
        parts.append(f"opens {c.opened}")
    if c.closed:
        parts.append(f"closes {c.closed}")
    return f"~ {_pair(c)} : {c.base} -> {c.head} ({'; '.join(parts)})"


def _finding_line(f: Finding) -> str:
    return f"{f.span}: {f.severity.value} {f.rule_id} {f.message}"


def render_diff_text(result: DiffResult, *, max_cubes: int | None = None) -> str:
    lines = [f"npaudit diff {result.base.label}..{result.head.label}", ""]
    if result.is_empty:
        return "\n".join(lines + ["No change in connectivity, properties or findings."]) + "\n"
    if result.workloads_added or result.workloads_removed:
        lines.append("Workloads:")
        lines += [f"+ {w}" for w in result.workloads_added]
        lines += [f"- {w}" for w in result.workloads_removed]
        lines.append("")
    if result.connections:
        lines.append("Connections:")
        for c in result.connections:
            lines.append(connection_line(c))
            if c.opened:
                lines += [f"    granted by {g}" for g in c.grants] or ["    granted: no policy isolates either end"]
        lines.append("")
    if result.any_pod is not None:
        lines += _any_pod_lines(result, max_cubes)
    if result.properties:
        lines.append("Properties:")
        for p in result.properties:
            lines.append(f"! {p.rule_id}: {p.base} -> {p.head} ({p.summary})")
            lines += [f"    {_finding_line(f)}" for f in p.counterexamples]
        lines.append("")
    shown = {f.fingerprint for p in result.properties for f in p.counterexamples}
    others = [f for f in result.new_findings if f.fingerprint not in shown]
    if others:
        lines.append("New findings at head:" if len(others) == len(result.new_findings)
                     else "Other new findings at head:")  # the property ones are listed above
        lines += [_finding_line(f) for f in others]
        lines.append("")
    if result.resolved_findings:
        lines.append(f"Resolved findings: {len(result.resolved_findings)}")
        lines.append("")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def _any_pod_lines(result: DiffResult, max_cubes: int | None) -> list[str]:
    ap = result.any_pod
    assert ap is not None
    if ap.status == "none":
        return ["Any-pod scope: proved that head allows nothing base did not allow.", ""]
    if ap.status == "unknown":
        return [f"Any-pod scope: UNKNOWN ({ap.reason}); treated as possible new access.", ""]
    cubes = ap.cubes if max_cubes is None else ap.cubes[:max_cubes]
    more = f" (showing {len(cubes)}{', capped' if ap.capped else ''})" if len(cubes) < ap.total or ap.capped else ""
    lines = [f"Any-pod scope: {ap.total}{'+' if ap.capped else ''} block(s) of new access{more}:"]
    lines += [f"+ {cube}" for cube in cubes]
    return lines + [""]


def summary_line(result: DiffResult) -> str:
    counts = {k: sum(1 for c in result.connections if c.change == k) for k in (ADDED, REMOVED, CHANGED)}
    return (
        f"npaudit diff: {counts[ADDED]} added, {counts[REMOVED]} removed, {counts[CHANGED]} changed connections; "
        f"{len(result.new_access)} with new access; {len(result.properties)} property verdicts changed; "
        f"{len(result.new_findings)} new findings"
    )
