"""Renderers of connectivity flows: txt (netpol-analyzer's `list` line format), json, csv, md,
dot and mermaid (graphs clustered by namespace). Pure functions of the flows."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from npaudit.engine.connectivity import Flow
from npaudit.model.types import Workload

FORMATS = ("txt", "json", "csv", "md", "dot", "mermaid")


def sort_flows(flows: Sequence[Flow]) -> list[Flow]:
    """Lines sorted in byte order, as netpol-analyzer sorts them."""
    return sorted(flows, key=lambda f: (f.src_name.encode(), f.dst_name.encode()))


def render_txt(flows: Sequence[Flow]) -> str:
    return "".join(f"{f}\n" for f in sort_flows(flows))


def _endpoint_json(endpoint: object) -> dict[str, object]:
    if isinstance(endpoint, Workload):
        return {"type": "workload", "namespace": endpoint.namespace, "name": endpoint.name,
                "kind": endpoint.kind, "host_network": endpoint.host_network,
                "assumed": "npaudit.io/assumed" in endpoint.annotations}
    return {"type": "external", "first": str(endpoint.first), "last": str(endpoint.last)}  # type: ignore[attr-defined]


def render_json(flows: Sequence[Flow], host_network: Sequence[Workload] = (), notes: Sequence[str] = ()) -> str:
    """Same flows as txt; `src`/`dst`/`conn` strings as netpol-analyzer's JSON, plus structure."""
    doc = {
        "version": 1,
        "flows": [
            {
                "src": f.src_name,
                "dst": f.dst_name,
                "conn": str(f.ports),
                "source": _endpoint_json(f.src),
                "destination": _endpoint_json(f.dst),
                "all_connections": f.ports.is_all,
                "ports": f.ports.to_json(),
                "host_network": f.host_network,
            }
            for f in sort_flows(flows)
        ],
        "host_network_workloads": [w.display for w in host_network],
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2) + "\n"


def render_csv(flows: Sequence[Flow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["src", "dst", "conn"])
    for f in sort_flows(flows):
        writer.writerow([f.src_name, f.dst_name, str(f.ports)])
    return buf.getvalue()


def render_md(flows: Sequence[Flow]) -> str:
    lines = ["| src | dst | conn |", "|-----|-----|------|"]
    lines += [f"| {f.src_name} | {f.dst_name} | {f.ports} |" for f in sort_flows(flows)]
    return "\n".join(lines) + "\n"


def _namespace(endpoint: object) -> str | None:
    return endpoint.namespace if isinstance(endpoint, Workload) else None


def _nodes(flows: Sequence[Flow]) -> dict[str | None, list[str]]:
    """Endpoint names grouped by namespace (None: outside the cluster)."""
    groups: dict[str | None, set[str]] = {}
    for f in flows:
        for e, name in ((f.src, f.src_name), (f.dst, f.dst_name)):
            groups.setdefault(_namespace(e), set()).add(name)
    return {k: sorted(v) for k, v in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(flows: Sequence[Flow]) -> str:
    out = ["digraph connectivity {", "  rankdir=LR;", "  node [shape=box, fontsize=10];",
           "  edge [fontsize=9];"]
    for i, (ns, names) in enumerate(_nodes(flows).items()):
        label = ns if ns is not None else "external"
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f"    label={_dot_quote(label)};")
        for name in names:
            shape = ", shape=ellipse" if ns is None else ""
            text = name.split("/", 1)[1] if ns is not None else name
            out.append(f"    {_dot_quote(name)} [label={_dot_quote(text)}{shape}];")
        out.append("  }")
    for f in sort_flows(flows):
        out.append(f"  {_dot_quote(f.src_name)} -> {_dot_quote(f.dst_name)} [label={_dot_quote(str(f.ports))}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(flows: Sequence[Flow]) -> str:
    ids: dict[str, str] = {}
    out = ["flowchart LR"]
    for i, (ns, names) in enumerate(_nodes(flows).items()):
        title = ns if ns is not None else "external"
        out.append(f'  subgraph g{i}["{_mermaid_text(title)}"]')
        for name in names:
            ids[name] = f"n{len(ids)}"
            text = name.split("/", 1)[1] if ns is not None else name
            out.append(f'    {ids[name]}["{_mermaid_text(text)}"]')
        out.append("  end")
    for f in sort_flows(flows):
        label = re.sub(r"[|]", "/", str(f.ports))
        out.append(f'  {ids[f.src_name]} -->|"{_mermaid_text(label)}"| {ids[f.dst_name]}')
    return "\n".join(out) + "\n"


def render(fmt: str, flows: Sequence[Flow], host_network: Sequence[Workload] = (), notes: Sequence[str] = ()) -> str:
    if fmt == "json":
        return render_json(flows, host_network, notes)
    renderers = {"txt": render_txt, "csv": render_csv, "md": render_md, "dot": render_dot, "mermaid": render_mermaid}
    if fmt not in renderers:
        raise ValueError(f"unknown connectivity format {fmt!r}; choose from {', '.join(FORMATS)}")
    return renderers[fmt](flows)
