"""`npaudit diff`: load two revisions, scan both, and compare what they allow.

Both sides go through the scan pipeline (same config and rules: the working tree's), so
"findings new at head" compares like with like. The base (and `--head REV`) is read from the
Git object database through `RevisionReader`; files identical in both revisions are parsed once
(cache by blob hash). The connectivity engine result each scan already built is reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from npaudit.algebra.addresses import AddressRange
from npaudit.algebra.ports import PortSet
from npaudit.checks.base import CheckContext, RuleMeta
from npaudit.diff.connectivity import PairChange, external_changes, workload_changes
from npaudit.diff.types import ADDED, CHANGED, REMOVED, ConnectionChange, DiffResult, Grant, PropertyChange, Revision
from npaudit.errors import UserError
from npaudit.findings import Finding, Severity
from npaudit.gitrev import ParseCache, Repo, RevisionReader, find_repo, resolve_commit, worktree_lines
from npaudit.model.build import CheckCache
from npaudit.model.types import Model, Workload
from npaudit.pipeline import Loaded, ScanOptions, check_loaded, load, make_context
from npaudit.report import Report

WORKING_TREE = "working tree"
UNKNOWN_RULE_ID = "solver-unknown"


@dataclass(frozen=True, slots=True)
class DiffOptions:
    """`head` None = the working tree. `paths` as given on the command line (relative to the
    current directory); empty = the config's `include` or the current directory."""

    base: str
    head: str | None = None
    paths: tuple[str, ...] = ()
    scope: str = "workloads"
    config_path: str | None = None
    kubernetes_version: str | None = None
    max_cubes: int = 20
    #: connections whose granting rules are looked up (explanations cost one pass each)
    max_explained: int = 500


@dataclass(frozen=True, slots=True)
class DiffRun:
    """The diff plus what the renderers and the CLI need besides it."""

    result: DiffResult
    rules: tuple[RuleMeta, ...]
    notes: tuple[str, ...] = ()
    head_report: Report | None = None


@dataclass(slots=True)
class _Side:
    revision: Revision
    model: Model
    report: Report
    ctx: CheckContext
    missing: tuple[str, ...] = ()


def run_diff(
    options: DiffOptions,
    *,
    start: Path | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    parallel: bool | None = None,
) -> DiffRun:
    """Compare `options.base` with `options.head` (or the working tree) in the repository
    containing `start` (default: the current directory). Paths in `options.paths` are relative
    to the current directory. `parallel` (default: when two CPUs are usable and `fork` exists)
    scans the base in a child process while the head is scanned here."""
    t0 = time.perf_counter()
    repo = find_repo(start)
    base_commit = resolve_commit(repo, options.base)
    head_commit = resolve_commit(repo, options.head) if options.head is not None else None
    cache, checks = ParseCache(), CheckCache()
    progress(f"scanning {options.base} and {options.head or WORKING_TREE}")
    head_load = _load_side(repo, options, options.head, head_commit, cache, checks)
    try:
        base_load = _load_side(repo, options, options.base, base_commit, cache, checks)
    except UserError as exc:
        raise UserError(f"reading the base revision failed: {exc}") from exc
    loaded = head_load.loaded
    pool = _pool(base_load) if parallel is None or parallel else None
    if pool is not None:
        with pool:
            job = pool.apply_async(_base_job)
            head = _check_side(head_load)
            base = _rebuild(job.get(), base_load)
    else:
        head = _check_side(head_load)
        base = _check_side(base_load)
    t1 = time.perf_counter()
    progress("comparing connectivity")
    connections = _connections(base, head, options.max_explained)
    t2 = time.perf_counter()
    any_pod = None
    if options.scope == "any-pod":
        progress("proving new access for any pod (Z3)")
        from npaudit.encode.diff import new_access

        any_pod = new_access(base.model, head.model, loaded.config.settings(), limit=options.max_cubes)
    t3 = time.perf_counter()
    new, resolved = _finding_changes(base.report, head.report)
    result = DiffResult(
        base=base.revision,
        head=head.revision,
        workloads_added=_names(head.model.workloads, base.model.workloads),
        workloads_removed=_names(base.model.workloads, head.model.workloads),
        connections=connections,
        properties=_property_changes(loaded.catalogue.enabled(), base.report, head.report),
        new_findings=new,
        resolved_findings=resolved,
        any_pod=any_pod,
        scope=options.scope,
        stats={
            "seconds": {"scan": round(t1 - t0, 3), "connectivity": round(t2 - t1, 3), "any_pod": round(t3 - t2, 3)},
            "parallel": pool is not None,
            "parse_cache": {"hits": cache.hits, "misses": cache.misses},
            "check_cache": {"hits": checks.hits, "misses": checks.misses},
            "suppressed": head.report.suppressed,
            "base": dict(base.report.stats),
            "head": dict(head.report.stats),
        },
    )
    notes = tuple(f"{p} does not exist at {side.revision.label}" for side in (base, head) for p in side.missing)
    return DiffRun(result, head.report.rules, (*head.report.notes, *notes), head.report)


