"""`npaudit diff`: what a change does to connectivity, properties and findings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from npaudit.cli.common import EXIT_FINDINGS, EXIT_OK, fail_usage, guarded, write_output
from npaudit.cli.progress import Progress

if TYPE_CHECKING:
    from npaudit.diff.compare import DiffRun


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--base", "base", required=True, metavar="REV", help="Revision to compare against (branch, tag, commit, HEAD~1, origin/main).")
@click.option("--head", "head", metavar="REV", help="Revision with the change (default: the working tree, uncommitted edits included).")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json", "sarif"]), default="text", show_default=True,
              help="text; md (PR comment with a mermaid graph); json (schemas/diff.schema.json); sarif (only findings new at head).")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option("--fail-on-new-access", is_flag=True, help="Exit 1 when head allows any connection base did not.")
@click.option("--scope", type=click.Choice(["workloads", "any-pod"]), default="workloads", show_default=True,
              help="workloads: the repository's workloads (exact, per pair); any-pod: also prove with Z3 "
              "that no pod that could exist gains access (reported as label/port blocks).")
@click.option("--max-cubes", type=click.IntRange(1, 1000), default=20, show_default=True, help="Any-pod blocks listed before the count is capped.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (the working tree's applies to both revisions).")
@click.option("--kubernetes-version", metavar="X.Y", help="Kubernetes version whose schemas are used.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line and no summary on stderr.")
@guarded
def diff(
    paths: tuple[str, ...],
    base: str,
    head: str | None,
    fmt: str,
    output: str | None,
    fail_on_new_access: bool,
    scope: str,
    max_cubes: int,
    config_path: str | None,
    kubernetes_version: str | None,
    quiet: bool,
) -> None:
    """Compare the manifests of two Git revisions semantically: connections added, removed and
    changed (exact protocols and ports, with the rule that grants each new access), workloads
    added and removed, properties whose verdict changed (with the counterexample), and findings
    new at head. Revisions are read from the Git object database; the checkout is not touched.

    \b
    Examples:
      npaudit diff --base origin/main                       # working tree vs main
      npaudit diff --base HEAD~1 --head HEAD k8s/ --format md -o comment.md
      npaudit diff --base origin/main --head HEAD --fail-on-new-access --scope any-pod

    \b
    Exit codes: 0 no new access (or not asked); 1 new access with --fail-on-new-access;
    2 usage error (unknown revision, not a Git repository).
    """
    from npaudit.load import InputPathError

    from npaudit.diff.compare import DiffOptions, run_diff  # imported when used: CLI start-up

    options = DiffOptions(base=base, head=head, paths=paths, scope=scope, config_path=config_path,
                          kubernetes_version=kubernetes_version, max_cubes=max_cubes)
    progress = Progress(enabled=False if quiet else None)
    try:
        run = run_diff(options, progress=progress)
    except InputPathError as exc:
        fail_usage(str(exc))
        return
    finally:
        progress.done()
    write_output(_render(run, fmt), output)
    result = run.result
    if not quiet:
        for note in run.notes:
            click.echo(f"npaudit: note: {note}", err=True)
        if output not in (None, "-") or fmt != "text":
            from npaudit.report.diff_text import summary_line

            click.echo(summary_line(result), err=True)
    if fail_on_new_access and result.has_new_access:
        if fmt != "text" and not quiet:
            _echo_new_access(run)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _render(run: DiffRun, fmt: str) -> str:
    if fmt == "json":
        from npaudit.report.diff_json import render_diff_json

        return render_diff_json(run.result)
    if fmt == "md":
        from npaudit.report.diff_md import render_diff_markdown

        return render_diff_markdown(run.result)
    if fmt == "sarif":
        from npaudit.report.diff_sarif import render_diff_sarif

        return render_diff_sarif(run.result, run.rules, repo_root=str(Path.cwd()))
    from npaudit.report.diff_text import render_diff_text

    return render_diff_text(run.result)


def _echo_new_access(run: DiffRun) -> None:
    from npaudit.report.diff_text import connection_line

    """With a machine format on stdout, the gate still explains itself on stderr."""
    for change in run.result.new_access:
        click.echo(f"new access: {connection_line(change)}", err=True)
        for grant in change.grants:
            click.echo(f"    granted by {grant}", err=True)
    ap = run.result.any_pod
    if ap is not None and ap.status != "none":
        click.echo(f"new access for any pod: {ap.status} ({ap.total}{'+' if ap.capped else ''} blocks)", err=True)

