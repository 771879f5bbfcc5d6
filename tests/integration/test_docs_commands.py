"""The user guide as a new user meets it: every runnable command in docs/ runs as shown (no
traceback, exit 0 or 1), the exit codes the guide states are the real ones, every option of
`npaudit --help` is documented, and the relative links of the guide resolve.

A command is runnable when it sits in a ```sh block of one of GUIDE and starts with `npaudit`
(or is a shell line around it: `cd examples/retail-store && npaudit ...`, `cat ... | npaudit`,
`awk ... | npaudit`) and uses the example or needs no input. Commands run from a temporary copy of the repository's
`examples/` that is a Git repository (for `npaudit diff`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import shlex
import traceback
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLES_DIR, REPO_ROOT

DOCS = REPO_ROOT / "docs"
GUIDE = ("commands.md", "getting-started.md", "properties.md", "helm-kustomize.md", "ci.md")
#: shell lines that feed or wrap npaudit (pipes from cat/awk, a cd into the example)
_SHELL_STARTS = ("cd examples/retail-store && ", "cat examples/retail-store", "awk ")

#: Exit codes the guide states in prose, checked against the real ones.
STATED_EXIT_CODES = {
    "npaudit scan examples/retail-store": 0,
    "npaudit scan examples/retail-store --fail-on warning --quiet": 1,
    "npaudit prove --property no-db-from-ui examples/retail-store": 0,
    "npaudit prove --all examples/retail-store": 1,
    "cd examples/retail-store && npaudit scan --changed-files orders/postgresql.yaml": 1,
    "npaudit report examples/retail-store -o report.html": 0,
    "npaudit prove --config examples/retail-store/.npaudit.yaml --property ui-reaches-catalog examples/retail-store": 0,
    "npaudit prove --config examples/retail-store/.npaudit.yaml --property catalog-db-only-from-catalog --scope workloads examples/retail-store": 0,
    "npaudit prove --config examples/retail-store/.npaudit.yaml --property catalog-db-only-from-catalog examples/retail-store": 1,
    "npaudit prove --config examples/retail-store/.npaudit.yaml --property orders-db-only-from-orders examples/retail-store": 1,
}


#: Plain lines also run with the installed console script, not only in process.
SUBPROCESS_SAMPLE = (
    "npaudit --version",
    "npaudit scan examples/retail-store",
    "npaudit report examples/retail-store -o report.html",
    "npaudit diff --base HEAD examples/retail-store",
)


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def runnable_commands() -> list[tuple[str, str]]:
    out = []
    for name in GUIDE:
        path = DOCS / name
        if not path.is_file():
            continue
        for block in _sh_blocks(path.read_text(encoding="utf-8")):
            for line in block.splitlines():
                line = line.strip()
                if not (line.startswith("npaudit ") or (line.startswith(_SHELL_STARTS) and "npaudit " in line)):
                    continue
                if "examples/retail-store" in line or line in ("npaudit --version",) or line.startswith("npaudit rules"):
                    out.append((name, line))
    return out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's checkout: examples/ in a fresh Git repository with one commit."""
    if shutil.which("npaudit") is None:
        pytest.skip("npaudit is not on PATH (install the project first)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path_factory.mktemp("user")
    shutil.copytree(EXAMPLES_DIR, root / "examples")
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "examples"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    return root


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _shell(line: str, cwd: Path) -> Ran:
    """Through bash with the installed `npaudit`, exactly as a user types it."""
    env = {k: v for k, v in os.environ.items() if k != "NPAUDIT_DEBUG"}
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def _in_process(line: str) -> Ran:
    """A plain `npaudit ...` line through the same click entry point, in this process (a fresh
    interpreter per command would cost the suite a minute of start-up time)."""
    from npaudit.cli import cli

    result = CliRunner().invoke(cli, shlex.split(line)[1:], prog_name="npaudit")
    trace = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "Traceback (in process): " + "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, result.stderr + trace)


def _needs_shell(line: str) -> bool:
    return not line.startswith("npaudit ") or any(c in line for c in ("|", "&&", ">", "$(", "`"))


@pytest.fixture(scope="module")
def results(workspace: Path) -> dict[str, Ran]:
    lines = list(dict.fromkeys(line for _, line in runnable_commands()))
    # The shell lines and a sample of plain ones go through bash and the installed CLI; the rest
    # run in process, in the guide's order (the baseline is written before it is used).
    by_shell = {line for line in lines if _needs_shell(line)} | set(SUBPROCESS_SAMPLE)
    out: dict[str, Ran] = {}
    old = Path.cwd()
    os.chdir(workspace)
    try:
        for line in lines:
            out[line] = _shell(line, workspace) if line in by_shell else _in_process(line)
    finally:
        os.chdir(old)
    return out


def test_the_guide_has_runnable_commands() -> None:
    commands = runnable_commands()
    assert len(commands) >= 30, commands
    names = {line.split()[1] for _, line in commands if line.startswith("npaudit ")}
    assert {"scan", "connectivity", "explain", "prove", "diff", "report", "rules"} <= names


def test_every_documented_command_runs(results: dict[str, Ran]) -> None:
    failures = []
    for line, proc in results.items():
        output = proc.stdout + proc.stderr
        if proc.returncode not in (0, 1) or "Traceback" in output or "internal error" in output:
            failures.append(f"{line}\n  exit {proc.returncode}\n  {output[-800:]}")
    assert not failures, "\n".join(failures)


def test_stated_exit_codes(results: dict[str, Ran]) -> None:
    for line, code in STATED_EXIT_CODES.items():
        assert line in results, f"the guide no longer shows {line!r}; update STATED_EXIT_CODES"
        assert results[line].returncode == code, (line, results[line].stdout[-500:], results[line].stderr[-500:])


def test_documented_outputs_are_written(results: dict[str, Ran], workspace: Path) -> None:
    for name in ("findings.json", "npaudit.sarif", "connectivity.json", "report.html", "report.md", "diff.md", "npaudit-baseline.json"):
        assert (workspace / name).is_file() and (workspace / name).stat().st_size > 0, name


def _documented_options() -> dict[str, list[str]]:
    from npaudit.cli import cli

    out: dict[str, list[str]] = {}
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        opts = []
        for param in command.params:
            if isinstance(param, click.Option):
                opts += [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--") and o != "--help"]
        out[name] = opts
    return out


def test_every_command_and_option_is_documented() -> None:
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    sections = {m.group(1): m.start() for m in re.finditer(r"^## `npaudit (\w+)`", text, flags=re.M)}
    missing = []
    for command, options in _documented_options().items():
        if command not in sections:
            missing.append(f"section for npaudit {command}")
            continue
        start = sections[command]
        end = min((pos for pos in sections.values() if pos > start), default=len(text))
        body = text[start:end]
        missing += [f"{command} {o}" for o in options if o not in body]
    assert not missing, missing


def test_shell_completion_scripts() -> None:
    if shutil.which("npaudit") is None:
        pytest.skip("npaudit is not on PATH")
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_NPAUDIT_COMPLETE={shell}_source npaudit" in text
        proc = subprocess.run(["npaudit"], env={**os.environ, "_NPAUDIT_COMPLETE": f"{shell}_source"},
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "_npaudit_completion" in proc.stdout, shell


def test_relative_links_resolve() -> None:
    broken = []
    for page in sorted(DOCS.glob("*.md")):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.name} -> {target}")
    assert not broken, broken


def _yaml_blocks(name: str) -> list[object]:
    from ruamel.yaml import YAML

    text = (DOCS / name).read_text(encoding="utf-8")
    return [YAML(typ="safe").load(block) for block in re.findall(r"^```yaml\n(.*?)^```", text, flags=re.S | re.M)]


def _steps(doc: object) -> list[dict[str, object]]:
    if isinstance(doc, dict) and "jobs" in doc:
        return [s for job in doc["jobs"].values() for s in job.get("steps", [])]
    if isinstance(doc, dict):  # a job snippet ("  diff: ...")
        return [s for job in doc.values() if isinstance(job, dict) for s in job.get("steps", [])]
    return []


def test_ci_recipes_match_the_action_and_the_hooks() -> None:
    from ruamel.yaml import YAML

    action = YAML(typ="safe").load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    hooks = {h["id"] for h in YAML(typ="safe").load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    blocks = _yaml_blocks("ci.md")
    uses = [s for doc in blocks for s in _steps(doc) if str(s.get("uses", "")).startswith("npaudit/npaudit@")]
    assert uses, "ci.md shows no workflow using the action"
    for step in uses:
        assert set(step.get("with", {})) <= set(action["inputs"]), step
    workflows = [d for d in blocks if isinstance(d, dict) and "jobs" in d]
    assert any(d.get("permissions", {}).get("security-events") == "write" for d in workflows)
    used_hooks = {h["id"] for d in blocks if isinstance(d, dict) for r in d.get("repos", []) for h in r["hooks"]}
    assert used_hooks and used_hooks <= hooks, used_hooks
    assert hooks <= set(re.findall(r"`(npaudit(?:-changed)?)`", (DOCS / "ci.md").read_text(encoding="utf-8")))


def test_dogfooding_workflow_uses_this_action_on_the_examples() -> None:
    from ruamel.yaml import YAML

    flow = YAML(typ="safe").load((REPO_ROOT / ".github/workflows/npaudit.yml").read_text(encoding="utf-8"))
    assert flow["permissions"]["security-events"] == "write"
    steps = [s for job in flow["jobs"].values() for s in job["steps"]]
    ours = [s for s in steps if s.get("uses") == "./"]
    assert ours and ours[0]["with"]["paths"] == "examples"
    assert steps.index(ours[0]) > next(i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("actions/checkout"))
    for step in steps:
        assert "${{" not in str(step.get("run", "")), step
