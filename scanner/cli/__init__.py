"""The command line. `click` is imported only in this package; every command lives in its own
module and is registered below, in the order `npaudit --help` lists them."""

from __future__ import annotations

import click

from npaudit import __version__
from npaudit.cli.connectivity import connectivity
from npaudit.cli.diff import diff
from npaudit.cli.explain import explain
from npaudit.cli.prove import prove
from npaudit.cli.report_cmd import report
from npaudit.cli.rules_cmd import rules
from npaudit.cli.scan import scan


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="npaudit")
def cli() -> None:
    """npaudit: audit Kubernetes NetworkPolicy kept in Git.

    \b
    Exit codes:
      0  nothing at or above --fail-on (prove: the property holds)
      1  findings at or above --fail-on (prove: violated)
      2  usage error, unreadable input path, or internal error
      3  prove: the solver could not decide (unknown)
    """


cli.add_command(scan)
cli.add_command(rules)
cli.add_command(prove)
cli.add_command(connectivity)
cli.add_command(explain)
cli.add_command(diff)
cli.add_command(report)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="npaudit")
