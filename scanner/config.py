"""`.npaudit.yaml`: found from the working directory up to the repository root (the first
directory holding `.git`), or named with `--config`. Validated against
`schemas/config.schema.json`; every problem is a `config` finding at the offending key, and an
invalid config is not applied (defaults are used, so nothing is silently half-configured).

    include: [k8s/]
    exclude: ["**/testdata/**"]
    kubernetes_version: "1.33"
    rules:
      disable: [default-deny-egress]
      severity: {dns-reachable: warning}
      params:
        no-db-from-ui: {to: {podSelector: {matchLabels: {tier: db}}}}
    properties: [ ...rule documents... ]
    properties_dir: .npaudit/properties
    dns: {model: auto, namespace: kube-system, labels: {k8s-app: kube-dns}}
    prove: {rlimit: 50000000, timeout_ms: 60000}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from npaudit.checks.base import RuleMeta
from npaudit.document import Document, JsonPath
from npaudit.errors import UserError
from npaudit.findings import Finding, Severity, object_anchor
from npaudit.rulebook import CONFIG_RULE_ID, Catalogue, builtin_catalogue, rule_from_document, with_overrides

CONFIG_NAMES = (".npaudit.yaml", ".npaudit.yml")
PROPERTY_KINDS = frozenset({"deny-reach", "must-reach", "default-deny"})


@dataclass(frozen=True, slots=True)
class Config:
    path: str | None = None  # display path of the file read (None: defaults)
    base: Path = field(default_factory=Path.cwd)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    kubernetes_version: str | None = None
    disabled: tuple[str, ...] = ()
    enabled: tuple[str, ...] = ()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    properties: tuple[RuleMeta, ...] = ()
    dns: Mapping[str, Any] = field(default_factory=dict)
    prove: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def catalogue(self) -> Catalogue:
        """Built-in rules plus user properties, with the config's overrides applied."""
        return with_overrides(
            builtin_catalogue(),
            extra=self.properties,
            disabled=self.disabled,
            enabled=self.enabled,
            severities=self.severities,
            params=self.params,
        )

    def settings(self) -> Mapping[str, Any]:
        """What checks and engines see as `ctx.config`. `properties` lists the enabled property
        rules so the prover can build its vocabulary once for all of them."""
        props = [
            {"id": r.id, "kind": r.kind, "params": dict(r.params)}
            for r in self.catalogue().enabled()
            if r.kind in PROPERTY_KINDS
        ]
        return {"dns": dict(self.dns), "prove": dict(self.prove), "properties": props}


def find_config(start: Path) -> Path | None:
    """The nearest config file from `start` up to the repository root (or the filesystem root)."""
    here = start.resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        if (directory / ".git").exists():
            return None
    return None


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_config(path: str | None, *, start: Path | None = None) -> Config:
    """Read the config. A missing `--config` file is a usage error (exit 2); problems inside the
    file are located findings."""
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise UserError(f"config file {path} not found")
    else:
        found = find_config(start or Path.cwd())
        if found is None:
            return Config(base=(start or Path.cwd()))
        file = found
    return _read(file, _display(file))


def _read(file: Path, display: str) -> Config:
    from npaudit.load import LoadLimits, parse_text
    from npaudit.load_inputs import read_text

    findings: list[Finding] = []
    text = read_text(file, display, LoadLimits(), findings)
    docs, problems = parse_text(text, display) if text is not None else ([], [])
    findings += problems
    base = file.resolve().parent
    if not docs:
        return Config(path=display, base=base, findings=tuple(findings))
    if len(docs) > 1:
        findings.append(_finding(docs[1], (), "a config file holds one YAML document; the others are ignored"))
    return _from_document(docs[0], base, findings)


