"""Scalar resolution the way `kubectl` reads YAML.

kubectl converts YAML to JSON with sigs.k8s.io/yaml, which resolves plain scalars with go-yaml
v2, i.e. YAML 1.1 rules. We follow them so a manifest means here what it means to the API
server:

- null: empty, ``~``, ``null``, ``Null``, ``NULL``;
- booleans: ``true``/``false``, and the YAML 1.1 words ``y``/``n``/``yes``/``no``/``on``/
  ``off`` in lower, Title or UPPER case (``on: 80`` really is ``{"true": 80}`` for kubectl,
  and a label value ``yes`` unquoted is a boolean the API server rejects);
- integers: decimal, ``0x``/``0o``/``0b`` prefixes and a leading ``0`` for octal, with ``_``
  separators ignored, within int64 (or uint64); floats per go-yaml's float pattern plus
  ``.inf``/``.nan``; timestamps stay strings (go-yaml keeps them as strings in untyped data);
- everything else, every quoted or block scalar, and ``!!str``/``!`` tagged values are strings.

Mapping keys become strings the way sigs.k8s.io/yaml's JSON conversion writes them
(``80`` -> ``"80"``, ``true`` -> ``"true"``).
"""

from __future__ import annotations

import math
import re

TAG_PREFIX = "tag:yaml.org,2002:"

_BOOLS_TRUE = ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")
_BOOLS_FALSE = ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
_NULLS = ("", "~", "null", "Null", "NULL")
_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}

#: Plain scalars with a fixed meaning (go-yaml's resolve map).
SPECIAL: dict[str, object] = {
    **dict.fromkeys(_BOOLS_TRUE, True),
    **dict.fromkeys(_BOOLS_FALSE, False),
    **dict.fromkeys(_NULLS, None),
    **_FLOATS,
}
_NUMBER_START = frozenset("0123456789+-.")
_INT_RE = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT_RE = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_INT64_MIN = -(1 << 63)
_UINT64_MAX = (1 << 64) - 1


class TagError(ValueError):
    """An explicit tag the value cannot have (``!!int abc``); go-yaml refuses the document."""


def resolve_plain(value: str) -> object:
    """Resolve an untagged plain scalar."""
    special = SPECIAL.get(value, value)
    if special is not value or not value:
        return special
    if value[0] in _NUMBER_START:
        number = _number(value)
        if number is not None:
            return number
    return value


def _number(value: str) -> int | float | None:
    if value[0] == ".":
        # go-yaml parses ".5" with ParseFloat but does not strip "_" there
        return float(value) if _DOT_FLOAT_RE.fullmatch(value) else None
    plain = value.replace("_", "")
    match = _INT_RE.fullmatch(plain)
    if match is not None:
        number = _parse_int(match.group(1), match.group(2))
        if _INT64_MIN <= number <= _UINT64_MAX:
            return number
    if _FLOAT_RE.fullmatch(plain):
        result = float(plain)
        return result if math.isfinite(result) else None  # go-yaml: out of range -> string
    return None


def _parse_int(sign: str, digits: str) -> int:
    if len(digits) > 1 and digits[0] == "0" and digits[1] in "0123456789":
        magnitude = int(digits, 8)  # Go's base-0 ParseInt reads "010" as octal 8
    else:
        magnitude = int(digits, 0)
    return -magnitude if sign == "-" else magnitude


def resolve_tagged(tag: str, value: str) -> object:
    """Resolve a scalar with an explicit tag; raises `TagError` for an impossible value.
    Unknown (application) tags and ``!`` keep the text, as go-yaml does."""
    name = tag[len(TAG_PREFIX):] if tag.startswith(TAG_PREFIX) else ""
    if name in ("", "str", "binary", "timestamp", "merge"):
        return value
    resolved = resolve_plain(value)
    if name == "null":
        if resolved is not None:
            raise TagError(f"cannot decode {value!r} as !!null")
        return None
    if name == "bool" and isinstance(resolved, bool):
        return resolved
    if name == "int" and isinstance(resolved, int) and not isinstance(resolved, bool):
        return resolved
    if name == "float" and isinstance(resolved, int | float) and not isinstance(resolved, bool):
        return float(resolved)
    if name in ("bool", "int", "float"):
        raise TagError(f"cannot decode {value!r} as !!{name}")
    return value


def key_string(key: object) -> str | None:
    """The JSON object key kubectl writes for a resolved YAML key; None when there is none
    (a null key is rejected by sigs.k8s.io/yaml)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _float_key(key)
    return None


def _float_key(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))  # Go's %g-style shortest form: 80.0 -> "80"
    return repr(value)
