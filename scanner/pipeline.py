"""The scan pipeline: inputs -> documents -> model -> checks -> a `Report`. No printing and no
exit codes here (the CLI owns those); everything is returned as values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from npaudit import __version__
from npaudit.checks.base import CheckContext, RuleMeta
from npaudit.checks.registry import CHECK_KINDS
from npaudit.document import Document
from npaudit.findings import Finding, Severity, object_anchor
from npaudit.model.types import Model
from npaudit.report import Report
from npaudit.rulebook import Catalogue

#: Rule id for an exception inside a check: reported, never a traceback, never silently a pass.
INTERNAL_RULE_ID = "internal-error"


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What to scan and how. `paths` may contain "-" (standard input, text in `stdin_text`)."""

    paths: tuple[str, ...] = (".",)
    stdin_text: str | None = None
    stdin_name: str = "<stdin>"
    root: Path | None = None
    kubernetes_version: str | None = None
    config_path: str | None = None
    #: Run only these rule ids (fixture tests, `prove`); None = every enabled rule.
    only_rules: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything known before checks run."""

    documents: tuple[Document, ...]
    model: Model
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    catalogue: Catalogue
    config: Any
    inputs: tuple[str, ...] = field(default=())


def load(options: ScanOptions, *, reader: Callable[..., Any] | None = None, check_cache: Any = None) -> Loaded:
    """Read the config, the inputs and the rule catalogue; build the model.

    `reader` replaces `npaudit.load.load_paths` (same signature and result), e.g. a
    `npaudit.gitrev.RevisionReader` that reads a Git revision instead of the working tree.
    `check_cache`: a `npaudit.model.build.CheckCache` shared by several loads in one process.
    Raises `npaudit.load.InputPathError` for an unusable input path and `ConfigError`-like
    `ValueError`s for unusable settings (the CLI maps both to exit 2)."""
    from npaudit.config import load_config
    from npaudit.load import load_paths
    from npaudit.model.build import build_model

    config = load_config(options.config_path, start=options.root or Path.cwd())
    paths = options.paths or tuple(config.include) or (".",)
    loaded = (reader or load_paths)(
        paths,
        root=options.root,
        stdin_text=options.stdin_text,
        stdin_name=options.stdin_name,
        exclude=tuple(config.exclude),
    )
    version = options.kubernetes_version or config.kubernetes_version
    built = build_model(loaded.documents, kubernetes_version=version, cache=check_cache)
    catalogue = config.catalogue()
    _settle(loaded.documents)
    return Loaded(
        documents=loaded.documents,
        model=built.model,
        findings=(*loaded.findings, *built.findings, *catalogue.findings, *config.findings),
        notes=(*loaded.notes, *built.notes),
        catalogue=catalogue,
        config=config,
        inputs=tuple(paths),
    )


def _settle(documents: Sequence[Document]) -> None:
    """Move what is alive now (documents, model) out of the cyclic GC's reach: they live until
    the run ends and hold no cycles, and at 10,000 workloads every full collection would walk
    millions of their containers again (seconds per check otherwise). Objects still die by
    reference counting; small inputs are left alone."""
    import gc

    if len(documents) >= _SETTLE_MIN_DOCUMENTS:
        gc.freeze()  # no collection first: the loader makes almost no cycles (20 at 10,000 workloads, 0.8 s to find)


_SETTLE_MIN_DOCUMENTS = 2000


def make_context(model: Model, config: Any) -> CheckContext:
    """A check context whose engines are built lazily, at most once."""

    def engine(m: Model) -> Any:
        from npaudit.engine import analyze

        return analyze(m)

    def prover(m: Model, settings: Mapping[str, Any]) -> Any:
        from npaudit.encode import build_prover

        return build_prover(m, settings)

    return CheckContext(model, config=config.settings(), engine_factory=engine, prover_factory=prover)


def run_rules(
    ctx: CheckContext, rules: Iterable[RuleMeta], *, progress: Callable[[str], None] = lambda _m: None
) -> list[Finding]:
    """Run every rule whose kind is a check kind. A crash in one rule becomes a located
    `internal-error` finding and the other rules still run."""
    findings: list[Finding] = []
    for rule in rules:
        kind = CHECK_KINDS.get(rule.kind)
        if kind is None:
            continue  # loader/schema/validity rules: reported while loading
        progress(f"checking {rule.id}")
        try:
            findings.extend(kind.run(ctx, rule))
        except Exception as exc:  # noqa: BLE001 - reported as a finding, never a traceback
            findings.append(_internal_error(rule, exc))
    return findings


def _internal_error(rule: RuleMeta, exc: Exception) -> Finding:
    from npaudit.span import file_span

    return Finding(
        INTERNAL_RULE_ID,
        Severity.ERROR,
        f"rule {rule.id} failed: {type(exc).__name__}: {exc} (please report this bug)",
        file_span(rule.source or "rules"),
        object_anchor("Rule", None, rule.id, "internal-error"),
    )


def selected_rules(catalogue: Catalogue, only: frozenset[str] | None) -> tuple[RuleMeta, ...]:
    if only is None:
        return catalogue.enabled()
    return tuple(r for r in catalogue.rules.values() if r.id in only)


def _silent(_message: str) -> None:
    return None


def scan(
    options: ScanOptions,
    *,
    lines_of: Callable[[str], Sequence[str]] | None = None,
    progress: Callable[[str], None] = _silent,
    reader: Callable[..., Any] | None = None,
) -> Report:
    """Load, check and collect findings; suppressions are applied, baselines are not (CLI).
    `progress` receives short status messages for long runs; `reader`: see `load`."""
    progress("reading manifests")
    loaded = load(options, reader=reader)
    return check_loaded(loaded, options, make_context(loaded.model, loaded.config), lines_of=lines_of, progress=progress)


def check_loaded(
    loaded: Loaded,
    options: ScanOptions,
    ctx: CheckContext,
    *,
    lines_of: Callable[[str], Sequence[str]] | None = None,
    progress: Callable[[str], None] = _silent,
) -> Report:
    """The checking half of `scan`, for callers that keep `loaded` and `ctx` (its engines are
    built lazily and cached): `npaudit diff` reuses the connectivity result for the diff."""
    rules = selected_rules(loaded.catalogue, options.only_rules)
    findings = list(loaded.findings)
    if options.only_rules is not None:
        findings = [f for f in findings if f.rule_id in options.only_rules]
    findings += run_rules(ctx, rules, progress=progress)
    findings = _with_effective_severity(findings, loaded.catalogue, options.only_rules)
    kept, suppressed, extra = _suppress(findings, loaded, lines_of)
    return Report(
        findings=tuple(sorted(kept + extra, key=Finding.sort_key)),
        rules=tuple(loaded.catalogue.rules.values()),
        notes=loaded.notes,
        inputs=loaded.inputs,
        tool_version=__version__,
        suppressed=suppressed,
        stats={
            "documents": len(loaded.documents),
            "namespaces": len(loaded.model.namespaces),
            "workloads": len(loaded.model.workloads),
            "policies": len(loaded.model.policies),
        },
    )


def _with_effective_severity(
    findings: list[Finding], catalogue: Catalogue, only: frozenset[str] | None = None
) -> list[Finding]:
    """Severity overrides from the config apply to every finding of the rule; findings of rules
    disabled in the config are dropped. Without an override a finding keeps the severity its
    check chose (some rules report a lower severity for weaker evidence)."""
    out: list[Finding] = []
    for f in findings:
        meta = catalogue.get(f.rule_id)
        if meta is not None and meta.status == "disabled" and (only is None or f.rule_id not in only):
            continue  # rules asked for by id (fixtures, prove) run even when disabled
        override = catalogue.severity_overrides.get(f.rule_id)
        if override is not None and override is not f.severity:
            f = Finding(f.rule_id, override, f.message, f.span, f.anchor, f.related, f.properties)
        out.append(f)
    return out


def _suppress(
    findings: list[Finding], loaded: Loaded, lines_of: Callable[[str], Sequence[str]] | None
) -> tuple[list[Finding], int, list[Finding]]:
    from npaudit.suppress import apply_suppressions

    result = apply_suppressions(findings, loaded.documents, lines_of=lines_of)
    return list(result.kept), result.suppressed, list(result.new_findings)
