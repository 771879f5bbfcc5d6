"""JSON renderer: the output always validates against schemas/findings.schema.json (the
documented `--format json` contract) and carries the findings' own data back unchanged."""

from __future__ import annotations

import dataclasses
import json
import re
from functools import lru_cache
from typing import Any

import jsonschema
from hypothesis import given, settings

from npaudit.findings import Severity
from npaudit.report import Report, render_json
from tests.conftest import REPO_ROOT
from tests.unit.report_samples import empty_report, finding, reports, sample_report


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((REPO_ROOT / "schemas" / "findings.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def as_json(report: Report) -> dict[str, Any]:
    data = json.loads(render_json(report))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(data)]
    assert not errors, errors
    return data


def test_sample_report_round_trips_every_field() -> None:
    report = sample_report()
    data = as_json(report)
    assert data["version"] == 1 and data["tool"] == {"name": "npaudit", "version": "0.1.0"}
    assert data["inputs"] == ["k8s"] and data["notes"] == list(report.notes)
    assert data["stats"] == {"documents": 9, "policies": 4}
    by_print = {f["fingerprint"]: f for f in data["findings"]}
    assert len(by_print) == len(report.findings)
    for f in report.findings:
        out = by_print[f.fingerprint]
        assert (out["rule_id"], out["severity"], out["message"], out["anchor"]) == (
            f.rule_id, f.severity.value, f.message, f.anchor)
        assert (out["location"]["path"], out["location"]["line"], out["location"]["col"]) == (
            f.span.path, f.span.line, f.span.col)
        assert [(r["location"]["path"], r["location"]["line"], r["message"]) for r in out["related"]] == [
            (r.span.path, r.span.line, r.message) for r in f.related]
    reach = next(f for f in data["findings"] if f["related"])
    assert reach["location"]["end_line"] == 16 and reach["location"]["end_col"] == 30
    assert reach["properties"] == {"port": 5432, "protocol": "TCP", "scope": "existing"}
    assert reach["rule_name"] == "NoDbFromUi"
    assert "rule_name" not in next(f for f in data["findings"] if f["rule_id"] == "yaml-syntax")


def test_summary_counts_what_the_findings_say() -> None:
    data = as_json(sample_report())
    severities = [f["severity"] for f in data["findings"]]
    summary = data["summary"]
    assert (summary["errors"], summary["warnings"], summary["notes"], summary["infos"]) == (
        severities.count("error"), severities.count("warning"), severities.count("note"), severities.count("info"))
    problems = [f for f in data["findings"] if f["severity"] != "info"]
    assert summary["files"] == len({f["location"]["path"] for f in problems})
    assert summary["by_rule"] == {"no-db-from-ui": 2, "policy-shadowed": 1, "yaml-syntax": 1}
    assert summary["suppressed"] == 2


def test_findings_are_sorted_by_place() -> None:
    places = [(f["location"]["path"], f["location"]["line"], f["location"]["col"])
              for f in as_json(sample_report())["findings"]]
    assert places == sorted(places)


def test_empty_report() -> None:
    data = as_json(empty_report())
    assert data["findings"] == [] and data["notes"] == [] and data["stats"] == {}
    assert data["summary"] == {"errors": 0, "warnings": 0, "notes": 0, "infos": 0, "files": 0,
                               "suppressed": 0, "by_rule": {}}


def test_schema_rejects_what_the_contract_forbids() -> None:
    """The schema is a real contract, not `{}`: a wrong severity or a missing field fails."""
    good = as_json(sample_report())
    bad_severity = json.loads(json.dumps(good))
    bad_severity["findings"][0]["severity"] = "critical"
    missing = json.loads(json.dumps(good))
    del missing["findings"][0]["location"]["line"]
    extra = json.loads(json.dumps(good))
    extra["surprise"] = True
    for doc in (bad_severity, missing, extra):
        assert not _validator().is_valid(doc)


def test_unicode_and_odd_messages_survive() -> None:
    f = dataclasses.replace(finding("policy-shadowed", Severity.WARNING, "ns/ünï.yaml", 2),
                            message='two\nlines, "quotes" and \x1b[31m an escape')
    data = as_json(dataclasses.replace(empty_report(), findings=(f,)))
    assert data["findings"][0]["message"] == f.message
    assert data["findings"][0]["location"]["path"] == "ns/ünï.yaml"


def test_output_is_stable() -> None:
    report = sample_report()
    reordered = dataclasses.replace(report, findings=tuple(reversed(report.findings)))
    assert render_json(report) == render_json(reordered)


@settings(max_examples=60)
@given(reports)
def test_any_report_validates(report: Report) -> None:
    data = as_json(report)
    assert len(data["findings"]) == len(report.findings)
    assert sum(data["summary"][k] for k in ("errors", "warnings", "notes", "infos")) == len(report.findings)


def test_documented_example_matches_the_schema() -> None:
    """docs/output-formats.md shows a JSON report; it must stay a valid one."""
    doc = (REPO_ROOT / "docs" / "output-formats.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.S)
    assert example is not None
    data = json.loads(example.group(1))
    assert not list(_validator().iter_errors(data))
    assert data["summary"]["by_rule"]  # the example shows a non-empty report
