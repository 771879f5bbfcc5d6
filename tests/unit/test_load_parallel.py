"""Parsing on two cores gives exactly the serial result, in the serial order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from npaudit import load_parallel
from npaudit.load import load_paths
from npaudit.load_parallel import map_in_two

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _square_or_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def test_results_keep_input_order_and_half_comes_from_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(load_parallel, "usable_cpus", lambda: 2)
    out = map_in_two(list(range(10)), _square_or_pid, [1] * 10)
    assert [v for v, _ in out] == [x * x for x in range(10)]
    assert {pid for _, pid in out[:5]} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in out[5:]}


def test_a_failing_child_is_redone_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(load_parallel, "usable_cpus", lambda: 2)
    parent = os.getpid()

    def fails_in_child(x: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("child")
        return x + 1

    assert map_in_two([1, 2, 3, 4], fails_in_child, [1, 1, 1, 1]) == [2, 3, 4, 5]


def test_small_inputs_stay_in_this_process() -> None:
    assert {pid for _, pid in map_in_two([1, 2, 3], _square_or_pid, [10, 10, 10])} == {os.getpid()}


def test_parallel_load_equals_serial_load(monkeypatch: pytest.MonkeyPatch, corpus_dir: Path, examples_dir: Path) -> None:
    roots = [str(examples_dir / "retail-store"), str(corpus_dir / "npa-onlineboutique-workloads"), str(corpus_dir / "network-policy-recipes")]

    def snapshot() -> object:
        r = load_paths(roots, root=corpus_dir.parent)
        docs = [(d.path, d.index, d.data, d.item_path, d.value_span(("metadata", "name")), d.key_span(("kind",)))
                for d in r.documents]
        return docs, r.findings, r.notes

    serial = snapshot()
    monkeypatch.setattr(load_parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(load_parallel, "usable_cpus", lambda: 2)
    calls: list[int] = []
    original = load_parallel.map_in_two

    def counting(items, work, sizes):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        return original(items, work, sizes)

    monkeypatch.setattr(load_parallel, "map_in_two", counting)
    parallel = snapshot()
    assert calls and sum(calls) > 10
    assert parallel == serial
    assert serial[0]
