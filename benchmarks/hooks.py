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
#: The property `prove` is timed with (a built-in of the proofs issue).
PROPERTY = "no-db-from-ui"


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


def _builtin_property() -> Any | None:
    """The built-in no-db-from-ui property (rules/no-db-from-ui.yaml), parsed; None if absent."""
    try:
        rulebook = importlib.import_module("npaudit.rulebook")
        properties = importlib.import_module("npaudit.properties")
        rule = rulebook.builtin_catalogue().rules[PROPERTY]
        return rule, properties.parse_property(rule.id, rule.kind, rule.params)
    except (ImportError, AttributeError, KeyError):
        return None


def _property_endpoints() -> tuple[Any, Any, Any]:
    """(src, dst, ports) of no-db-from-ui: the built-in property when it exists, otherwise the
    generator's labelling (ui `app.kubernetes.io/name: ui` -> `app.kubernetes.io/team:
    database`)."""
    found = _builtin_property()
    if found is not None:
        prop = found[1]
        return prop.src, prop.dst, prop.ports
    encode = _module("npaudit.encode")
    types = _module("npaudit.model.types")

    def selector(key: str, value: str) -> Any:
        req = types.Requirement(key, types.Operator.IN, (value,))
        return encode.EndpointSelector(pod_selector=types.LabelSelector((req,)))

    return selector("app.kubernetes.io/name", "ui"), selector("app.kubernetes.io/team", "database"), ()


def build_prover(model: Any) -> Any:
    """The Z3 formula for `model`, built once with the property declared (as `npaudit prove`
    does), so that the query below measures the query alone."""
    encode = _module("npaudit.encode")
    build = getattr(encode, "build_prover", None)
    if not callable(build):
        raise Missing("npaudit.encode.build_prover")
    found = _builtin_property()
    settings: dict[str, Any] = {}
    if found is not None:
        rule = found[0]
        settings["properties"] = [{"id": rule.id, "kind": rule.kind, "params": dict(rule.params)}]
    return build(model, settings)


def prove_one(prover: Any, scope: str) -> str:
    """One deny-reach query (no-db-from-ui) on an already built prover."""
    if not hasattr(prover, "reach"):
        raise Missing(f"{type(prover).__name__}.reach")
    src, dst, ports = _property_endpoints()
    annotation = str(inspect.signature(prover.reach).parameters["src"].annotation)
    if not isinstance(src, (tuple, list)) and ("Sequence" in annotation or "tuple" in annotation):
        src, dst = (src,), (dst,)  # endpoints are lists of peers
    scope_value = _module("npaudit.encode").Scope(scope)
    outcome = prover.reach(must=False, src=src, dst=dst, ports=ports, scope=scope_value)
    verdict = getattr(outcome, "verdict", outcome)
    return f"{getattr(verdict, 'value', verdict)}"
