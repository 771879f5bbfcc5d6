"""Turn pipeline values (proof results, connectivity flows) into the rows of the compliance
report (`npaudit.report.compliance`). Pure functions: no I/O, no engines are run here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from npaudit.checks.reach import describe_enforcing
from npaudit.encode.outcome import Outcome, Verdict
from npaudit.engine.connectivity import Flow
from npaudit.findings import Finding
from npaudit.proofs import ProofResult
from npaudit.report.compliance import PropertyVerdict
from npaudit.report.connectivity import render_dot, sort_flows

#: how the port algebra prints "every protocol and port" (netpol-analyzer's wording)
ALL_CONNECTIONS = "All Connections"

#: counterexamples listed per property in the report (the scan's findings hold all of them)
MAX_WITNESSES = 3

#: Graph attributes for a readable picture: namespaces as tinted boxes. (No `concentrate`: it
#: merges a->b and b->a into one double-headed edge even when they allow different ports.)
_GRAPH_STYLE = (
    '  graph [fontname="Helvetica", fontsize=12, nodesep=0.25, ranksep=1.2, '
    'style="rounded,filled", fillcolor="#f6f8fa", color="#8c959f"];\n'
    '  node [fontname="Helvetica", style=filled, fillcolor="#ffffff", color="#57606a"];\n'
    '  edge [fontname="Helvetica", color="#57606a", arrowsize=0.7];\n'
)


def property_verdict(result: ProofResult, *, blocked: str = "", location: str = "") -> PropertyVerdict:
    """One row of the properties table. `blocked` (the input has errors) turns a proof into
    `unknown`: a proof over a partial model could pass wrongly, so it is not evidence."""
    o = result.outcome
    name = f"{result.rule.id} [namespace {result.subject}]" if result.subject else result.rule.id
    scope = o.scope.value + (" (new namespaces too)" if result.prop.allow_new_namespaces else "")
    evidence = _evidence(result, o)
    status = o.verdict.value
    if blocked and o.verdict is Verdict.HOLDS:
        status = Verdict.UNKNOWN.value
        evidence = (blocked, "on the valid objects alone it holds: " + "; ".join(evidence))
    if not location and result.rule.source:
        location = f"defined in {result.rule.source}"
    return PropertyVerdict(name, result.rule.summary, status, scope, evidence, location)


def undecided(rule_id: str, summary: str, reason: str) -> PropertyVerdict:
    """A property that could not be asked at all (invalid parameters, a prover failure)."""
    return PropertyVerdict(rule_id, summary, Verdict.UNKNOWN.value, "-", (reason,))


def _evidence(result: ProofResult, o: Outcome) -> tuple[str, ...]:
    if o.verdict is Verdict.UNKNOWN:
        return (f"the solver could not decide: {o.reason}",)
    if o.verdict is Verdict.HOLDS:
        lines = []
        if o.vacuous:
            lines.append("vacuously: no endpoint in scope matches the property's selectors")
        enforcing = describe_enforcing(o.enforcing)
        if enforcing:
            lines += [f"enforced by {e}" for e in enforcing]
        elif result.prop.must:
            lines.append("no policy isolates these endpoints, so nothing blocks the traffic")
        else:
            lines.append("no policy is needed: nothing would allow the traffic")
        return tuple(lines)
    lines = []
    if o.subject is not None:
        lines.append(f"not isolated: {o.subject.describe()}")
    witnesses = o.witnesses or ((o.witness,) if o.witness else ())
    for w in witnesses[:MAX_WITNESSES]:
        lines.append(f"counterexample: {w.describe()} ({w.egress.describe()}; {w.ingress.describe()})")
    if len(witnesses) > MAX_WITNESSES:
        lines.append(f"and {len(witnesses) - MAX_WITNESSES} more counterexamples (see the findings)")
    return tuple(lines)


def first_location(findings: Iterable[Finding]) -> str:
    """Where the scan reports the violation (the line to fix)."""
    for f in findings:
        return f"reported at {f.span}"
    return ""


def proof_notes(results: Sequence[ProofResult]) -> tuple[str, ...]:
    """The assumptions the prover made (modelled DNS, hostNetwork left out), once each."""
    seen: dict[str, None] = {}
    for r in results:
        for note in r.outcome.notes:
            seen.setdefault(note, None)
    return tuple(seen)


def flow_rows(flows: Sequence[Flow]) -> tuple[tuple[str, str, str], ...]:
    return tuple((f.src_name, f.dst_name, str(f.ports)) for f in sort_flows(flows))


#: An unrestricted flow is drawn red and unlabelled: dozens of "All Connections" labels would
#: hide the few restricted flows, whose labels carry the allowed ports (legend in the report).
ALL_EDGE = '[color="#cf222e", penwidth=1.3, tooltip="All Connections"]'
GRAPH_LEGEND = ("Red edges: every protocol and port is allowed. Grey edges: only the labelled "
                "protocols and ports are allowed. Boxes are namespaces; the ellipses are address "
                "ranges outside the cluster.")


def graph_dot(flows: Sequence[Flow]) -> str:
    """The engine's DOT graph (namespaces as clusters) with the report's styling added."""
    head, _, rest = render_dot(flows).partition("\n")
    rest = rest.replace(f'[label="{ALL_CONNECTIONS}"];', f"{ALL_EDGE};")
    return f"{head}\n{_GRAPH_STYLE}{rest}"
