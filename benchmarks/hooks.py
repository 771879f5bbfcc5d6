"""Adapters from the benchmark to npaudit's engine and prover APIs, resolved at run time.

Kept in one place so that the harness follows the APIs as they evolve; anything absent raises
`Missing` and the phase is reported as not implemented.
"""

from __future__ import annotations

import importlib
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


def _describe(result: Any) -> str:
    if isinstance(result, Sized):
        return f"{len(result)} items"
    for attr in ("flows", "connections", "pairs"):
        value = getattr(result, attr, None)
        if isinstance(value, Sized):
            return f"{len(value)} {attr}"
    return type(result).__name__


def _force(result: Any) -> Any:
    """Materialise lazy results (generators) so that the timing covers the work."""
    if hasattr(result, "__next__"):
        return list(result)
    return result


def connectivity(model: Any) -> str:
    """All-pairs connectivity of `model` with the semantics engine."""
    engine = _module("npaudit.engine")
    for name in ("connectivity_map", "connectivity", "all_flows"):
        fn = getattr(engine, name, None)
        if callable(fn):
            return _describe(_force(fn(model)))
    analyze = getattr(engine, "analyze", None)
    if not callable(analyze):
        raise Missing("npaudit.engine: no analyze/connectivity API")
    analysis = analyze(model)
    for name in ("connectivity_map", "connectivity", "flows", "connections", "all_flows"):
        attr = getattr(analysis, name, None)
        if callable(attr):
            return _describe(_force(attr()))
        if attr is not None:
            return _describe(attr)
    raise Missing(f"{type(analysis).__name__}: no all-pairs method")


def build_prover(model: Any) -> Any:
    """The Z3 formula for `model`, built once."""
    encode = _module("npaudit.encode")
    build = getattr(encode, "build_prover", None)
    if not callable(build):
        raise Missing("npaudit.encode.build_prover")
    return build(model, {})


def prove_one(prover: Any, model: Any) -> str:
    """One property query (the built-in no-db-from-ui) on an already built prover."""
    for name in ("prove", "check_property", "query"):
        fn = getattr(prover, name, None)
        if callable(fn):
            return str(fn("no-db-from-ui"))
    raise Missing(f"{type(prover).__name__}: no property query method")
