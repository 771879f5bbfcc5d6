"""The model builder: what enters the model, in which canonical shape, and where it points.
Expectations come from Kubernetes semantics (docs/reference/semantics.md) and, for the corpus,
from netpol-analyzer's recorded outputs."""

from __future__ import annotations

import ipaddress
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.document import Document
from npaudit.findings import Severity
from npaudit.load import parse_text
from npaudit.model.build import (
    DEFAULT_KUBERNETES_VERSION,
    SUPPORTED_KUBERNETES_VERSIONS,
    BuildResult,
    UnknownKubernetesVersion,
    build_model,
)
from npaudit.span import Span
from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Direction,
    LabelSelector,
    Operator,
    Policy,
    Protocol,
    Requirement,
)


def docs(text: str, path: str = "m.yaml", default_namespace: str | None = None) -> list[Document]:
    parsed, problems = parse_text(textwrap.dedent(text).lstrip("\n"), path)
    assert not problems, [f.message for f in problems]
    if default_namespace is not None:
        parsed = [Document(d.path, d.index, d.data, d.positions, d.item_path, default_namespace) for d in parsed]
    return parsed


def build(text: str, **kwargs: object) -> BuildResult:
    return build_model(docs(text), **kwargs)  # type: ignore[arg-type]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle` in the dedented text."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def col_of(text: str, needle: str) -> tuple[int, int]:
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    for i, line in enumerate(lines):
        if needle in line:
            return i + 1, line.index(needle) + 1
    raise AssertionError(needle)


def only_policy(result: BuildResult) -> Policy:
    assert len(result.model.policies) == 1, result.findings
    return result.model.policies[0]


# --- acceptance: located problems ------------------------------------------------------

BROKEN = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {}
  ingress:
    - ports:
        - portt: 80
      from:
        - ipBlock:
            cidr: 10.0.0.0/33
        - ipBlock:
            cidr: 10.0.0.0/8
            except:
              - 10.1.0.0/16
              - 192.168.0.0/16
"""


def test_unknown_field_is_reported_at_the_key() -> None:
    result = build(BROKEN)
    [schema] = [f for f in result.findings if f.rule_id == "schema"]
    assert (schema.span.line, schema.span.col) == col_of(BROKEN, "portt")
    assert schema.message == 'NetworkPolicy default/web: spec.ingress[0].ports[0]: unknown field "portt"'
    assert schema.severity is Severity.ERROR
    assert schema.anchor == "NetworkPolicy default/web spec.ingress[0].ports[0].portt"


def test_bad_cidr_and_except_are_reported_at_their_lines() -> None:
    result = build(BROKEN)
    blocks = sorted((f.span.line, f.span.col, f.message) for f in result.findings if f.rule_id == "invalid-ipblock")
    assert [(line, col) for line, col, _ in blocks] == [col_of(BROKEN, "10.0.0.0/33"), col_of(BROKEN, "192.168.0.0/16")]
    assert "10.0.0.0/33" in blocks[0][2] and "192.168.0.0/16" in blocks[1][2]
    # the API server would reject the policy: it is not in the model
    assert result.model.policies == ()


def test_unknown_field_alone_keeps_the_object_without_the_field() -> None:
    """Without strict field validation the API server drops `portt`: the entry becomes `{}`,
    which means every TCP port."""
    text = BROKEN.split("      from:")[0]
    policy = only_policy(build(text))
    [port] = policy.ingress[0].ports
    assert (port.protocol, port.port, port.end_port) == (Protocol.TCP, None, None)


# --- policies ------------------------------------------------------------------------------

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
  namespace: shop
  annotations: {owner: team-a}
spec:
  podSelector:
    matchLabels: {tier: api, app: shop}
    matchExpressions:
      - {key: env, operator: In, values: [prod, dev, prod]}
      - {key: app, operator: In, values: [shop]}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: ui}}
        - namespaceSelector: {matchLabels: null}
        - namespaceSelector: {matchLabels: {team: ops}}
          podSelector: {}
        - ipBlock:
            cidr: 10.0.0.7/8
            except: [10.1.0.0/16]
      ports:
        - {}
        - port: http
          protocol: UDP
        - port: 8000
          endPort: 8100
    - {}
  egress:
    - to:
        - podSelector: null
          namespaceSelector: {}
"""


