"""python -m benchmarks --sizes S,M,L,XL [--phases ...] [--compare-nca] [--out table.md]

Generates each size (deterministic, seeded), times every phase in a fresh process (wall time
and the process's own peak memory), optionally runs network-config-analyzer on the same
inputs, and prints one Markdown table. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import run, table
from benchmarks.cluster import parse_size


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="S,M", help="comma list of S, M, L, XL, P200, P500 or NSxWORKLOADSxPOLICIES [S,M]")
    p.add_argument("--phases", default=",".join(run.PHASES), help=f"comma list of {', '.join(run.PHASES)} [all]; parse (the floor) always runs")
    p.add_argument("--compare-nca", action="store_true", help="also run network-config-analyzer (installed into WORKDIR/nca-venv)")
    p.add_argument("--nca-connectivity-timeout", type=float, default=600.0, metavar="S", help="[600]")
    p.add_argument("--nca-redundancy-timeout", type=float, default=300.0, metavar="S", help="[300]")
    p.add_argument("--nca-max-workloads", type=int, default=1000, metavar="N",
                   help="run NCA only on sizes with at most N workloads [1000]: it took minutes at 1,000")
    p.add_argument("--timeout", type=float, default=1800.0, metavar="S", help="per npaudit phase [1800]")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=1, metavar="N", help="keep the fastest of N runs of every npaudit row and the floor [1]")
    p.add_argument("--workdir", type=Path, help="keep inputs (and the NCA venv) here; default: a temporary directory, removed")
    p.add_argument("--profile", type=Path, metavar="DIR", help="also cProfile every npaudit row into DIR/<size>-<phase>.prof (slower; read with python -m pstats)")
    p.add_argument("--out", type=Path, help="also write the table (Markdown) to this file")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = sorted(set(phases) - set(run.PHASES))
    if unknown:
        sys.stderr.write(f"error: unknown phase(s) {', '.join(unknown)}; choose from {', '.join(run.PHASES)}\n")
        return 2
    workdir = args.workdir.resolve() if args.workdir else run.temp_workdir()
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    settings = run.Settings(
        sizes=sizes, phases=phases, workdir=workdir, seed=args.seed, timeout=args.timeout, repeat=args.repeat,
        profile_dir=args.profile.resolve() if args.profile else None,
        compare_nca=args.compare_nca, nca_connectivity_timeout=args.nca_connectivity_timeout,
        nca_redundancy_timeout=args.nca_redundancy_timeout, nca_max_workloads=args.nca_max_workloads,
        progress=lambda line: (sys.stderr.write(line + "\n"), sys.stderr.flush()),
    )
    try:
        rows, info = run.run(settings)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    info["sizes"] = "; ".join(f"{s.name} = {s.namespaces} ns, {s.workloads} workloads, {s.policies} policies" for s in sizes)
    info["seed"] = str(args.seed)
    info["repeat"] = f"best of {args.repeat} run(s) per npaudit row; NCA runs once"
    report = table.render(rows, info)
    sys.stdout.write(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
