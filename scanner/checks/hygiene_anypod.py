"""The any-pod scope of the redundancy rules: is an item redundant for every pod that could exist?

The workloads-scope analysis (hygiene_redundancy.py) decides each item on the scanned
workloads (plus a representative pod per peer selector). Each item it finds redundant is then
asked again, symbolically, through the Z3 oracle (npaudit.encode.redundancy): the subject is
any pod that could exist in the policy's namespace (free labels and named ports), the peer any
pod in any namespace or any address outside the cluster.

- HOLDS: scope `any-pod`; the covering policies and rules come from a minimised unsat core.
- VIOLATED: scope `workloads`; the message names a pod that could exist whose side the item
  decides (the canonical counterexample).
- UNKNOWN (solver budget) or not asked (past the question cap below): scope
  `workloads`, and the message says the any-pod question was not decided. Never any-pod.

Which items are asked: those the workloads scope found redundant, and the policies that
select no scanned workload (vacuously redundant for them; reported only when redundant for
any pod - policy-selects-no-workload covers the rest). Why no others: in one state, any-pod
redundant implies workloads redundant: every scanned subject is a pod that could exist in the
namespace (hostNetwork workloads are not subjects at all), every peer the workloads scope
judges - a scanned workload, a representative pod (in the repository's namespaces or in a new
one, hence peers in new namespaces are in the any-pod scope too), an address outside the
cluster - is a peer of the any-pod question, pods with recorded IPs keep their addresses in
both (ipBlocks match them), and named ports are resolved per destination in both. So an item
the workloads scope keeps has a witness the any-pod question also sees, and asking would only
cost time. (tests/unit/test_redundancy_anypod.py checks the implication against the oracle.)
The entries (rules, peers, ports) of a policy that selects no scanned workload are not asked.

Removal order. Both scopes ask in the same order (policies in reverse order, then entries)
and remove what they find: the workloads scope every item it reports, the any-pod session
only the items that HOLD. So all reported items can be removed together without changing a
scanned workload's connections, and the any-pod items alone can be removed together without
changing any pod's. An any-pod item may name a covering item that is itself redundant for
the workloads only: removing that one too is safe for the workloads, not for every pod.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from npaudit.encode.outcome import RuleRef, Verdict
from npaudit.findings import Related
from npaudit.model.types import Direction, Model, Policy

if TYPE_CHECKING:
    from npaudit.checks.hygiene_redundancy_analysis import Redundant

SCOPE_ANY_POD = "any-pod"
#: the most any-pod questions one scan asks; later items keep scope workloads and say so. A count
#: (with each question bounded by the deterministic `prove.rlimit`), not a clock, so the same
#: input gives the same findings on every machine. Measured at size L (10,000 workloads, 1,000
#: policies): 152 questions in 3-4 s of CPU - about 13 ms for one that holds (decision and
#: minimal core), 55 ms for one with a counterexample (canonicalised).
ANY_POD_MAX_QUESTIONS = 400


@dataclass(frozen=True, slots=True)
class AnyPod:
    """The any-pod answer for one item. `verdict`: holds / violated / unknown / skipped."""

    verdict: str
    covering: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    change: str = ""
    reason: str = ""

    @property
    def holds(self) -> bool:
        return self.verdict == Verdict.HOLDS.value

    def note(self) -> str:
        """What the message says about the any-pod question when it does not hold."""
        if self.verdict == Verdict.VIOLATED.value:
            if self.change:
                return f"redundant for the repository's workloads only: without it, {self.change}"
            return f"redundant for the repository's workloads only ({self.reason or 'a pod that could exist needs it'})"
        if self.verdict == "skipped":
            return "decided on the scanned workloads only: the any-pod question was not asked (" + self.reason + ")"
        return f"decided on the scanned workloads only: whether it is redundant for any pod is undecided ({self.reason})"

    def to_properties(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict}
        if self.change:
            out["change"] = self.change
        if self.reason:
            out["reason"] = self.reason
        return out


def _settings(config: Mapping[str, Any]) -> Any:
    from npaudit.encode.solver import SolverSettings  # z3 loads only when a question is asked

    return SolverSettings.from_config(config)


def decide(model: Model, items: Sequence[Redundant], config: Mapping[str, Any],
           budget: int | None = None) -> list[AnyPod]:
    """The any-pod answer of every item, asked in the given (discovery) order; at most
    `budget` questions (default ANY_POD_MAX_QUESTIONS)."""
    if not items:
        return []
    budget = ANY_POD_MAX_QUESTIONS if budget is None else budget
    from npaudit.encode.redundancy import build_oracle

    session = build_oracle(model, _settings(config)).session()
    out = []
    for n, item in enumerate(items):
        if n >= budget:
            out.append(AnyPod("skipped", reason=f"a scan asks at most {budget} any-pod questions"))
            continue
        out.append(_answer(session, item))
    return out


def _answer(session: Any, item: Redundant) -> AnyPod:
    p, key = item.policy, item.key
    if key[0] == "policy":
        answer = session.policy(p)
    else:
        direction: Direction = key[1]
        ask = {"rule": session.rule, "peer": session.peer, "port": session.port}[key[0]]
        answer = ask(p, direction, *key[2:])
    if answer.verdict is Verdict.HOLDS:
        return AnyPod(Verdict.HOLDS.value, _names(answer.covering), _related(answer.covering))
    if answer.verdict is Verdict.VIOLATED:
        return AnyPod(Verdict.VIOLATED.value, change=answer.change.describe() if answer.change else "",
                      reason=answer.reason)
    return AnyPod(Verdict.UNKNOWN.value, reason=answer.reason or "solver budget exceeded")


def _names(covering: Sequence[Policy | RuleRef]) -> tuple[str, ...]:
    """One entry per covering policy: `ns/name ingress[0], ingress[2]` for the rules that admit
    the traffic, `ns/name (isolation)` for a policy that only keeps the pods isolated."""
    rules: dict[tuple[str, str], list[str]] = {}
    for c in covering:
        pol = c.policy if isinstance(c, RuleRef) else c
        paths = rules.setdefault((pol.namespace, pol.name), [])
        if isinstance(c, RuleRef):
            paths.append(c.rule.path.removeprefix("spec."))
    return tuple(f"{ns}/{name} " + (", ".join(paths) if paths else "(isolation)") for (ns, name), paths in rules.items())


def _related(covering: Sequence[Policy | RuleRef]) -> tuple[Related, ...]:
    """The covering rules' lines; a policy's own line only when it covers by isolation alone."""
    with_rules = {id(c.policy) for c in covering if isinstance(c, RuleRef)}
    out = []
    for c in covering:
        if isinstance(c, RuleRef) or id(c) not in with_rules:
            if c.span is not None:
                out.append(Related(c.span, f"covered by {_names([c])[0]}"))
    return tuple(out[:5])


def covering_text(names: Sequence[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
