"""The composite GitHub Action: its metadata is safe (inputs reach scripts only through `env:`)
and its shell steps work when run with the environment a runner gives them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLES_DIR, REPO_ROOT

ACTION = YAML(typ="safe").load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
REQUIRED_INPUTS = {"paths", "args", "version", "python-version", "format", "output", "upload", "category", "fail-on"}


def test_action_declares_the_documented_inputs() -> None:
    assert REQUIRED_INPUTS <= set(ACTION["inputs"])
    assert ACTION["runs"]["using"] == "composite"


def test_inputs_are_never_interpolated_into_scripts() -> None:
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"step {step.get('name')} interpolates an expression into its script"
            assert step.get("shell") == "bash"


def test_sarif_upload_runs_even_when_the_scan_fails() -> None:
    upload = next(s for s in ACTION["runs"]["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["if"].startswith("always()")


def _run_scan_step(tmp_path: Path, paths: str, fail_on: str = "error") -> tuple[subprocess.CompletedProcess[str], Path, Path, Path]:
    if shutil.which("npaudit") is None:
        pytest.skip("npaudit is not on PATH (install the project first)")
    out, summary, report = tmp_path / "github_output", tmp_path / "summary.md", tmp_path / "npaudit.sarif"
    out.touch()
    summary.touch()
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTION_PATH": str(REPO_ROOT),
        "NPAUDIT_PATHS": paths,
        "NPAUDIT_ARGS": "",
        "NPAUDIT_FORMAT": "sarif",
        "NPAUDIT_OUTPUT": str(report),
        "NPAUDIT_FAIL_ON": fail_on,
    }
    proc = subprocess.run(["bash", str(REPO_ROOT / ".github/action/scan.sh")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    return proc, out, summary, report


def test_scan_step_writes_sarif_summary_and_exit_code(tmp_path: Path) -> None:
    proc, out, summary, report = _run_scan_step(tmp_path, str(EXAMPLES_DIR / "retail-store"), fail_on="note")
    assert proc.returncode == 0, proc.stderr  # the step itself succeeds; the last step exits with the code
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["report-written"] == "true"
    assert outputs["exit-code"] == "1"  # the example has coverage-gap findings (warnings)
    sarif = json.loads(report.read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    text = summary.read_text()
    assert "npaudit" in text and "|" in text  # a Markdown table of findings


def test_scan_step_reports_usage_errors_as_exit_code_2(tmp_path: Path) -> None:
    proc, out, _, _ = _run_scan_step(tmp_path, str(tmp_path / "does-not-exist"))
    assert proc.returncode == 0
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["exit-code"] == "2"
