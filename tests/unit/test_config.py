"""`.npaudit.yaml`: discovery from the working directory up to the repository root, located
errors, overrides reaching the catalogue and the prover settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.config import find_config, load_config
from npaudit.errors import UserError
from npaudit.findings import Severity


def test_found_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "k8s" / "apps").mkdir(parents=True)
    (repo / ".npaudit.yaml").write_text("kubernetes_version: '1.33'\n", encoding="utf-8")
    assert find_config(repo / "k8s" / "apps") == (repo / ".npaudit.yaml").resolve()
    # not above the repository root
    (tmp_path / ".npaudit.yaml").write_text("{}\n", encoding="utf-8")
    (repo / ".npaudit.yaml").unlink()
    assert find_config(repo / "k8s") is None


def test_missing_explicit_config_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UserError):
        load_config(str(tmp_path / "nope.yaml"))


def test_overrides_reach_catalogue_and_settings(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".npaudit.yaml").write_text(
        "rules:\n"
        "  disable: [default-deny-egress]\n"
        "  severity: {dns-reachable: warning}\n"
        "  params:\n"
        "    no-db-from-ui: {scope: any-pod}\n"
        "dns: {model: never}\n"
        "prove: {rlimit: 1000}\n",
        encoding="utf-8",
    )
    config = load_config(None, start=tmp_path)
    assert not config.findings
    catalogue = config.catalogue()
    assert catalogue.rules["default-deny-egress"].status == "disabled"
    assert catalogue.rules["dns-reachable"].severity is Severity.WARNING
    assert catalogue.rules["no-db-from-ui"].params["scope"] == "any-pod"
    settings = config.settings()
    assert settings["dns"] == {"model": "never"} and settings["prove"] == {"rlimit": 1000}
    assert "default-deny-egress" not in {p["id"] for p in settings["properties"]}


def test_errors_are_located(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".npaudit.yaml").write_text(
        "rules:\n"
        "  disabel: [x]\n",
        encoding="utf-8",
    )
    [finding] = load_config(None, start=tmp_path).findings
    assert finding.rule_id == "config" and (finding.span.line, finding.span.col) == (2, 3)
    assert "disabel" in finding.message


def test_user_properties_inline_and_from_a_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "props").mkdir()
    prop = (
        "id: {id}\nname: UserProp\nkind: deny-reach\nseverity: error\nsummary: a user property for tests\n"
        "docs: {{what: a, why: b, example: c, fix: d}}\n"
        "params:\n  from: {{podSelector: {{matchLabels: {{app: a}}}}}}\n  to: {{ipBlock: {{cidr: {cidr}}}}}\n"
    )
    (tmp_path / "props" / "p.yaml").write_text(prop.format(id="from-dir", cidr="10.0.0.0/8"), encoding="utf-8")
    (tmp_path / "props" / "bad.yaml").write_text(prop.format(id="bad-cidr", cidr="10.0.0.0/88"), encoding="utf-8")
    (tmp_path / ".npaudit.yaml").write_text("properties_dir: props\n", encoding="utf-8")
    config = load_config(None, start=tmp_path)
    # the invalid one is reported (once, here) and left out: a scan never runs it
    assert {p.id for p in config.properties} == {"from-dir"}
    [finding] = config.findings
    assert finding.span.path.endswith("props/bad.yaml") and finding.span.line == 9
    assert "not a CIDR" in finding.message
