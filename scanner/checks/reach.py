"""Property check kinds proved with Z3: `deny-reach`, `must-reach`, `default-deny`.

Where a violated property points (the line a reviewer would change):
- deny-reach: the rule that admits the traffic (the destination's ingress rule when one admits
  it, else the source's egress rule), or the destination workload when no policy isolates
  either side; the other side and both workloads are related locations.
- must-reach: the first policy that blocks the traffic (egress side first), or the source.
- default-deny: the Namespace object (or the first workload of an undeclared namespace).
A query the solver cannot decide is a `solver-unknown` warning, never a pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from npaudit.gcpause import gc_paused
from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.encode.outcome import EndpointView, Outcome, RuleRef, Verdict, Witness
from npaudit.findings import Finding, Related, Severity, object_anchor
from npaudit.properties import Property, PropertyError, parse_property
from npaudit.span import Span, file_span

UNKNOWN_RULE_ID = "solver-unknown"
#: violating (source, destination) workload pairs reported per property in a scan
MAX_COUNTEREXAMPLES = 10


def property_schema(kind: str) -> dict[str, Any]:
    """The params schema of a property kind (self-contained, from property.schema.json)."""
    from npaudit.schema import _schema_text  # the one reader of shipped schemas (source-checkout fallback)

    whole = json.loads(_schema_text("property.schema.json"))
    name = "defaultDeny" if kind == "default-deny" else "reach"
    return {"$schema": whole["$schema"], "$defs": whole["$defs"], "$ref": f"#/$defs/{name}"}


def evaluate(ctx: CheckContext, prop: Property, *, explain: bool = False) -> list[tuple[str, Outcome]]:
    """Ask the prover; one (subject, outcome) per question (per namespace for default-deny).
    Answered once per context: an explained answer also serves an unexplained request."""
    known = ctx.answers.get((prop, True)) or ctx.answers.get((prop, explain))
    if known is None:
        with gc_paused():
            known = ctx.answers[(prop, explain)] = _evaluate(ctx, prop, explain)
    return list(known)


def _evaluate(ctx: CheckContext, prop: Property, explain: bool) -> list[tuple[str, Outcome]]:
    prover = ctx.prover
    if prop.kind == "default-deny":
        assert prop.direction is not None
        names = prop.namespaces if prop.namespaces is not None else prover.namespaces()
        return [
            (ns, prover.isolation(prop.direction, ns, scope=prop.scope, explain=explain))
            for ns in sorted(set(names) - set(prop.exclude_namespaces))
        ]
    outcome = prover.reach(
        must=prop.must, src=prop.src, dst=prop.dst, ports=prop.ports,
        scope=prop.scope, allow_new_namespaces=prop.allow_new_namespaces,
        limit=int((ctx.config.get("prove") or {}).get("max_counterexamples", MAX_COUNTEREXAMPLES)),
        explain=explain,
    )
    return [("", outcome)]


def run(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    try:
        prop = parse_property(rule.id, rule.kind, rule.params)
    except PropertyError as exc:
        yield Finding("config", Severity.ERROR, f"invalid property {rule.id}: {exc}", _rule_span(rule),
                      object_anchor("Rule", None, rule.id, "params"))
        return
    for subject, outcome in evaluate(ctx, prop):
        yield from findings_for(ctx, rule, prop, subject, outcome)


def findings_for(ctx: CheckContext, rule: RuleMeta, prop: Property, subject: str, outcome: Outcome) -> Iterator[Finding]:
    anchor_base = object_anchor("Property", None, rule.id, subject)
    if outcome.verdict is Verdict.UNKNOWN:
        yield Finding(
            UNKNOWN_RULE_ID, Severity.WARNING,
            f"property {rule.id}{' for namespace ' + subject if subject else ''} could not be decided "
            f"({outcome.reason}); it is NOT known to hold",
            _rule_span(rule), anchor_base, properties={"property": rule.id, "reason": outcome.reason},
        )
        return
    if outcome.verdict is Verdict.HOLDS:
        return
    if outcome.subject is not None:
        yield _isolation_finding(ctx, rule, prop, subject, outcome.subject, outcome)
    else:
        for witness in outcome.witnesses or ((outcome.witness,) if outcome.witness else ()):
            yield _reach_finding(ctx, rule, prop, witness, outcome)


def _span_of(view: EndpointView, fallback: Span) -> Span:
    return view.span or fallback


def _isolation_finding(ctx: CheckContext, rule: RuleMeta, prop: Property, ns: str, pod: EndpointView, outcome: Outcome) -> Finding:
    fallback = _rule_span(rule)
    namespace = ctx.model.namespaces.get(ns)
    span = namespace.span if namespace is not None and namespace.declared and namespace.span else _span_of(pod, fallback)
    side = (prop.direction.value if prop.direction else "").lower()
    message = (
        f"namespace {ns} is not default-deny for {side}: {pod.describe()} is not isolated for {side} "
        f"(property {rule.id}, scope {outcome.scope.value})"
    )
    related = (Related(pod.span, f"not isolated: {pod.describe()}"),) if pod.span and pod.span != span else ()
    return Finding(rule.id, rule.severity, message, span, object_anchor("Namespace", None, ns, f"default-deny {side}"),
                   related, {"property": rule.id, "scope": outcome.scope.value, "namespace": ns, "pod": pod.describe()})


def _reach_finding(ctx: CheckContext, rule: RuleMeta, prop: Property, w: Witness, outcome: Outcome) -> Finding:
    fallback = _rule_span(rule)
    if prop.must:
        verb = "cannot reach"
        primary = _blocking_span(w) or _span_of(w.src, fallback)
    else:
        verb = "can reach"
        primary = _admitting_span(w) or _span_of(w.dst, fallback)
    message = (
        f"{w.src.describe()} {verb} {w.dst.describe()} on {w.protocol.value} {w.port} — "
        f"{w.egress.describe()}; {w.ingress.describe()} (property {rule.id}, scope {outcome.scope.value})"
    )
    related = [r for r in _related(w) if r.span != primary]
    anchor = object_anchor("Property", None, rule.id, f"{_ident(w.src)} -> {_ident(w.dst)}")
    return Finding(rule.id, rule.severity, message, primary, anchor, tuple(related), witness_properties(rule.id, w, outcome))


def _admitting_span(w: Witness) -> Span | None:
    for side in (w.ingress, w.egress):
        for ref in side.allowed_by:
            if ref.span:
                return ref.span
    return None


def _blocking_span(w: Witness) -> Span | None:
    for side in (w.egress, w.ingress):
        if not side.ok:
            for pol in side.isolated_by:
                if pol.span:
                    return pol.span
    return None


def _related(w: Witness) -> list[Related]:
    out = []
    for side in (w.egress, w.ingress):
        out += [Related(r.span, r.describe()) for r in side.allowed_by if r.span]
        if not side.ok:
            out += [Related(p.span, f"isolates: NetworkPolicy {p.namespace}/{p.name}") for p in side.isolated_by if p.span]
    out += [Related(v.span, f"{role}: {v.describe()}") for role, v in (("source", w.src), ("destination", w.dst)) if v.span]
    return out


def _ident(v: EndpointView) -> str:
    if v.workload is not None:
        return v.workload.display
    if v.kind == "external":
        return f"address {v.address}"
    return f"pod in {v.namespace or '<new namespace>'} " + ",".join(f"{k}={x or '*'}" for k, x in v.labels)


def witness_properties(rule_id: str, w: Witness, outcome: Outcome) -> dict[str, object]:
    return {
        "property": rule_id,
        "scope": outcome.scope.value,
        "source": w.src.describe(),
        "destination": w.dst.describe(),
        "protocol": w.protocol.value,
        "port": w.port,
        "egress": w.egress.describe(),
        "ingress": w.ingress.describe(),
        "rules": [r.describe() for r in (*w.egress.allowed_by, *w.ingress.allowed_by)],
        "notes": list(outcome.notes),
    }


def describe_enforcing(refs: tuple[object, ...]) -> list[str]:
    """The enforcing policies/rules of a proof, each with its file:line."""
    out = []
    for r in refs:
        if isinstance(r, RuleRef):
            out.append(r.describe())
        else:
            span = getattr(r, "span", None)
            out.append(f"NetworkPolicy {r.namespace}/{r.name}" + (f" ({span})" if span else ""))  # type: ignore[attr-defined]
    return out


DENY_REACH = CheckKind("deny-reach", run, property_schema("deny-reach"),
                       "No connection from `from` to `to` on `ports` is allowed (proved with Z3).")
MUST_REACH = CheckKind("must-reach", run, property_schema("must-reach"),
                       "Every connection from `from` to `to` on `ports` is allowed (proved with Z3).")
DEFAULT_DENY = CheckKind("default-deny", run, property_schema("default-deny"),
                         "Every pod of every checked namespace is isolated in `direction` (proved with Z3).")
KINDS: tuple[CheckKind, ...] = (DENY_REACH, MUST_REACH, DEFAULT_DENY)


def _rule_span(rule: RuleMeta) -> Span:
    """Where the property is defined: the place to look when no manifest line is to blame."""
    return rule.span or file_span(rule.source or "rules")
