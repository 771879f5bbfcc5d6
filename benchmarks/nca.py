"""network-config-analyzer (NCA), the nearest Python peer, run on the same generated inputs.

NCA is installed by the benchmark itself into a private venv under the work directory; it is
never a dependency of npaudit. Its CLI: `nca --connectivity -r DIR -f OUT` (connectivity map)
and `nca --sanity -r DIR -f OUT` (vacuity, emptiness and redundancy of every policy and rule).
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from benchmarks import measure

PACKAGE = "network-config-analyzer"


def ensure(workdir: Path) -> Path:
    """The `nca` executable of the private venv, created and filled on first use."""
    env_dir = workdir / "nca-venv"
    nca = env_dir / "bin" / "nca"
    if not nca.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        subprocess.run(
            [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", PACKAGE],
            check=True, stdout=sys.stderr, stderr=sys.stderr,
        )
    return nca


def version(nca: Path) -> str:
    done = subprocess.run([str(nca), "--version"], capture_output=True, text=True, check=False)
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[-1].replace("NCA version", "").strip() if text else "unknown"


def connectivity(nca: Path, tree: Path, out: Path, timeout: float) -> measure.Measured:
    return measure.run([str(nca), "--connectivity", "-r", str(tree), "-f", str(out)], cwd=out.parent, timeout=timeout)


def sanity(nca: Path, tree: Path, out: Path, timeout: float) -> measure.Measured:
    return measure.run([str(nca), "--sanity", "-r", str(tree), "-f", str(out)], cwd=out.parent, timeout=timeout)
