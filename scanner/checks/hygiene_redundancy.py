"""Redundant (shadowed) policies and redundant rule / peer / port entries.

What "redundant" means (both effects of removing a policy: its rules stop allowing, and its
isolation may go) is explained in hygiene_redundancy_analysis.py, which decides it.

Decided exactly on the scanned workloads (hygiene_redundancy_analysis.py), sliced per pod
(only policies of x's namespace select x) and direction. Items are removed one at a time in
reverse order, so of two duplicates the later one is reported and the earlier one stays
needed. Every item found redundant is then asked for any pod that could exist
(hygiene_anypod.py): scope `any-pod` with the rule's severity when that holds, else scope
`workloads` with `workloads_severity` and, in the message, the pod that could exist which
would need the item.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.checks.hygiene_anypod import SCOPE_ANY_POD, covering_text, decide
from npaudit.checks.hygiene_index import first_span, names, policy_anchor, policy_name
from npaudit.checks.hygiene_redundancy_analysis import SCOPE_WORKLOADS, Analysis, Redundant
from npaudit.findings import Finding, Related, Severity
from npaudit.model.types import Model

__all__ = ["KINDS", "Analysis", "Redundant", "analysis_for"]

_CACHE: list[tuple[Model, Analysis]] = []


def analysis_for(model: Model, config: Mapping[str, Any]) -> Analysis:
    """One analysis per model, shared by the policy and the entry rules; every item found
    redundant for the workloads is then asked for any pod, in the order it was found."""
    if _CACHE and _CACHE[0][0] is model:
        return _CACHE[0][1]
    result = Analysis(model)
    items = [*result.policies, *result.entries]
    for item, answer in zip(items, decide(model, items, config)):
        item.any_pod = answer
    # a policy that selects no scanned workload is reported only when redundant for any pod
    result.policies = [i for i in result.policies if i.subjects or (i.any_pod is not None and i.any_pod.holds)]
    _CACHE[:] = [(model, result)]
    return result


def _covering_text(item: Redundant) -> str:
    labels = [g.label for g in item.covering if g.label]
    return ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")


def _severity(rule: RuleMeta, item: Redundant) -> Severity:
    """The rule's severity when the item is redundant for any pod; `workloads_severity` when
    only for today's workloads (a pod added later may still need it)."""
    if item.any_pod is not None and item.any_pod.holds:
        return rule.severity
    return Severity(str(rule.params.get("workloads_severity", "note")))


def _scope(item: Redundant) -> dict[str, Any]:
    if item.any_pod is None:
        return {"scope": SCOPE_WORKLOADS}
    holds = item.any_pod.holds
    return {"scope": SCOPE_ANY_POD if holds else SCOPE_WORKLOADS, "any_pod": item.any_pod.to_properties()}


def _redundant_policies(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    result = analysis_for(ctx.model, ctx.config)
    for item in result.policies:
        p, answer = item.policy, item.any_pod
        if answer is not None and answer.holds:
            cover = (f"other policies cover it: {covering_text(answer.covering)}" if answer.covering
                     else "it allows every connection, as if no policy selected the pods")
            message = (f"{policy_name(p)} is redundant for any pod: removing it changes no allowed connection "
                       f"of any pod that could exist in namespace {p.namespace} - {cover}")
            covering = list(answer.covering)
        else:
            message = _workloads_policy_message(item)
            covering = [g.label for g in item.covering if g.label]
        yield Finding(
            rule.id, _severity(rule, item), message,
            first_span(p.span, p.pod_selector.span),
            policy_anchor(p),
            related=answer.related if answer is not None and answer.holds else _related(item),
            properties={**_scope(item), "covering": covering,
                        "isolated_by": [f"{q.namespace}/{q.name}" for q in item.keepers]},
        )


def _workloads_policy_message(item: Redundant) -> str:
    keepers = ", ".join(f"{q.namespace}/{q.name}" for q in item.keepers)
    covered = (
        f"everything it allows is also allowed by {_covering_text(item)}" if item.covering
        else "it allows nothing they are not already allowed"
    )
    why = (
        f"they stay isolated by {keepers} and {covered}"
        if item.keepers else "no other policy isolates them and it allows everything, as no policy would"
    )
    scope = item.any_pod.note() if item.any_pod is not None else "decided on the scanned workloads only"
    return (f"{policy_name(item.policy)} is redundant for the scanned workloads it selects ({names(item.subjects)}): "
            f"removing it changes no allowed connection - {why}; {scope}")


def _redundant_entries(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    result = analysis_for(ctx.model, ctx.config)
    for item in result.entries:
        p, answer = item.policy, item.any_pod
        if answer is not None and answer.holds:
            by = covering_text(answer.covering) if answer.covering else _own_rest(item)
            message = f"{policy_name(p)} {item.path}: this {item.what} is redundant for any pod - everything it allows is also allowed by {by}"
            covering = list(answer.covering)
        else:
            scope = answer.note() if answer is not None else "decided on the scanned workloads only"
            message = (f"{policy_name(p)} {item.path}: this {item.what} is redundant for {names(item.subjects)} - "
                       f"everything it allows them is also allowed by {_covering_text(item) or 'the other entries'}; {scope}")
            covering = [g.label for g in item.covering if g.label]
        yield Finding(
            rule.id, _severity(rule, item), message,
            first_span(item.span, p.span),
            policy_anchor(p, item.path),
            related=answer.related if answer is not None and answer.holds else _related(item),
            properties={**_scope(item), "covering": covering},
        )


def _own_rest(item: Redundant) -> str:
    """The cover when no other rule is needed: the rest of the same rule, or nothing at all."""
    return {"peer": "its other peers", "port": "its other port entries"}.get(
        item.key[0], "nothing else: it admits no connection")


def _related(item: Redundant) -> tuple[Related, ...]:
    out = []
    for g in item.covering[:5]:
        span = g.rule.span or g.policy.span
        if span is not None and g.label:
            out.append(Related(span, f"covered by {g.label}"))
    return tuple(out)


_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"workloads_severity": {"enum": ["error", "warning", "note", "info"]}},
}

KINDS: tuple[CheckKind, ...] = (
    CheckKind("redundant-policy", _redundant_policies, _SCHEMA,
              "A policy whose removal changes no allowed connection."),
    CheckKind("redundant-rule", _redundant_entries, _SCHEMA,
              "A rule, peer or port entry covered by other rules selecting the same pods."),
)