def test_policy_selectors_are_canonical() -> None:
    policy = only_policy(build(POLICY))
    assert policy.pod_selector == LabelSelector(
        (
            Requirement("app", Operator.IN, ("shop",)),  # matchLabels and the expression merge
            Requirement("env", Operator.IN, ("dev", "prod")),
            Requirement("tier", Operator.IN, ("api",)),
        )
    )
    peers = policy.ingress[0].peers
    assert peers[0].pod_selector == LabelSelector((Requirement("app", Operator.IN, ("ui",)),))
    assert peers[0].namespace_selector is None  # own namespace
    assert peers[1].namespace_selector == LabelSelector() and peers[1].pod_selector is None  # null matchLabels = all
    assert peers[2].namespace_selector == LabelSelector((Requirement("team", Operator.IN, ("ops",)),))
    assert peers[2].pod_selector == LabelSelector()
    block = peers[3].ip_block
    assert block is not None and peers[3].pod_selector is None and peers[3].namespace_selector is None
    assert block.cidr == ipaddress.ip_network("10.0.0.0/8")  # host bits masked as Kubernetes does
    assert block.excepts == (ipaddress.ip_network("10.1.0.0/16"),)
    # a null podSelector next to a namespaceSelector is absent: all pods of all namespaces
    [egress_peer] = policy.egress[0].peers
    assert egress_peer.pod_selector is None and egress_peer.namespace_selector == LabelSelector()
    assert policy.annotations == {"owner": "team-a"}


def test_policy_ports_and_rules() -> None:
    policy = only_policy(build(POLICY))
    ports = policy.ingress[0].ports
    assert [(p.protocol, p.port, p.end_port) for p in ports] == [
        (Protocol.TCP, None, None),  # `{}` is every TCP port, not every protocol
        (Protocol.UDP, "http", None),
        (Protocol.TCP, 8000, 8100),
    ]
    empty = policy.ingress[1]
    assert (empty.index, empty.peers, empty.ports, empty.path) == (1, (), (), "spec.ingress[1]")
    assert policy.egress[0].direction is Direction.EGRESS


def test_policy_spans_point_at_the_items() -> None:
    policy = only_policy(build(POLICY))
    assert policy.span is not None and policy.span.line == line_of(POLICY, "name: api")
    assert policy.pod_selector.span is not None and policy.pod_selector.span.line == line_of(POLICY, "  podSelector:")
    rule = policy.ingress[0]
    assert rule.span is not None and rule.span.line == line_of(POLICY, "- from:")
    assert [p.span.line for p in rule.peers if p.span] == [
        line_of(POLICY, "podSelector: {matchLabels: {app: ui}}"),
        line_of(POLICY, "namespaceSelector: {matchLabels: null}"),
        line_of(POLICY, "namespaceSelector: {matchLabels: {team: ops}}"),
        line_of(POLICY, "- ipBlock:"),
    ]
    assert [p.span.line for p in rule.ports if p.span] == [line_of(POLICY, "- {}"), line_of(POLICY, "port: http"), line_of(POLICY, "port: 8000")]
    assert policy.ingress[1].span is not None and policy.ingress[1].span.line == line_of(POLICY, "- {}", 2)
    block = rule.peers[3].ip_block
    assert block is not None and block.span is not None and block.span.line == line_of(POLICY, "- ipBlock:")


