"""`npaudit diff` parses and checks a file once when both revisions hold the same content at
the same path, and the result is the same as with two independent loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.diff import compare
from npaudit.diff.compare import DiffOptions, run_diff
from npaudit.gitrev import ParseCache
from npaudit.model.build import CheckCache

from tests.review import scenario as sc
from tests.review.helpers import GitRepo

#: a Deployment whose container port is out of range: an error finding in an unchanged file
BAD = sc.deployment("bad", "ops", 70000)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    g = GitRepo(tmp_path / "repo")
    g.commit({**sc.base_files(), "k8s/bad.yaml": BAD}, "base")
    g.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, sc.ALLOW_API, sc.ALLOW_WEB, sc.ALLOW_DB])}, "allow db")
    monkeypatch.chdir(g.root)
    return g


def _unshared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each revision loads with caches of its own (what reuse must be equivalent to)."""
    original = compare._load_side

    def fresh(repo, options, label, commit, cache, checks):  # type: ignore[no-untyped-def]
        return original(repo, options, label, commit, ParseCache(), CheckCache())

    monkeypatch.setattr(compare, "_load_side", fresh)


@pytest.mark.parametrize("head", ["HEAD", None])
def test_unchanged_files_are_parsed_and_checked_once(repo: GitRepo, head: str | None) -> None:
    result = run_diff(DiffOptions(base="HEAD~1", head=head), parallel=False).result
    # four files, one changed: the head parses four, the base only the changed one
    assert result.stats["parse_cache"] == {"hits": 3, "misses": 5}
    hits, misses = result.stats["check_cache"]["hits"], result.stats["check_cache"]["misses"]
    assert hits > 0 and misses > hits  # every object of the unchanged files checked once
    # the out-of-range port is in both revisions: neither new nor resolved
    assert not any(f.span.path == "k8s/bad.yaml" for f in (*result.new_findings, *result.resolved_findings))
    assert [c.dst for c in result.connections] == ["shop/db[Deployment]"]


@pytest.mark.parametrize("parallel", [False, True])
def test_reuse_gives_the_result_of_independent_loads(repo: GitRepo, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    options = DiffOptions(base="HEAD~1", head="HEAD")
    shared = run_diff(options, parallel=parallel)
    _unshared(monkeypatch)
    alone = run_diff(options, parallel=parallel)
    assert alone.result.stats["parse_cache"]["hits"] == 0
    assert shared.result.connections == alone.result.connections
    assert shared.result.new_findings == alone.result.new_findings
    assert shared.result.resolved_findings == alone.result.resolved_findings
    assert shared.head_report is not None and alone.head_report is not None
    assert shared.head_report.findings == alone.head_report.findings
    assert any(f.span.path == "k8s/bad.yaml" for f in shared.head_report.findings)


def test_revisions_parsed_ahead_on_two_cores_give_the_same_diff(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from npaudit import load_parallel

    options = DiffOptions(base="HEAD~1", head="HEAD")
    serial = run_diff(options, parallel=False).result
    monkeypatch.setattr(load_parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(load_parallel, "usable_cpus", lambda: 2)
    ahead = run_diff(options, parallel=False).result
    assert ahead.stats["parse_cache"] == serial.stats["parse_cache"] == {"hits": 3, "misses": 5}
    assert ahead.connections == serial.connections and ahead.connections
    assert ahead.new_findings == serial.new_findings and ahead.resolved_findings == serial.resolved_findings
