"""Every rule runs on its fixture (`rules/fixtures/<id>/`) with only that rule enabled, and the
exact set of (rule, file, line) must equal the `# ruleid:` annotations: a missing finding, a
finding on an `# ok:` line, and an unannotated finding all fail."""

from __future__ import annotations

import pytest

from npaudit.rulebook import builtin_catalogue
from tests.rules.annotations import FIXTURES_DIR, annotations, expectations, scan_fixture

#: Rules that cannot have a manifest fixture, with the reason and where they are tested instead.
NO_FIXTURE: dict[str, str] = {
    "internal-error": "reported only when a check crashes; no manifest triggers it by design",
    "config": "about config/rule files, not manifests; tested with the config loader",
    "solver-unknown": "needs an exhausted solver budget, located at the property file; tested in tests/proofs",
}

RULE_IDS = sorted(builtin_catalogue().rules)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_on_its_fixture(rule_id: str) -> None:
    fixture = FIXTURES_DIR / rule_id
    if rule_id in NO_FIXTURE:
        pytest.skip(NO_FIXTURE[rule_id])
    assert fixture.is_dir(), f"rule {rule_id} has no fixture: create rules/fixtures/{rule_id}/ with annotated manifests"
    expected = expectations(fixture, rule_id)
    assert expected.ruleid, f"fixture of {rule_id} has no '# ruleid: {rule_id}' annotation"
    found = scan_fixture(fixture, rule_id)
    got = {(f, line) for rid, f, line in found if rid == rule_id}
    todo = expected.todoruleid | expected.todook
    missing = sorted(expected.ruleid - got)
    unexpected = sorted(got - expected.ruleid - todo)
    assert not missing and not unexpected, (
        f"{rule_id}: missing findings at {missing}; unannotated findings at {unexpected} "
        f"(on an '# ok:' line: {sorted(set(unexpected) & expected.ok)})"
    )
    assert not (got & expected.todoruleid), f"{rule_id}: a todoruleid now fires, make it a ruleid"
    if expected.todook & got:
        pytest.xfail(f"{rule_id}: known false positive at {sorted(expected.todook & got)}")
    if expected.todoruleid:
        pytest.xfail(f"{rule_id}: known gap at {sorted(expected.todoruleid)}")


def test_annotations_name_known_rules() -> None:
    known = set(builtin_catalogue().rules)
    unknown = sorted({(f, line, rid) for d in FIXTURES_DIR.iterdir() if d.is_dir() for f, line, _, rid in annotations(d)
                      if rid not in known})
    assert not unknown, f"annotations naming unknown rules: {unknown}"


def test_every_fixture_dir_belongs_to_a_rule() -> None:
    known = set(builtin_catalogue().rules)
    stray = sorted(d.name for d in FIXTURES_DIR.iterdir() if d.is_dir() and d.name not in known)
    assert not stray, f"fixture directories without a rule: {stray}"


def test_no_fixture_exemptions_are_current() -> None:
    stale = sorted(set(NO_FIXTURE) - set(RULE_IDS))
    assert not stale, f"NO_FIXTURE names rules that no longer exist: {stale}"
