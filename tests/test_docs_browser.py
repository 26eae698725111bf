"""scmcheck docs in a real browser: headless Chromium renders the index and one rule page, and the
screenshots are not blank (skipped when no Chromium is installed)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from scmcheck.cli import main
from scmcheck.properties.rules import RULES

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


def _pixels(png: bytes) -> tuple[int, int, list]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit truecolour PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", data[:10])
            assert depth == 8 and colour in (2, 6), "an 8-bit RGB or RGBA screenshot"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [(r, bpp) for r in rows]


def _not_blank(png: Path) -> None:
    width, height, rows = _pixels(png.read_bytes())
    colours, dark = set(), 0
    for row, bpp in rows[::4]:
        for x in range(0, width * bpp, bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            if sum(px) < 200:
                dark += 1
    assert len(colours) > 20, f"{png.name}: only {len(colours)} colours: blank?"
    assert dark > 200, f"{png.name}: hardly any text ({dark} dark pixels)"


@pytest.mark.slow
@pytest.mark.skipif(_browser() is None, reason="no headless Chromium installed")
def test_index_and_a_rule_page_render_in_headless_chromium(tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["docs", "service-stopped-before-workers-exit", "service-correct", "--out", str(site),
                 "--engine", "explicit"]) == 0
    capsys.readouterr()
    numbers = [r.number for r in RULES]
    rule = "000.3" if "000.3" in numbers else numbers[0]
    for page in (site / "index.html", site / "rules" / f"{rule}.html"):
        shot = tmp_path / (page.stem + ".png")
        subprocess.run([_browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1280,1600", f"--screenshot={shot}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000
        _not_blank(shot)
