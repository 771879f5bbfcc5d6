"""A violated user property whose counterexample has no manifest line to blame (a pod that
could exist, nothing isolated) is located at the property's definition in the config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from npaudit.cli import cli

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
"""

CONFIG = """\
# user properties
properties:
  - id: nothing-reaches-api
    name: NothingReachesApi
    kind: deny-reach
    severity: error
    summary: No pod can reach the api pods.
    docs: {what: w, why: w, example: e, fix: f}
    params:
      from:
        namespaceSelector: {}
      to:
        podSelector: {matchLabels: {app: api}}
      scope: any-pod
"""


def test_counterexample_without_a_manifest_line_points_at_the_property(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ns.yaml").write_text(MANIFEST)
    (tmp_path / ".npaudit.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["scan", ".", "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "nothing-reaches-api"]
    assert found, result.stdout
    # no workload exists: both ends are pods that could exist, no policy is involved
    for f in found:
        assert f["location"]["path"] == ".npaudit.yaml"
        assert (f["location"]["line"], f["location"]["col"]) == (3, 5)  # the `id:` key of `  - id: ...`
