"""The loader: plain data, exact 1-based positions, multi-document files, JSON, Lists, directory
walks, standard input (helm `# Source:`), helm charts, kustomize. Expected positions are
computed from the input text itself (where `portt` is written), never copied from a run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from npaudit.document import Document
from npaudit.load import InputPathError, load_paths, parse_text
from npaudit.span import Span

PORTT_PATH = ("spec", "ingress", 0, "ports", 0, "portt")


def where(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the n-th occurrence of `needle` in `text`."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def at(span: Span) -> tuple[int, int]:
    return span.line, span.col


BLOCK = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector: {}
      ports:
        - protocol: TCP
          portt: 80
"""

FLOW = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {}, ingress: [{ports: [{protocol: TCP,   portt: 80}]}]}
"""


def only(docs: list[Document]) -> Document:
    assert len(docs) == 1, docs
    return docs[0]


# --- positions ---------------------------------------------------------------------------


def test_key_span_block_style() -> None:
    doc = only(parse_text(BLOCK, "p.yaml")[0])
    assert at(doc.key_span(PORTT_PATH)) == where(BLOCK, "portt")
    assert doc.key_span(PORTT_PATH).path == "p.yaml"
    assert at(doc.value_span(PORTT_PATH)) == where(BLOCK, "80")


def test_key_span_flow_style() -> None:
    doc = only(parse_text(FLOW, "p.yaml")[0])
    assert at(doc.key_span(PORTT_PATH)) == where(FLOW, "portt")
    assert at(doc.value_span(PORTT_PATH)) == where(FLOW, "80")
    assert at(doc.key_span(("metadata", "name"))) == where(FLOW, "name")


def test_key_span_in_second_document() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n" + BLOCK
    docs, findings = parse_text(text, "multi.yaml")
    assert not findings
    assert [d.index for d in docs] == [0, 1]
    assert at(docs[1].key_span(PORTT_PATH)) == where(text, "portt")
    assert at(docs[1].key_span(("kind",))) == where(text, "kind", occurrence=1)


def test_key_span_in_json_file(tmp_path: Path) -> None:
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"podSelector": {}, "ingress": [{"ports": [{"protocol": "TCP", "portt": 80}]}]},
    }
    text = json.dumps(obj, indent=2)
    (tmp_path / "p.json").write_text(text)
    result = load_paths([str(tmp_path)], root=tmp_path)
    doc = only(list(result.documents))
    assert doc.data == obj
    assert doc.path == "p.json"
    # the key span is the quoted key: its opening quote
    assert at(doc.key_span(PORTT_PATH)) == where(text, '"portt"')


def test_key_span_in_list_item() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: a}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: web}
  spec:
    ingress:
    - ports:
      - portt: 80
"""
    items = load_paths(["-"], stdin_text=text, stdin_name="l.yaml").documents
    assert [d.kind for d in items] == ["Namespace", "NetworkPolicy"]
    assert items[1].item_path == ("items", 1)
    assert at(items[1].key_span(PORTT_PATH)) == where(text, "portt")
    assert at(items[1].key_span(("kind",))) == where(text, "kind", occurrence=2)
    assert only(parse_text(text, "l.yaml")[0]).kind == "List"  # parse_text does not flatten


def test_absent_paths_resolve_to_nearest_existing_node() -> None:
    doc = only(parse_text(BLOCK, "p.yaml")[0])
    ports0 = doc.value_span(("spec", "ingress", 0, "ports", 0))
    assert at(ports0) == where(BLOCK, "protocol")  # the item mapping starts at its first key
    assert doc.value_span(("spec", "ingress", 0, "ports", 0, "port")) == ports0
    assert doc.key_span(("spec", "ingress", 0, "ports", 0, "port")) == ports0
    assert doc.value_span(("spec", "ingress", 7, "x")) == doc.value_span(("spec", "ingress"))
    assert doc.key_span(("spec", "ingress", 0)) == doc.value_span(("spec", "ingress", 0))
    assert at(doc.key_span(())) == (1, 1)


def test_positions_with_crlf_and_bom() -> None:
    text = "\ufeff" + BLOCK.replace("\n", "\r\n")
    doc = only(parse_text(text, "p.yaml")[0])
    assert at(doc.key_span(PORTT_PATH)) == where(BLOCK, "portt")
    assert at(doc.key_span(("apiVersion",))) == (1, 1)


