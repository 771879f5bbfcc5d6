"""The report's outside facts: Git commit and uncommitted inputs, file hashes, Graphviz SVG."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from npaudit.cli import evidence


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_reports_head_and_uncommitted_inputs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "a.yaml").write_text("a: 1\n")
    (repo / "other.yaml").write_text("b: 1\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
    head = _git(repo, "rev-parse", "HEAD")

    clean = evidence.git_state([str(repo / "k8s")])
    assert clean == evidence.GitState(head, ())

    (repo / "k8s" / "a.yaml").write_text("a: 2\n")
    (repo / "other.yaml").write_text("b: 2\n")  # not an input: not reported
    dirty = evidence.git_state([str(repo / "k8s")])
    assert dirty is not None and dirty.commit == head
    assert dirty.dirty == ("k8s/a.yaml",)


def test_git_state_outside_a_checkout_is_none(tmp_path: Path) -> None:
    assert evidence.git_state([str(tmp_path)]) is None


def test_sha256_of_regular_files_only(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_bytes(b"kind: Namespace\n")
    got = evidence.sha256_files([str(f), str(f), str(tmp_path), "<stdin>", str(tmp_path / "missing")])
    assert got == [(str(f), hashlib.sha256(b"kind: Namespace\n").hexdigest())]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_svg_is_inlineable() -> None:
    svg, why = evidence.draw_svg('digraph g { "a" -> "b"; }')
    assert why == "" and svg is not None
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg


def test_no_graphviz_gives_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence.shutil, "which", lambda _name: None)
    assert evidence.draw_svg("digraph g {}") == (None, "Graphviz (dot) is not installed")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_graphviz_error_gives_a_reason() -> None:
    svg, why = evidence.draw_svg("digraph g { this is not dot")
    assert svg is None and why.startswith("Graphviz failed")