@pytest.mark.parametrize(
    ("spec", "types", "explicit"),
    [
        ("podSelector: {}", {Direction.INGRESS}, False),
        ("podSelector: {}\n  egress: [{}]", {Direction.INGRESS, Direction.EGRESS}, False),
        ("podSelector: {}\n  egress: []", {Direction.INGRESS}, False),  # empty egress: no egress isolation
        ("podSelector: {}\n  egress: [{}]\n  policyTypes: [Egress]", {Direction.EGRESS}, True),
        ("podSelector: {}\n  policyTypes: [Ingress, Egress]", {Direction.INGRESS, Direction.EGRESS}, True),
        ("podSelector: {}\n  policyTypes: []\n  egress: [{}]", {Direction.INGRESS, Direction.EGRESS}, False),
    ],
)
def test_effective_policy_types(spec: str, types: set[Direction], explicit: bool) -> None:
    text = f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p}}\nspec:\n  {spec}\n"
    policy = only_policy(build_model(docs(text)))
    assert policy.policy_types == frozenset(types)
    assert policy.explicit_policy_types is explicit


def test_missing_pod_selector_means_all_pods() -> None:
    text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {ingress: [{}]}\n"
    assert only_policy(build_model(docs(text))).pod_selector.matches_all
    old = build_model(docs(text), kubernetes_version="1.33")  # required by the 1.33 schema only
    assert [f.rule_id for f in old.findings] == ["schema"] and len(old.model.policies) == 1


# --- workloads -------------------------------------------------------------------------

WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {owner: me}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      initContainers:
        - name: migrate
          image: x
          ports: [{containerPort: 9999, name: migrate}]
        - name: proxy
          image: x
          restartPolicy: Always
          ports: [{containerPort: 15001, name: proxy}]
      containers:
        - name: web
          image: x
          ports:
            - {containerPort: 8080, name: http}
            - {containerPort: 53, protocol: UDP}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: a, image: x}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: ops}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {job: report}}
        spec:
          restartPolicy: Never
          containers: [{name: r, image: x}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: ops}
spec:
  replicas: 3
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: l, image: x}]
"""


def test_workloads_read_the_pod_template() -> None:
    result = build(WORKLOADS)
    assert not result.findings
    web, agent, report, legacy = result.model.workloads
    assert web.display == "shop/web[Deployment]"
    assert dict(web.labels) == {"app": "web", "tier": "front"}  # template labels, not the Deployment's
    assert [(p.port, p.protocol, p.name) for p in web.ports] == [
        (8080, Protocol.TCP, "http"),
        (53, Protocol.UDP, None),
        (15001, Protocol.TCP, "proxy"),  # a sidecar serves traffic; the plain init container does not
    ]
    assert web.replicas == 1 and not web.host_network
    assert web.span is not None and web.span.line == line_of(WORKLOADS, "name: web")
    assert web.labels_span is not None and web.labels_span.line == line_of(WORKLOADS, "labels: {app: web, tier: front}")
    assert agent.host_network and agent.replicas is None
    assert (report.kind, dict(report.labels)) == ("CronJob", {"job": "report"})
    assert (legacy.kind, legacy.replicas, dict(legacy.labels)) == ("ReplicationController", 3, {"app": "legacy"})


PODS = """
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u1, controller: true}
spec:
  containers: [{name: web, image: x, ports: [{containerPort: 8080, name: http}]}]
status:
  podIP: 10.0.0.1
  podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-2
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u1, controller: true}
spec:
  containers: [{name: web, image: x, ports: [{containerPort: 8080, name: http}]}]
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
  labels: {app: debug}
  ownerReferences:
    - {apiVersion: v1, kind: ConfigMap, name: not-a-controller, uid: u2}
spec:
  containers: [{name: d, image: x}]
