"""The pre-commit hooks, run by the real `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

BROKEN = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector: {}
  ingress:
    - ports:
        - portt: 80
"""

CLEAN = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "manifests"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).write_text(text)
    _git(repo, "add", ".")
    return repo


def _try_repo(repo: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (it is a test dependency: pip install '.[test]')")
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"), "NO_COLOR": "1"}
    return subprocess.run(
        ["pre-commit", "try-repo", str(REPO_ROOT), hook, "--verbose", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_violation_fails_the_commit_with_a_located_message(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"policy.yaml": BROKEN})
    proc = _try_repo(repo, "npaudit", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "policy.yaml:10:11: error schema" in proc.stdout, proc.stdout


def test_clean_repository_passes(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"shop.yaml": CLEAN})
    proc = _try_repo(repo, "npaudit", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_changed_files_variant_reports_only_changed_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"policy.yaml": BROKEN, "shop.yaml": CLEAN})
    only_clean = _try_repo(repo, "npaudit-changed", "--files", "shop.yaml")
    assert only_clean.returncode == 0, only_clean.stdout + only_clean.stderr
    with_broken = _try_repo(repo, "npaudit-changed", "--files", "policy.yaml")
    assert with_broken.returncode == 1 and "policy.yaml:10:11" in with_broken.stdout, with_broken.stdout