def test_alias_value_points_at_the_alias_and_inside_at_the_anchor() -> None:
    text = "a: &x {k: 1}\nb: *x\n"
    doc = only(parse_text(text, "a.yaml")[0])
    assert doc.data == {"a": {"k": 1}, "b": {"k": 1}}
    assert at(doc.value_span(("b",))) == where(text, "*x")
    assert at(doc.key_span(("b", "k"))) == where(text, "k")


# --- documents -------------------------------------------------------------------------


def test_empty_and_comment_only_documents_are_skipped() -> None:
    text = "# header\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n...\n"
    docs, findings = parse_text(text, "e.yaml")
    assert not findings
    assert [d.data["metadata"] for d in docs] == [{"name": "a"}]
    # a comment before the first `---` starts no document: two empty documents come first
    assert docs[0].index == 2
    assert parse_text("", "empty.yaml") == ([], [])


def test_merge_keys_and_explicit_override() -> None:
    text = "base: &b {app: web, tier: front}\nlabels:\n  <<: *b\n  tier: back\n"
    docs, findings = parse_text(text, "m.yaml")
    assert not findings
    assert docs[0].data["labels"] == {"app": "web", "tier": "back"}


def test_quoted_key_named_merge_is_a_plain_key() -> None:
    docs, _ = parse_text('"<<": x\n', "m.yaml")
    assert docs[0].data == {"<<": "x"}