"""


def test_owned_pods_are_grouped_by_controller() -> None:
    result = build(PODS)
    assert not result.findings and not result.notes
    group, debug = result.model.workloads
    assert group.display == "shop/web-abc[ReplicaSet]"
    assert group.pod_ips == tuple(ipaddress.ip_address(a) for a in ("10.0.0.1", "fd00::1", "10.0.0.2"))
    assert group.replicas == 2
    assert [p.port for p in group.ports] == [8080]
    assert group.span is not None and group.span.line == line_of(PODS, "name: web-abc-1")
    assert debug.display == "shop/debug[Pod]" and debug.replicas == 1 and debug.pod_ips == ()


def test_pods_of_a_declared_owner_add_their_ips() -> None:
    owner = """
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {name: web-abc, namespace: shop}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: x}]}
    ---
    """
    result = build_model(docs(owner) + docs(PODS, "pods.yaml"))
    kinds = [w.display for w in result.model.workloads]
    assert kinds == ["shop/web-abc[ReplicaSet]", "shop/debug[Pod]"]
    assert len(result.model.workloads[0].pod_ips) == 3


def test_pods_with_different_labels_in_one_group_get_a_note() -> None:
    text = PODS.replace("labels: {app: web, pod-template-hash: abc}", "labels: {app: web2}", 1)
    result = build(text)
    assert len(result.notes) == 1 and "shop/web-abc[ReplicaSet]" in result.notes[0]
    assert dict(result.model.workloads[0].labels) == {"app": "web2"}


# --- namespaces, services, skipped kinds, duplicates ------------------------------------

def test_namespaces_declared_implicit_and_default() -> None:
    text = """
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
      labels: {team: a, kubernetes.io/metadata.name: wrong}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: orders}
    spec:
      selector: {app: web}
      ports: [{port: 80, targetPort: http}, {port: 53, protocol: UDP, name: dns}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: external}
    spec: {ports: [{port: 443, targetPort: 8443}]}
    """
    result = build_model(docs(text, default_namespace="from-kustomize"))
    namespaces = result.model.namespaces
    assert sorted(namespaces) == ["from-kustomize", "orders", "shop"]
    shop = namespaces["shop"]
    assert shop.declared and dict(shop.labels) == {"team": "a", NAMESPACE_NAME_LABEL: "shop"}
    assert not namespaces["orders"].declared and dict(namespaces["orders"].labels) == {NAMESPACE_NAME_LABEL: "orders"}
    web, external = result.model.services
    assert (web.namespace, dict(web.selector or {})) == ("orders", {"app": "web"})
    assert [(p.port, p.protocol, p.target_port, p.name) for p in web.ports] == [(80, Protocol.TCP, "http", None), (53, Protocol.UDP, None, "dns")]
    assert (external.namespace, external.selector) == ("from-kustomize", None)
    assert result.model.namespace_labels("nowhere") == {NAMESPACE_NAME_LABEL: "nowhere"}


def test_objects_without_namespace_go_to_default() -> None:
    result = build("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n")
    assert result.model.workloads[0].namespace == "default"
    assert not result.model.namespaces["default"].declared


def test_other_kinds_are_counted_in_one_note() -> None:
    text = "\n---\n".join(
        f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: x{i}}}" for i, kind in enumerate(["ConfigMap", "Secret", "ConfigMap", "Ingress"])
    )
    result = build(text)
    assert result.notes == ("skipped 4 objects of kinds not in the network model: ConfigMap (2), Ingress (1), Secret (1)",)
    assert not result.findings


def test_duplicates_are_reported_at_the_later_and_the_later_is_kept() -> None:
    first = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{}]}\n"
    second = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}}\n"
    result = build_model(docs(first, "a.yaml") + docs(second, "b.yaml"))
    [dup] = result.findings
    assert (dup.rule_id, dup.span.path, dup.span.line) == ("duplicate-object", "b.yaml", 3)
    assert [(r.span.path, r.span.line) for r in dup.related] == [("a.yaml", 3)]
    assert only_policy(result).ingress == ()  # the later definition


def test_invalid_network_values_exclude_but_unrelated_problems_do_not() -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: bad-port, namespace: a}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 0}]}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: no-container-name, namespace: a}
    spec: {containers: [{image: x, ports: [{containerPort: 80}]}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {namespace: a}
    spec: {containers: [{name: c, image: x}]}
    """
    result = build(text)
    assert sorted(f.rule_id for f in result.findings) == ["invalid-port", "schema", "schema"]
    assert [w.name for w in result.model.workloads] == ["no-container-name"]
    assert result.model.workloads[0].ports == (ContainerPort(80),)


