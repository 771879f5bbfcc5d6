"""The benchmark harness: generate each size, time every phase in a fresh process, compare
with network-config-analyzer when asked, and print one table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import measure, nca, table
from benchmarks.cluster import Size
from benchmarks.hooks import NOT_IMPLEMENTED, PROPERTY
from benchmarks.table import Row

PHASES = ("parse", "load", "model", "connectivity", "prove", "scan", "hygiene", "diff")
REPO_ROOT = Path(__file__).resolve().parents[1]


#: End-to-end command rows run after an in-process group: group -> (phase, argv, exit codes
#: that mean success). DIR stands for the generated tree.
CLI_ROWS: dict[str, tuple[str, tuple[str, ...], set[int]]] = {
    "parse": ("startup-cli", ("--version",), {0}),  # interpreter + CLI import: in every -cli row
    "connectivity": ("connectivity-cli", ("connectivity", "DIR", "-o", os.devnull), {0}),
    "prove": ("prove-cli", ("prove", "--property", PROPERTY, "DIR"), {0, 1, 3}),
    "scan": ("scan-cli", ("scan", "DIR", "--format", "json", "-o", os.devnull), {0, 1}),
}


@dataclass(slots=True)
class Settings:
    sizes: list[Size]
    phases: list[str]
    workdir: Path
    seed: int = 0
    timeout: float = 1800.0
    profile_dir: Path | None = None  # cProfile every npaudit row into this folder
    repeat: int = 1  # npaudit rows and the floor: best (lowest wall time) of this many runs
    compare_nca: bool = False
    nca_connectivity_timeout: float = 600.0
    nca_redundancy_timeout: float = 300.0
    nca_max_workloads: int = 1000  # larger sizes: the NCA rows say they were not run
    progress: Callable[[str], None] = field(default=lambda line: None)


def _child_rows(size: str, group: str, tree: Path, s: Settings) -> list[Row]:
    """Run one in-process phase group in a fresh interpreter; all its rows share its peak."""
    timeout = s.timeout
    env = _child_env()
    if s.profile_dir is not None:
        env["NPAUDIT_BENCH_PROFILE_DIR"] = str(s.profile_dir)
        env["NPAUDIT_BENCH_PROFILE_PREFIX"] = f"{size}-"
    m = measure.run([sys.executable, "-m", "benchmarks.phases", group, str(tree)], cwd=REPO_ROOT, timeout=timeout, env=env)
    if m.timed_out:
        return [Row(size, group, None, m.peak_kb, f"did not finish in {timeout:.0f} s")]
    try:
        payload = json.loads(m.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [Row(size, group, None, m.peak_kb, f"error (exit {m.returncode})", m.last_error_line())]
    peak = payload.get("peak_kb") or m.peak_kb
    return [
        Row(size, r["phase"], r["seconds"], peak, r["status"], r.get("note", ""), cpu_seconds=r.get("cpu"))
        for r in payload["rows"]
    ]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO_ROOT), env.get("PYTHONPATH"))))
    env.setdefault("NO_COLOR", "1")
    return env


_COMMANDS: dict[str, bool] = {}


def _has_command(name: str) -> bool:
    """Whether the npaudit CLI has subcommand `name` (click exits 2 for an unknown one)."""
    if name not in _COMMANDS:
        done = subprocess.run([sys.executable, "-m", "npaudit", name, "--help"], capture_output=True, check=False, cwd=REPO_ROOT)
        _COMMANDS[name] = done.returncode == 0
    return _COMMANDS[name]


def _cli_row(size: str, phase: str, args: Sequence[str], cwd: Path, s: Settings, ok_codes: set[int]) -> Row:
    """Time `npaudit ARGS` end to end (interpreter start-up included: what a user waits for)."""
    timeout = s.timeout
    if not _has_command(args[0]):
        return Row(size, phase, None, None, NOT_IMPLEMENTED, f"no `npaudit {args[0]}` command")
    python = [sys.executable]
    if s.profile_dir is not None:
        python += ["-m", "cProfile", "-o", str(s.profile_dir / f"{size}-{phase}.prof")]
    m = measure.run([*python, "-m", "npaudit", *args], cwd=cwd, timeout=timeout, env=_child_env())
    note = "npaudit " + " ".join("DIR" if a == str(cwd / "tree") else a for a in args)
    if m.timed_out:
        return Row(size, phase, None, m.peak_kb, f"did not finish in {timeout:.0f} s", note)
    if m.returncode not in ok_codes:
        return Row(size, phase, None, m.peak_kb, f"error (exit {m.returncode})", f"{note}: {m.last_error_line()}")
    return Row(size, phase, m.seconds, m.peak_kb, "ok", f"{note} (exit {m.returncode})", cpu_seconds=m.cpu_seconds)


def _generate(size: Size, seed: int, target: Path, *, mutate: bool = False) -> None:
    """Write the tree in a child process: the harness stays small, and its memory (which every
    child holds between fork and exec) does not inflate the children's rusage peaks."""
    argv = [sys.executable, "-m", "benchmarks.generate", "--size", size.name, "--seed", str(seed), "--out", str(target)]
    if mutate:
        argv.append("--mutate-one-policy")
    subprocess.run(argv, check=True, cwd=REPO_ROOT, env=_child_env(), stdout=subprocess.DEVNULL)


