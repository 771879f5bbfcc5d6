"""`npaudit connectivity` and `npaudit explain` on the retail-store example and the corpus."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from npaudit.cli import cli
from tests.conftest import REPO_ROOT
from tests.engine.normalize import compare

SCHEMA = json.loads((REPO_ROOT / "schemas" / "connectivity.schema.json").read_text(encoding="utf-8"))


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def retail(examples_dir: Path) -> str:
    path = examples_dir / "retail-store"
    if not path.is_dir():
        pytest.skip("examples/retail-store not present")
    return str(path)


def test_ui_reaches_services_and_dns_but_no_database(retail: str) -> None:
    code, out, err = _run("connectivity", retail, "--from", "ui/ui")
    assert code == 0
    dsts = {line.split(" => ")[1].split(" : ")[0]: line.split(" : ")[1] for line in out.splitlines()}
    services = {"carts/carts[Deployment]", "catalog/catalog[Deployment]", "checkout/checkout[Deployment]",
                "orders/orders[Deployment]"}
    assert services <= set(dsts)
    assert all(dsts[s] == "TCP 8080" for s in services)  # named port http = 8080 on every service
    assert dsts["kube-system/coredns[Deployment]"] == "TCP 53,UDP 53"
    assert "assumed the cluster DNS" in err
    databases = ("mysql", "dynamodb", "redis", "postgresql")
    assert not [d for d in dsts if any(db in d for db in databases)]
    assert not [d for d in dsts if "External" in d]  # ui egress is default-deny


def test_no_assume_dns_drops_the_dns_line(retail: str) -> None:
    code, out, _ = _run("connectivity", retail, "--from", "ui/ui", "--no-assume-dns")
    assert code == 0 and "coredns" not in out


def test_explain_names_the_admitting_rules_with_file_and_line(retail: str) -> None:
    code, out, _ = _run("explain", retail, "--from", "ui/ui", "--to", "catalog/catalog")
    assert code == 0
    assert "allowed: TCP 8080" in out
    assert "ui/allow-ui-egress egress[0] (" in out and "policies/ui-allow-egress.yaml:" in out
    assert "catalog/allow-catalog-ingress-webservice ingress[0] (" in out and "catalog-allow-ingress.yaml:" in out


def test_explain_lists_every_blocker_of_a_denial(retail: str) -> None:
    code, out, _ = _run("explain", retail, "--from", "ui/ui", "--to", "catalog/catalog-mysql", "--port", "3306/TCP",
                        "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["allowed"] == "No Connections" and doc["denied"] == "TCP 3306"
    assert {b["policy"] for b in doc["egress"]["blockers"]} == {"ui/allow-ui-egress", "ui/default-deny-egress"}
    assert {b["policy"] for b in doc["ingress"]["blockers"]} == {"catalog/allow-catalog-ingress-db"}
    assert all(b["span"]["line"] >= 1 for side in ("egress", "ingress") for b in doc[side]["blockers"])


def test_json_output_follows_the_schema_and_the_txt_flows(retail: str) -> None:
    _, txt, _ = _run("connectivity", retail)
    code, out, _ = _run("connectivity", retail, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert [f"{f['src']} => {f['dst']} : {f['conn']}" for f in doc["flows"]] == txt.splitlines()
    dns = [f for f in doc["flows"] if f["destination"].get("name") == "coredns"]
    assert dns and all(f["destination"]["assumed"] for f in dns)


@pytest.mark.parametrize("fmt", ["csv", "md", "dot", "mermaid"])
def test_other_formats_carry_the_same_flows(retail: str, fmt: str) -> None:
    _, txt, _ = _run("connectivity", retail, "--from", "ui/ui")
    code, out, _ = _run("connectivity", retail, "--from", "ui/ui", "--format", fmt)
    assert code == 0
    lines = txt.splitlines()
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["src", "dst", "conn"]
        assert [f"{a} => {b} : {c}" for a, b, c in rows[1:]] == lines
    elif fmt == "md":
        assert len(out.splitlines()) == len(lines) + 2
    elif fmt == "dot":
        assert out.startswith("digraph") and out.count(" -> ") == len(lines) and "subgraph cluster_" in out
    else:
        assert out.startswith("flowchart LR") and out.count("-->|") == len(lines) and "subgraph" in out


def test_port_filter_restricts_the_connection_set(retail: str) -> None:
    code, out, _ = _run("connectivity", retail, "--from", "ui/ui", "--port", "53/UDP")
    assert code == 0
    assert out.splitlines() == ["ui/ui[Deployment] => kube-system/coredns[Deployment] : UDP 53"]


def test_unknown_endpoint_is_a_usage_error(retail: str) -> None:
    code, _, err = _run("explain", retail, "--from", "ui/nope", "--to", "catalog/catalog")
    assert code == 2 and "no workload matches" in err


def test_cli_matches_netpol_analyzer_on_a_corpus_folder(corpus_dir: Path) -> None:
    folder = corpus_dir / "npa-onlineboutique-workloads"
    code, out, _ = _run("connectivity", str(folder / "input"), "--no-assume-dns")
    assert code == 0
    expected = next((folder / "expected").glob("*_connlist_output.txt")).read_text(encoding="utf-8")
    assert compare(out.splitlines(), expected.splitlines()) == (set(), set())
