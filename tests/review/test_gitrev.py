"""Reading revisions straight from Git: plumbing without the working tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.errors import UserError
from npaudit.gitrev import find_repo, kustomization_dirs, list_tree, materialised, read_blobs, resolve_commit

from tests.review.helpers import GitRepo


def test_tree_and_blobs_come_from_the_revision_not_the_checkout(tmp_path: Path) -> None:
    g = GitRepo(tmp_path)
    first = g.commit({"k8s/a.yaml": "kind: A\n", "k8s/sub/b.yml": "kind: B\n", "README.md": "x\n"})
    g.commit({"k8s/a.yaml": "kind: A2\n"})
    g.write({"k8s/a.yaml": "kind: dirty\n", "k8s/c.yaml": "untracked\n"})  # must not be seen
    repo = find_repo(tmp_path / "k8s")
    assert repo.root == tmp_path.resolve() and repo.prefix == "k8s/"
    commit = resolve_commit(repo, "HEAD~1")
    assert commit == first
    entries = list_tree(repo, commit, [repo.tree_path(".")])
    assert [e.path for e in entries] == ["k8s/a.yaml", "k8s/sub/b.yml"]
    blobs = read_blobs(repo, [e.sha for e in entries])
    assert [blobs[e.sha] for e in entries] == [b"kind: A\n", b"kind: B\n"]
    assert read_blobs(repo, [e.sha for e in list_tree(repo, resolve_commit(repo, "HEAD"), ["k8s/a.yaml"])]) != blobs


def test_unknown_revision_and_outside_paths_are_user_errors(tmp_path: Path) -> None:
    g = GitRepo(tmp_path)
    g.commit({"a.yaml": "kind: A\n"})
    repo = find_repo(tmp_path)
    with pytest.raises(UserError, match="unknown revision"):
        resolve_commit(repo, "no-such-branch")
    with pytest.raises(UserError):
        resolve_commit(repo, "--output=/tmp/x")
    with pytest.raises(UserError, match="outside"):
        repo.tree_path("../elsewhere")
    with pytest.raises(UserError, match="not inside a Git repository"):
        find_repo(tmp_path.parent)


def test_materialised_revision_and_kustomization_dirs(tmp_path: Path) -> None:
    g = GitRepo(tmp_path)
    commit = g.commit({"base/kustomization.yaml": "resources: [a.yaml]\n", "base/a.yaml": "kind: A\n"})
    g.commit({"base/a.yaml": None})
    repo = find_repo(tmp_path)
    assert kustomization_dirs(list_tree(repo, commit)) == ("base",)
    with materialised(repo, commit) as tmp:
        assert (tmp / "base" / "a.yaml").read_text() == "kind: A\n"
    assert not tmp.exists()
    assert not (tmp_path / "base" / "a.yaml").exists()  # the checkout is untouched
