"""Identity of the objects being built (kind, namespace, name, where), turning schema problems
and validity issues into located findings, and deciding which problems keep an object out of
the model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from npaudit.document import Document, JsonPath
from npaudit.findings import Finding, Severity, object_anchor
from npaudit.schema import Problem, dotted
from npaudit.span import Span
from npaudit.validate import POD_TEMPLATE_PATH, Issue, get_path

SCHEMA_RULE_ID = "schema"
DUPLICATE_RULE_ID = "duplicate-object"

#: Kinds whose objects live in a namespace (the rest of the modelled kinds: Namespace).
CLUSTER_SCOPED = frozenset({"Namespace"})


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One manifest object: its kind, effective namespace ('' when cluster-scoped), name."""

    doc: Document
    kind: str
    namespace: str
    name: str

    @property
    def label(self) -> str:
        """`NetworkPolicy default/web`, `Namespace web` (as kubectl and findings name objects)."""
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    @property
    def span(self) -> Span:
        """Where the object is named: the `metadata.name` value (the line a reviewer looks for
        first; a List item without a name falls back to the item itself)."""
        return self.doc.value_span(("metadata", "name"))

    def anchor(self, path: JsonPath = ()) -> str:
        return object_anchor(self.kind, self.namespace or None, self.name, dotted(path))


def identify(doc: Document) -> ObjectInfo:
    """Kind, namespace and name of a document. An object without `metadata.namespace` lands in
    the namespace a kustomization assigns (`Document.default_namespace`), else `default`, as
    `kubectl apply` without `-n` does. A `generateName`-only object is named by its prefix."""
    data = doc.data
    metadata = data.get("metadata")
    meta: Mapping[str, object] = metadata if isinstance(metadata, Mapping) else {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        generated = meta.get("generateName")
        name = f"{generated}*" if isinstance(generated, str) and generated else "<unnamed>"
    kind = doc.kind
    if kind in CLUSTER_SCOPED:
        return ObjectInfo(doc, kind, "", name)
    namespace = meta.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        namespace = doc.default_namespace or "default"
    return ObjectInfo(doc, kind, namespace, name)


def missing_name(obj: ObjectInfo) -> Problem | None:
    """The API server needs `metadata.name` (or `generateName`); the schema cannot say so."""
    meta = obj.doc.data.get("metadata")
    if isinstance(meta, Mapping) and any(meta.get(k) not in (None, "") for k in ("name", "generateName")):
        return None  # set (a wrong type is the schema check's to report)
    if isinstance(meta, Mapping):
        return Problem(("metadata",), 'missing required field "name"', at_key=True)
    if meta is None:
        return Problem((), 'missing required field "metadata.name"', at_key=True)
    return None  # metadata of the wrong type: the schema check reports it


def schema_finding(obj: ObjectInfo, problem: Problem) -> Finding:
    span = obj.doc.key_span(problem.path) if problem.at_key else obj.doc.value_span(problem.path)
    where = _where(problem.path, problem.at_key, problem.message)
    return Finding(SCHEMA_RULE_ID, Severity.ERROR, f"{obj.label}: {where}{problem.message}", span, obj.anchor(problem.path))


def issue_finding(obj: ObjectInfo, issue: Issue) -> Finding:
    span = obj.doc.key_span(issue.path) if issue.at_key else obj.doc.value_span(issue.path)
    where = f"{dotted(issue.path)}: " if issue.path else ""
    return Finding(issue.rule_id, issue.severity, f"{obj.label}: {where}{issue.message}", span, obj.anchor(issue.path))


def _where(path: JsonPath, at_key: bool, message: str) -> str:
    """`spec.ingress[0].ports[0]: unknown field "portt"` names the parent of an unknown key."""
    if at_key and message.startswith("unknown ") and path:
        parent = path[:-1]
        return f"{dotted(parent)}: " if parent else ""
    return f"{dotted(path)}: " if path else ""


# --- which problems keep an object out of the model ------------------------------------

ANY = -1  # wildcard for a list index in the patterns below

_COMMON: tuple[JsonPath, ...] = (
    ("apiVersion",),
    ("kind",),
    ("metadata", "name"),
    ("metadata", "generateName"),
    ("metadata", "namespace"),
    ("metadata", "labels"),
    ("metadata", "annotations"),
    ("metadata", "ownerReferences"),
)


def model_paths(kind: str) -> tuple[JsonPath, ...]:
    """The fields the model builder reads for `kind` (see the module docstring of build.py)."""
    if kind == "NetworkPolicy":
        return _COMMON + (("spec",),)
    if kind == "Service":
        return _COMMON + (("spec", "selector"), ("spec", "ports"))
    template = POD_TEMPLATE_PATH.get(kind)
    if template is None:
        return _COMMON
    pod = template + ("spec",)
    paths = _COMMON + (
        template + ("metadata", "labels"),
        pod + ("hostNetwork",),
        pod + ("containers", ANY, "ports"),
        pod + ("initContainers", ANY, "ports"),
        pod + ("initContainers", ANY, "restartPolicy"),
    )
    if kind == "Pod":
        return paths + (("status", "podIP"), ("status", "podIPs"))
    return paths + (("spec", "replicas"),)


def _step_matches(step: str | int, pattern: str | int) -> bool:
    return step == pattern or (pattern == ANY and isinstance(step, int))


def touches_model(kind: str, path: JsonPath) -> bool:
    """True when `path` is at or below a field the builder reads, or an ancestor of one (a
    wrongly typed `spec` breaks everything under it)."""
    for pattern in model_paths(kind):
        n = min(len(path), len(pattern))
        if all(_step_matches(path[i], pattern[i]) for i in range(n)):
            return True
    return False


#: Fields the OpenAPI schema marks required but that the API server defaults when omitted
#: (Go value types, not pointers): missing, they are reported for that version's schema yet
#: mean what an empty value means (NetworkPolicy `podSelector`: every pod; optional since 1.34).
_DEFAULTED_REQUIRED: dict[str, frozenset[JsonPath]] = {
    "NetworkPolicy": frozenset({("spec", "podSelector")}),
}


def problem_excludes(kind: str, problem: Problem) -> bool:
    """Unknown fields never exclude: without strict field validation (`kubectl apply
    --validate=warn|false`, kubectl < 1.27, many GitOps tools) the API server drops them, so
    the object exists *without* the field and the model shows the effect of the typo. Any other
    problem in a field the model reads does exclude; problems elsewhere (a container without a
    name in a trimmed snapshot) are reported but do not hide the object's network facts."""
    if problem.at_key and problem.message.startswith("unknown "):
        return False
    subject = problem.path
    if problem.message.startswith("missing required field "):
        field = problem.message.split('"')[1] if '"' in problem.message else ""
        subject = problem.path + tuple(field.split(".")) if field else problem.path
        if subject in _DEFAULTED_REQUIRED.get(kind, frozenset()):
            return False
    return touches_model(kind, subject)


def issue_excludes(kind: str, issue: Issue) -> bool:
    return issue.severity is Severity.ERROR and touches_model(kind, issue.path)


def template_of(kind: str) -> JsonPath | None:
    return POD_TEMPLATE_PATH.get(kind)


def value_at(obj: ObjectInfo, path: JsonPath) -> object:
    return get_path(obj.doc.data, path)
