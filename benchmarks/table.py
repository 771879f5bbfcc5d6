"""Result rows, the machine description and the one Markdown table the harness prints."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: npaudit rows compared with a peer row: (our phase, NCA phase). Both are end to end.
PEER_OF = {"connectivity-cli": "nca-connectivity", "scan-cli": "nca-redundancy"}
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Row:
    size: str
    phase: str
    seconds: float | None  # None: not measured (see status)
    peak_kb: int | None
    status: str  # "ok", "n/a (not implemented)", "did not finish in N s", "error ..."
    note: str = ""
    limit_seconds: float | None = None  # the timeout, for a peer run that did not finish
    cpu_seconds: float | None = None  # user + system CPU time of the measured work


def _seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def _memory(kb: int | None) -> str:
    return "" if kb is None else f"{kb / 1024:.0f} MB"


def progress_line(row: Row) -> str:
    wall = _seconds(row.seconds) if row.seconds is not None else row.status
    cpu = f"cpu {_seconds(row.cpu_seconds)}" if row.cpu_seconds is not None else ""
    return f"{row.size:>5} {row.phase:<22} {wall:>12} {cpu:>14} {_memory(row.peak_kb):>8}  {row.note}"


def _find(rows: list[Row], size: str, phase: str) -> Row | None:
    return next((r for r in rows if r.size == size and r.phase == phase), None)


def _vs_peer(rows: list[Row], row: Row) -> str:
    """NCA's time divided by ours (how many times faster npaudit is); a lower bound when NCA
    did not finish."""
    peer = _find(rows, row.size, PEER_OF.get(row.phase, ""))
    if peer is None or row.seconds is None or row.seconds <= 0:
        return ""
    if peer.seconds is not None:
        return f"{peer.seconds / row.seconds:.1f}×"
    if peer.limit_seconds is not None:
        return f"> {peer.limit_seconds / row.seconds:.0f}× (NCA unfinished)"
    return ""


def _note(rows: list[Row], row: Row) -> str:
    note = row.note.replace("|", "\\|")
    if row.phase == "diff-cli" and row.seconds is not None:
        scan = _find(rows, row.size, "scan-cli")
        if scan is not None and scan.seconds:
            note += f"; {row.seconds / scan.seconds:.2f}× scan-cli"
    return note


def render(rows: list[Row], info: dict[str, str]) -> str:
    """The Markdown report: the machine, then one table for every size and phase."""
    lines = [f"- {key}: {value}" for key, value in info.items()]
    lines += [
        "",
        "| size | phase | wall time | CPU time | peak memory | × parse floor | vs NCA (NCA time ÷ ours) | notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        floor = _find(rows, row.size, "parse")
        wall = _seconds(row.seconds) if row.seconds is not None else row.status
        ratio = ""
        if row.seconds is not None and floor is not None and floor.seconds and row.phase != "parse":
            ratio = f"{row.seconds / floor.seconds:.2f}×"
        cpu = _seconds(row.cpu_seconds) if row.cpu_seconds is not None and row.status == "ok" else ""
        lines.append(
            f"| {row.size} | {row.phase} | {wall} | {cpu} | {_memory(row.peak_kb) if row.status == 'ok' else ''} | {ratio} | {_vs_peer(rows, row)} | {_note(rows, row)} |"
        )
    return "\n".join(lines) + "\n"


def _git_head() -> str:
    done = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        from npaudit import __version__ as version
    except ImportError:
        version = "unknown"
    return {
        "machine": f"{cpus} CPUs ({_cpu_model()}), {_memory_total()} RAM, {platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "npaudit": f"{version} at commit {_git_head()}",
    }
