"""The rule catalogue as a reviewer sees it: every rule documented under the four fixed headings,
every check rule bound to a known kind with valid parameters, and the generated reference
(docs/rules.md) identical to what `npaudit rules --format md` renders now."""

from __future__ import annotations

from pathlib import Path

import pytest

from npaudit.checks.registry import CHECK_KINDS, INPUT_KINDS
from npaudit.rulebook import builtin_catalogue, render_reference
from tests.conftest import REPO_ROOT

DOC_KEYS = ("what", "why", "example", "fix")
REFERENCE = REPO_ROOT / "docs" / "rules.md"
RULE_FILES = sorted((REPO_ROOT / "rules").glob("*.yaml"))


def test_catalogue_loads_without_problems() -> None:
    catalogue = builtin_catalogue()
    assert not catalogue.findings, [f"{f.span}: {f.message}" for f in catalogue.findings]
    assert len(catalogue.rules) == len(RULE_FILES), "every rules/*.yaml defines exactly one rule"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_is_named_after_its_id(path: Path) -> None:
    ids = [m.id for m in builtin_catalogue().rules.values() if m.source == f"rules/{path.name}"]
    assert ids == [path.stem]


@pytest.mark.parametrize("rule_id", sorted(builtin_catalogue().rules))
def test_rule_has_all_docs(rule_id: str) -> None:
    meta = builtin_catalogue().rules[rule_id]
    empty = [k for k in DOC_KEYS if len(meta.docs.get(k, "").strip()) < 20]
    assert not empty, f"{rule_id}: docs {empty} are missing or too short to help anyone"


@pytest.mark.parametrize("rule_id", sorted(builtin_catalogue().rules))
def test_rule_kind_exists_and_params_are_valid(rule_id: str) -> None:
    import jsonschema  # tests may use it directly; scanner/ keeps it in schema.py

    meta = builtin_catalogue().rules[rule_id]
    if meta.kind in INPUT_KINDS:
        return
    assert meta.kind in CHECK_KINDS, f"{rule_id}: unknown kind {meta.kind!r}"
    schema = CHECK_KINDS[meta.kind].params_schema
    if schema is not None:
        errors = [e.message for e in jsonschema.Draft202012Validator(dict(schema)).iter_errors(dict(meta.params))]
        assert not errors, f"{rule_id}: params do not fit kind {meta.kind}: {errors}"


def test_generated_reference_is_up_to_date() -> None:
    expected = render_reference(builtin_catalogue())
    assert REFERENCE.is_file(), "docs/rules.md is missing: run `npaudit rules --format md -o docs/rules.md`"
    assert REFERENCE.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is out of date: run `npaudit rules --format md -o docs/rules.md`"
    )