def test_wrong_types_never_raise() -> None:
    text = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: p}
    spec: {podSelector: [], ingress: {a: 1}, egress: [{to: 5, ports: [{port: [1]}]}], policyTypes: Ingress}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: []
    spec: 7
    ---
    apiVersion: v1
    kind: Namespace
    metadata: {name: 5, labels: [1]}
    """
    result = build(text)
    assert result.model.policies == () and result.model.workloads == ()
    assert all(f.rule_id == "schema" for f in result.findings) and len(result.findings) >= 6


def test_version_selection() -> None:
    assert DEFAULT_KUBERNETES_VERSION in SUPPORTED_KUBERNETES_VERSIONS
    with pytest.raises(UnknownKubernetesVersion):
        build_model([], kubernetes_version="1.12")
    assert build_model([], kubernetes_version="1.33").model.policies == ()


# --- the shared corpus -----------------------------------------------------------------

CORPUS_FOLDERS = [
    "calico-stars-demo", "eks-workshop-retail-store", "microservices-demo", "network-policy-recipes",
    "npa-acs-security-demos", "npa-bank-demo-old1", "npa-ipblockstest", "npa-netpol-analysis-example-minimal",
    "npa-onlineboutique-workloads", "npa-test-with-named-ports", "npa-with-end-port-example",
]


def _corpus_result(corpus_dir: Path, folder: str) -> tuple[BuildResult, Path]:
    from npaudit.load import load_paths

    target = corpus_dir / folder / "input" if (corpus_dir / folder / "input").is_dir() else corpus_dir / folder
    loaded = load_paths([str(target)], root=target)
    return build_model(loaded.documents), target


def _expected_peers(folder: Path) -> set[str]:
    """Workloads named in netpol-analyzer's recorded connectivity lists (`ns/name[Kind]`)."""
    peers: set[str] = set()
    for path in (folder / "expected").glob("*connlist_output.txt"):
        for line in path.read_text(encoding="utf-8").splitlines():
            for end in re.split(r" => | : ", line)[:2]:
                end = end.strip()
                if end.endswith("]") and not end.endswith("[External]") and "{" not in end:
                    peers.add(end)
    return peers


def test_every_corpus_folder_builds(corpus_dir: Path) -> None:
    assert sorted(p.name for p in corpus_dir.iterdir() if p.is_dir()) == sorted(CORPUS_FOLDERS)
    for folder in CORPUS_FOLDERS:
        result, _ = _corpus_result(corpus_dir, folder)
        model = result.model
        assert model.policies, folder  # every folder has policies
        for item in (*model.workloads, *model.policies, *model.services):
            assert item.namespace in model.namespaces, (folder, item)
            assert item.span is not None and item.span.line >= 1
        assert all(ns.labels[NAMESPACE_NAME_LABEL] == name for name, ns in model.namespaces.items())


@pytest.mark.parametrize("folder", [f for f in CORPUS_FOLDERS if f.startswith("npa-")])
def test_workloads_match_netpol_analyzer(corpus_dir: Path, folder: str) -> None:
    """Pods grouped by controller, Deployments from YAML and JSON lists, nested directories:
    the same workloads netpol-analyzer lists (`ns/<replicaset>[ReplicaSet]` for owned pods)."""
    result, _ = _corpus_result(corpus_dir, folder)
    assert {w.display for w in result.model.workloads} == _expected_peers(corpus_dir / folder)


def test_ipblockstest_snapshot_grouping(corpus_dir: Path) -> None:
    result, _ = _corpus_result(corpus_dir, "npa-ipblockstest")
    model = result.model
    assert len(model.namespaces) == 8 and all(ns.declared for ns in model.namespaces.values())
    assert not result.findings
    grouped = [w for w in model.workloads if w.kind != "Pod"]
    assert grouped and sum(w.replicas or 0 for w in model.workloads) == 29  # 29 pods in the PodList
    assert all(w.pod_ips for w in model.workloads)  # a cluster snapshot: every pod has status.podIP