def test_list_items_take_kind_and_api_version_from_the_list(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: NamespaceList
items:
- metadata: {name: a}
- kind: Namespace
  metadata: {name: b}
"""
    (tmp_path / "ns.yaml").write_text(text)
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert not result.findings
    assert [(d.data["apiVersion"], d.kind, d.data["metadata"]["name"]) for d in result.documents] == [
        ("v1", "Namespace", "a"),
        ("v1", "Namespace", "b"),
    ]
    assert [d.item_path for d in result.documents] == [("items", 0), ("items", 1)]
    assert at(result.documents[0].key_span(("metadata",))) == where(text, "metadata")


def test_corpus_lists_and_json(corpus_dir: Path) -> None:
    result = load_paths([str(corpus_dir / "npa-test-with-named-ports" / "input")], root=corpus_dir)
    kinds = {d.kind for d in result.documents}
    assert {"Namespace", "Pod", "NetworkPolicy"} <= kinds
    assert not result.findings
    assert all(d.item_path for d in result.documents if d.kind in ("Namespace", "Pod"))


def test_json_array_result_file_is_a_note(corpus_dir: Path) -> None:
    result = load_paths([str(corpus_dir / "npa-acs-security-demos" / "input")], root=corpus_dir)
    assert not result.findings
    assert any("connlist_output.json" in note and "array" in note for note in result.notes)
    assert any(d.kind == "NetworkPolicy" for d in result.documents)


def test_every_corpus_folder_loads(corpus_dir: Path) -> None:
    for folder in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        result = load_paths([str(folder)], root=corpus_dir)
        assert all(f.span.line >= 1 and f.span.col >= 1 for f in result.findings)
        if folder.name != "calico-stars-demo":
            assert not [f for f in result.findings if f.rule_id != "kustomize-error"], folder.name


# --- inputs ----------------------------------------------------------------------------

NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n"


def test_directory_walk_is_sorted_and_skips_hidden_and_excluded(tmp_path: Path) -> None:
    for rel in ("b.yaml", "a/z.yml", "a/y.json", ".hidden/h.yaml", "a/.h.yaml", "skip/s.yaml", "notes.txt"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        name = Path(rel).stem
        path.write_text(json.dumps(json.loads('{"apiVersion":"v1","kind":"Namespace"}') | {"metadata": {"name": name}})
                        if rel.endswith(".json") else NS.format(name))
    result = load_paths([str(tmp_path)], root=tmp_path, exclude=["skip/**"])
    assert sorted(d.path for d in result.documents) == ["a/y.json", "a/z.yml", "b.yaml"]
    assert not result.findings


def test_exclude_by_file_name_pattern(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "keep.yaml").write_text(NS.format("keep"))
    (tmp_path / "sub" / "values.yaml").write_text(NS.format("values"))
    result = load_paths([str(tmp_path)], root=tmp_path, exclude=["values.yaml"])
    assert [d.path for d in result.documents] == ["sub/keep.yaml"]


def test_paths_relative_to_root_or_as_given(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ns.yaml").write_text(NS.format("a"))
    inside = load_paths([str(tmp_path / "in" / "ns.yaml")], root=tmp_path)
    assert inside.documents[0].path == "in/ns.yaml"
    assert inside.documents[0].key_span(("kind",)).path == "in/ns.yaml"
    outside = load_paths([str(tmp_path / "in" / "ns.yaml")], root=tmp_path / "elsewhere")
    assert outside.documents[0].path == (tmp_path / "in" / "ns.yaml").as_posix()


def test_non_manifest_yaml_in_walk_is_a_note_but_an_error_when_named(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 3\nimage: {tag: v1}\n")
    walked = load_paths([str(tmp_path)], root=tmp_path)
    assert not walked.findings and not walked.documents
    assert any("values.yaml" in n for n in walked.notes)
    named = load_paths([str(tmp_path / "values.yaml")], root=tmp_path)
    assert [(f.rule_id, f.span.line) for f in named.findings] == [("document-shape", 1)]


def test_missing_path_raises_input_path_error(tmp_path: Path) -> None:
    with pytest.raises(InputPathError) as err:
        load_paths([str(tmp_path / "nope.yaml")], root=tmp_path)
    assert err.value.path.endswith("nope.yaml")


def test_stdin_and_helm_source_comments() -> None:
    text = """\
apiVersion: v1
kind: Namespace
metadata: {name: first}
---
# Source: chart/templates/netpol.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  ingress:
  - ports:
    - portt: 80
"""
    result = load_paths(["-"], stdin_text=text, stdin_name="rendered.yaml")
    first, second = result.documents
    assert first.path == "rendered.yaml" and at(first.key_span(("kind",))) == (2, 1)
    assert second.path == "chart/templates/netpol.yaml"
    span = second.key_span(PORTT_PATH)
    assert span.path == "chart/templates/netpol.yaml"
    # lines count from the `# Source:` comment: the rendered template's own line numbers
    line, col = where(text, "portt")
    source_line, _ = where(text, "# Source:")
    assert (span.line, span.col) == (line - source_line, col)


def test_helm_chart_is_skipped_with_a_note(tmp_path: Path) -> None:
    chart = tmp_path / "mychart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: mychart\nversion: 0.1.0\n")
    (chart / "templates" / "np.yaml").write_text("kind: {{ .Values.kind }}\n")
    (tmp_path / "ns.yaml").write_text(NS.format("a"))
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert [d.path for d in result.documents] == ["ns.yaml"]
    assert not result.findings
    assert any("helm template" in n and "mychart" in n and "npaudit scan -" in n for n in result.notes)


# --- kustomize -------------------------------------------------------------------------

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None and shutil.which("kustomize") is None, reason="no kubectl/kustomize on PATH"
)

WORKLOADS = {
    ("Deployment", "catalog"): "catalog",
    ("StatefulSet", "catalog-mysql"): "catalog",
    ("Deployment", "carts"): "carts",
    ("Deployment", "checkout"): "checkout",
    ("Deployment", "orders"): "orders",
    ("Deployment", "ui"): "ui",
}


@needs_kubectl
def test_kustomize_puts_workloads_in_their_namespaces_and_points_at_sources(corpus_dir: Path) -> None:
    base = corpus_dir / "eks-workshop-retail-store" / "manifests" / "base-application"
    result = load_paths([str(base)], root=base)
    assert not result.findings
    by_id = {(d.kind, d.data["metadata"]["name"]): d for d in result.documents}
    for key, namespace in WORKLOADS.items():
        assert by_id[key].data["metadata"]["namespace"] == namespace
    catalog = by_id[("Deployment", "catalog")]
    assert catalog.path == "catalog/deployment.yaml"
    source = (base / "catalog" / "deployment.yaml").read_text()
    assert at(catalog.key_span(("spec", "template"))) == where(source, "template:")
    # the namespace exists only after rendering: it resolves to the nearest node, `metadata`
    assert catalog.key_span(("metadata", "namespace")) == catalog.value_span(("metadata",))
    assert not any(d.path.endswith("kustomization.yaml") for d in result.documents)


def test_kustomize_without_tools_reads_files_with_default_namespace(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    base = corpus_dir / "eks-workshop-retail-store" / "manifests" / "base-application"
    result = load_paths([str(base)], root=base)
    assert any("neither `kubectl` nor `kustomize`" in n for n in result.notes)
    by_id = {(d.kind, d.data["metadata"]["name"]): d for d in result.documents}
    for key, namespace in WORKLOADS.items():
        assert by_id[key].default_namespace == namespace
        assert "namespace" not in by_id[key].data["metadata"]
    assert by_id[("Deployment", "catalog")].path == "catalog/deployment.yaml"


@needs_kubectl
def test_kustomize_failure_is_located_and_falls_back(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    kustomization = "namespace: shop\nresources:\n  - ns.yaml\n  - moved.yaml\n"
    (app / "kustomization.yaml").write_text(kustomization)
    (app / "ns.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    result = load_paths([str(tmp_path)], root=tmp_path)
    (problem,) = result.findings
    assert problem.rule_id == "kustomize-error"
    assert problem.span.path == "app/kustomization.yaml"
    assert at(problem.span) == where(kustomization, "moved.yaml")
    (doc,) = result.documents
    assert doc.path == "app/ns.yaml" and doc.default_namespace == "shop"


@needs_kubectl
def test_kustomize_prefix_and_overlay_namespace(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "overlay").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("namespace: base-ns\nresources: [np.yaml]\n")
    policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector: {}\n"
    (tmp_path / "base" / "np.yaml").write_text(policy)
    (tmp_path / "overlay" / "kustomization.yaml").write_text("namespace: prod\nnamePrefix: prod-\nresources: [../base]\n")
    result = load_paths([str(tmp_path / "overlay")], root=tmp_path)
    (doc,) = result.documents
    assert doc.data["metadata"] == {"name": "prod-deny", "namespace": "prod"}
    assert doc.path == "base/np.yaml"
    assert at(doc.key_span(("spec", "podSelector"))) == where(policy, "podSelector")


# --- speed -----------------------------------------------------------------------------

DEPLOYMENT = """\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: ns-{n}
  labels: {{app: app-{i}, tier: "backend"}}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
        - name: main
          image: registry.example.com/app:1.2.{i}
          ports:
            - {{name: http, containerPort: 8080, protocol: TCP}}
            - name: metrics
              containerPort: 9090
          env:
            - {{name: ENABLED, value: "true"}}
"""


def test_parsed_data_equals_libyaml() -> None:
    """The event-stream constructor builds exactly the data libyaml's CSafeLoader builds (speed
    is measured by `python -m benchmarks`, not asserted in tests)."""
    yaml = pytest.importorskip("yaml")
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    from npaudit.load import parse_raw

    text = "".join(DEPLOYMENT.format(i=i, n=i % 7) for i in range(400))
    docs, findings = parse_raw(text, "speed.yaml")
    assert not findings
    assert [d.data for d in docs] == list(yaml.load_all(text, Loader=yaml.CSafeLoader))


@needs_kubectl
def test_kustomize_base_in_the_same_walk_is_rendered_only_by_its_overlay(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "overlays" / "prod").mkdir(parents=True)
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [np.yaml]\n")
    policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\nspec:\n  podSelector: {}\n"
    (tmp_path / "base" / "np.yaml").write_text(policy)
    (tmp_path / "overlays" / "prod" / "kustomization.yaml").write_text("namespace: prod\nresources: [../../base]\n")
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert [(d.path, d.data["metadata"].get("namespace")) for d in result.documents] == [("base/np.yaml", "prod")]
    assert any("base is included by overlays/prod" in n for n in result.notes)


def test_json_surrogate_pair_escapes_are_accepted_like_kubectl_json_decoding() -> None:
    text = json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "emoji", "annotations": {"a": "😀"}}}, indent=1)
    assert "\\ud83d\\ude00" in text  # json.dumps escapes it as a surrogate pair
    docs, findings = parse_text(text, "e.json")
    assert not findings
    assert docs[0].data["metadata"]["annotations"]["a"] == "😀"
