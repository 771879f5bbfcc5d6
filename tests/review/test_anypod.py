"""New access for any pod (Z3): `allowed_head ∧ ¬allowed_base` reported as cubes."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.diff.compare import DiffOptions, run_diff
from npaudit.diff.types import Cube, DiffResult

from tests.review import scenario as sc
from tests.review.helpers import GitRepo


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    g = GitRepo(tmp_path / "repo")
    g.commit(sc.base_files(), "base")
    monkeypatch.chdir(g.root)
    return g


def any_pod(**kw: object) -> DiffResult:
    return run_diff(DiffOptions(base="HEAD~1", head="HEAD", scope="any-pod", **kw)).result  # type: ignore[arg-type]


def test_widened_selector_is_one_cube_for_every_pod_but_web(repo: GitRepo) -> None:
    wide = sc.allow("allow-api", "api", "{}", "[{protocol: TCP, port: 8080}]")
    repo.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, wide, sc.ALLOW_WEB])})
    ap = any_pod().any_pod
    assert ap is not None and ap.status == "found" and not ap.capped
    # base admitted app=web only; head admits every pod of shop (podSelector {} peer): the new
    # access is every shop pod whose app label is not web (absent included), to app=api, TCP 8080
    assert ap.cubes == (Cube("shop", "{app not in (web)}", "shop", "{app=api}", "TCP", "8080"),)


def test_ip_block_opens_exactly_the_cidr_minus_its_except(repo: GitRepo) -> None:
    office = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-office, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
    ports: [{protocol: TCP, port: 80}]
"""
    repo.commit({"k8s/office.yaml": office})
    ap = any_pod().any_pod
    assert ap is not None and ap.status == "found"
    assert {(c.src_namespace, c.src_pod, c.dst_namespace, c.dst_pod, c.protocol, c.ports) for c in ap.cubes} == {
        ("external", "10.0.0.0-10.0.255.255", "shop", "{app=web}", "TCP", "80"),
        ("external", "10.2.0.0-10.255.255.255", "shop", "{app=web}", "TCP", "80"),
    }


def test_no_policy_change_proves_no_new_access_for_any_pod(repo: GitRepo) -> None:
    repo.commit({"k8s/cache.yaml": sc.deployment("cache", "ops")})
    result = any_pod()
    assert result.any_pod is not None and result.any_pod.status == "none"
    # the new workload itself still gains concrete connections (workload scope is included)
    assert result.workloads_added == ("ops/cache[Deployment]",) and result.has_new_access


def test_narrowing_is_not_new_access(repo: GitRepo) -> None:
    repo.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, sc.ALLOW_API])})  # allow-web removed
    result = any_pod()
    assert result.any_pod is not None and result.any_pod.status == "none"
    assert not result.has_new_access and result.connections


def test_cubes_are_capped_with_a_count(repo: GitRepo) -> None:
    # every port of every protocol to api from every pod: several blocks (web had TCP 8080)
    open_all = sc.allow("allow-api", "api", "{}", "[]").replace("    ports: []\n", "")
    ns_wide = open_all.replace("    - podSelector: {}\n", "    - namespaceSelector: {}\n")
    repo.commit({"k8s/policies.yaml": "---\n".join([sc.DEFAULT_DENY, ns_wide, sc.ALLOW_WEB])})
    full = any_pod(max_cubes=50).any_pod
    assert full is not None and full.status == "found" and full.total > 1 and not full.capped
    shown = any_pod(max_cubes=1).any_pod
    assert shown is not None and len(shown.cubes) == 1 and shown.total == full.total
