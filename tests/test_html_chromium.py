"""The HTML page as a coach sees it: rendered by headless Chromium, the chart visible."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib

import pytest

from revhyper.export.exporters import render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (no external library): width, height and the rows of pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows, previous = [], bytes(stride)
    for y in range(height):
        filter_type, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + a) & 255
            elif filter_type == 2:
                line[i] = (line[i] + b) & 255
            elif filter_type == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filter_type == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = bytes(line)
    return width, height, [b"".join(r[i:i + 3] for i in range(0, stride, channels)) for r in rows]


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Chromium not installed (CI installs it)")
def test_the_page_renders_with_its_chart_in_headless_chromium(make_block, tmp_path):
    assert CHROMIUM, "CI must install Debian's chromium (.ci/run does)"
    page = tmp_path / "block.html"
    page.write_bytes(render(make_block(), "html"))
    shot = tmp_path / "block.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={shot}", "--window-size=900,1100", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (900, 1100)
    colours = {}
    for row in rows:
        for i in range(0, len(row), 3):
            colours[row[i:i + 3]] = colours.get(row[i:i + 3], 0) + 1
    bar_blue = sum(n for c, n in colours.items() if abs(c[0] - 0x6C) < 12 and abs(c[1] - 0x9B) < 12 and abs(c[2] - 0xD2) < 12)
    line_red = sum(n for c, n in colours.items() if abs(c[0] - 0xC0) < 16 and abs(c[1] - 0x39) < 16 and abs(c[2] - 0x2B) < 16)
    deload = sum(n for c, n in colours.items() if c == bytes.fromhex("fdf1d6"))
    assert bar_blue > 20_000, "the volume bars are not visible"
    assert line_red > 1_000, "the load line is not visible"
    assert deload > 5_000, "the lighter weeks are not shaded"
