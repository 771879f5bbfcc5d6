"""Documents -> `Model`, with the schema and validity checks that decide what enters it.

What `build_model` does, per document:
1. names the object (kind, namespace, name; see `objects.identify`);
2. checks it against the strict schema of the chosen Kubernetes version (`schema` findings) and
   runs the validity checks the schemas cannot express (`validate.py`);
3. leaves out of the model any object the API server would reject *for a value the model would
   read*: an invalid object never exists in a cluster, and modelling one would make every
   engine reason about traffic no cluster can see. Unknown fields are the exception: they are
   errors, but the API server drops them when strict field validation is off, so the object is
   modelled without them (a mistyped `portt:` then shows up as the "all ports" it becomes).
   Problems in fields the model does not read (a container without a name in a trimmed
   cluster snapshot) are reported and the object is kept (`objects.problem_excludes`);
4. reports two objects with the same kind/namespace/name (`duplicate-object`, at the later one,
   with the earlier one as related location) and keeps only the later one, which is what
   `kubectl apply` of the scanned files leaves in the cluster;
5. builds namespaces (declared and implicit, each with `kubernetes.io/metadata.name`),
   workloads (owned Pods grouped by controller), services and policies.

Kinds outside the model are counted in one info note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from npaudit.document import Document
from npaudit.findings import Finding, Related, Severity
from npaudit.gcpause import gc_paused
from npaudit.model.objects import (
    DUPLICATE_RULE_ID,
    ObjectInfo,
    identify,
    issue_excludes,
    issue_finding,
    missing_name,
    problem_excludes,
    schema_finding,
)
from npaudit.model.policies import build_policy, string_map
from npaudit.model.types import NAMESPACE_NAME_LABEL, Model, Namespace, Policy, Service, ServicePort, Protocol, Workload
from npaudit.model.workloads import group_workloads
from npaudit.schema import (
    DEFAULT_KUBERNETES_VERSION,
    SUPPORTED_KUBERNETES_VERSIONS,
    UnknownKubernetesVersion,
    check_object,
    resolve_version,
)
from npaudit.validate import POD_TEMPLATE_PATH, get_path, items_of, object_issues

__all__ = [
    "DEFAULT_KUBERNETES_VERSION",
    "MODEL_KINDS",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "BuildResult",
    "UnknownKubernetesVersion",
    "build_model",
    "CheckCache",
]

#: Kinds read into the model.
MODEL_KINDS = frozenset({"Namespace", "NetworkPolicy", "Service", *POD_TEMPLATE_PATH})


@dataclass(frozen=True, slots=True)
class BuildResult:
    model: Model
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]


class CheckCache:
    """Findings of `_check` by document, shared between builds in one process (`npaudit diff`
    builds two revisions whose unchanged files are parsed once): the same parsed data, at the
    same position tree, path and identity, checked against the same schemas, gives the same
    findings. The data is kept alive with its entry, so its `id` cannot be reused."""

    __slots__ = ("entries", "hits", "misses")

    def __init__(self) -> None:
        self.entries: dict[tuple[object, ...], tuple[object, tuple[Finding, ...], bool]] = {}
        self.hits = 0
        self.misses = 0


def build_model(
    documents: Sequence[Document], *, kubernetes_version: str | None = None, cache: CheckCache | None = None
) -> BuildResult:
    """Check every document and build the model (see the module docstring). `cache`: reuse
    the checks of documents an earlier build in this process already checked.

    Raises `UnknownKubernetesVersion` (a `ValueError` and `UserError`; the CLI exits 2) when
    `kubernetes_version` has no shipped schemas."""
    version = resolve_version(kubernetes_version)
    with gc_paused():  # like the loader: many small containers, no cycles worth collecting
        return _build(documents, version, cache)


def _build(documents: Sequence[Document], version: str, cache: CheckCache | None = None) -> BuildResult:
    findings: list[Finding] = []
    skipped: Counter[str] = Counter()
    checked: list[tuple[ObjectInfo, bool]] = []
    for doc in documents:
        if doc.kind not in MODEL_KINDS:
            skipped[doc.kind or "(no kind)"] += 1
            continue
        obj = identify(doc)
        checked.append((obj, _check(obj, version, findings) if cache is None else _cached_check(obj, version, findings, cache)))
    kept = _without_duplicates(checked, findings)
    model, notes = _assemble(kept)
    if skipped:
        notes.insert(0, _skipped_note(skipped))
    return BuildResult(model, tuple(findings), tuple(notes))


def _check(obj: ObjectInfo, version: str, findings: list[Finding]) -> bool:
    """Append the object's findings; True when it must stay out of the model."""
    problems = list(check_object(obj.doc.data, obj.kind, version) or ())
    name_problem = missing_name(obj)
    if name_problem is not None:
        problems.insert(0, name_problem)
    issues = object_issues(obj.kind, obj.doc.data)
    findings.extend(schema_finding(obj, p) for p in problems)
    findings.extend(issue_finding(obj, i) for i in issues)
    return any(problem_excludes(obj.kind, p) for p in problems) or any(issue_excludes(obj.kind, i) for i in issues)


