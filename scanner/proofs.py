"""`npaudit prove` without the command line: pick properties from the catalogue, apply scope
overrides, ask the prover, and turn outcomes into plain data (JSON) and findings (SARIF).
No printing and no exit codes here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from npaudit.checks.base import RuleMeta
from npaudit.checks.reach import describe_enforcing, evaluate, findings_for
from npaudit.encode.outcome import EndpointView, Outcome, Scope, Verdict, Witness
from npaudit.errors import UserError
from npaudit.findings import Finding
from npaudit.properties import PROPERTY_KINDS, Property, PropertyError, parse_property


@dataclass(frozen=True, slots=True)
class ProofResult:
    rule: RuleMeta
    prop: Property
    subject: str  # the namespace for default-deny, "" otherwise
    outcome: Outcome


def select_properties(catalogue: Any, ids: Sequence[str], all_: bool) -> list[RuleMeta]:
    """The property rules to prove; unknown ids and non-property rules are usage errors."""
    if all_:
        return [r for r in catalogue.enabled() if r.kind in PROPERTY_KINDS]
    if not ids:
        raise UserError("name a property with --property ID (or use --all); `npaudit rules` lists them")
    out = []
    for rule_id in ids:
        meta = catalogue.get(rule_id)
        if meta is None:
            raise UserError(f"unknown property {rule_id!r}; `npaudit rules` lists them")
        if meta.kind not in PROPERTY_KINDS:
            raise UserError(f"{rule_id} is a {meta.kind} rule, not a property (kinds: {', '.join(PROPERTY_KINDS)})")
        out.append(meta)
    return out


def prove(ctx: Any, rules: Sequence[RuleMeta], *, scope: Scope | None, allow_new_namespaces: bool) -> list[ProofResult]:
    results = []
    for rule in rules:
        try:
            prop = parse_property(rule.id, rule.kind, rule.params)
        except PropertyError as exc:
            raise UserError(f"property {rule.id} ({rule.source}) is invalid: {exc}") from exc
        if scope is not None:
            prop = replace(prop, scope=scope)
        if allow_new_namespaces:
            prop = replace(prop, allow_new_namespaces=True)
        for subject, outcome in evaluate(ctx, prop, explain=True):
            results.append(ProofResult(rule, prop, subject, outcome))
    return results


def findings(ctx: Any, results: Sequence[ProofResult]) -> list[Finding]:
    out: list[Finding] = []
    for r in results:
        out += findings_for(ctx, r.rule, r.prop, r.subject, r.outcome)
    return out


def exit_verdict(results: Sequence[ProofResult]) -> Verdict:
    """Violated beats unknown beats holds (a definite failure is the more useful answer)."""
    verdicts = {r.outcome.verdict for r in results}
    for v in (Verdict.VIOLATED, Verdict.UNKNOWN):
        if v in verdicts:
            return v
    return Verdict.HOLDS


def _endpoint(v: EndpointView) -> dict[str, object]:
    out: dict[str, object] = {"kind": v.kind, "description": v.describe()}
    if v.workload is not None:
        w = v.workload
        out["workload"] = {"kind": w.kind, "namespace": w.namespace, "name": w.name}
        if w.span:
            out["location"] = str(w.span)
    if v.kind == "pod":
        out["namespace"] = v.namespace
        out["labels"] = {k: (x if x is not None else "<any other value>") for k, x in v.labels}
        if v.namespace is None:
            out["namespace_labels"] = {k: (x if x is not None else "<any other value>") for k, x in v.namespace_labels}
    if v.address:
        out["address"] = v.address
    if v.modelled:
        out["modelled"] = True
    return out


def _witness(w: Witness) -> dict[str, object]:
    return {
        "source": _endpoint(w.src),
        "destination": _endpoint(w.dst),
        "protocol": w.protocol.value,
        "port": w.port,
        "egress": w.egress.describe(),
        "ingress": w.ingress.describe(),
        "allowed_by": [r.describe() for r in (*w.egress.allowed_by, *w.ingress.allowed_by)],
    }


def to_data(r: ProofResult) -> dict[str, object]:
    o = r.outcome
    data: dict[str, object] = {
        "property": r.rule.id,
        "kind": r.rule.kind,
        "verdict": o.verdict.value,
        "scope": o.scope.value,
    }
    if r.subject:
        data["namespace"] = r.subject
    if o.verdict is Verdict.UNKNOWN:
        data["reason"] = o.reason
    if o.subject is not None:
        data["pod"] = _endpoint(o.subject)
    witnesses = o.witnesses or ((o.witness,) if o.witness else ())
    if witnesses:
        data["counterexamples"] = [_witness(w) for w in witnesses]
    if o.verdict is Verdict.HOLDS:
        data["enforcing"] = describe_enforcing(o.enforcing)
        data["vacuous"] = o.vacuous
    data["notes"] = list(o.notes)
    return data
