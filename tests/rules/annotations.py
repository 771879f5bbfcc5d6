"""Fixture annotations (`# ruleid: <id>` / `# ok: <id>` on the line before the place they mean)
and running one rule on its fixture through the whole pipeline. Shared by the fixture tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from npaudit.findings import Finding
from npaudit.rulebook import builtin_catalogue

#: `# ruleid: a, b` - also `ok`, and `todoruleid` / `todook` for known gaps.
ANNOTATION = re.compile(r"#\s*(ruleid|ok|todoruleid|todook):\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*$")

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "rules" / "fixtures"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class Expectations:
    """(file, line) sets per annotation tag for one rule; files are relative to the fixture dir."""

    ruleid: frozenset[tuple[str, int]]
    ok: frozenset[tuple[str, int]]
    todoruleid: frozenset[tuple[str, int]]
    todook: frozenset[tuple[str, int]]


def fixture_files(fixture_dir: Path) -> list[Path]:
    return sorted(p for p in fixture_dir.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES)


def annotations(fixture_dir: Path) -> list[tuple[str, int, str, str]]:
    """Every annotation as (file, target line, tag, rule id); the target is the next line."""
    out: list[tuple[str, int, str, str]] = []
    for path in fixture_files(fixture_dir):
        rel = path.relative_to(fixture_dir).as_posix()
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = ANNOTATION.search(text.strip()) if text.strip().startswith("#") else None
            if match is None:
                continue
            for rule_id in (r.strip() for r in match.group(2).split(",")):
                out.append((rel, number + 1, match.group(1), rule_id))
    return out


def expectations(fixture_dir: Path, rule_id: str) -> Expectations:
    found: dict[str, set[tuple[str, int]]] = {"ruleid": set(), "ok": set(), "todoruleid": set(), "todook": set()}
    for rel, line, tag, rid in annotations(fixture_dir):
        if rid == rule_id:
            found[tag].add((rel, line))
    return Expectations(**{k: frozenset(v) for k, v in found.items()})


def relative(path: str, fixture_dir: Path) -> str:
    """A finding's path relative to the fixture directory (findings carry scan-root-relative paths)."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(fixture_dir.resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def scan_fixture(fixture_dir: Path, rule_id: str) -> set[tuple[str, str, int]]:
    """Run the full pipeline (loader, schema, model builder, checks) on the fixture with only
    `rule_id` enabled; return the (rule, file, line) of every finding."""
    try:
        import npaudit.config  # noqa: F401 - the pipeline needs it
    except ModuleNotFoundError:
        findings = _scan_without_pipeline(fixture_dir, rule_id)
    else:
        from npaudit.pipeline import ScanOptions, scan

        def lines_of(path: str) -> list[str]:  # the CLI reads files the same way (comment suppressions)
            return (fixture_dir / path).read_text(encoding="utf-8").splitlines()

        options = ScanOptions(paths=(str(fixture_dir),), root=fixture_dir, only_rules=frozenset({rule_id}))
        report = scan(options, lines_of=lines_of)
        findings = list(report.findings)
    return {(f.rule_id, relative(f.span.path, fixture_dir), f.span.line) for f in findings}


def _scan_without_pipeline(fixture_dir: Path, rule_id: str) -> list[Finding]:
    """load -> build -> the rule's check, while the pipeline's config module is not there yet."""
    from npaudit.load import load_paths
    from npaudit.model.build import build_model
    from npaudit.pipeline import make_context, run_rules

    loaded = load_paths((str(fixture_dir),), root=fixture_dir)
    built = build_model(loaded.documents)
    meta = builtin_catalogue().rules[rule_id]
    from npaudit.suppress import apply_suppressions

    found = [*loaded.findings, *built.findings, *run_rules(make_context(built.model, _NoConfig()), (meta,))]
    def lines_of(path: str) -> list[str]:
        return (fixture_dir / path).read_text(encoding="utf-8").splitlines()

    result = apply_suppressions(found, loaded.documents, lines_of=lines_of)
    return [f for f in (*result.kept, *result.new_findings) if f.rule_id == rule_id]


class _NoConfig:
    def settings(self) -> dict[str, object]:
        return {}
