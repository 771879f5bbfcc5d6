"""The grouped renderer lists exactly the flows of `Connectivity.flows()`, in netpol-analyzer's
order: byte order of the source name, then of the destination name; never a workload to itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.engine import HostNetwork, analyze
from npaudit.engine.connectivity import Flow
from npaudit.report.connectivity import FORMATS, render, sort_flows
from npaudit.model.types import Model
from npaudit.report.flow_order import FlowOrder
from tests.engine.factory import ns, pod


def _conn(folder: Path, mode: HostNetwork = HostNetwork.ALLOW):  # type: ignore[no-untyped-def]
    from npaudit.load import load_paths
    from npaudit.model.build import build_model

    model = build_model(load_paths([str(folder)], root=folder).documents).model
    return analyze(model, mode)


def _naive(flows: list[Flow]) -> str:
    ordered = sorted(flows, key=lambda f: (f.src_name.encode(), f.dst_name.encode()))
    return "".join(f"{f.src_name} => {f.dst_name} : {f.ports}\n" for f in ordered)


@pytest.mark.parametrize("folder", ["npa-onlineboutique-workloads", "npa-ipblockstest", "npa-test-with-named-ports"])
def test_groups_render_the_same_lines_as_sorting_every_flow(corpus_dir: Path, folder: str) -> None:
    conn = _conn(corpus_dir / folder / "input", HostNetwork.AS_POD)
    flows = list(conn.flows())
    groups = list(conn.flow_groups())
    assert flows and all(f.src is not f.dst for f in flows)
    assert sum(1 for g in groups for s in g.sources for d, _ in g.targets if s is not d) == len(flows)
    assert FlowOrder(groups).txt() == _naive(flows) == FlowOrder(flows).txt()
    assert [str(f) for f in sort_flows(groups)] == _naive(flows).splitlines()


def test_every_format_is_the_same_from_flows_or_groups(examples_dir: Path) -> None:
    conn = _conn(examples_dir / "retail-store")
    flows, groups = list(conn.flows()), list(conn.flow_groups())
    for fmt in FORMATS:
        assert render(fmt, groups) == render(fmt, flows)


def test_look_alike_workloads_share_a_group_and_never_list_themselves() -> None:
    # three workloads no policy can tell apart form one class; with no policy every flow is
    # allowed, so each lists the two others (names out of order to exercise the sort)
    ws = [pod("a", n, {"app": "web"}) for n in ("web-b", "web-a", "web-c")]
    model = Model({"a": ns("a")}, tuple(ws))
    groups = list(analyze(model).flow_groups())
    assert [len(g.sources) for g in groups if len(g.sources) > 1] == [3]
    lines = [line for line in FlowOrder(groups).txt().splitlines() if "External" not in line]
    assert lines == [f"a/{s}[Deployment] => a/{d}[Deployment] : All Connections"
                     for s in ("web-a", "web-b", "web-c") for d in ("web-a", "web-b", "web-c") if s != d]
