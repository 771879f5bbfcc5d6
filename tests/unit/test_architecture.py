"""Architecture rules, checked on the source: each third-party library is imported in one home,
and the core does no terminal I/O."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

SCANNER = REPO_ROOT / "scanner"

#: library -> the modules (paths relative to scanner/, directories end with "/") allowed to import it
LIBRARY_HOMES: dict[str, tuple[str, ...]] = {
    "ruamel": ("load.py",),
    "jsonschema": ("schema.py",),
    "z3": ("encode/",),
    "sarif_om": ("report/sarif.py",),
    "jschema_to_python": ("report/sarif.py",),
    "click": ("cli/",),
}


def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SCANNER.rglob("*.py")):
        rel = path.relative_to(SCANNER).as_posix()
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return out


def _imported_roots(tree: ast.Module) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_third_party_libraries_stay_in_their_home() -> None:
    offenders = []
    for rel, tree in _modules():
        for lib in _imported_roots(tree) & LIBRARY_HOMES.keys():
            if not any(rel == home or (home.endswith("/") and rel.startswith(home)) for home in LIBRARY_HOMES[lib]):
                offenders.append(f"{rel} imports {lib}")
    assert not offenders, offenders


def test_core_does_not_print_or_exit() -> None:
    offenders = []
    for rel, tree in _modules():
        if rel.startswith("cli/") or rel == "__main__.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else (fn.attr if isinstance(fn, ast.Attribute) else "")
                owner = fn.value.id if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) else ""
                if name == "print" or (owner == "sys" and name == "exit"):
                    offenders.append(f"{rel}:{node.lineno} calls {owner + '.' if owner else ''}{name}")
    assert not offenders, offenders
