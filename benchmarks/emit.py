"""A tiny, deterministic block-style YAML emitter for plain data (dict/list/str/int/bool/None).

The generator writes its own YAML instead of calling a library's dumper so that the same seed
gives byte-identical files whatever YAML library (or version) is installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

# A plain scalar is safe when it starts with a letter, has no YAML indicator characters and
# is not one of the words YAML 1.1 (PyYAML) or 1.2 (ruamel) read as a bool or null.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]*$")
_RESERVED = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
)


def scalar(value: object) -> str:
    """One scalar as YAML text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def _block(value: object, indent: int, out: list[str]) -> None:
    """Append the lines of a mapping or sequence value nested at `indent` spaces."""
    pad = " " * indent
    if isinstance(value, Mapping):
        for key, item in value.items():
            _entry(f"{pad}{scalar(key)}:", item, indent, out)
    else:
        assert isinstance(value, Sequence)
        for item in value:
            if isinstance(item, Mapping) and item:
                # "- key: value" with the rest of the mapping aligned under the first key
                first, *rest = list(item.items())
                sub: list[str] = []
                _entry(f"{pad}- {scalar(first[0])}:", first[1], indent + 2, sub)
                for key, val in rest:
                    _entry(f"{pad}  {scalar(key)}:", val, indent + 2, sub)
                out.extend(sub)
            else:
                _entry(f"{pad}-", item, indent, out)


def _entry(head: str, value: object, indent: int, out: list[str]) -> None:
    if isinstance(value, Mapping) and value:
        out.append(head)
        _block(value, indent + 2, out)
    elif isinstance(value, (list, tuple)) and value:
        out.append(head)
        _block(value, indent + 2, out)
    elif isinstance(value, Mapping):
        out.append(f"{head} {{}}")
    elif isinstance(value, (list, tuple)):
        out.append(f"{head} []")
    else:
        out.append(f"{head} {scalar(value)}")


def document(data: Mapping[str, object]) -> str:
    """One YAML document (without the `---` separator), ending with a newline."""
    lines: list[str] = []
    _block(data, 0, lines)
    return "\n".join(lines) + "\n"


def stream(docs: Sequence[Mapping[str, object]], header: str = "") -> str:
    """A multi-document file: an optional comment header, documents separated by `---`."""
    parts = [f"# {line}\n" if line else "#\n" for line in header.splitlines()]
    for i, doc in enumerate(docs):
        if i:
            parts.append("---\n")
        parts.append(document(doc))
    return "".join(parts)
