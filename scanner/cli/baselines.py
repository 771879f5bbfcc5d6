"""`--baseline FILE` / `--write-baseline FILE` for `npaudit scan`: the file I/O and messages
around the pure functions of `npaudit.baseline`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from npaudit.baseline import apply_baseline, describe_stale, make_baseline, parse_baseline, render_baseline
from npaudit.findings import Severity
from npaudit.report import Report


def with_baseline(report: Report, baseline: str | None, write_baseline: str | None) -> Report:
    """Write the current findings as a baseline and/or keep only findings not in `baseline`.
    Info notes never fail a run, so they are neither recorded nor filtered. Stale entries
    (matching no current finding) are listed on stderr so the file can be pruned."""
    if write_baseline:
        recorded = make_baseline(f for f in report.findings if f.severity is not Severity.INFO)
        try:
            Path(write_baseline).write_text(render_baseline(recorded), encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write {write_baseline}: {exc.strerror}") from exc
        click.echo(f"npaudit: wrote {len(recorded.entries)} baseline entries to {write_baseline}", err=True)
    if not baseline:
        return report
    try:
        text = Path(baseline).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot read baseline {baseline}: {exc.strerror}") from exc
    result = apply_baseline((f for f in report.findings if f.severity is not Severity.INFO), parse_baseline(text, baseline))
    for entry in result.stale:
        click.echo(f"npaudit: {describe_stale(entry)}", err=True)
    infos = tuple(f for f in report.findings if f.severity is Severity.INFO)
    stats = {**report.stats, "baselined": len(result.known)}
    return dataclasses.replace(report, findings=tuple(sorted((*result.new, *infos), key=lambda f: f.sort_key())), stats=stats)


def scan_lines_of(stdin_name: str, stdin_text: str | None) -> Callable[[str], Sequence[str]]:
    """File lines for comment suppressions: standard input from its text, files from disk
    (display paths are relative to the working directory)."""
    from npaudit.gitrev import worktree_lines

    files = worktree_lines(Path.cwd())

    def lines_of(path: str) -> Sequence[str]:
        if stdin_text is not None and path == stdin_name:
            return stdin_text.splitlines()
        return files(path)

    return lines_of
