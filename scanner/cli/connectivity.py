"""`npaudit connectivity`: every allowed flow, in netpol-analyzer's list format or as data."""

from __future__ import annotations

from collections.abc import Iterable

import click

from npaudit.cli.common import guarded, read_stdin_if_needed, write_output
from npaudit.algebra.ports import PortSet
from npaudit.engine.connectivity import FlowGroup
from npaudit.engine.explain import focus_ports
from npaudit.engine.lookup import find_endpoints, parse_port
from npaudit.engine.types import HostNetwork
from npaudit.report.connectivity import FORMATS, render


def load_model(paths: tuple[str, ...], stdin_name: str, config_path: str | None, assume_dns: bool = True):  # type: ignore[no-untyped-def]
    """Load inputs and build the model; input problems go to stderr as a hint (they are
    reported in full by `npaudit scan`). With `assume_dns`, the cluster DNS is added when
    policies refer to it but the input lacks it (said on stderr)."""
    from npaudit.engine.assumptions import with_cluster_dns

    from npaudit.findings import Severity
    from npaudit.pipeline import ScanOptions, load

    loaded = load(ScanOptions(paths=paths, stdin_text=read_stdin_if_needed(paths), stdin_name=stdin_name,
                              config_path=config_path))
    errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
    if errors:
        click.echo(f"npaudit: {len(errors)} input problem(s) (run `npaudit scan` for details); "
                   "results cover the valid objects", err=True)
    model = loaded.model
    if assume_dns:
        model, dns = with_cluster_dns(model)
        if dns is not None:
            click.echo(f"npaudit: note: assumed the cluster DNS {dns.display} (k8s-app: kube-dns, UDP/TCP 53): "
                       "policies refer to it but the input does not contain it (--no-assume-dns to drop it)", err=True)
    return model


def _endpoint_filter(model, text: str | None):  # type: ignore[no-untyped-def]
    if text is None:
        return None
    return find_endpoints(model, text)


def _matches(endpoint: object, wanted: list[object] | None) -> bool:
    if wanted is None:
        return True
    return any(endpoint is w or (hasattr(endpoint, "contains") and not hasattr(w, "kind") and endpoint.contains(w))  # type: ignore[attr-defined]
               for w in wanted)


def _filtered(groups: Iterable[FlowGroup], wanted_src: list[object] | None, wanted_dst: list[object] | None,
              focus: PortSet | None) -> list[FlowGroup]:
    """The groups restricted to the wanted sources, destinations and ports (shared target
    lists are filtered once)."""
    if wanted_src is None and wanted_dst is None and focus is None:
        return list(groups)
    done: dict[int, tuple[tuple[object, PortSet], ...]] = {}
    out = []
    for g in groups:
        sources = tuple(s for s in g.sources if _matches(s, wanted_src))
        targets = done.get(id(g.targets))
        if targets is None:
            kept = ((d, p if focus is None else p & focus) for d, p in g.targets if _matches(d, wanted_dst))
            targets = done[id(g.targets)] = tuple((d, p) for d, p in kept if p)
        if sources and targets:
            out.append(FlowGroup(sources, targets))  # type: ignore[arg-type]
    return out


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="txt", show_default=True, help="Output format.")
@click.option("--from", "src", metavar="SRC", help="Only flows from SRC: namespace/name[Kind], namespace/* or an IP address.")
@click.option("--to", "dst", metavar="DST", help="Only flows to DST (same forms as --from).")
@click.option("--port", metavar="N[/PROTO]", help="Only flows allowing this port (and protocol); shows only that part.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@click.option("--host-network", type=click.Choice([m.value for m in HostNetwork]), default="allow", show_default=True,
              help="hostNetwork workloads: 'allow' (outside NetworkPolicy, reported as allowed) or 'as-pod' "
              "(evaluated like other pods, as netpol-analyzer does).")
@click.option("--assume-dns/--no-assume-dns", default=True, show_default=True,
              help="Add the cluster DNS (kube-system, k8s-app: kube-dns) when policies refer to it but the input lacks it.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: .npaudit.yaml).")
@click.option("--stdin-filename", default="<stdin>", show_default=True, help="Name used for input read from '-'.")
@guarded
def connectivity(
    paths: tuple[str, ...], fmt: str, src: str | None, dst: str | None, port: str | None, output: str | None,
    host_network: str, assume_dns: bool, config_path: str | None, stdin_filename: str,
) -> None:
    """List every allowed connection between workloads, and between workloads and addresses
    outside the cluster, as `SRC => DST : CONNS` lines (netpol-analyzer's format).

    \b
    Examples:
      npaudit connectivity examples/retail-store
      npaudit connectivity k8s/ --from ui/ui --format json
      npaudit connectivity k8s/ --to 'orders/*' --port 5432/TCP
    """
    from npaudit.engine import analyze

    model = load_model(paths, stdin_filename, config_path, assume_dns)
    conn = analyze(model, HostNetwork(host_network))
    wanted_src, wanted_dst = _endpoint_filter(model, src), _endpoint_filter(model, dst)
    focus = focus_ports(*reversed(parse_port(port))) if port else None  # type: ignore[arg-type]
    groups = _filtered(conn.flow_groups(), wanted_src, wanted_dst, focus)
    hosts = conn.host_network_workloads
    notes = []
    if hosts and host_network == "allow":
        notes.append(f"{len(hosts)} hostNetwork workload(s) are outside NetworkPolicy enforcement; "
                     "all their connections are reported as allowed: " + ", ".join(w.display for w in hosts))
        if fmt != "json":
            click.echo(f"npaudit: note: {notes[-1]}", err=True)
    write_output(render(fmt, groups, hosts, notes), output)
