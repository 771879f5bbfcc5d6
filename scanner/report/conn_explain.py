"""Renderers of an `Explanation` (npaudit explain): text and json. Pure functions."""

from __future__ import annotations

import json

from npaudit.engine.explain import Explanation, SideExplanation
from npaudit.engine.types import endpoint_name
from npaudit.model.types import Direction, Policy
from npaudit.span import Span

_EXEMPT = {
    "external": "outside the cluster: no NetworkPolicy applies to it",
    "hostNetwork": "hostNetwork pod involved: NetworkPolicy does not apply (reported as allowed)",
}


def _where(span: Span | None) -> str:
    return f" ({span.path}:{span.line})" if span is not None else ""


def _policy(policy: Policy) -> str:
    return f"NetworkPolicy {policy.namespace}/{policy.name}{_where(policy.span)}"


def _side_lines(side: SideExplanation) -> list[str]:
    verb = "Egress of" if side.direction is Direction.EGRESS else "Ingress of"
    head = f"{verb} {endpoint_name(side.subject)}"
    if side.exempt is not None:
        return [f"{head}: {_EXEMPT.get(side.exempt, side.exempt)}"]
    if not side.isolated:
        return [f"{head}: not isolated (no policy selects it for {side.direction.value}): everything allowed"]
    names = ", ".join(f"{p.namespace}/{p.name}" for p in side.isolating)
    lines = [f"{head}: isolated by {len(side.isolating)} polic{'y' if len(side.isolating) == 1 else 'ies'} ({names})"]
    for c in side.admitting:
        lines.append(f"  allows {c.ports} - {c.ref}{_where(c.ref.span)}")
    if not side.admitting:
        lines.append("  no rule admits this connection")
    if side.denied:
        lines.append(f"  denies {side.denied} - blocked by every isolating policy (none admits it):")
        for policy, ports in side.blockers:
            admits = f"admits only {ports}" if ports else "admits nothing of it"
            lines.append(f"    {_policy(policy)} {admits}")
    return lines


def render_text(exp: Explanation) -> str:
    lines = [f"{endpoint_name(exp.src)} => {endpoint_name(exp.dst)}"]
    if not exp.focus.is_all:
        lines.append(f"  question: {exp.focus}")
    lines.append(f"  allowed: {exp.allowed}")
    lines.append(f"  denied:  {exp.denied}")
    lines.append("")
    lines += _side_lines(exp.egress)
    lines += _side_lines(exp.ingress)
    lines.append("")
    lines.append("A connection is allowed only if the source's egress AND the destination's ingress allow it.")
    return "\n".join(lines) + "\n"


def _span_json(span: Span | None) -> dict[str, object] | None:
    return None if span is None else {"path": span.path, "line": span.line, "col": span.col}


def _side_json(side: SideExplanation) -> dict[str, object]:
    return {
        "direction": side.direction.value,
        "subject": endpoint_name(side.subject),
        "isolated": side.isolated,
        "exempt": side.exempt,
        "allowed": str(side.allowed),
        "denied": str(side.denied),
        "admitting": [
            {"policy": f"{c.ref.policy.namespace}/{c.ref.policy.name}", "rule": c.ref.rule.path,
             "ports": str(c.ports), "span": _span_json(c.ref.span)}
            for c in side.admitting
        ],
        "blockers": [
            {"policy": f"{p.namespace}/{p.name}", "admits": str(ports), "span": _span_json(p.span)}
            for p, ports in side.blockers
        ],
    }


def render_json(exp: Explanation) -> str:
    doc = {
        "src": endpoint_name(exp.src),
        "dst": endpoint_name(exp.dst),
        "question": str(exp.focus),
        "allowed": str(exp.allowed),
        "allowed_ports": exp.allowed.to_json(),
        "denied": str(exp.denied),
        "egress": _side_json(exp.egress),
        "ingress": _side_json(exp.ingress),
    }
    return json.dumps(doc, indent=2) + "\n"
