"""`npaudit scan`: the main job."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from npaudit.cli.progress import Progress
from npaudit.cli.baselines import scan_lines_of, with_baseline
from npaudit.cli.common import EXIT_FINDINGS, EXIT_OK, guarded, read_stdin_if_needed, use_color, write_output
from npaudit.findings import Severity
from npaudit.pipeline import ScanOptions, scan as run_scan
from npaudit.report import Report, render_json, render_sarif, render_text
from npaudit.report.markdown import render_markdown

FAIL_ON = ("error", "warning", "note")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True, help="Lowest severity that makes the exit code 1.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: .npaudit.yaml found from the working directory up to the repository root).")
@click.option("--kubernetes-version", metavar="X.Y", help="Kubernetes version whose schemas are used.")
@click.option("--stdin-filename", default="<stdin>", show_default=True, help="Name used in reports for input read from '-'.")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also when NO_COLOR is set or output is not a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print only findings and the summary line.")
@click.option(
    "--changed-files",
    is_flag=True,
    help="Treat PATHS as changed files: analyse the whole repository (the working directory) but "
    "report only findings located in those files (the npaudit-changed pre-commit hook).",
)
@click.option("--summary-md", metavar="FILE", help="Also append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY).")
@click.option("--baseline", metavar="FILE", help="Report only findings not recorded in FILE (written by --write-baseline); stale entries go to stderr.")
@click.option("--write-baseline", metavar="FILE", help="Record the current findings in FILE by stable fingerprint (not line numbers).")
@guarded
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    fail_on: str,
    config_path: str | None,
    kubernetes_version: str | None,
    stdin_filename: str,
    no_color: bool,
    quiet: bool,
    changed_files: bool,
    summary_md: str | None,
    baseline: str | None,
    write_baseline: str | None,
) -> None:
    """Scan manifests (files, directories, kustomizations, or '-' for standard input) and report
    schema errors, invalid values, hygiene findings and violated properties.

    \b
    Examples:
      npaudit scan examples/retail-store
      npaudit scan k8s/ --format sarif -o npaudit.sarif
      helm template ./chart | npaudit scan - --stdin-filename chart.yaml
    """
    report_only: frozenset[str] | None = None
    if changed_files:
        report_only = frozenset(_relative(p) for p in paths)
        paths = ()
    options = ScanOptions(
        paths=paths,
        stdin_text=read_stdin_if_needed(paths),
        stdin_name=stdin_filename,
        kubernetes_version=kubernetes_version,
        config_path=config_path,
    )
    progress = Progress(enabled=None if not quiet else False)
    try:
        report = run_scan(options, progress=progress, lines_of=scan_lines_of(stdin_filename, options.stdin_text))
    finally:
        progress.done()
    report = with_baseline(report, baseline, write_baseline)
    if report_only is not None:
        report = dataclasses.replace(report, findings=tuple(f for f in report.findings if f.span.path in report_only))
    write_output(_render(report, fmt, color=use_color(no_color, output), quiet=quiet), output)
    if summary_md:
        _append(summary_md, "## npaudit\n\n" + render_markdown(report))
    if output not in (None, "-") and not quiet:
        click.echo(_one_line_summary(report), err=True)
    sys.exit(EXIT_OK if write_baseline else exit_code(report, Severity(fail_on)))


def _append(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise click.UsageError(f"cannot write {path}: {exc.strerror}") from exc


def _relative(path: str) -> str:
    """A changed-file argument as the repository-relative POSIX path findings use."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _render(report: Report, fmt: str, *, color: bool, quiet: bool) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "sarif":
        return render_sarif(report, repo_root=str(Path.cwd()))
    return render_text(report, color=color, quiet=quiet)


def exit_code(report: Report, fail_on: Severity) -> int:
    failing = any(f.severity.at_least(fail_on) and f.severity is not Severity.INFO for f in report.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def _one_line_summary(report: Report) -> str:
    counts = {s: 0 for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)}
    for f in report.findings:
        if f.severity in counts:
            counts[f.severity] += 1
    return (
        f"npaudit: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
        f"{counts[Severity.NOTE]} notes ({report.suppressed} suppressed)"
    )
