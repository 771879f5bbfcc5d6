"""Scalars resolve as kubectl reads them (sigs.k8s.io/yaml -> go-yaml v2, YAML 1.1 rules).
Expected values come from go-yaml v2's resolve table and Go's strconv base-0 parsing."""

from __future__ import annotations

import math

import pytest

from npaudit.load import parse_text
from npaudit.load_scalars import key_string, resolve_plain


def value(yaml_value: str) -> object:
    docs, findings = parse_text(f"v: {yaml_value}\n", "s.yaml")
    assert not findings, findings
    return docs[0].data["v"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None), ("~", None), ("null", None), ("Null", None), ("NULL", None),
        ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
        # YAML 1.1 booleans that go-yaml v2 (and so kubectl) still resolves
        ("yes", True), ("Yes", True), ("on", True), ("ON", True), ("y", True), ("Y", True),
        ("no", False), ("off", False), ("n", False), ("N", False),
        ("80", 80), ("-1", -1), ("+1", 1), ("0", 0), ("1_000", 1000),
        ("0x1F", 31), ("0o17", 15), ("017", 15), ("0b101", 5), ("-0x10", -16),
        ("1.5", 1.5), ("1e3", 1000.0), ("-2.5E-1", -0.25), (".5", 0.5), ("1.", 1.0),
        ("08", 8.0),  # not octal, so go-yaml falls through to its float pattern
        ("9223372036854775807", 2**63 - 1), ("18446744073709551615", 2**64 - 1),
        ("18446744073709551616", 1.8446744073709552e19),
        ("1e400", "1e400"),  # out of float range: go-yaml keeps the string
        ("80/TCP", "80/TCP"), ("1.2.3", "1.2.3"), ("0x", "0x"), ("-x", "-x"), ("+", "+"), ("12:30", "12:30"),
        ("2001-12-14", "2001-12-14"),  # timestamps stay strings in untyped data
        ("yess", "yess"), ("tRUE", "tRUE"), ("none", "none"), ("<<", "<<"),
        ('"80"', "80"), ("'true'", "true"), ('"null"', "null"), ("|\n  80\n", "80\n"),
        ("!!str 80", "80"), ("!!str true", "true"), ('!!int "80"', 80), ("!!float 1", 1.0),
        ("!!bool yes", True), ("!!null ~", None), ("! 80", "80"), ("!custom 80", "80"),
    ],
)
def test_plain_scalar_resolution(text: str, expected: object) -> None:
    got = value(text)
    assert got == expected and type(got) is type(expected)


def test_special_floats() -> None:
    assert math.isnan(value(".nan"))  # type: ignore[arg-type]
    assert value(".inf") == math.inf and value("-.Inf") == -math.inf and value("+.INF") == math.inf


def test_mapping_keys_become_strings_like_kubectl_writes_them() -> None:
    docs, findings = parse_text("80: a\ntrue: b\n1.5: c\n2.0: d\n0x10: e\nn: f\n", "k.yaml")
    assert not findings
    assert docs[0].data == {"80": "a", "true": "b", "1.5": "c", "2": "d", "16": "e", "false": "f"}


def test_key_string_rejects_null() -> None:
    assert key_string(None) is None
    assert key_string(False) == "false"


def test_resolve_plain_keeps_ordinary_strings_identical() -> None:
    text = "nginx"
    assert resolve_plain(text) is text
