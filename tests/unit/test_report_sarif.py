"""SARIF renderer: every log these tests produce is validated against the vendored OASIS SARIF
2.1.0 schema, and the GitHub-specific expectations (explicit levels, results: [], relative URIs,
partialFingerprints, rule metadata) are checked on the parsed log."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from npaudit.findings import Finding, Related, Severity
from npaudit.report import Report, render_sarif
from npaudit.report.sarif import FINGERPRINT_KEY, artifact_uri
from npaudit.span import Span
from tests.unit.report_samples import RULE_DENY, RULES, empty_report, finding, reports, sample_report

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
#: RFC 3986 URI-reference characters (the vendored jsonschema has no uri-reference checker).
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif(report: Report, repo_root: str | None = "/repo") -> dict[str, Any]:
    """Render, validate against the SARIF 2.1.0 schema, and check every URI's syntax."""
    text = render_sarif(report, repo_root=repo_root)
    log = json.loads(text)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(log)]
    assert not errors, errors
    for uri in re.findall(r'"uri": "([^"]*)"', text):
        assert _URI_CHARS.match(uri), uri
        assert ":" not in uri.split("/")[0] or uri.startswith("file:///"), uri  # no scheme look-alikes
    return log


def _run(log: dict[str, Any]) -> dict[str, Any]:
    assert len(log["runs"]) == 1
    return log["runs"][0]


def test_sample_report_is_valid_sarif_with_one_run() -> None:
    log = sarif(sample_report())
    run = _run(log)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    driver = run["tool"]["driver"]
    assert driver["name"] == "npaudit" and driver["version"] == "0.1.0" and driver["semanticVersion"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")


def test_every_result_has_explicit_level_and_matching_rule_index() -> None:
    report = sample_report()
    run = _run(sarif(report))
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert result["level"] in ("error", "warning", "note")
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    # The warning under an error rule keeps "warning": without it SARIF §3.27.10 would make
    # the result inherit the rule's defaultConfiguration.level (error).
    warning = [r for r in run["results"] if r["ruleId"] == "no-db-from-ui" and r["level"] == "warning"]
    assert len(warning) == 1
    assert rules[warning[0]["ruleIndex"]]["defaultConfiguration"]["level"] == "error"


def test_levels_follow_severities_including_defaults_dropped_by_sarif_om() -> None:
    report = Report(
        findings=tuple(finding("policy-shadowed", s, "a.yaml", i) for i, s in enumerate(
            (Severity.ERROR, Severity.WARNING, Severity.NOTE), start=1)),
        rules=RULES, notes=(), inputs=(), tool_version="0.1.0",
    )
    run = _run(sarif(report))
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]
    shadowed = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "policy-shadowed")
    assert shadowed["defaultConfiguration"]["level"] == "warning"  # the schema default, kept explicit


def test_info_findings_are_not_results() -> None:
    run = _run(sarif(sample_report()))
    assert {r["ruleId"] for r in run["results"]} == {"no-db-from-ui", "policy-shadowed", "yaml-syntax"}
    assert len(run["results"]) == 4


def test_clean_scan_has_empty_results_and_full_rules() -> None:
    run = _run(sarif(empty_report()))
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(r.id for r in RULES)


def test_only_info_findings_still_give_empty_results() -> None:
    report = dataclasses.replace(empty_report(), findings=(finding("skipped-kind", Severity.INFO, "a.yaml", 1),))
    assert _run(sarif(report))["results"] == []


