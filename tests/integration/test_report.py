"""`npaudit report`: the compliance report of examples/retail-store, checked as a file (self-
contained, complete) and as a page rendered by a real headless Chromium (DOM and screenshot).

Expectations come from the example's policies and the Kubernetes semantics, or from another
command (`npaudit scan --format json`), never from the report itself."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from npaudit.properties import PROPERTY_KINDS
from npaudit.rulebook import builtin_catalogue
from tests.conftest import EXAMPLES_DIR, REPO_ROOT
from tests.integration import png_decode

EXAMPLE = EXAMPLES_DIR / "retail-store"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DOT = shutil.which("dot")
WIDTH, HEIGHT = 1280, 2000
#: the graph's colour for an unrestricted flow (npaudit.report.compliance_build.ALL_EDGE)
EDGE_RED = (0xCF, 0x22, 0x2E)


def _npaudit(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("npaudit")
    if exe is None:
        pytest.skip("npaudit is not on PATH (install the project first)")
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = _npaudit("report", "examples/retail-store", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return out


@pytest.fixture(scope="module")
def page(report_html: Path) -> str:
    return report_html.read_text(encoding="utf-8")


def _flow_rows(page: str) -> set[tuple[str, str, str]]:
    """The (source, destination, connections) rows of the connectivity table."""
    section = page[page.index('id="graph"'):page.index('id="findings"')]
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", section)
    return {tuple(html.unescape(c) for c in row) for row in cells}  # type: ignore[misc]


def test_the_page_loads_nothing_from_the_network(page: str) -> None:
    lowered = page.lower()
    for needle in ("<script", "<link", "<iframe", "<object", "<embed", "@import", "url("):
        assert needle not in lowered, needle
    assert not re.search(r"<img[^>]+src=", lowered)
    # The only URLs allowed are XML namespace names in the inline SVG, which are never fetched.
    for match in re.finditer(r"https?://", page):
        before = page[max(0, match.start() - 16):match.start()]
        assert re.search(r'xmlns(:\w+)?="$', before), page[match.start() - 40:match.end() + 40]


def test_every_enabled_property_has_a_verdict(page: str) -> None:
    props = [r.id for r in builtin_catalogue().enabled() if r.kind in PROPERTY_KINDS]
    assert props
    section = page[page.index('id="properties"'):page.index('id="graph"')]
    for rule_id in props:
        assert f"<code>{rule_id}" in section, rule_id


def _verdict(page: str, name: str) -> str:
    match = re.search(rf"<code>{re.escape(html.escape(name))}</code>.*?<td class=\"\w+\">(\w+)</td>", page, re.S)
    assert match, name
    return match.group(1)


def test_verdicts_follow_the_policies(page: str) -> None:
    # ui/default-deny-egress selects every ui pod (podSelector {}) for Egress
    assert _verdict(page, "default-deny-egress [namespace ui]") == "holds"
    assert "enforced by NetworkPolicy ui/default-deny-egress" in page
    # carts has no NetworkPolicy at all: nothing isolates its pods for ingress
    assert _verdict(page, "default-deny-ingress [namespace carts]") == "violated"
    # ui egress reaches only `component: service` pods (on http) and kube-dns, never a database
    assert _verdict(page, "no-db-from-ui") == "holds"


def test_findings_match_the_scan(page: str) -> None:
    proc = _npaudit("scan", "examples/retail-store", "--format", "json", "--fail-on", "error")
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert findings
    section = html.unescape(page[page.index('id="findings"'):])
    for f in findings:
        loc = f["location"]
        where = f"{loc['path']}:{loc['line']}:{loc['col']}"
        assert f["rule_id"] in section and where in section, (f["rule_id"], where)


def test_flows_follow_the_policies(page: str) -> None:
    rows = _flow_rows(page)
    # allowed by ui's egress (service pods, port http=8080) and catalog's ingress (from the ui)
    assert ("ui/ui[Deployment]", "catalog/catalog[Deployment]", "TCP 8080") in rows
    # catalog-mysql admits only the catalog service, on the MySQL port
    assert ("catalog/catalog[Deployment]", "catalog/catalog-mysql[StatefulSet]", "TCP 3306") in rows
    assert not any(src == "ui/ui[Deployment]" and dst.startswith("catalog/catalog-mysql") for src, dst, _ in rows)


def test_inputs_are_recorded_with_hashes_and_commit(page: str) -> None:
    for name in ("namespaces.yaml", "policies/ui-allow-egress.yaml"):
        digest = hashlib.sha256((EXAMPLE / name).read_bytes()).hexdigest()
        assert f"examples/retail-store/{name}" in page and digest in page
    assert "1.3" in page  # a Kubernetes minor version
    if (REPO_ROOT / ".git").exists() and shutil.which("git"):
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        assert head in page


@pytest.mark.skipif(DOT is None, reason="Graphviz `dot` is not installed (Debian package graphviz)")
def test_graph_is_inline_svg_with_namespaces_as_clusters(page: str) -> None:
    section = page[page.index('id="graph"'):page.index('id="findings"')]
    assert "<svg" in section and "<?xml" not in page and "<!DOCTYPE svg" not in page
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", section)}
    for ns in ("ui", "catalog", "carts", "checkout", "orders"):
        assert ns in texts, ns  # the cluster label
    assert "catalog-mysql[StatefulSet]" in texts


def test_without_graphviz_the_flows_are_a_table(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = _npaudit("report", "examples/retail-store", "--no-graph", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "<svg" not in text
    assert ("ui/ui[Deployment]", "catalog/catalog[Deployment]", "TCP 8080") in _flow_rows(text)


def test_markdown_report(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    proc = _npaudit("report", "examples/retail-store", "--format", "md", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# NetworkPolicy compliance report")
    assert "| `no-db-from-ui` | holds |" in text
    assert "| ui/ui[Deployment] | catalog/catalog[Deployment] | TCP 8080 |" in text


def test_broken_input_never_counts_as_proof(tmp_path: Path) -> None:
    """With an invalid manifest a proof covers only the valid objects: reported as unknown."""
    repo = tmp_path / "shop"
    shutil.copytree(EXAMPLE, repo)
    (repo / "broken.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: ui}\n"
        "spec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - port: 70000\n", encoding="utf-8")
    out = tmp_path / "report.html"
    proc = _npaudit("report", "shop", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert _verdict(text, "no-db-from-ui") == "unknown"
    assert "not a Git checkout" in text or "Git commit" in text


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _npaudit("report", "examples/retail-store", "--format", "pdf").returncode == 2
    assert _npaudit("report", "no/such/dir", "-o", str(tmp_path / "r.html")).returncode == 2
    assert _npaudit("report", "examples/retail-store", "--kubernetes-version", "0.1").returncode == 2


# --- in a real browser -------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package chromium)")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@needs_chromium
def test_chromium_renders_the_content(report_html: Path, tmp_path: Path) -> None:
    proc = _chromium(tmp_path, "--dump-dom", report_html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "NetworkPolicy compliance report" in dom
    for anchor in ('id="scope"', 'id="properties"', 'id="graph"', 'id="findings"'):
        assert anchor in dom, anchor
    assert "no-db-from-ui" in dom
    scan = _npaudit("scan", "examples/retail-store", "--format", "json")
    for rule_id in {f["rule_id"] for f in json.loads(scan.stdout)["findings"]}:
        assert rule_id in dom, rule_id
    if DOT is not None:
        assert "<svg" in dom


@needs_chromium
def test_chromium_screenshot_is_a_rendered_page(report_html: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", report_html.as_uri())
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    data = shot.read_bytes()
    head, lines = png_decode.rows(data)
    assert (head.width, head.height) == (WIDTH, HEIGHT)
    sample = png_decode.pixels(head, lines, step=2)
    non_white = sum(p != (255, 255, 255) for p in sample) / len(sample)
    assert len(set(sample)) > 100, "almost no colours: a blank or failed page"
    assert non_white > 0.03, f"only {non_white:.1%} of the page is not white"
    # the verdict colours and, when drawn, the graph's red edges reached the screen
    assert any(abs(r - 0x11) < 20 and abs(g - 0x63) < 20 and abs(b - 0x29) < 20 for r, g, b in sample), "no 'holds' green"
    if DOT is not None:
        reds = sum(all(abs(c - e) < 14 for c, e in zip(p, EDGE_RED)) for p in sample)
        assert reds > 200, f"only {reds} pixels of graph edges in the first {HEIGHT}px"


def test_large_connectivity_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the limits the graph is not drawn and the table lists the first flows; the count
    stays the full one (the same as `npaudit connectivity`)."""
    from click.testing import CliRunner

    from npaudit.cli import cli, report_cmd

    monkeypatch.setattr(report_cmd, "MAX_GRAPH_EDGES", 10)
    monkeypatch.setattr(report_cmd, "MAX_FLOW_ROWS", 5)
    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "examples/retail-store", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    listed = CliRunner().invoke(cli, ["connectivity", "examples/retail-store"]).stdout
    total = len([line for line in listed.splitlines() if " => " in line])
    assert total > 10
    assert "<svg" not in text and "the connectivity graph is not drawn" in text
    assert len(_flow_rows(text)) == 5
    assert f"{total} allowed flows" in text
