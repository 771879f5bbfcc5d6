"""Markdown rendering of a revision diff: a PR-comment-ready summary with a small mermaid graph
of the changed edges (capped so the comment stays readable and GitHub renders it)."""

from __future__ import annotations

from npaudit.diff.types import ADDED, CHANGED, REMOVED, ConnectionChange, DiffResult
from npaudit.report.diff_text import summary_line

MAX_EDGES = 25
MAX_ROWS = 100
_COLOR = {ADDED: "#2da44e", REMOVED: "#cf222e", CHANGED: "#bf8700"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid_graph(changes: tuple[ConnectionChange, ...], *, max_edges: int = MAX_EDGES) -> list[str]:
    """`flowchart LR` with one edge per changed pair: solid green = added, dashed red = removed,
    solid amber = changed (the label says which ports open or close)."""
    shown = changes[:max_edges]
    ids: dict[str, str] = {}
    lines = ["```mermaid", "flowchart LR"]
    for name in dict.fromkeys(n for c in shown for n in (c.src, c.dst)):
        ids[name] = f"n{len(ids)}"
        lines.append(f'  {ids[name]}["{_mermaid_text(name)}"]')
    for c in shown:
        label = c.head if c.change == ADDED else c.base if c.change == REMOVED else _changed_label(c)
        arrow = "-.->" if c.change == REMOVED else "-->"
        lines.append(f'  {ids[c.src]} {arrow}|"{_mermaid_text(label)}"| {ids[c.dst]}')
    for i, c in enumerate(shown):
        lines.append(f"  linkStyle {i} stroke:{_COLOR[c.change]},stroke-width:2px")
    lines.append("```")
    if len(changes) > max_edges:
        lines.append(f"_graph shows {max_edges} of {len(changes)} changed edges_")
    return lines


def _changed_label(c: ConnectionChange) -> str:
    parts = ([f"+{c.opened}"] if c.opened else []) + ([f"-{c.closed}"] if c.closed else [])
    return " ".join(parts)


def render_diff_markdown(result: DiffResult, *, max_rows: int = MAX_ROWS) -> str:
    head = "🔓 **opens new access**" if result.has_new_access else "no new access"
    lines = [f"### npaudit diff `{result.base.label}` → `{result.head.label}`: {head}", "", summary_line(result), ""]
    if result.is_empty:
        return "\n".join(lines + ["No change in connectivity, properties or findings."]) + "\n"
    if result.workloads_added or result.workloads_removed:
        lines += ["**Workloads:** "
                  + ", ".join([f"➕ `{w}`" for w in result.workloads_added] + [f"➖ `{w}`" for w in result.workloads_removed]), ""]
    if result.connections:
        lines += mermaid_graph(result.connections) + [""]
        lines += _connection_table(result.connections, max_rows)
    lines += _any_pod(result)
    if result.properties:
        lines += ["", "#### Properties whose verdict changed", "", "| property | base | head | counterexample |", "|---|---|---|---|"]
        for p in result.properties:
            example = "<br>".join(f"`{f.span.path}:{f.span.line}` {_cell(f.message)}" for f in p.counterexamples[:3])
            lines.append(f"| `{p.rule_id}` | {p.base} | **{p.head}** | {example or '—'} |")
    if result.new_findings:
        lines += ["", f"#### New findings at head ({len(result.new_findings)})", "", "| severity | rule | location | message |", "|---|---|---|---|"]
        for f in result.new_findings[:max_rows]:
            lines.append(f"| {f.severity.value} | `{f.rule_id}` | `{f.span}` | {_cell(f.message)} |")
    return "\n".join(lines) + "\n"


def _connection_table(changes: tuple[ConnectionChange, ...], max_rows: int) -> list[str]:
    lines = ["| | source | destination | base | head | granted by |", "|---|---|---|---|---|---|"]
    sign = {ADDED: "➕", REMOVED: "➖", CHANGED: "✏️"}
    for c in changes[:max_rows]:
        grants = "<br>".join(_cell(str(g)) for g in c.grants) if c.opened else ""
        lines.append(f"| {sign[c.change]} | `{c.src}` | `{c.dst}` | {_cell(c.base)} | {_cell(c.head)} | {grants or '—'} |")
    if len(changes) > max_rows:
        lines.append(f"\n… and {len(changes) - max_rows} more changed connections (see the full report).")
    return lines


def _any_pod(result: DiffResult) -> list[str]:
    ap = result.any_pod
    if ap is None:
        return []
    if ap.status == "none":
        return ["", "**Any pod:** proved — head allows nothing that base did not."]
    if ap.status == "unknown":
        return ["", f"**Any pod:** ⚠️ unknown ({ap.reason}); treated as possible new access."]
    lines = ["", f"**Any pod:** {ap.total}{'+' if ap.capped else ''} block(s) of new access", ""]
    lines += [f"- `{cube}`" for cube in ap.cubes]
    return lines
