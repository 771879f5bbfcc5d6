"""`npaudit explain`: why one connection is allowed or denied, with the rules' file:line."""

from __future__ import annotations

import click

from npaudit.cli.common import guarded, write_output
from npaudit.cli.connectivity import load_model
from npaudit.engine.lookup import find_endpoint, parse_port
from npaudit.engine.types import HostNetwork


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--from", "src", metavar="SRC", required=True, help="Source: namespace/name[Kind] or an IP address.")
@click.option("--to", "dst", metavar="DST", required=True, help="Destination: namespace/name[Kind] or an IP address.")
@click.option("--port", metavar="N[/PROTO]", help="Ask about one port (and protocol) only.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@click.option("--host-network", type=click.Choice([m.value for m in HostNetwork]), default="allow", show_default=True,
              help="hostNetwork workloads: 'allow' or 'as-pod' (see `npaudit connectivity --help`).")
@click.option("--assume-dns/--no-assume-dns", default=True, show_default=True,
              help="Add the cluster DNS when policies refer to it but the input lacks it.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: .npaudit.yaml).")
@click.option("--stdin-filename", default="<stdin>", show_default=True, help="Name used for input read from '-'.")
@guarded
def explain(
    paths: tuple[str, ...], src: str, dst: str, port: str | None, fmt: str, output: str | None,
    host_network: str, assume_dns: bool, config_path: str | None, stdin_filename: str,
) -> None:
    """Explain the connection from SRC to DST: the allowed and denied ports, and per direction
    the rules that admit it (with file:line) or every policy that blocks it.

    \b
    Examples:
      npaudit explain examples/retail-store --from ui/ui --to catalog/catalog
      npaudit explain k8s/ --from ui/ui --to orders/orders-postgresql --port 5432
    """
    from npaudit.engine.explain import explain as run_explain
    from npaudit.report.conn_explain import render_json, render_text

    model = load_model(paths, stdin_filename, config_path, assume_dns)
    number, protocol = parse_port(port) if port else (None, None)
    result = run_explain(model, find_endpoint(model, src), find_endpoint(model, dst), number, protocol,
                         HostNetwork(host_network))
    write_output(render_json(result) if fmt == "json" else render_text(result), output)
