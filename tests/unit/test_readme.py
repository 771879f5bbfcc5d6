"""The README quick start is what CI runs: keep the two commands and .ci/run in sync."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.S)


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    assert "npaudit scan examples/retail-store" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = quick_start_commands()[1]
    ci_lines = [line.strip() for line in CI_RUN.splitlines()]
    assert test_command.strip() in ci_lines


def test_ci_installs_the_way_the_readme_does() -> None:
    install = quick_start_commands()[0].split("&& npaudit")[0].strip()
    assert install.replace("pip install .", "pip install '.[test]'") in CI_RUN