@dataclass(frozen=True, slots=True)
class _Loading:
    """One revision loaded and modelled, before its rules run."""

    revision: Revision
    loaded: Loaded
    options: ScanOptions
    lines_of: Callable[[str], Sequence[str]]
    missing: tuple[str, ...]


def _load_side(
    repo: Repo, options: DiffOptions, label: str | None, commit: str | None, cache: ParseCache, checks: CheckCache
) -> _Loading:
    """Both revisions load in this process through one parse cache and one check cache: a
    file with the same blob at the same path in both is parsed and checked once."""
    scan_options = ScanOptions(
        paths=options.paths,
        root=repo.root,
        kubernetes_version=options.kubernetes_version,
        config_path=options.config_path,
    )
    reader: Any
    if commit is None:
        from npaudit.load import load_paths

        revision = Revision(WORKING_TREE)
        reader = partial(load_paths, parse_cache=cache)
        loaded = load(scan_options, reader=reader, check_cache=checks)
        return _Loading(revision, loaded, scan_options, worktree_lines(repo.root), ())
    reader = RevisionReader(repo, commit, cache)
    loaded = load(scan_options, reader=reader, check_cache=checks)
    return _Loading(Revision(label or commit, commit), loaded, scan_options, reader.lines_of, tuple(reader.missing))


def _check_side(side: _Loading) -> _Side:
    ctx = make_context(side.loaded.model, side.loaded.config)
    report = check_loaded(side.loaded, side.options, ctx, lines_of=side.lines_of)
    return _Side(side.revision, side.loaded.model, report, ctx, side.missing)


# --- the base's rules in a child process -------------------------------------------------------
# The rules (engines, z3) are CPU-bound and single-threaded, and the two revisions' rules are
# independent: on two cores the base's run in a child forked after both revisions are loaded
# (it inherits them, nothing is sent), while the head's run here. Only the base's report comes
# back; its engines are rebuilt lazily here when the comparison needs them.

#: The base revision handed to the forked child (set just before the fork).
_PENDING: list[_Loading] = []


def _pool(base: _Loading) -> Any:
    import multiprocessing
    import os

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if usable < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    _PENDING[:] = [base]
    try:
        return multiprocessing.get_context("fork").Pool(1)
    finally:
        _PENDING.clear()  # the child has its copy; the parent does not keep the reference


def _base_job() -> Report | tuple[str, str]:
    try:
        return _check_side(_PENDING[0]).report
    except Exception as exc:  # noqa: BLE001 - re-raised in the parent
        return (type(exc).__name__, str(exc))


def _rebuild(report: Report | tuple[str, str], base: _Loading) -> _Side:
    if isinstance(report, tuple):
        raise UserError(f"checking the base revision failed: {report[0]}: {report[1]}")
    model = base.loaded.model
    return _Side(base.revision, model, report, make_context(model, base.loaded.config), base.missing)


# --- connections ------------------------------------------------------------------------------


def _connections(base: _Side, head: _Side, max_explained: int) -> tuple[ConnectionChange, ...]:
    bconn, hconn = base.ctx.connectivity, head.ctx.connectivity
    base_refs = {_key(w) for w in base.model.workloads}
    head_refs = {_key(w) for w in head.model.workloads}
    pairs = sorted(
        [*workload_changes(bconn, hconn), *external_changes(bconn, hconn)],
        key=lambda p: (_name(p.src), _name(p.dst)),
    )
    out = []
    for i, pair in enumerate(pairs):
        opened = pair.head - pair.base
        grants = _grants(head, pair, opened) if opened and i < max_explained else ()
        out.append(_change(pair, opened, grants, base_refs, head_refs))
    return tuple(out)