def test_rule_descriptor_carries_github_metadata() -> None:
    rules = {r["id"]: r for r in _run(sarif(sample_report()))["tool"]["driver"]["rules"]}
    deny = rules["no-db-from-ui"]
    assert deny["name"] == "NoDbFromUi"
    assert deny["shortDescription"]["text"] == RULE_DENY.summary
    assert deny["fullDescription"]["text"] == RULE_DENY.docs["what"]
    assert RULE_DENY.docs["fix"] in deny["help"]["text"] and RULE_DENY.docs["fix"] in deny["help"]["markdown"]
    assert "#" in deny["help"]["markdown"]
    assert deny["properties"]["security-severity"] == "8.0"  # a string, as GitHub requires
    assert deny["properties"]["tags"] == list(RULE_DENY.tags)
    assert deny["properties"]["precision"] in ("very-high", "high", "medium", "low")
    shadowed = rules["policy-shadowed"]
    assert "security-severity" not in shadowed["properties"]
    assert shadowed["properties"]["problem.severity"] == "warning"
    assert rules["dns-egress-open"]["defaultConfiguration"]["enabled"] is False  # disabled in config
    assert "enabled" not in deny["defaultConfiguration"]
    for rule in rules.values():
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"]


def test_unknown_rule_id_gets_a_stand_in_descriptor() -> None:
    run = _run(sarif(sample_report()))
    result = next(r for r in run["results"] if r["ruleId"] == "yaml-syntax")
    descriptor = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["id"] == "yaml-syntax" and descriptor["shortDescription"]["text"]


def test_locations_are_repository_relative_with_real_regions() -> None:
    report = dataclasses.replace(sample_report(), findings=(
        Finding("schema", Severity.ERROR, "unknown field 'portt'", Span("/repo/k8s/np.yaml", 18, 11), "a"),
        Finding("schema", Severity.ERROR, "bad cidr", Span("k8s/sub dir/np.yaml", 4, 9, 4, 22), "b"),
        Finding("schema", Severity.ERROR, "outside", Span("/elsewhere/np.yaml", 2, 1), "c"),
        Finding("schema", Severity.ERROR, "stdin", Span("<stdin>", 7, 5), "d"),
    ))
    results = {r["message"]["text"]: r for r in _run(sarif(report, repo_root="/repo"))["results"]}

    def where(msg: str) -> tuple[dict[str, Any], dict[str, Any]]:
        physical = results[msg]["locations"][0]["physicalLocation"]
        return physical["artifactLocation"], physical["region"]

    artifact, region = where("unknown field 'portt'")
    assert artifact == {"uri": "k8s/np.yaml", "uriBaseId": "%SRCROOT%"}
    assert region == {"startLine": 18, "startColumn": 11}
    artifact, region = where("bad cidr")
    assert artifact["uri"] == "k8s/sub%20dir/np.yaml"
    # Span ends are inclusive; SARIF endColumn is the column after the region.
    assert region == {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 23}
    artifact, _ = where("outside")
    assert artifact == {"uri": "file:///elsewhere/np.yaml"}
    artifact, _ = where("stdin")
    assert artifact["uri"] == "%3Cstdin%3E"


@pytest.mark.parametrize(("path", "root", "expected"), [
    ("k8s/np.yaml", None, ("k8s/np.yaml", "%SRCROOT%")),
    ("./k8s/../k8s/np.yaml", "/repo", ("k8s/np.yaml", "%SRCROOT%")),
    ("/repo/np.yaml", "/repo/", ("np.yaml", "%SRCROOT%")),
    ("/repository/np.yaml", "/repo", ("file:///repository/np.yaml", None)),  # a prefix is not a parent
    ("k8s\\win\\np.yaml", None, ("k8s/win/np.yaml", "%SRCROOT%")),
    ("c:np.yaml", None, ("c%3Anp.yaml", "%SRCROOT%")),  # would otherwise read as a URI scheme
])
def test_artifact_uri(path: str, root: str | None, expected: tuple[str, str | None]) -> None:
    assert artifact_uri(path, root) == expected


def test_region_never_starts_before_line_one_and_drops_a_malformed_end() -> None:
    report = dataclasses.replace(empty_report(), findings=(
        Finding("schema", Severity.ERROR, "zero", Span("a.yaml", 0, 0), "a"),
        Finding("schema", Severity.ERROR, "backwards", Span("a.yaml", 9, 4, 3, 1), "b"),
    ))
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in _run(sarif(report))["results"]]
    assert {"startLine": 1, "startColumn": 1} in regions
    assert {"startLine": 9, "startColumn": 4} in regions


