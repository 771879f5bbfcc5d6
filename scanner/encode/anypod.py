"""any-pod reach questions on large models, without a class table of every workload.

In scope `any-pod` a pod that could exist may take any labels and named ports in any
repository namespace, so it already stands for every workload whose pods have no recorded
address (all of them, for manifests): dropping those workloads from the encoding changes no
verdict and no proof evidence (the same pods, the same guards). Only workloads with recorded
pod IPs (cluster snapshots) stay, since ipBlocks can tell them apart.

The Z3 path's canonical counterexample prefers existing workloads in workload order, which
needs every workload in the encoding; on large models (more classes than
`FULL_CANONICAL_MAX_CLASSES`) the counterexample is instead: the canonical pair of existing
workloads when one violates (found by the semantics engine, see sets.py), else the reduced
encoding's canonical one (pods that could exist). Both are real violations; small models keep
the exact Z3 order.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from npaudit.gcpause import gc_paused
from npaudit.encode import prune, sets
from npaudit.encode.outcome import EndpointSelector, Outcome, Scope, Verdict
from npaudit.model.types import PortSpec

if TYPE_CHECKING:
    from npaudit.encode.prover import Prover

#: above this many workload classes the any-pod counterexample search does not use the whole
#: class table (measured: the whole encoding at 10,000 classes runs out of the solver budget)
FULL_CANONICAL_MAX_CLASSES = 1000


def reach(prover: Prover, *, must: bool, src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector],
          ports: Sequence[PortSpec], allow_new_namespaces: bool, limit: int, explain: bool) -> Outcome:
    notes = prover.notes()
    # an existing violating pair is the counterexample whenever there is one, and the semantics
    # engine finds it without compiling any rule: ask it first
    if sets.supported(src, dst, ports):
        with gc_paused():
            pairs = prover._set_reach().reach(  # noqa: SLF001 - the prover's own engine
                must=must, src=src, dst=dst, ports=ports, limit=limit, explain=False, notes=notes,
                budget=prover.settings.rlimit)
        if pairs.verdict is Verdict.VIOLATED:
            return replace(pairs, scope=Scope.ANY_POD)
    outcome = _pruned(prover, src, dst).reach(must=must, src=src, dst=dst, ports=ports, scope=Scope.ANY_POD,
                                              allow_new_namespaces=allow_new_namespaces, limit=limit, explain=explain)
    return replace(outcome, notes=notes)


def _reduced(prover: Prover) -> Prover:
    """The prover over the model without the workloads a pod that could exist stands for
    (cached on the prover; rebuilt when the properties' selectors change)."""
    from npaudit.encode.dns import DnsModel
    from npaudit.encode.prover import Prover

    key = ("reduced", prover._extras)  # noqa: SLF001 - the prover's own cache
    found = prover._slices.get(key)  # noqa: SLF001
    if found is None:
        part = replace(prover.model, workloads=tuple(w for w in prover.model.workloads if w.pod_ips))
        found = Prover(part, prover.settings, DnsModel.never(), prover._extras, engine="z3")  # noqa: SLF001
        found.modelled_dns = prover.modelled_dns
        prover._slices[key] = found  # noqa: SLF001
    return found  # type: ignore[no-any-return]


def _pruned(prover: Prover, src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector]) -> Prover:
    """The reduced prover with only the policy sides that may select a `src` pod (egress) or a
    `dst` pod (ingress) compiled (`encode/prune.py`); same vocabulary, so the same canonical
    counterexamples. Cached by the kept sides: questions that keep the same share one."""
    from npaudit.encode.prover import Encoding

    reduced = _reduced(prover)
    keep = prune.kept_sides(reduced.model.policies, src, dst, reduced.vocab.namespace_labels)
    key = ("pruned", prover._extras, frozenset(keep.items()))  # noqa: SLF001 - the prover's own cache
    found = prover._slices.get(key)  # noqa: SLF001
    if found is None:
        found = copy.copy(reduced)
        found._slices = {}  # noqa: SLF001 - a fresh prover sharing the reduced one's vocabulary
        found._enc = Encoding(reduced.model, reduced.vocab, reduced.settings, keep=keep)  # noqa: SLF001
        prover._slices[key] = found  # noqa: SLF001
    return found  # type: ignore[no-any-return]
