"""The hygiene rules on the shared corpus: the facts the corpus documents (SOURCE.md of the EKS
workshop folder), and no crash on any folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.pipeline import ScanOptions, scan
from npaudit.rulebook import builtin_catalogue

HYGIENE = frozenset(
    r.id for r in builtin_catalogue().rules.values() if "hygiene" in r.tags
)
LAB = "modules/networking/network-policies/apply-network-policies"


def _scan(root: Path, *paths: str, rules: frozenset[str] = HYGIENE) -> list[tuple[str, str, int]]:
    report = scan(ScanOptions(paths=tuple(str(root / p) for p in paths), root=root, only_rules=rules | {"internal-error"}))
    return sorted((f.rule_id, f.span.path, f.span.line) for f in report.findings)


def test_orders_fail_debug_peer_selects_nothing(corpus_dir: Path) -> None:
    # The two orders files are revisions of one object: scan each with the application.
    root = corpus_dir / "eks-workshop-retail-store" / "manifests"
    fail = _scan(root, "base-application", f"{LAB}/allow-order-ingress-fail-debug.yaml")
    success = _scan(root, "base-application", f"{LAB}/allow-order-ingress-success-debug.yaml")
    # the peer `- podSelector: {app.kubernetes.io/name: ui}` (line 13) only looks in orders
    assert ("peer-selects-nothing", f"{LAB}/allow-order-ingress-fail-debug.yaml", 13) in fail
    assert not [f for f in success if f[0] in ("peer-selects-nothing", "one-sided-allow")]


def test_example_policy_selects_no_retail_store_workload(corpus_dir: Path) -> None:
    root = corpus_dir / "eks-workshop-retail-store" / "manifests"
    found = _scan(root, "base-application", f"{LAB}/example-network-policy.yaml")
    # spec.podSelector (role=db in namespace default) is on line 7
    assert ("policy-selects-no-workload", f"{LAB}/example-network-policy.yaml", 7) in found
    assert not [f for f in found if f[0] == "policy-selects-no-workload" and "example" not in f[1]]


def test_lab_policies_select_their_workloads(corpus_dir: Path) -> None:
    root = corpus_dir / "eks-workshop-retail-store" / "manifests"
    found = _scan(root, "base-application", *(f"{LAB}/{n}" for n in (
        "allow-catalog-ingress-db.yaml", "allow-catalog-ingress-webservice.yaml", "allow-ui-egress.yaml")))
    assert not [f for f in found if f[0] in ("policy-selects-no-workload", "peer-selects-nothing", "redundant-rule")]


@pytest.mark.parametrize("folder", [
    "calico-stars-demo", "eks-workshop-retail-store", "microservices-demo", "network-policy-recipes",
    "npa-acs-security-demos", "npa-bank-demo-old1", "npa-ipblockstest", "npa-netpol-analysis-example-minimal",
    "npa-onlineboutique-workloads", "npa-test-with-named-ports", "npa-with-end-port-example",
])
def test_no_internal_error_on_corpus(corpus_dir: Path, folder: str) -> None:
    found = _scan(corpus_dir / folder, ".")
    assert not [f for f in found if f[0] == "internal-error"]
