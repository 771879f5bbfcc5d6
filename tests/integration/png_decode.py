"""A minimal PNG reader for screenshot checks (8-bit RGB/RGBA, non-interlaced: what Chromium
writes), with `zlib` only. Enough to tell a rendered page from a blank one."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Header:
    width: int
    height: int
    bit_depth: int
    color_type: int
    interlace: int


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == SIGNATURE, "not a PNG file"
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        out.append((kind, body))
        pos += 12 + length
    return out


def header(data: bytes) -> Header:
    kind, body = chunks(data)[0]
    assert kind == b"IHDR"
    w, h, depth, ctype, _comp, _filt, interlace = struct.unpack(">IIBBBBB", body)
    return Header(w, h, depth, ctype, interlace)


def _add_bytes(a: bytes | bytearray, b: bytes | bytearray) -> bytearray:
    """Bytewise (a + b) mod 256 of two equal-length rows, on whole rows at once (SWAR on Python
    integers: add the low 7 bits of each byte, then fix the top bit with XOR)."""
    n = len(a)
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
    return bytearray((((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big"))


def _unpaeth(line: bytearray, prev: bytearray, bpp: int) -> None:
    for i in range(bpp):  # no left neighbour: the predictor is the byte above
        line[i] = (line[i] + prev[i]) & 0xFF
    for i in range(bpp, len(line)):
        a, b, c = line[i - bpp], prev[i], prev[i - bpp]
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        line[i] = (line[i] + pred) & 0xFF


def rows(data: bytes, limit: int | None = None) -> tuple[Header, list[bytes]]:
    """The first `limit` unfiltered scanlines (all by default)."""
    head = header(data)
    assert head.bit_depth == 8 and head.color_type in (2, 6) and head.interlace == 0, head
    bpp = 3 if head.color_type == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in chunks(data) if kind == b"IDAT"))
    stride = head.width * bpp
    prev = bytearray(stride)
    out = []
    for y in range(min(head.height, limit or head.height)):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = _add_bytes(line, prev)
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            _unpaeth(line, prev, bpp)
        out.append(bytes(line))
        prev = line
    return head, out


def pixels(head: Header, lines: list[bytes], step: int = 1) -> list[tuple[int, int, int]]:
    """RGB of every `step`-th pixel of the given scanlines."""
    bpp = 3 if head.color_type == 2 else 4
    out = []
    for line in lines:
        for x in range(0, head.width, step):
            i = x * bpp
            out.append((line[i], line[i + 1], line[i + 2]))
    return out