def _change(pair: PairChange, opened: PortSet, grants: tuple[Grant, ...], base_refs: set[Any], head_refs: set[Any]) -> ConnectionChange:
    kind = ADDED if not pair.base else REMOVED if not pair.head else CHANGED
    return ConnectionChange(
        change=kind,
        src=_name(pair.src),
        dst=_name(pair.dst),
        base=_ports(pair.base),
        head=_ports(pair.head),
        opened=_ports(opened),
        closed=_ports(pair.base - pair.head),
        grants=grants,
        src_change=_endpoint_change(pair.src, base_refs, head_refs),
        dst_change=_endpoint_change(pair.dst, base_refs, head_refs),
    )


def _name(e: Workload | AddressRange) -> str:
    return e.display if isinstance(e, Workload) else f"{e}[External]"


def _ports(ports: PortSet) -> str:
    return str(ports) if ports else ""


def _endpoint_change(e: Workload | AddressRange, base_refs: set[Any], head_refs: set[Any]) -> str:
    if not isinstance(e, Workload):
        return ""
    if _key(e) not in base_refs:
        return ADDED
    return REMOVED if _key(e) not in head_refs else ""


def _grants(head: _Side, pair: PairChange, opened: PortSet) -> tuple[Grant, ...]:
    """The head rules admitting any of the newly opened ports, on both sides of the pair."""
    from npaudit.engine import explain

    why = explain(head.model, pair.src, pair.dst, host_network=head.ctx.connectivity.host_network_mode)
    out = []
    for side in (why.egress, why.ingress):
        for c in side.admitting:
            if c.ports & opened:
                p, r = c.ref.policy, c.ref.rule
                out.append(Grant(r.direction.value, f"{p.namespace}/{p.name}", f"{r.direction.value.lower()}[{r.index}]", c.ref.span))
    return tuple(out)


def _names(these: Iterable[Workload], others: Iterable[Workload]) -> tuple[str, ...]:
    known = {_key(w) for w in others}
    return tuple(sorted(w.display for w in these if _key(w) not in known))


def _key(w: Workload) -> tuple[str, str, str]:
    """`w.ref` as a plain tuple (the property builds an object per call; 20,000 per diff)."""
    return (w.kind, w.namespace, w.name)


# --- properties and findings ------------------------------------------------------------------


def verdict(report: Report, rule_id: str) -> str:
    """`violated` when the property has findings, `unknown` when the solver could not decide
    it, else `holds`."""
    if any(f.rule_id == rule_id for f in report.findings):
        return "violated"
    if any(f.rule_id == UNKNOWN_RULE_ID and f.properties.get("property") == rule_id for f in report.findings):
        return "unknown"
    return "holds"


def _property_changes(rules: Iterable[RuleMeta], base: Report, head: Report) -> tuple[PropertyChange, ...]:
    from npaudit.properties import PROPERTY_KINDS

    out = []
    for rule in rules:
        if rule.kind not in PROPERTY_KINDS:
            continue
        b, h = verdict(base, rule.id), verdict(head, rule.id)
        if b == h:
            continue
        shown = head if h == "violated" else base
        examples = tuple(f for f in shown.findings if f.rule_id == rule.id)
        out.append(PropertyChange(rule.id, rule.summary, b, h, examples))
    return tuple(out)


def _finding_changes(base: Report, head: Report) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Findings new at head and resolved since base, by fingerprint (rule id + anchor: moved
    lines and renamed files do not count as changes). Info notes are left out."""
    def real(findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if f.severity is not Severity.INFO]

    base_fps = {f.fingerprint for f in base.findings}
    head_fps = {f.fingerprint for f in head.findings}
    new = tuple(f for f in real(head.findings) if f.fingerprint not in base_fps)
    resolved = tuple(f for f in real(base.findings) if f.fingerprint not in head_fps)
    return new, resolved


__all__ = ["DiffOptions", "DiffRun", "run_diff", "verdict"]
