"""`npaudit prove`: prove properties with Z3 and print the verdicts.

Exit codes: 0 every property holds, 1 one is violated, 2 usage or input error, 3 one could not
be decided (and none is violated)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from npaudit.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE, guarded, write_output
from npaudit.encode.outcome import Scope, Verdict
from npaudit.findings import Severity


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--property", "property_ids", metavar="ID", multiple=True, help="Property to prove (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Prove every enabled property.")
@click.option("--scope", type=click.Choice([s.value for s in Scope]), help="Override the properties' scope: the repository's workloads, or any pod that could exist.")
@click.option("--allow-new-namespaces", is_flag=True, help="any-pod scope: also pods in namespaces that are not in the repository.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the result to FILE instead of standard output.")
@click.option("--engine", type=click.Choice(["auto", "z3"]), help="auto (default): workloads-scope reach by the semantics engine, default-deny per namespace; z3: every question on the whole-model Z3 encoding.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: .npaudit.yaml found from the working directory up to the repository root).")
@guarded
def prove(paths: tuple[str, ...], property_ids: tuple[str, ...], all_: bool, scope: str | None,
          allow_new_namespaces: bool, fmt: str, output: str | None, engine: str | None, config_path: str | None) -> None:
    """Prove properties of the policies in PATHS (default: the config's include, or '.').

    \b
    Examples:
      npaudit prove --property no-db-from-ui examples/retail-store
      npaudit prove --all --scope any-pod k8s/
      npaudit prove --property dns-reachable --format json -o proof.json
    """
    from npaudit.pipeline import ScanOptions, load, make_context
    from npaudit.proofs import exit_verdict, findings, prove as run, select_properties

    if all_ and property_ids:
        raise click.UsageError("use either --property or --all")
    loaded = load(ScanOptions(paths=paths, config_path=config_path))
    broken = [f for f in loaded.findings if f.severity is Severity.ERROR]
    if broken:
        for f in broken:
            click.echo(f"{f.span}: {f.rule_id}: {f.message}", err=True)
        click.echo("npaudit: error: the input has errors; fix them before proving (a proof over a partial model could pass wrongly)", err=True)
        sys.exit(EXIT_USAGE)
    rules = select_properties(loaded.catalogue, property_ids, all_)
    ctx = make_context(loaded.model, loaded.config)
    if engine:
        ctx.config = {**ctx.config, "prove": {**(ctx.config.get("prove") or {}), "engine": engine}}
    results = run(ctx, rules, scope=Scope(scope) if scope else None, allow_new_namespaces=allow_new_namespaces)
    if fmt == "json":
        text = _json(results)
    elif fmt == "sarif":
        text = _sarif(loaded, findings(ctx, results))
    else:
        text = _text(results)
    write_output(text, output)
    verdict = exit_verdict(results)
    sys.exit({Verdict.HOLDS: EXIT_OK, Verdict.VIOLATED: EXIT_FINDINGS, Verdict.UNKNOWN: EXIT_UNKNOWN}[verdict])


def _json(results: list) -> str:  # type: ignore[type-arg]
    from npaudit.proofs import to_data

    return json.dumps({"results": [to_data(r) for r in results]}, indent=2) + "\n"


def _sarif(loaded: object, found: list) -> str:  # type: ignore[type-arg]
    from npaudit import __version__
    from npaudit.report import Report, render_sarif

    report = Report(
        findings=tuple(sorted(found, key=lambda f: f.sort_key())),
        rules=tuple(loaded.catalogue.rules.values()),  # type: ignore[attr-defined]
        notes=(),
        inputs=tuple(loaded.inputs),  # type: ignore[attr-defined]
        tool_version=__version__,
    )
    return render_sarif(report, repo_root=str(Path.cwd()))


def _text(results: list) -> str:  # type: ignore[type-arg]
    from npaudit.proofs import to_data

    lines: list[str] = []
    notes: list[str] = []
    for r in results:
        data = to_data(r)
        o = r.outcome
        subject = f" [namespace {r.subject}]" if r.subject else ""
        lines.append(f"{r.rule.id}{subject}: {o.verdict.value.upper()} (scope {o.scope.value})")
        if o.verdict is Verdict.HOLDS:
            if o.vacuous:
                lines.append("  vacuously: no endpoint in scope matches the property's selectors")
            enforcing = data.get("enforcing") or []
            lines.append("  enforced by: " + ("; ".join(enforcing) if enforcing else "no policy needed (nothing allows it)" if not r.prop.must else "no isolation applies"))  # type: ignore[arg-type]
        elif o.verdict is Verdict.UNKNOWN:
            lines.append(f"  the solver could not decide: {o.reason}")
        if o.subject is not None:
            lines.append(f"  not isolated: {o.subject.describe()}")
        for w in o.witnesses or ((o.witness,) if o.witness else ()):
            lines.append(f"  counterexample: {w.src.describe()} -> {w.dst.describe()} on {w.protocol.value} {w.port}")
            lines.append(f"    {w.egress.describe()}")
            lines.append(f"    {w.ingress.describe()}")
        notes += [n for n in o.notes if n not in notes]
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines) + "\n"