def _cached_check(obj: ObjectInfo, version: str, findings: list[Finding], cache: CheckCache) -> bool:
    doc = obj.doc
    key = (id(doc.data), id(doc.positions), doc.path, doc.index, doc.item_path, obj.kind, obj.namespace, obj.name, version)
    hit = cache.entries.get(key)
    if hit is not None and hit[0] is doc.data:
        cache.hits += 1
        findings.extend(hit[1])
        return hit[2]
    cache.misses += 1
    mine: list[Finding] = []
    excluded = _check(obj, version, mine)
    cache.entries[key] = (doc.data, tuple(mine), excluded)
    findings.extend(mine)
    return excluded


def _without_duplicates(checked: list[tuple[ObjectInfo, bool]], findings: list[Finding]) -> list[ObjectInfo]:
    """Report each repeated kind/namespace/name at the later object (related: the earlier
    one) and keep the last *valid* definition: `kubectl apply` applies files in order, a later
    valid object overwrites the earlier one, and a rejected one leaves the earlier in place."""
    seen: dict[tuple[str, str, str], ObjectInfo] = {}
    keep: dict[tuple[str, str, str], ObjectInfo] = {}
    for obj, excluded in checked:
        earlier = seen.get(obj.key)
        if earlier is not None:
            findings.append(_duplicate(obj, earlier, excluded))
        seen[obj.key] = obj
        if not excluded:
            keep[obj.key] = obj
    ids = {id(o) for o in keep.values()}
    return [o for o, _ in checked if id(o) in ids]


def _duplicate(obj: ObjectInfo, earlier: ObjectInfo, excluded: bool) -> Finding:
    outcome = (
        "this later definition is invalid, so an earlier valid one stays in force"
        if excluded
        else "this later definition is the one analysed, as `kubectl apply` would keep it"
    )
    return Finding(
        DUPLICATE_RULE_ID,
        Severity.ERROR,
        f"{obj.label} is defined twice (first at {earlier.span}); {outcome}",
        obj.span,
        obj.anchor("duplicate"),
        (Related(earlier.span, f"first definition of {obj.label}"),),
    )


def _assemble(objects: list[ObjectInfo]) -> tuple[Model, list[str]]:
    workloads, notes = group_workloads([o for o in objects if o.kind in POD_TEMPLATE_PATH])
    policies = tuple(build_policy(o) for o in objects if o.kind == "NetworkPolicy")
    services = tuple(_service(o) for o in objects if o.kind == "Service")
    declared = [o for o in objects if o.kind == "Namespace"]
    namespaces = _namespaces(declared, workloads, policies, services)
    return Model(namespaces, workloads, policies, services), notes


def _namespaces(
    declared: list[ObjectInfo],
    workloads: tuple[Workload, ...],
    policies: tuple[Policy, ...],
    services: tuple[Service, ...],
) -> dict[str, Namespace]:
    """Declared namespaces, then those only referred to (`declared=False`). The API server sets
    `kubernetes.io/metadata.name` to the name on every namespace, overriding the manifest."""
    out: dict[str, Namespace] = {}
    for obj in declared:
        labels = {**string_map(get_path(obj.doc.data, ("metadata", "labels"))), NAMESPACE_NAME_LABEL: obj.name}
        annotations = string_map(get_path(obj.doc.data, ("metadata", "annotations")))
        out[obj.name] = Namespace(obj.name, labels, True, annotations, obj.span)
    for item in (*workloads, *policies, *services):
        if item.namespace not in out:
            out[item.namespace] = Namespace(item.namespace, {NAMESPACE_NAME_LABEL: item.namespace}, declared=False)
    return dict(sorted(out.items()))


def _service(obj: ObjectInfo) -> Service:
    """An empty or absent selector means endpoints are managed by hand (None)."""
    selector = string_map(get_path(obj.doc.data, ("spec", "selector"))) or None
    ports = []
    for entry in items_of(get_path(obj.doc.data, ("spec", "ports"))):
        number = get_path(entry, ("port",))
        if not isinstance(number, int) or isinstance(number, bool):
            continue
        target = get_path(entry, ("targetPort",))
        name = get_path(entry, ("name",))
        ports.append(
            ServicePort(
                port=number,
                protocol=Protocol(get_path(entry, ("protocol",)) or "TCP"),
                target_port=target if isinstance(target, (int, str)) and not isinstance(target, bool) else None,
                name=name if isinstance(name, str) and name else None,
            )
        )
    return Service(obj.namespace, obj.name, selector, tuple(ports), obj.span)


def _skipped_note(skipped: Counter[str]) -> str:
    total = sum(skipped.values())
    parts = ", ".join(f"{kind} ({count})" for kind, count in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0])))
    noun = "object" if total == 1 else "objects"
    return f"skipped {total} {noun} of kinds not in the network model: {parts}"