def _finding(doc: Document, path: JsonPath, message: str, *, what: str = "config") -> Finding:
    span = doc.key_span(path) if path and isinstance(path[-1], str) else doc.value_span(path)
    where = _dotted(path)
    text = f"invalid {what}: {where}: {message}" if where else f"invalid {what}: {message}"
    return Finding(CONFIG_RULE_ID, Severity.ERROR, text, span, object_anchor("Config", None, doc.path, where))


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _from_document(doc: Document, base: Path, findings: list[Finding]) -> Config:
    from npaudit.schema import validate_instance

    problems = validate_instance(doc.data, "config.schema.json")
    if problems:
        findings += [_finding(doc, p, m) for p, m in problems]
        return Config(path=doc.path, base=base, findings=tuple(findings))
    data: Mapping[str, Any] = doc.data
    rules: Mapping[str, Any] = data.get("rules") or {}
    pairs = _user_properties(doc, base, findings)
    user = [meta for meta, _ in pairs]
    known = set(builtin_catalogue().rules) | {r.id for r in user}
    _check_ids(doc, rules, known, findings)
    params = {k: dict(v) for k, v in (rules.get("params") or {}).items()}
    catalogue = builtin_catalogue()
    _check_params(doc, params, {**catalogue.rules, **{r.id: r for r in user}}, findings)
    valid = _check_user_params(pairs, findings)  # an invalid one is reported here, once
    return Config(
        path=doc.path,
        base=base,
        include=tuple(data.get("include") or ()),
        exclude=tuple(data.get("exclude") or ()),
        kubernetes_version=data.get("kubernetes_version"),
        disabled=tuple(rules.get("disable") or ()),
        enabled=tuple(rules.get("enable") or ()),
        severities={k: Severity(v) for k, v in (rules.get("severity") or {}).items()},
        params=params,
        properties=tuple(valid),
        dns=dict(data.get("dns") or {}),
        prove=dict(data.get("prove") or {}),
        findings=tuple(findings),
    )


def _check_ids(doc: Document, rules: Mapping[str, Any], known: set[str], findings: list[Finding]) -> None:
    for key in ("disable", "enable"):
        for i, rid in enumerate(rules.get(key) or ()):
            if rid not in known:
                findings.append(_finding(doc, ("rules", key, i), f"unknown rule id {rid!r}"))
    for key in ("severity", "params"):
        for rid in rules.get(key) or {}:
            if rid not in known:
                findings.append(_finding(doc, ("rules", key, rid), f"unknown rule id {rid!r}"))


def _check_params(doc: Document, params: Mapping[str, Mapping[str, Any]], rules: Mapping[str, RuleMeta],
                  findings: list[Finding]) -> None:
    """Overridden parameters of property rules must still make a valid property."""
    from npaudit.properties import PropertyError, parse_property

    for rid, override in params.items():
        meta = rules.get(rid)
        if meta is None or meta.kind not in PROPERTY_KINDS:
            continue
        try:
            parse_property(rid, meta.kind, {**meta.params, **override})
        except PropertyError as exc:
            for path, message in exc.problems:
                findings.append(_finding(doc, ("rules", "params", rid, *path), message))


def _user_properties(doc: Document, base: Path, findings: list[Finding]) -> list[tuple[RuleMeta, Document]]:
    docs: list[Document] = [
        Document(doc.path, doc.index, item, doc.positions, doc.item_path + ("properties", i))
        for i, item in enumerate(doc.data.get("properties") or ())  # type: ignore[union-attr]
        if isinstance(item, Mapping)
    ]
    directory = doc.data.get("properties_dir")
    if isinstance(directory, str):
        docs += _directory_documents(doc, base / directory, findings)
    out: list[tuple[RuleMeta, Document]] = []
    for item in docs:
        meta, problems = rule_from_document(item, item.path)
        findings.extend(problems)
        if meta is not None:
            out.append((meta, item))
    return out


def _directory_documents(doc: Document, directory: Path, findings: list[Finding]) -> list[Document]:
    from npaudit.load import LoadLimits, parse_text
    from npaudit.load_inputs import read_text

    if not directory.is_dir():
        findings.append(_finding(doc, ("properties_dir",), f"directory {directory.name} not found"))
        return []
    out: list[Document] = []
    for file in sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
        display = _display(file)
        text = read_text(file, display, LoadLimits(), findings)
        if text is None:
            continue
        docs, problems = parse_text(text, display)
        findings += problems
        out += docs
    return out


def _check_user_params(pairs: list[tuple[RuleMeta, Document]], findings: list[Finding]) -> list[RuleMeta]:
    """User rules must name a known check kind, and property parameters must be valid; the
    valid ones are returned."""
    from npaudit.checks.registry import CHECK_KINDS
    from npaudit.properties import PropertyError, parse_property

    valid = []
    for meta, doc in pairs:
        if meta.kind not in CHECK_KINDS:
            findings.append(_finding(doc, ("kind",), f"unknown check kind {meta.kind!r}", what="property"))
            continue
        if meta.kind in PROPERTY_KINDS:
            try:
                parse_property(meta.id, meta.kind, meta.params)
            except PropertyError as exc:
                findings += [_finding(doc, ("params", *path), message, what="property") for path, message in exc.problems]
                continue
        valid.append(meta)
    return valid
