"""The exact NetworkPolicy semantics engine.

- `analyze(model) -> Connectivity`: all-pairs allowed port sets (equivalence classes + bitsets);
- `decide(model, src, dst, protocol, port) -> Decision`: the readable reference oracle;
- `explain(model, src, dst, ...) -> Explanation`: admitting rules and all blockers, per side.
"""

from __future__ import annotations

from npaudit.engine.classes import Partition, WorkloadClass, partition
from npaudit.engine.connectivity import Connectivity, Flow, analyze
from npaudit.engine.explain import Explanation, SideExplanation, explain
from npaudit.engine.reference import Decision, SideVerdict, decide
from npaudit.engine.types import Endpoint, HostNetwork, RuleRef, endpoint_name

__all__ = [
    "Connectivity",
    "Decision",
    "Endpoint",
    "Explanation",
    "Flow",
    "HostNetwork",
    "Partition",
    "RuleRef",
    "SideExplanation",
    "SideVerdict",
    "WorkloadClass",
    "analyze",
    "decide",
    "endpoint_name",
    "explain",
    "partition",
]
