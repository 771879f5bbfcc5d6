"""Renderers of connectivity flows: txt (netpol-analyzer's `list` line format), json, csv, md,
dot and mermaid (graphs clustered by namespace). Pure functions of the flows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from npaudit.algebra.ports import PortSet
from npaudit.engine.connectivity import Flow, FlowGroup
from npaudit.report.flow_order import FlowOrder, Row
from npaudit.model.types import Workload

FORMATS = ("txt", "json", "csv", "md", "dot", "mermaid")


def sort_flows(flows: Iterable[Flow] | Iterable[FlowGroup]) -> list[Flow]:
    """Lines sorted in byte order, as netpol-analyzer sorts them."""
    return [Flow(r.src_end, r.dst_end, r.ports) for r in FlowOrder(flows).rows()]


def render_txt(flows: Iterable[Flow] | Iterable[FlowGroup]) -> str:
    return FlowOrder(flows).txt()


def _endpoint_json(endpoint: object) -> dict[str, object]:
    if isinstance(endpoint, Workload):
        return {"type": "workload", "namespace": endpoint.namespace, "name": endpoint.name,
                "kind": endpoint.kind, "host_network": endpoint.host_network,
                "assumed": "npaudit.io/assumed" in endpoint.annotations}
    return {"type": "external", "first": str(endpoint.first), "last": str(endpoint.last)}  # type: ignore[attr-defined]


def render_json(flows: Iterable[Flow] | Iterable[FlowGroup], host_network: Sequence[Workload] = (), notes: Sequence[str] = ()) -> str:
    """Same flows as txt; `src`/`dst`/`conn` strings as netpol-analyzer's JSON, plus structure."""
    ends: dict[int, dict[str, object]] = {}
    ports: dict[int, object] = {}

    def end(endpoint: object) -> dict[str, object]:
        found = ends.get(id(endpoint))
        if found is None:
            found = ends[id(endpoint)] = _endpoint_json(endpoint)
        return found

    def port_json(ps: PortSet) -> object:
        found = ports.get(id(ps))
        if found is None:
            found = ports[id(ps)] = ps.to_json()
        return found

    doc = {
        "version": 1,
        "flows": [
            {
                "src": r.src,
                "dst": r.dst,
                "conn": r.conn,
                "source": end(r.src_end),
                "destination": end(r.dst_end),
                "all_connections": r.ports.is_all,
                "ports": port_json(r.ports),
                "host_network": _host(r.src_end) or _host(r.dst_end),
            }
            for r in FlowOrder(flows).rows()
        ],
        "host_network_workloads": [w.display for w in host_network],
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2) + "\n"


def render_csv(flows: Iterable[Flow] | Iterable[FlowGroup]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["src", "dst", "conn"])
    writer.writerows([(r.src, r.dst, r.conn) for r in FlowOrder(flows).rows()])
    return buf.getvalue()


def render_md(flows: Iterable[Flow] | Iterable[FlowGroup]) -> str:
    lines = ["| src | dst | conn |", "|-----|-----|------|"]
    lines += [f"| {r.src} | {r.dst} | {r.conn} |" for r in FlowOrder(flows).rows()]
    return "\n".join(lines) + "\n"


def _host(endpoint: object) -> bool:
    """True for a hostNetwork workload (the verdict is not NetworkPolicy's)."""
    return isinstance(endpoint, Workload) and endpoint.host_network


def _namespace(endpoint: object) -> str | None:
    return endpoint.namespace if isinstance(endpoint, Workload) else None


def _nodes(rows: Sequence[Row]) -> dict[str | None, list[str]]:
    """Endpoint names grouped by namespace (None: outside the cluster)."""
    groups: dict[str | None, set[str]] = {}
    for r in rows:
        for e, name in ((r.src_end, r.src), (r.dst_end, r.dst)):
            groups.setdefault(_namespace(e), set()).add(name)
    return {k: sorted(v) for k, v in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(flows: Iterable[Flow] | Iterable[FlowGroup]) -> str:
    out = ["digraph connectivity {", "  rankdir=LR;", "  node [shape=box, fontsize=10];",
           "  edge [fontsize=9];"]
    rows = list(FlowOrder(flows).rows())
    for i, (ns, names) in enumerate(_nodes(rows).items()):
        label = ns if ns is not None else "external"
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f"    label={_dot_quote(label)};")
        for name in names:
            shape = ", shape=ellipse" if ns is None else ""
            text = name.split("/", 1)[1] if ns is not None else name
            out.append(f"    {_dot_quote(name)} [label={_dot_quote(text)}{shape}];")
        out.append("  }")
    for r in rows:
        out.append(f"  {_dot_quote(r.src)} -> {_dot_quote(r.dst)} [label={_dot_quote(r.conn)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(flows: Iterable[Flow] | Iterable[FlowGroup]) -> str:
    ids: dict[str, str] = {}
    out = ["flowchart LR"]
    rows = list(FlowOrder(flows).rows())
    for i, (ns, names) in enumerate(_nodes(rows).items()):
        title = ns if ns is not None else "external"
        out.append(f'  subgraph g{i}["{_mermaid_text(title)}"]')
        for name in names:
            ids[name] = f"n{len(ids)}"
            text = name.split("/", 1)[1] if ns is not None else name
            out.append(f'    {ids[name]}["{_mermaid_text(text)}"]')
        out.append("  end")
    for r in rows:
        label = r.conn.replace("|", "/")
        out.append(f'  {ids[r.src]} -->|"{_mermaid_text(label)}"| {ids[r.dst]}')
    return "\n".join(out) + "\n"


def render(fmt: str, flows: Iterable[Flow] | Iterable[FlowGroup], host_network: Sequence[Workload] = (), notes: Sequence[str] = ()) -> str:
    if fmt == "json":
        return render_json(flows, host_network, notes)
    renderers = {"txt": render_txt, "csv": render_csv, "md": render_md, "dot": render_dot, "mermaid": render_mermaid}
    if fmt not in renderers:
        raise ValueError(f"unknown connectivity format {fmt!r}; choose from {', '.join(FORMATS)}")
    return renderers[fmt](flows)