def test_related_locations_have_ids_messages_and_regions() -> None:
    run = _run(sarif(sample_report()))
    result = next(r for r in run["results"] if r["ruleId"] == "no-db-from-ui" and r["level"] == "error")
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert related[0]["message"]["text"] == "source: ui/ui[Deployment]"
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "k8s/ui/deploy.yaml"
    assert related[1]["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 5}
    assert result["properties"] == {"port": 5432, "protocol": "TCP", "scope": "existing"}


def test_fingerprints_survive_moved_lines_and_never_claim_github_line_hash() -> None:
    before = finding("no-db-from-ui", Severity.ERROR, "np.yaml", 10, anchor="NetworkPolicy orders/x spec.ingress[0]")
    after = dataclasses.replace(before, span=Span("np.yaml", 42, 9))
    other = dataclasses.replace(before, anchor="NetworkPolicy orders/x spec.ingress[1]")

    def prints(f: Finding) -> dict[str, str]:
        report = dataclasses.replace(empty_report(), findings=(f,))
        return _run(sarif(report))["results"][0]["partialFingerprints"]

    assert prints(before) == prints(after) == {FINGERPRINT_KEY: before.fingerprint}
    assert prints(other) != prints(before)
    assert "primaryLocationLineHash" not in prints(before)


def test_output_is_byte_stable_whatever_the_finding_order() -> None:
    report = sample_report()
    shuffled = list(report.findings)
    random.Random(7).shuffle(shuffled)
    first = render_sarif(report, repo_root="/repo")
    assert first == render_sarif(dataclasses.replace(report, findings=tuple(shuffled)), repo_root="/repo")
    assert first == json.dumps(json.loads(first), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_non_semver_version_is_not_claimed_as_semantic_version() -> None:
    driver = _run(sarif(dataclasses.replace(empty_report(), tool_version="0.2.dev4")))["tool"]["driver"]
    assert driver["version"] == "0.2.dev4" and "semanticVersion" not in driver


def test_odd_properties_become_plain_json() -> None:
    f = finding("policy-shadowed", Severity.WARNING, "a.yaml", 1, ports=(80, 443), kinds={"b", "a"},
                where=Span("b.yaml", 2, 3), level=Severity.NOTE, nan=float("nan"))
    props = _run(sarif(dataclasses.replace(empty_report(), findings=(f,))))["results"][0]["properties"]
    assert props == {"kinds": ["a", "b"], "level": "note", "nan": "nan", "ports": [80, 443],
                     "where": {"path": "b.yaml", "line": 2, "col": 3}}


@settings(max_examples=60)
@given(reports)
def test_any_report_gives_valid_sarif(report: Report) -> None:
    run = _run(sarif(report, repo_root="/repo"))
    shown = [f for f in report.findings if f.severity is not Severity.INFO]
    assert len(run["results"]) == len(shown)
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_example_scan_gives_valid_sarif(examples_dir: Path) -> None:
    """The retail-store example through the real pipeline (skipped while the tree is partial)."""
    try:
        from npaudit.pipeline import ScanOptions, scan
        report = scan(ScanOptions(paths=(str(examples_dir / "retail-store"),), root=examples_dir.parent))
    except ImportError as exc:  # another part of the pipeline has not landed yet
        pytest.skip(f"pipeline not importable yet: {exc}")
    run = _run(sarif(report, repo_root=str(examples_dir.parent)))
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), uri
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_related_message_text_is_kept_verbatim() -> None:
    f = dataclasses.replace(
        finding("no-db-from-ui", Severity.ERROR, "a.yaml", 3),
        related=(Related(Span("b.yaml", 1, 1), 'covered by "allow-all" [ingress]'),),
    )
    result = _run(sarif(dataclasses.replace(empty_report(), findings=(f,))))["results"][0]
    assert result["relatedLocations"][0]["message"]["text"] == 'covered by "allow-all" [ingress]'
