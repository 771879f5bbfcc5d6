"""Kubernetes document shapes: parsed YAML documents -> `Document`s, one per object.

- the root must be a mapping with string `apiVersion` and `kind` (kubectl refuses others);
- `List` and typed lists (`PodList`, `NamespaceList`, ...) become one Document per item
  (`item_path=("items", i)`); an item without `kind` takes the list's kind minus `List`, and
  without `apiVersion` the list's (cluster dumps written by `kubectl get -o yaml` omit them);
- a JSON file whose top level is an array is a result file, not a manifest: a note;
- a YAML file met by a directory walk whose documents have neither `apiVersion` nor `kind`
  (helm values, CI configs, docker-compose files) is not a manifest: counted in a note. Named
  explicitly, or with only one of the two fields, it is a `document-shape` error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from npaudit.document import Document
from npaudit.findings import Finding
from npaudit.load import RULE_SHAPE, LoadResult, RawDoc, finding, shape_finding

_NOTE_NAMES = 5


@dataclass
class ManifestSink:
    """Collects the Documents, findings and notes of one load."""

    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_manifests: list[str] = field(default_factory=list)
    json_arrays: list[str] = field(default_factory=list)

    def add_finding(self, item: Finding) -> None:
        self.findings.append(item)

    def add_findings(self, items: list[Finding]) -> None:
        self.findings.extend(items)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def add_document(self, doc: Document) -> None:
        self.documents.append(doc)

    def add_raw(
        self, raws: list[RawDoc], path: str, *, explicit: bool, is_json: bool, default_namespace: str | None = None
    ) -> None:
        """Shape-check and flatten the parsed documents of one file."""
        if not explicit and raws and all(_lacks_both(raw.data) for raw in raws):
            self.not_manifests.append(path)
            return
        for raw in raws:
            if isinstance(raw.data, list) and is_json:
                self.json_arrays.append(path)
            elif not isinstance(raw.data, dict):
                self.findings.append(shape_finding(raw, "a Kubernetes object (a mapping with apiVersion and kind)"))
            else:
                self._add_object(Document(path, raw.index, raw.data, raw.positions, (), default_namespace))

    def _add_object(self, doc: Document) -> None:
        problem = _missing_fields(doc)
        if problem is not None:
            self.findings.append(problem)
        elif _is_list(doc.data):
            self._add_items(doc)
        else:
            self.documents.append(doc)

    def _add_items(self, doc: Document) -> None:
        items = doc.data.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            message = f"{doc.kind}.items must be a list of objects"
            self.findings.append(finding(RULE_SHAPE, doc.value_span(("items",)), message, f"doc {doc.index} items"))
            return
        item_kind = doc.kind[: -len("List")]
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                message = f"{doc.kind} item {i} is not an object"
                span = doc.value_span(("items", i))
                self.findings.append(finding(RULE_SHAPE, span, message, f"doc {doc.index} items[{i}]"))
                continue
            extra: dict[str, object] = {}
            if "apiVersion" not in item and isinstance(doc.data.get("apiVersion"), str):
                extra["apiVersion"] = doc.data["apiVersion"]
            if "kind" not in item and item_kind:
                extra["kind"] = item_kind
            data = {**extra, **item} if extra else item
            self._add_object(Document(doc.path, doc.index, data, doc.positions, ("items", i), doc.default_namespace))

    def result(self) -> LoadResult:
        notes = list(self.notes)
        if self.json_arrays:
            template = "skipped {n} JSON file(s) holding an array (result data, not Kubernetes objects)"
            notes.append(_listed(template, self.json_arrays))
        if self.not_manifests:
            template = "skipped {n} file(s) without apiVersion/kind (not Kubernetes manifests)"
            notes.append(_listed(template, self.not_manifests))
        return LoadResult(tuple(self.documents), tuple(self.findings), tuple(notes))


def _listed(template: str, paths: list[str]) -> str:
    shown = ", ".join(paths[:_NOTE_NAMES])
    more = f", … (+{len(paths) - _NOTE_NAMES} more)" if len(paths) > _NOTE_NAMES else ""
    return f"{template.format(n=len(paths))}: {shown}{more}"


def _lacks_both(data: object) -> bool:
    return isinstance(data, dict) and "apiVersion" not in data and "kind" not in data


def _is_list(data: dict) -> bool:
    kind = data["kind"]
    return kind.endswith("List") and "items" in data


def _missing_fields(doc: Document) -> Finding | None:
    """apiVersion and kind must be non-empty strings (kubectl: "Object 'Kind' is missing")."""
    bad = [name for name in ("apiVersion", "kind") if not isinstance(doc.data.get(name), str) or not doc.data[name]]
    if not bad:
        return None
    problems = [f"`{n}` is missing" if n not in doc.data else f"`{n}` is not a non-empty string" for n in bad]
    present = [n for n in bad if n in doc.data]
    span = doc.key_span((present[0],)) if present else doc.value_span()
    metadata = doc.data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    what = f"object {name!r}" if isinstance(name, str) else f"document {doc.index + 1}"
    if doc.item_path:
        what += f" (items[{doc.item_path[1]}])"
    message = f"{what}: {' and '.join(problems)}; not a Kubernetes object"
    return finding(RULE_SHAPE, span, message, f"doc {doc.index} {'.'.join(map(str, doc.item_path))}")
