"""JSON rendering of a revision diff; the contract is `schemas/diff.schema.json`."""

from __future__ import annotations

import json
from typing import Any

from npaudit import __version__
from npaudit.diff.types import ConnectionChange, DiffResult, Grant
from npaudit.findings import Finding
from npaudit.report import span_dict, to_jsonable
from npaudit.span import Span

SCHEMA_VERSION = 1


def _span(span: Span | None) -> dict[str, object] | None:
    return None if span is None else span_dict(span)


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule_id,
        "severity": f.severity.value,
        "message": f.message,
        "location": _span(f.span),
        "fingerprint": f.fingerprint,
        "anchor": f.anchor,
        "related": [{"location": _span(r.span), "message": r.message} for r in f.related],
        "properties": to_jsonable(f.properties),
    }


def _grant(g: Grant) -> dict[str, Any]:
    return {"direction": g.direction, "policy": g.policy, "rule": g.rule, "location": _span(g.span)}


def _connection(c: ConnectionChange) -> dict[str, Any]:
    return {
        "change": c.change,
        "src": c.src,
        "dst": c.dst,
        "base": c.base,
        "head": c.head,
        "opened": c.opened,
        "closed": c.closed,
        "new_access": c.is_new_access,
        "src_change": c.src_change or None,
        "dst_change": c.dst_change or None,
        "granted_by": [_grant(g) for g in c.grants],
    }


def diff_payload(result: DiffResult) -> dict[str, Any]:
    ap = result.any_pod
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "npaudit", "version": __version__},
        "base": {"label": result.base.label, "commit": result.base.commit},
        "head": {"label": result.head.label, "commit": result.head.commit},
        "scope": result.scope,
        "new_access": result.has_new_access,
        "workloads": {"added": list(result.workloads_added), "removed": list(result.workloads_removed)},
        "connections": [_connection(c) for c in result.connections],
        "any_pod": None if ap is None else {
            "status": ap.status,
            "total": ap.total,
            "capped": ap.capped,
            "reason": ap.reason or None,
            "cubes": [
                {"src": {"namespace": c.src_namespace, "pod": c.src_pod},
                 "dst": {"namespace": c.dst_namespace, "pod": c.dst_pod},
                 "protocol": c.protocol, "ports": c.ports}
                for c in ap.cubes
            ],
        },
        "properties": [
            {"rule": p.rule_id, "summary": p.summary, "base": p.base, "head": p.head,
             "counterexamples": [finding_json(f) for f in p.counterexamples]}
            for p in result.properties
        ],
        "new_findings": [finding_json(f) for f in result.new_findings],
        "resolved_findings": [finding_json(f) for f in result.resolved_findings],
        "stats": to_jsonable(result.stats),
    }


def render_diff_json(result: DiffResult) -> str:
    return json.dumps(diff_payload(result), indent=2, ensure_ascii=False, default=str) + "\n"
