"""Packaging: every sub-package ships, rules/ and schemas/ are in the wheel, and an installed
wheel runs in a fresh virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES_DIR, REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_subpackage_is_listed() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        "npaudit" + ("." + ".".join(p.parent.relative_to(REPO_ROOT / "scanner").parts) if p.parent != REPO_ROOT / "scanner" else "")
        for p in (REPO_ROOT / "scanner").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {sorted(found - listed)}"


def test_no_top_level_scanner_package() -> None:
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["npaudit"] == "scanner"
    assert not any(p == "scanner" or p.startswith("scanner.") for p in PYPROJECT["tool"]["setuptools"]["packages"])


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    """Build the wheel, install it (without dependencies) into a new venv that borrows the
    dependencies of the running environment, then run `npaudit --version`, `npaudit rules` and a
    scan of the example. A missing package-data entry fails here."""
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(dist.glob("npaudit-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    install = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    # Dependencies come from the running environment, appended after the venv's own site-packages.
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    (site / "_npaudit_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    exe = env_dir / "bin" / "npaudit"
    env = {**os.environ, "NO_COLOR": "1"}
    where = subprocess.run([str(py), "-c", "import npaudit; print(npaudit.__file__)"], capture_output=True, text=True, env=env)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and "npaudit" in version.stdout
    rules = subprocess.run([str(exe), "rules"], capture_output=True, text=True, env=env)
    assert rules.returncode == 0 and "no-db-from-ui" in rules.stdout, rules.stderr
    scan = subprocess.run([str(exe), "scan", str(EXAMPLES_DIR / "retail-store"), "--format", "json"], capture_output=True, text=True, env=env)
    assert scan.returncode in (0, 1), scan.stderr
    assert '"findings"' in scan.stdout
