"""`npaudit diff` on temporary Git repositories: expectations follow from the NetworkPolicy
semantics of the scenario (see scenario.py), never from running the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.diff.compare import DiffOptions, run_diff
from npaudit.diff.types import ADDED, CHANGED, REMOVED, DiffResult
from npaudit.report.diff_text import render_diff_text, summary_line

from tests.review import scenario as sc
from tests.review.helpers import GitRepo


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    g = GitRepo(tmp_path / "repo")
    g.commit(sc.base_files(), "base")
    monkeypatch.chdir(g.root)
    return g


def diff(base: str = "HEAD~1", head: str | None = "HEAD", **kw: object) -> DiffResult:
    return run_diff(DiffOptions(base=base, head=head, **kw)).result  # type: ignore[arg-type]


def edges(result: DiffResult) -> set[tuple[str, str, str, str, str]]:
    return {(c.change, c.src, c.dst, c.base, c.head) for c in result.connections}


WEB, API, DB, TOOL = "shop/web[Deployment]", "shop/api[Deployment]", "shop/db[Deployment]", "ops/tool[Deployment]"


def test_added_removed_and_changed_connections_with_exact_ports(repo: GitRepo) -> None:
    api_9090 = sc.allow("allow-api", "api", "{matchLabels: {app: web}}", "[{protocol: TCP, port: 9090}]")
    repo.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, api_9090, sc.ALLOW_DB])})
    result = diff()
    assert edges(result) == {
        (CHANGED, WEB, API, "TCP 8080", "TCP 9090"),
        (ADDED, API, DB, "", "TCP 5432"),
        (REMOVED, API, WEB, "TCP 80", ""),
    }
    by_pair = {(c.src, c.dst): c for c in result.connections}
    assert (by_pair[WEB, API].opened, by_pair[WEB, API].closed) == ("TCP 9090", "TCP 8080")
    assert by_pair[API, WEB].opened == "" and not by_pair[API, WEB].is_new_access
    # each new access names the head rule that grants it, at its file and line
    [grant] = by_pair[API, DB].grants
    assert (grant.policy, grant.rule, grant.direction) == ("shop/allow-db", "ingress[0]", "Ingress")
    assert grant.span is not None and grant.span.path == "k8s/policies.yaml"
    lines = (repo.root / "k8s/policies.yaml").read_text().splitlines()
    assert lines[grant.span.line - 1].strip().startswith("- from:")
    assert result.workloads_added == () and result.workloads_removed == ()
    assert result.has_new_access


def test_renamed_files_with_unchanged_content_make_no_diff(repo: GitRepo) -> None:
    repo.move("k8s/policies.yaml", "k8s/netpol/all-policies.yaml")
    repo.move("k8s/workloads.yaml", "apps.yaml")
    result = diff(paths=())
    assert result.is_empty, result
    assert result.resolved_findings == ()


def test_policy_moved_between_files_makes_no_diff(repo: GitRepo) -> None:
    repo.commit({
        "k8s/policies.yaml": "---\n".join([sc.ALLOW_WEB, sc.DEFAULT_DENY]),  # reordered, one gone
        "k8s/workloads.yaml": sc.workloads() + "---\n" + sc.ALLOW_API,  # ...to another file
    })
    result = diff()
    assert result.is_empty, result


def test_widened_selector_gives_exactly_the_new_edges(repo: GitRepo) -> None:
    wide = sc.allow("allow-api", "api", "{}", "[{protocol: TCP, port: 8080}]")
    repo.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, wide, sc.ALLOW_WEB])})
    # podSelector {} as the only peer = every pod of the policy's namespace (shop), so only db
    # gains access; web already had it, ops/tool is in another namespace, api is itself
    assert edges(diff()) == {(ADDED, DB, API, "", "TCP 8080")}


def test_new_workload_and_external_ranges(repo: GitRepo) -> None:
    cidr = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-office
  namespace: shop
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports: [{protocol: TCP, port: 80}]
"""
    repo.commit({"k8s/office.yaml": cidr, "k8s/cache.yaml": sc.deployment("cache", "ops")})
    result = diff()
    assert result.workloads_added == ("ops/cache[Deployment]",)
    ext = {(c.src, c.dst, c.head) for c in result.connections if "[External]" in c.src}
    # the ipBlock minus its except: two ranges, exactly the addresses the rule admits; the new
    # unisolated workload accepts every address (the cut pieces are merged back into one)
    assert ext == {
        ("10.0.0.0-10.0.255.255[External]", WEB, "TCP 80"),
        ("10.2.0.0-10.255.255.255[External]", WEB, "TCP 80"),
        ("0.0.0.0-255.255.255.255[External]", "ops/cache[Deployment]", "All Connections"),
    }
    cache = [c for c in result.connections if "ops/cache" in (c.src + c.dst)]
    # a new, unisolated workload: every connection that involves it is new
    assert cache and all(c.change == ADDED for c in cache)
    assert all(c.src_change == ADDED for c in cache if c.src == "ops/cache[Deployment]")
    assert (("ops/cache[Deployment]", TOOL) in {(c.src, c.dst) for c in cache})
    assert not any(c.dst == WEB and c.src == "ops/cache[Deployment]" for c in cache)  # shop denies


def test_property_that_flips_is_reported_with_its_counterexample(repo: GitRepo) -> None:
    (repo.root / ".npaudit.yaml").write_text(sc.PROPERTY_CONFIG)
    web_to_db = sc.allow("allow-db-web", "db", "{matchLabels: {app: web}}", "[{protocol: TCP, port: 5432}]")
    repo.commit({"k8s/db.yaml": web_to_db})
    result = diff()
    [flip] = [p for p in result.properties if p.rule_id == "no-web-to-db"]
    assert (flip.base, flip.head) == ("holds", "violated")
    assert flip.counterexamples, "a violated property must show its counterexample"
    example = flip.counterexamples[0]
    assert "shop/web" in example.message and "shop/db" in example.message
    assert example.fingerprint in {f.fingerprint for f in result.new_findings}
    # the text report lists the counterexample once, under its property
    text = render_diff_text(result)
    assert text.count(example.message) == 1
    assert text.index(example.message) < text.index(summary_line(result))
    # and back: removing the rule makes it hold again, reported the other way round
    repo.commit({"k8s/db.yaml": None})
    [back] = [p for p in diff().properties if p.rule_id == "no-web-to-db"]
    assert (back.base, back.head) == ("violated", "holds")


def test_working_tree_is_the_default_head_and_is_not_modified(repo: GitRepo) -> None:
    repo.write({"k8s/db.yaml": sc.allow("allow-db-tool", "db", "{}", "[{protocol: UDP, port: 53}]")})
    result = diff(base="HEAD", head=None)
    assert result.head.commit is None and result.head.label == "working tree"
    assert edges(result) == {(ADDED, WEB, DB, "", "UDP 53"), (ADDED, API, DB, "", "UDP 53")}
    assert repo.git("status", "--porcelain") == "?? k8s/db.yaml"


def test_sequential_and_parallel_runs_agree(repo: GitRepo) -> None:
    api_9090 = sc.allow("allow-api", "api", "{matchLabels: {app: web}}", "[{protocol: TCP, port: 9090}]")
    repo.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, api_9090, sc.ALLOW_DB])})
    options = DiffOptions(base="HEAD~1", head="HEAD")
    one = run_diff(options, parallel=False).result
    two = run_diff(options, parallel=True).result
    assert one.connections == two.connections and one.new_findings == two.new_findings
    assert one.properties == two.properties and one.connections