def test_corpus_findings_are_the_known_ones(corpus_dir: Path) -> None:
    by_folder = {f: _corpus_result(corpus_dir, f)[0] for f in CORPUS_FOLDERS}
    counts = {f: sorted({x.rule_id for x in r.findings}) for f, r in by_folder.items() if r.findings}
    assert counts == {
        # two revisions of one policy side by side (README: "Same policy name twice")
        "eks-workshop-retail-store": ["duplicate-object"],
        "network-policy-recipes": ["duplicate-object"],
        # `status: {}` from an old `kubectl create --dry-run -o yaml`: NetworkPolicy has no status
        "npa-netpol-analysis-example-minimal": ["schema"],
        # trimmed snapshots: containers without the required `name` (reported, pods still modelled)
        "npa-test-with-named-ports": ["schema"],
        "npa-with-end-port-example": ["schema"],
    }
    minimal = by_folder["npa-netpol-analysis-example-minimal"]
    assert [(f.span.line, f.span.col) for f in minimal.findings] == [(21, 1), (51, 1), (64, 1)]
    assert len(minimal.model.policies) == 3
    recipes = by_folder["network-policy-recipes"].findings
    assert [(f.span.path, f.span.line) for f in recipes] == [("11-foo-deny-egress.yaml", 4)]
    assert [r.span.path for r in recipes[0].related] == ["11-foo-deny-egress-variant2.yaml"]


@pytest.mark.skipif(shutil.which("kubectl") is None and shutil.which("kustomize") is None, reason="needs kubectl or kustomize")
def test_retail_store_workloads_land_in_kustomize_namespaces(corpus_dir: Path) -> None:
    result, _ = _corpus_result(corpus_dir, "eks-workshop-retail-store")
    namespaces = {w.namespace for w in result.model.workloads}
    assert namespaces == {"ui", "catalog", "carts", "checkout", "orders"}


# --- robustness: any shape of input gives findings, never an exception -------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_TEMPLATES = docs(POLICY) + docs(WORKLOADS) + docs(PODS)


class _Nowhere:
    def key_span(self, path: object) -> Span:
        return Span("fuzz.yaml", 1, 1)

    def value_span(self, path: object) -> Span:
        return Span("fuzz.yaml", 1, 1)


def _mutate(value: object, data: st.DataObject, depth: int = 0) -> object:
    """Replace one randomly chosen node of `value` by random JSON."""
    children = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    if not children or depth > 8 or data.draw(st.integers(0, 4)) == 0:
        return data.draw(_JSON)
    key, child = data.draw(st.sampled_from(children))
    copy: dict[object, object] | list[object] = dict(value) if isinstance(value, dict) else list(value)  # type: ignore[arg-type]
    copy[key] = _mutate(child, data, depth + 1)  # type: ignore[index]
    return copy


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_manifests_never_raise(data: st.DataObject) -> None:
    template = data.draw(st.sampled_from(_TEMPLATES))
    mutated = _mutate(dict(template.data), data)
    if not isinstance(mutated, dict):
        mutated = {"kind": template.kind, "spec": mutated}
    result = build_model([Document("fuzz.yaml", 0, mutated, _Nowhere())])
    assert all(f.span.line >= 1 for f in result.findings)
    if result.findings == () and template.kind == "NetworkPolicy" and mutated.get("kind") == "NetworkPolicy":
        assert len(result.model.policies) == 1


def test_an_invalid_later_duplicate_leaves_the_earlier_in_force() -> None:
    first = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, ingress: [{}]}\n"
    second = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}, policyTypes: [Sideways]}\n"
    result = build_model(docs(first, "a.yaml") + docs(second, "b.yaml"))
    assert sorted((f.rule_id, f.span.path) for f in result.findings) == [("duplicate-object", "b.yaml"), ("invalid-policy-types", "b.yaml")]
    assert len(only_policy(result).ingress) == 1  # the earlier, valid definition