def _git_revisions(size: Size, seed: int, target: Path) -> None:
    """A Git repository with two commits: the cluster, then the same with one policy changed."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    git = ["git", "-C", str(target), "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    _generate(size, seed, target)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    _generate(size, seed, target, mutate=True)
    subprocess.run([*git, "commit", "-qam", "one policy changed"], check=True)


def _best(runs: list[list[Row]]) -> list[Row]:
    """Per phase, the run with the lowest wall time (noise only ever adds time)."""
    best: dict[str, Row] = {}
    for rows in runs:
        for row in rows:
            kept = best.get(row.phase)
            if kept is None or (row.seconds is not None and (kept.seconds is None or row.seconds < kept.seconds)):
                best[row.phase] = row
    return list(best.values())


def run_size(size: Size, s: Settings) -> list[Row]:
    base = s.workdir / size.name
    tree = base / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    _generate(size, s.seed, tree)
    rows: list[Row] = []

    def add(measure_once: Callable[[], list[Row]]) -> None:
        new = _best([measure_once() for _ in range(max(1, s.repeat))])
        for row in new:
            s.progress(table.progress_line(row))
        rows.extend(new)

    add(lambda: _child_rows(size.name, "parse", tree, s))
    for group in ("parse", "load", "model", "connectivity", "prove", "hygiene", "scan"):
        if group in s.phases and group != "parse":
            add(lambda: _child_rows(size.name, group, tree, s))
        cli = CLI_ROWS.get(group)
        if cli is not None and (group in s.phases or group == "parse"):
            phase, args, ok = cli
            argv = [str(tree) if a == "DIR" else a for a in args]
            add(lambda: [_cli_row(size.name, phase, argv, base, s, ok)])
    if "diff" in s.phases:
        repo = base / "git"
        _git_revisions(size, s.seed, repo)
        add(lambda: [_cli_row(size.name, "diff-cli", ["diff", "--base", "HEAD~1", "--head", "HEAD", "-o", os.devnull, "."], repo, s, {0, 1})])
    if s.compare_nca and size.workloads > s.nca_max_workloads:
        add(lambda: [Row(size.name, "nca-connectivity", None, None, "not run",
                         f"size above --nca-max-workloads {s.nca_max_workloads}")])
    elif s.compare_nca:
        nca_rows = _nca_rows(size, tree, base, s)  # once: minutes per run
        add(lambda: nca_rows)
    return rows


def _nca_rows(size: Size, tree: Path, base: Path, s: Settings) -> list[Row]:
    exe = nca.ensure(s.workdir)
    rows = []
    for phase, fn, limit in (
        ("nca-connectivity", nca.connectivity, s.nca_connectivity_timeout),
        ("nca-redundancy", nca.sanity, s.nca_redundancy_timeout),
    ):
        m = fn(exe, tree, base / f"{phase}.txt", limit)
        if m.timed_out:
            rows.append(Row(size.name, phase, None, m.peak_kb, f"did not finish in {limit:.0f} s", "killed", limit_seconds=limit))
        elif m.returncode not in (0, 1):
            rows.append(Row(size.name, phase, None, m.peak_kb, f"error (exit {m.returncode})", m.last_error_line()))
        else:
            what = "--connectivity" if phase == "nca-connectivity" else "--sanity (vacuity, emptiness, redundancy)"
            rows.append(Row(size.name, phase, m.seconds, m.peak_kb, "ok", f"nca {what} (exit {m.returncode})", cpu_seconds=m.cpu_seconds))
    return rows


def run(s: Settings) -> tuple[list[Row], dict[str, str]]:
    rows: list[Row] = []
    for size in s.sizes:
        rows.extend(run_size(size, s))
    info = table.machine()
    if s.compare_nca:
        info["peer"] = f"network-config-analyzer {nca.version(nca.ensure(s.workdir))}"
    return rows, info


def temp_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="npaudit-bench-"))
