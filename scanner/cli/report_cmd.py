"""`npaudit report`: the compliance report for an auditor (self-contained HTML, or Markdown).

It runs the whole scan, proves every enabled property, computes the connectivity, and records
what was audited: the inputs with their SHA-256, the Git commit, the tool and Kubernetes
versions. The report is evidence, not a gate: exit 0 whenever it was written (violations are in
the report), 2 on usage errors."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from npaudit.cli.common import EXIT_OK, guarded, write_output
from npaudit.cli.evidence import draw_svg, git_state, sha256_files
from npaudit.cli.progress import Progress
from npaudit.findings import Severity
from npaudit.report.compliance import ComplianceData, InputFile, PropertyVerdict, render_html, render_md


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True, help="Report format.")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE (default: standard output).")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: .npaudit.yaml found from the working directory up to the repository root).")
@click.option("--kubernetes-version", metavar="X.Y", help="Kubernetes version whose schemas are used.")
@click.option("--no-graph", is_flag=True, help="Show the connectivity as a table even when Graphviz is installed.")
@guarded
def report(paths: tuple[str, ...], fmt: str, output: str | None, config_path: str | None,
           kubernetes_version: str | None, no_graph: bool) -> None:
    """Write a compliance report of the policies in PATHS (default: the config's include, or
    '.'): scope and inputs (Git commit, SHA-256 of every file, versions), each property's
    verdict with its evidence, the findings by severity and the connectivity graph.

    The HTML page is self-contained (no network access is needed to view it); the graph is
    drawn with Graphviz `dot` when it is installed, else listed as a table. Exit 0 when the
    report is written, whatever it says.

    \b
    Examples:
      npaudit report examples/retail-store -o report.html
      npaudit report k8s/ --format md -o report.md
    """
    from npaudit.pipeline import ScanOptions, check_loaded, load, make_context

    options = ScanOptions(paths=paths, kubernetes_version=kubernetes_version, config_path=config_path)
    progress = Progress(enabled=None)
    try:
        progress("reading manifests")
        loaded = load(options)
        ctx = make_context(loaded.model, loaded.config)
        progress("proving properties")  # first, explained: the scan's property rules reuse the answers
        verdicts, notes = _verdicts(loaded, ctx)
        scanned = check_loaded(loaded, options, ctx, progress=progress)
        progress("computing connectivity")
        flows = _flows(loaded.model)
    finally:
        progress.done()
    if flows.note and not any("cluster DNS" in n for n in notes):  # said once (the prover models it too)
        notes = (*notes, flows.note)
    data = _gather(loaded, scanned, verdicts, notes, flows, fmt == "html" and not no_graph,
                   kubernetes_version or loaded.config.kubernetes_version)
    write_output(render_html(data) if fmt == "html" else render_md(data), output)
    if output not in (None, "-"):
        held = sum(v.status == "holds" for v in verdicts)
        click.echo(f"npaudit: report written to {output}: {held} of {len(verdicts)} properties hold, "
                   f"{len(scanned.findings)} findings", err=True)
    sys.exit(EXIT_OK)


def _verdicts(loaded: Any, ctx: Any) -> tuple[list[PropertyVerdict], tuple[str, ...]]:
    """Every enabled property, proved one by one: a property that cannot be asked (invalid
    parameters, a prover failure) is `unknown` with the reason, never left out."""
    from npaudit.errors import UserError
    from npaudit.proofs import findings, prove
    from npaudit.properties import PROPERTY_KINDS
    from npaudit.report.compliance_build import first_location, proof_notes, property_verdict, undecided

    errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
    blocked = (f"not evidence: the input has {len(errors)} errors (see the findings), and a proof over "
               "the valid objects alone could pass wrongly") if errors else ""
    out: list[PropertyVerdict] = []
    results = []
    for rule in (r for r in loaded.catalogue.enabled() if r.kind in PROPERTY_KINDS):
        try:
            proved = prove(ctx, [rule], scope=None, allow_new_namespaces=False)
        except UserError as exc:
            out.append(undecided(rule.id, rule.summary, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - the report records it instead of failing
            out.append(undecided(rule.id, rule.summary, f"internal error: {type(exc).__name__}: {exc}"))
            continue
        results += proved
        for r in proved:
            out.append(property_verdict(r, blocked=blocked, location=first_location(findings(ctx, [r]))))
    return out, proof_notes(results)


#: A graph with more edges is not legible (and Graphviz gets slow); a table with more rows makes
#: a page browsers struggle with. `npaudit connectivity` always gives everything.
MAX_GRAPH_EDGES = 400
MAX_FLOW_ROWS = 2000


@dataclass(frozen=True, slots=True)
class _Flows:
    shown: list[Any]  # the first MAX_FLOW_ROWS flows in the engine's order
    total: int
    note: str


def _flows(model: Any) -> _Flows:
    """The allowed flows, with the cluster DNS assumed as `npaudit connectivity` does by
    default (policies that allow DNS egress would otherwise point at nothing). Only the first
    MAX_FLOW_ROWS are kept; the rest are counted."""
    from npaudit.engine import analyze
    from npaudit.engine.assumptions import with_cluster_dns

    model, dns = with_cluster_dns(model)
    note = (f"connectivity: the cluster DNS is not in the input; assumed {dns.display} "
            "(k8s-app: kube-dns, UDP/TCP 53) as `npaudit connectivity` does") if dns is not None else ""
    flows = analyze(model).flows()
    shown = list(itertools.islice(flows, MAX_FLOW_ROWS))
    return _Flows(shown, len(shown) + sum(1 for _ in flows), note)


def _gather(loaded: Any, scanned: Any, verdicts: list[PropertyVerdict], notes: tuple[str, ...],
            flows: _Flows, want_graph: bool, kubernetes_version: str | None) -> ComplianceData:
    from npaudit.report.compliance_build import GRAPH_LEGEND, flow_rows, graph_dot

    files = {d.path for d in loaded.documents} | {f.span.path for f in scanned.findings}
    if loaded.config.path:
        files.add(loaded.config.path)
    git = git_state(scanned.inputs)
    extra = list(notes)
    if git is not None and git.dirty:
        extra.append(f"{len(git.dirty)} input files differ from commit {git.commit[:12]} (uncommitted changes): "
                     + ", ".join(git.dirty[:10]) + (" …" if len(git.dirty) > 10 else ""))
    if flows.total > len(flows.shown):
        extra.append(f"{flows.total} allowed flows: the table lists the first {len(flows.shown)}; "
                     "`npaudit connectivity` lists them all")
    svg = None
    if want_graph and flows.shown:
        if flows.total > MAX_GRAPH_EDGES:
            extra.append(f"the connectivity graph is not drawn: {flows.total} edges are more than a picture can show "
                         f"legibly (limit {MAX_GRAPH_EDGES}); `npaudit connectivity --format dot` writes it")
        else:
            svg, why = draw_svg(graph_dot(flows.shown))
            if svg is None:
                extra.append(f"{why}; the connectivity is listed as a table")
    return ComplianceData(
        report=scanned,
        inputs=tuple(InputFile(p, h) for p, h in sha256_files(files)),
        properties=tuple(verdicts),
        kubernetes_version=_resolved(kubernetes_version),
        generated_at=_now(),
        git_commit=git.commit if git is not None else None,
        graph_svg=svg,
        flows=flow_rows(flows.shown),
        notes=tuple(extra),
        graph_caption=GRAPH_LEGEND if svg else "",
        flow_count=flows.total,
    )


def _resolved(version: str | None) -> str:
    from npaudit.schema import resolve_version

    return resolve_version(version)


def _now() -> str:
    """UTC time of the report; SOURCE_DATE_EPOCH (reproducible builds) fixes it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.isdigit() else dt.datetime.now(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")
