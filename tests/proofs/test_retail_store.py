"""Acceptance on examples/retail-store: the built-in properties hold for the ui as shipped; a
copy whose ui egress rule is widened to every pod makes no-db-from-ui fail with a database
workload and the widened rule's line; `prove` exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from npaudit.cli import cli

WIDENED_RULE = """        - namespaceSelector: {}
          podSelector:
            matchLabels:
              app.kubernetes.io/component: service
      ports:
        - protocol: TCP
          port: http
"""


def prove(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["prove", *args])
    return result.exit_code, result.output


@pytest.fixture()
def widened(tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example with the ui egress peer widened to `podSelector: {}` and its port list
    dropped (every pod of every namespace, any port)."""
    target = tmp_path / "retail"
    shutil.copytree(examples_dir / "retail-store", target)
    policy = target / "policies" / "ui-allow-egress.yaml"
    text = policy.read_text(encoding="utf-8")
    assert WIDENED_RULE in text, "the example's ui egress rule changed; update this test"
    policy.write_text(text.replace(WIDENED_RULE, "        - namespaceSelector: {}\n          podSelector: {}\n"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return target


def test_properties_hold_for_the_ui(examples_dir: Path) -> None:
    code, out = prove("--property", "no-db-from-ui", "--property", "dns-reachable", "--format", "json",
                      str(examples_dir / "retail-store"))
    assert code == 0, out
    results = {r["property"]: r for r in json.loads(out)["results"]}
    assert results["no-db-from-ui"]["verdict"] == "holds" and not results["no-db-from-ui"]["vacuous"]
    # the ui egress policies are what enforce it
    assert any("ui/" in e for e in results["no-db-from-ui"]["enforcing"])
    assert results["dns-reachable"]["verdict"] == "holds"
    assert any("modelled" in n for n in results["dns-reachable"]["notes"])


def test_widened_ui_egress_breaks_no_db_from_ui(widened: Path) -> None:
    code, out = prove("--property", "no-db-from-ui", "--format", "json", "retail")
    assert code == 1, out
    [result] = json.loads(out)["results"]
    first = result["counterexamples"][0]
    assert first["source"]["workload"]["name"] == "ui"
    # ingress of catalog's MySQL is isolated; the other databases are not (sorted: carts first)
    names = [c["destination"]["workload"]["name"] for c in result["counterexamples"]]
    assert names == ["carts-dynamodb", "checkout-redis", "orders-postgresql"]
    lines = (widened / "policies" / "ui-allow-egress.yaml").read_text(encoding="utf-8").splitlines()
    rule_line = next(i for i, t in enumerate(lines, 1) if t.strip() == "- to:")
    assert first["allowed_by"] == [f"NetworkPolicy ui/allow-ui-egress egress[0] (retail/policies/ui-allow-egress.yaml:{rule_line}:7)"]


def test_scan_reports_the_violation_at_the_widened_rule(widened: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", "--format", "json", "retail"])
    findings = [f for f in json.loads(result.output)["findings"] if f["rule_id"] == "no-db-from-ui"]
    assert findings, result.output
    assert {f["location"]["path"] for f in findings} == {"retail/policies/ui-allow-egress.yaml"}


def test_any_pod_scope_fails_where_workloads_scope_holds(examples_dir: Path) -> None:
    code, out = prove("--property", "no-db-from-ui", "--scope", "any-pod", "--format", "json",
                      str(examples_dir / "retail-store"))
    assert code == 1
    [result] = json.loads(out)["results"]
    dst = result["counterexamples"][0]["destination"]
    # a database-labelled pod that could be added next to a service (ingress not isolated there)
    assert dst["kind"] == "pod" and "could exist" in dst["description"]
    assert dst["labels"].get("app.kubernetes.io/team") == "database" or dst["labels"].get("app.kubernetes.io/component")


def test_usage_errors_exit_2(examples_dir: Path) -> None:
    code, out = prove("--property", "no-such-property", str(examples_dir / "retail-store"))
    assert code == 2
    code, _ = prove(str(examples_dir / "retail-store"))
    assert code == 2


def test_unknown_exits_3(examples_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "npaudit.yaml"
    config.write_text("prove: {rlimit: 1}\n", encoding="utf-8")
    code, out = prove("--property", "no-db-from-ui", "--config", str(config), str(examples_dir / "retail-store"))
    assert code == 3, out
    assert "UNKNOWN" in out


def test_sarif_output_locates_the_violation(widened: Path) -> None:
    code, out = prove("--property", "no-db-from-ui", "--format", "sarif", "retail")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    assert results and all(r["ruleId"] == "no-db-from-ui" for r in results)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"retail/policies/ui-allow-egress.yaml"}
