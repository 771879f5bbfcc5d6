"""Sample reports and Hypothesis strategies shared by the renderer tests (test_report_*.py)."""

from __future__ import annotations

from hypothesis import strategies as st

from npaudit.checks.base import RuleMeta
from npaudit.findings import Finding, Related, Severity, object_anchor
from npaudit.report import Report
from npaudit.span import Span

DOCS = {
    "what": "Proves that no pod labelled app=ui can open a connection to a database pod.",
    "why": "A compromised front end must not be able to talk to the database directly.",
    "example": "ui/ui[Deployment] can reach orders/orders-postgresql[StatefulSet] on TCP 5432",
    "fix": "Remove the ingress rule that admits the ui namespace, or narrow its podSelector.",
}

RULE_DENY = RuleMeta(
    id="no-db-from-ui", name="NoDbFromUi", kind="deny-reach", severity=Severity.ERROR,
    summary="No ui pod can reach a database pod.", docs=DOCS,
    tags=("security", "kubernetes", "networkpolicy", "proof"), security_severity=8.0,
)
RULE_HYGIENE = RuleMeta(
    id="policy-shadowed", name="PolicyShadowed", kind="shadow", severity=Severity.WARNING,
    summary="A policy rule allows nothing that other rules do not already allow.", docs=DOCS,
    tags=("networkpolicy", "hygiene"),
)
RULE_NOTE = RuleMeta(
    id="dns-egress-open", name="DnsEgressOpen", kind="must-reach", severity=Severity.NOTE,
    summary="DNS egress is allowed for every namespace.", docs=DOCS, tags=("networkpolicy",),
    status="disabled",
)
RULES = (RULE_DENY, RULE_HYGIENE, RULE_NOTE)


def finding(rule: str, severity: Severity, path: str, line: int, col: int = 3, *,
            anchor: str | None = None, related: tuple[Related, ...] = (), **props: object) -> Finding:
    return Finding(
        rule, severity, f"{rule} at {path}:{line}", Span(path, line, col),
        anchor or object_anchor("NetworkPolicy", "orders", "allow-ui", f"spec.ingress[{line}]"), related, dict(props),
    )


def sample_report() -> Report:
    """A warning under an error rule, a finding with two related places, a note, an info note,
    and a finding of a rule id the catalogue does not know."""
    reach = Finding(
        "no-db-from-ui", Severity.ERROR,
        "ui/ui[Deployment] can reach orders/orders-postgresql[StatefulSet] on TCP 5432 — allowed by "
        "NetworkPolicy orders/allow-all ingress[0]",
        Span("k8s/orders/netpol.yaml", 14, 7, 16, 30),
        object_anchor("NetworkPolicy", "orders", "allow-all", "spec.ingress[0]") + " ui/ui",
        (Related(Span("k8s/ui/deploy.yaml", 5, 3), "source: ui/ui[Deployment]"),
         Related(Span("k8s/orders/db.yaml", 9, 5), "destination: orders/orders-postgresql[StatefulSet]")),
        {"port": 5432, "protocol": "TCP", "scope": "existing"},
    )
    return Report(
        findings=(
            reach,
            finding("no-db-from-ui", Severity.WARNING, "k8s/orders/netpol.yaml", 30),
            finding("policy-shadowed", Severity.NOTE, "k8s/catalog/netpol.yaml", 8),
            finding("yaml-syntax", Severity.ERROR, "k8s/broken.yaml", 3, 12),
            finding("skipped-kind", Severity.INFO, "k8s/catalog/configmap.yaml", 1, 1),
        ),
        rules=RULES,
        notes=("skipped 3 objects of other kinds (ConfigMap: 2, Secret: 1)",),
        inputs=("k8s",),
        tool_version="0.1.0",
        suppressed=2,
        stats={"documents": 9, "policies": 4},
    )


def empty_report() -> Report:
    return Report(findings=(), rules=RULES, notes=(), inputs=(".",), tool_version="0.1.0")


_path_part = st.text(alphabet="abcz-_.0 ", min_size=1, max_size=6).filter(lambda s: s.strip(". ") != "")
paths = st.lists(_path_part, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + ".yaml")
spans = st.builds(Span, paths, st.integers(1, 500), st.integers(1, 120))
severities = st.sampled_from(list(Severity))
rule_ids = st.sampled_from(["no-db-from-ui", "policy-shadowed", "dns-egress-open", "schema", "x9-y"])
messages = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
related = st.builds(Related, spans, st.text(max_size=20))
properties = st.dictionaries(
    st.text(min_size=1, max_size=5),
    st.one_of(st.integers(-5, 70000), st.text(max_size=8), st.booleans(), st.none(),
              st.lists(st.integers(0, 9), max_size=3), st.tuples(st.text(max_size=3))),
    max_size=3,
)
findings = st.builds(
    Finding, rule_ids, severities, messages, spans, st.text(min_size=1, max_size=30),
    st.lists(related, max_size=3).map(tuple), properties,
)
reports = st.builds(
    Report,
    findings=st.lists(findings, max_size=8).map(tuple),
    rules=st.just(RULES),
    notes=st.lists(st.text(max_size=30), max_size=2).map(tuple),
    inputs=st.just((".",)),
    tool_version=st.sampled_from(["0.1.0", "1.2.3-rc.1", "0.2.dev4"]),
    suppressed=st.integers(0, 5),
)
