"""`npaudit rules`: the rule catalogue."""

from __future__ import annotations

import json

import click

from npaudit.cli.common import guarded, write_output
from npaudit.rulebook import builtin_catalogue, help_markdown, render_reference


@click.command()
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@guarded
def rules(rule_id: str | None, fmt: str, output: str | None) -> None:
    """List every rule (id, name, severity, summary), or show one rule's documentation.

    `npaudit rules --format md -o docs/rules.md` regenerates the rules reference.
    """
    catalogue = builtin_catalogue()
    if rule_id is not None:
        meta = catalogue.get(rule_id)
        if meta is None:
            raise click.BadParameter(f"unknown rule {rule_id!r}; `npaudit rules` lists them", param_hint="RULE_ID")
        write_output(help_markdown(meta) + "\n", output)
        return
    if fmt == "md":
        write_output(render_reference(catalogue), output)
    elif fmt == "json":
        payload = [
            {"id": m.id, "name": m.name, "severity": m.severity.value, "kind": m.kind,
             "summary": m.summary, "tags": list(m.tags), "status": m.status}
            for m in catalogue.rules.values()
        ]
        write_output(json.dumps(payload, indent=2) + "\n", output)
    else:
        width = max((len(m.id) for m in catalogue.rules.values()), default=10)
        lines = [f"{m.id:<{width}}  {m.severity.value:<7}  {m.summary}" for m in catalogue.rules.values()]
        write_output("\n".join(lines) + "\n", output)
