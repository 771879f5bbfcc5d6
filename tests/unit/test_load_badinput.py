"""Bad input never raises: every problem is a located finding and the rest is still loaded."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.findings import Finding
from npaudit.load import LoadLimits, load_paths, parse_text
from npaudit.load_inputs import decode

NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n"


def located(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    return all(f.span.line >= 1 and f.span.col >= 1 and f.span.path for f in findings)


def rules(findings: list[Finding] | tuple[Finding, ...]) -> list[str]:
    return [f.rule_id for f in findings]


def test_calico_exercise_files_are_located_syntax_errors(corpus_dir: Path) -> None:
    folder = corpus_dir / "calico-stars-demo"
    result = load_paths([str(folder)], root=folder)
    broken = {f.span.path: f for f in result.findings}
    assert set(broken) == {"directional_traffic.files/backend-policy.yaml", "directional_traffic.files/frontend-policy.yaml"}
    for path, problem in broken.items():
        assert problem.rule_id == "yaml-syntax"
        lines = (folder / path).read_text().splitlines()
        # `- <EDIT: ...` opens a mapping whose value is a multi-line plain scalar; the ": " on
        # the continuation line (the second <EDIT line) is where YAML forbids it
        second = [i for i, line in enumerate(lines, start=1) if "<EDIT" in line][1]
        assert (problem.span.line, problem.span.col) == (second, lines[second - 1].index(":") + 1)
    paths = {d.path for d in result.documents}
    assert "directional_traffic.solutions/backend-policy.yaml" in paths
    assert not any(p.startswith("directional_traffic.files/") for p in paths)
    all_yaml = {p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml")}
    assert paths == all_yaml - set(broken)


def test_syntax_error_in_third_document_keeps_the_others() -> None:
    text = NS.format("one") + "---\n" + NS.format("two") + "---\nmetadata: {name: [broken\n---\n" + NS.format("four")
    docs, findings = parse_text(text, "m.yaml")
    assert [d.data["metadata"]["name"] for d in docs] == ["one", "two", "four"]
    assert [d.index for d in docs] == [0, 1, 3]
    (problem,) = findings
    assert problem.rule_id == "yaml-syntax"
    assert problem.span.line == text.splitlines().index("metadata: {name: [broken") + 2  # where `---` cuts it off


def test_truncated_yaml() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 'unterminated\n"
    docs, findings = parse_text(text, "t.yaml")
    assert docs == [] and rules(findings) == ["yaml-syntax"]
    assert "quoted scalar" in findings[0].message and "line 4" in findings[0].message


def test_tab_indentation() -> None:
    docs, findings = parse_text("a:\n\tb: 1\n", "t.yaml")
    assert rules(findings) == ["yaml-syntax"]
    assert (findings[0].span.line, findings[0].span.col) == (2, 1)


def test_control_character_is_located_and_the_rest_read() -> None:
    text = NS.format("a") + "  labels: {x: \"a\x07b\"}\n"
    docs, findings = parse_text(text, "c.yaml")
    assert rules(findings) == ["yaml-syntax"]
    assert (findings[0].span.line, findings[0].span.col) == (5, text.splitlines()[4].index("\x07") + 1)
    assert docs[0].data["metadata"]["name"] == "a"


def _time(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def test_deep_flow_nesting_is_refused_quickly() -> None:
    text = NS.format("before") + "---\n" + "x: " + "[" * 100_000 + "]" * 100_000 + "\n---\n" + NS.format("after")
    out: list = []
    assert _time(lambda: out.extend(parse_text(text, "deep.yaml"))) < 3
    docs, findings = out
    assert rules(findings) == ["input-file"]
    # the root mapping is level 1, so the 500th `[` (column 3 + 500) is level 501
    assert (findings[0].span.line, findings[0].span.col) == (6, 3 + 500)
    assert [d.data["metadata"]["name"] for d in docs] == ["before", "after"]


def test_deep_block_nesting_is_refused_quickly() -> None:
    text = "- " * 100_000 + "x\n"
    out: list = []
    assert _time(lambda: out.extend(parse_text(text, "deep.yaml"))) < 3
    assert rules(out[1]) == ["input-file"]


def test_nesting_limit_is_a_parameter() -> None:
    docs, findings = parse_text("a: [[[[1]]]]\n", "n.yaml", LoadLimits(max_depth=3))
    assert rules(findings) == ["input-file"] and "3 levels" in findings[0].message
    assert parse_text("a: [[[[1]]]]\n", "n.yaml")[0][0].data == {"a": [[[[1]]]]}


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly() -> None:
    text = billion_laughs() + "---\n" + NS.format("after")
    out: list = []
    assert _time(lambda: out.extend(parse_text(text, "bomb.yaml"))) < 3
    docs, findings = out
    assert rules(findings) == ["input-file"]
    assert "aliases" in findings[0].message
    # a_i holds about 1.1 * 10^i nodes: the 10^6 cap is crossed by an alias on a5's line
    assert findings[0].span.line == 6
    assert [d.data["metadata"]["name"] for d in docs] == ["after"]


def test_small_alias_use_is_fine() -> None:
    docs, findings = parse_text(billion_laughs(3), "ok.yaml")
    assert not findings
    assert len(docs[0].data["a3"]) == 10 and docs[0].data["a3"][0][0][0] == ["lol"] * 10


def test_unknown_and_recursive_alias() -> None:
    docs, findings = parse_text("a: *nowhere\nb: &r [1, *r]\n", "al.yaml")
    assert rules(findings) == ["yaml-syntax", "yaml-syntax"]
    assert "unknown anchor" in findings[0].message and "contains it" in findings[1].message
    assert [(f.span.line, f.span.col) for f in findings] == [(1, 4), (2, 11)]


def test_wrong_explicit_tag() -> None:
    docs, findings = parse_text("port: !!int http\n", "t.yaml")
    assert rules(findings) == ["yaml-syntax"] and (findings[0].span.line, findings[0].span.col) == (1, 7)
    assert docs[0].data == {"port": "http"}


def test_document_that_is_not_a_mapping() -> None:
    docs, findings = parse_text("- a\n- b\n---\njust text\n---\na: 1\n", "s.yaml")
    assert rules(findings) == ["document-shape", "document-shape"]
    assert [f.span.line for f in findings] == [1, 4]
    assert [d.data for d in docs] == [{"a": 1}]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_binary_file(tmp_path: Path) -> None:
    write(tmp_path / "blob.yaml", bytes(range(256)) * 4)
    write(tmp_path / "ok.yaml", NS.format("ok").encode())
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert [(f.rule_id, f.span.path, f.span.line) for f in result.findings] == [("input-file", "blob.yaml", 1)]
    assert "binary" in result.findings[0].message
    assert [d.path for d in result.documents] == ["ok.yaml"]


def test_not_utf8_is_located_at_the_bad_byte(tmp_path: Path) -> None:
    write(tmp_path / "latin1.yaml", NS.format("caf\xe9").encode("latin-1"))
    result = load_paths([str(tmp_path)], root=tmp_path)
    (problem,) = result.findings
    assert problem.rule_id == "input-file" and "UTF-8" in problem.message
    assert (problem.span.line, problem.span.col) == (4, len("  name: caf") + 1)


def test_utf8_bom_and_utf16_are_read(tmp_path: Path) -> None:
    write(tmp_path / "bom8.yaml", b"\xef\xbb\xbf" + NS.format("eight").encode())
    write(tmp_path / "bom16.yaml", NS.format("sixteen").encode("utf-16"))  # with BOM
    write(tmp_path / "be16.yaml", b"\xfe\xff" + NS.format("bigendian").encode("utf-16-be"))
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert not result.findings
    names = {d.path: d.data["metadata"]["name"] for d in result.documents}
    assert names == {"bom8.yaml": "eight", "bom16.yaml": "sixteen", "be16.yaml": "bigendian"}
    for doc in result.documents:
        assert (doc.key_span(("kind",)).line, doc.key_span(("kind",)).col) == (2, 1)


def test_utf16_without_bom_is_binary(tmp_path: Path) -> None:
    write(tmp_path / "u16.yaml", NS.format("x").encode("utf-16-le"))
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert rules(result.findings) == ["input-file"]


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    write(tmp_path / "big.yaml", NS.format("x" * 200).encode())
    result = load_paths([str(tmp_path)], root=tmp_path, limits=LoadLimits(max_file_bytes=100))
    assert rules(result.findings) == ["input-file"] and "100-byte limit" in result.findings[0].message
    assert not result.documents


def test_unreadable_file_inside_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    write(tmp_path / "ok.yaml", NS.format("ok").encode())
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert [(f.rule_id, f.span.path) for f in result.findings] == [("input-file", "dangling.yaml")]
    assert [d.path for d in result.documents] == ["ok.yaml"]


def test_empty_file_is_fine(tmp_path: Path) -> None:
    write(tmp_path / "empty.yaml", b"")
    write(tmp_path / "blank.yaml", b"\n\n# nothing\n")
    result = load_paths([str(tmp_path)], root=tmp_path)
    assert not result.findings and not result.documents


# --- never an exception --------------------------------------------------------------

YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{},#&*!|>'\"?%@`~\n\t \\.0123456789\x00\x85\ufeff\u2028")), max_size=200)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), YAMLISH))
def test_parse_text_never_raises(text: str) -> None:
    docs, findings = parse_text(text, "fuzz.yaml")
    assert located(findings)
    for doc in docs:
        assert isinstance(doc.data, dict)
        doc.key_span(("a", 0, "b"))  # lookups never raise either


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    findings: list[Finding] = []
    text = decode(data, "fuzz.yaml", findings)
    if text is not None:
        _, more = parse_text(text, "fuzz.yaml")
        findings.extend(more)
    assert located(findings)
