"""The review features through the command line: the new-access gate, diff formats, baselines
and suppressions on real files (loader, pipeline, renderers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from npaudit.cli import cli
from npaudit.schema import validate_instance

from tests.review import scenario as sc
from tests.review.helpers import GitRepo

WEB_TO_DB = sc.allow("allow-db-web", "db", "{matchLabels: {app: web}}", "[{protocol: TCP, port: 5432}]")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    g = GitRepo(tmp_path / "repo")
    # shop/cache is isolated only by the default-deny policy, which therefore
    # never becomes redundant when a test adds an allow policy (one new finding per change)
    cache = sc.deployment("cache", "shop")
    g.commit({**sc.base_files(), "k8s/cache.yaml": cache, ".npaudit.yaml": sc.PROPERTY_CONFIG}, "base")
    monkeypatch.chdir(g.root)
    return g


# --- diff --------------------------------------------------------------------------------


def test_fail_on_new_access_exit_codes(repo: GitRepo) -> None:
    code, out, _ = run("diff", "--base", "HEAD", "--fail-on-new-access")
    assert code == 0 and "No change" in out
    repo.commit({"k8s/db.yaml": WEB_TO_DB})
    code, out, _ = run("diff", "--base", "HEAD~1", "--head", "HEAD", "--fail-on-new-access")
    assert code == 1
    assert "+ shop/web[Deployment] => shop/db[Deployment] : TCP 5432" in out
    assert "granted by NetworkPolicy shop/allow-db-web ingress[0] (k8s/db.yaml:12)" in out
    # closing access is not new access: reverting the change passes the gate
    code, _, _ = run("diff", "--base", "HEAD", "--head", "HEAD~1", "--fail-on-new-access")
    assert code == 0
    # without the flag a change is reported but never fails
    assert run("diff", "--base", "HEAD~1", "--head", "HEAD")[0] == 0


def test_unknown_revision_is_a_usage_error(repo: GitRepo) -> None:
    code, _, err = run("diff", "--base", "no-such-rev")
    assert code == 2 and "unknown revision" in err


def test_json_follows_the_schema_and_sarif_holds_only_new_findings(repo: GitRepo) -> None:
    repo.commit({"k8s/db.yaml": WEB_TO_DB})
    code, out, _ = run("diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "json")
    payload = json.loads(out)
    assert validate_instance(payload, "diff.schema.json") == []
    assert payload["new_access"] is True
    assert [(c["src"], c["dst"], c["opened"]) for c in payload["connections"]] == [
        ("shop/web[Deployment]", "shop/db[Deployment]", "TCP 5432")
    ]
    assert [p["rule"] for p in payload["properties"]] == ["no-web-to-db"]
    code, out, _ = run("diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    new_rules = {f["rule"] for f in payload["new_findings"]}
    assert {r["ruleId"] for r in results} == new_rules and "no-web-to-db" in new_rules
    assert len(results) == len(payload["new_findings"])


def test_markdown_has_a_mermaid_graph_of_the_changed_edges(repo: GitRepo) -> None:
    repo.commit({"k8s/db.yaml": WEB_TO_DB})
    _, out, _ = run("diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "md")
    graph = out[out.index("```mermaid"):out.index("```", out.index("```mermaid") + 3)]
    assert '["shop/web[Deployment]"]' in graph and '["shop/db[Deployment]"]' in graph
    assert graph.count("-->") == 1 and '|"TCP 5432"|' in graph
    assert "| `no-web-to-db` | holds | **violated** |" in out


# --- baseline ----------------------------------------------------------------------------


def test_baseline_round_trip(repo: GitRepo) -> None:
    code, _, err = run("scan", "k8s", "--write-baseline", "baseline.json")
    assert code == 0 and "baseline entries" in err
    code, out, err = run("scan", "k8s", "--baseline", "baseline.json", "--fail-on", "note")
    assert code == 0, out
    assert "no longer matches" not in err
    # a new violation: only it is reported
    repo.write({"k8s/db.yaml": WEB_TO_DB})
    code, out, _ = run("scan", "k8s", "--baseline", "baseline.json", "--format", "json")
    found = json.loads(out)["findings"]
    assert code == 1
    assert [(f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in found] == [("no-web-to-db", "k8s/db.yaml", 12)]
    # move lines around: documents reordered, the new policy moved into another file
    repo.write({
        "k8s/db.yaml": None,
        "k8s/policies.yaml": "---\n".join([sc.ALLOW_WEB, WEB_TO_DB, sc.ALLOW_API, sc.DEFAULT_DENY]),
        "k8s/workloads.yaml": "# reordered\n" + "---\n".join(reversed(sc.workloads().split("---\n"))),
    })
    code, out, _ = run("scan", "k8s", "--baseline", "baseline.json", "--format", "json")
    found = json.loads(out)["findings"]
    assert code == 1
    assert [(f["rule_id"], f["location"]["path"]) for f in found] == [("no-web-to-db", "k8s/policies.yaml")]


def test_stale_baseline_entries_are_listed_on_stderr(repo: GitRepo) -> None:
    repo.write({"k8s/db.yaml": WEB_TO_DB})
    assert run("scan", "k8s", "--write-baseline", "baseline.json")[0] == 0
    repo.write({"k8s/db.yaml": None})
    code, _, err = run("scan", "k8s", "--baseline", "baseline.json")
    assert code == 0
    assert "baseline entry no longer matches: no-web-to-db" in err


# --- suppressions ------------------------------------------------------------------------


def _annotated(value: str) -> str:
    return WEB_TO_DB.replace("  namespace: shop\n", f"  namespace: shop\n  annotations:\n    npaudit.io/ignore: \"{value}\"\n", 1)


def _json_scan() -> tuple[int, dict]:
    code, out, _ = run("scan", "k8s", "--format", "json")
    return code, json.loads(out)


def test_annotation_suppresses_and_is_counted(repo: GitRepo) -> None:
    repo.write({"k8s/db.yaml": _annotated("no-web-to-db -- the nightly export reads the database (ADR-7)")})
    code, payload = _json_scan()
    assert code == 0
    assert "no-web-to-db" not in {f["rule_id"] for f in payload["findings"]}
    assert payload["summary"]["suppressed"] == 1
    code, out, _ = run("scan", "k8s", "--format", "sarif")
    assert "no-web-to-db" not in {r["ruleId"] for r in json.loads(out)["runs"][0]["results"]}


def test_annotation_without_reason_is_a_finding_and_suppresses_nothing(repo: GitRepo) -> None:
    repo.write({"k8s/db.yaml": _annotated("no-web-to-db")})
    code, payload = _json_scan()
    got = {(f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in payload["findings"]}
    lines = (repo.root / "k8s/db.yaml").read_text().splitlines()
    annotation_line = next(i for i, line in enumerate(lines, 1) if "npaudit.io/ignore" in line)
    assert ("suppression-missing-reason", "k8s/db.yaml", annotation_line) in got
    assert ("no-web-to-db", "k8s/db.yaml", 14) in got  # two annotation lines pushed it down
    assert payload["summary"]["suppressed"] == 0 and code == 1


def test_comment_on_the_line_above_suppresses(repo: GitRepo) -> None:
    text = WEB_TO_DB.replace("  - from:", "  # npaudit: ignore[no-web-to-db] export job, see ADR-7\n  - from:")
    repo.write({"k8s/db.yaml": text})
    code, payload = _json_scan()
    assert code == 0 and payload["summary"]["suppressed"] == 1
    assert not [f for f in payload["findings"] if f["rule_id"] in ("no-web-to-db", "suppression-missing-reason")]


def test_comment_on_the_same_line_without_reason(repo: GitRepo) -> None:
    text = WEB_TO_DB.replace("  - from:", "  - from:  # npaudit: ignore[no-web-to-db]")
    repo.write({"k8s/db.yaml": text})
    code, payload = _json_scan()
    got = {(f["rule_id"], f["location"]["line"], f["location"]["col"]) for f in payload["findings"]}
    assert ("suppression-missing-reason", 12, len("  - from:  #")) in got
    assert ("no-web-to-db", 12, 5) in got and code == 1


def test_suppression_comment_read_from_standard_input(repo: GitRepo) -> None:
    text = WEB_TO_DB.replace("  - from:", "  - from:  # npaudit: ignore[no-web-to-db] reviewed")
    stdin = (repo.root / "k8s/workloads.yaml").read_text() + "---\n" + (repo.root / "k8s/policies.yaml").read_text() + "---\n" + text
    result = CliRunner().invoke(cli, ["scan", "-", "--format", "json"], input=stdin)
    payload = json.loads(result.stdout)
    assert payload["summary"]["suppressed"] == 1
