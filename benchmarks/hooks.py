"""Adapters from the benchmark to npaudit's engine and prover APIs, resolved at run time.

Kept in one place so that the harness follows the APIs as they evolve; anything absent raises
`Missing` and the phase is reported as not implemented.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Sized
from typing import Any

NOT_IMPLEMENTED = "n/a (not implemented)"


class Missing(Exception):
    """An npaudit API the phase needs is not there (yet)."""


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Missing(f"{name}: {exc}") from exc


def _analyze() -> Any:
    for name in ("npaudit.engine", "npaudit.engine.connectivity"):
        fn = getattr(_module(name), "analyze", None)
        if callable(fn):
            return fn
    raise Missing("npaudit.engine.analyze")


def connectivity(model: Any) -> str:
    """All-pairs connectivity of `model` with the semantics engine (the class-level table;
    the pair count is computed from it without listing every flow)."""
    analysis = _analyze()(model)
    parts = []
    for attr in ("classes", "externals"):
        value = getattr(analysis, attr, None)
        if isinstance(value, Sized):
            parts.append(f"{len(value)} {attr}")
    count = getattr(analysis, "count_pairs", None)
    if callable(count):
        parts.append(f"{count()} allowed pairs")
    return ", ".join(parts) or type(analysis).__name__


def _property_endpoints() -> tuple[Any, Any]:
    """no-db-from-ui as the generator labels it: ui pods (`app.kubernetes.io/name: ui`) must not
    reach database pods (`app.kubernetes.io/team: database`), in any namespace."""
    encode = _module("npaudit.encode")
    types = _module("npaudit.model.types")

    def selector(key: str, value: str) -> Any:
        req = types.Requirement(key, types.Operator.IN, (value,))
        return encode.EndpointSelector(pod_selector=types.LabelSelector((req,)))

    return selector("app.kubernetes.io/name", "ui"), selector("app.kubernetes.io/team", "database")


def build_prover(model: Any) -> Any:
    """The Z3 formula for `model`, built once, with the property's selectors in its vocabulary
    (so that the query below measures the query alone)."""
    encode = _module("npaudit.encode")
    build = getattr(encode, "build_prover", None)
    if not callable(build):
        raise Missing("npaudit.encode.build_prover")
    prover = build(model, {})
    extras = getattr(_module("npaudit.encode.prover"), "Extras", None)
    if extras is not None and hasattr(prover, "prepare"):
        prover.prepare(extras.of(_property_endpoints()))
    return prover


def prove_one(prover: Any, scope: str) -> str:
    """One deny-reach query (no-db-from-ui) on an already built prover."""
    if not hasattr(prover, "reach"):
        raise Missing(f"{type(prover).__name__}.reach")
    src, dst = _property_endpoints()
    annotation = str(inspect.signature(prover.reach).parameters["src"].annotation)
    if "Sequence" in annotation or "tuple" in annotation:  # endpoints are lists of peers
        src, dst = (src,), (dst,)
    outcome = prover.reach(must=False, src=src, dst=dst, scope=_module("npaudit.encode").Scope(scope))
    verdict = getattr(outcome, "verdict", outcome)
    return f"{getattr(verdict, 'value', verdict)}"
