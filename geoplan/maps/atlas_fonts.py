"""The font of the printed atlas: one that has every Vietnamese letter, checked, and the width
of a text in it (to place names that do not overlap before drawing them).

matplotlib ships DejaVu Sans, which has them all; system fonts are tried after it. A font
without them would print empty boxes for "ờ" or "ữ": none is used, and the atlas says so.

>>> vietnamese_font().name
'DejaVuSans.ttf'
>>> round(text_width("Phường Thới Sơn", 10), 1)
84.0
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import InputError

VIETNAMESE = ("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐố"
              "ỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ")
FAMILIES = ("DejaVu Sans", "Noto Sans", "Liberation Sans", "Arial")  # tried in this order


@lru_cache(maxsize=1)
def _font():
    """(path, advance width per character, units per em, line height in ems) of the first font with
    every Vietnamese letter."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    for family in FAMILIES:
        path = Path(font_manager.findfont(family, fallback_to_default=False))
        font = TTFont(path, lazy=True)
        cmap = font.getBestCmap()
        if all(ord(c) in cmap for c in VIETNAMESE):
            metrics = font["hmtx"].metrics
            widths = {chr(code): metrics[glyph][0] for code, glyph in cmap.items() if code < 0x2000}
            os2 = font["OS/2"] if "OS/2" in font else None  # matplotlib's order: OS/2 typo metrics, else hhea
            height = ((os2.sTypoAscender - os2.sTypoDescender) if os2 else (font["hhea"].ascent - font["hhea"].descent))
            height /= font["head"].unitsPerEm
            return path, widths, font["head"].unitsPerEm, height
    raise InputError("atlas.no_font", families=", ".join(FAMILIES))


def vietnamese_font() -> Path:
    """The file of the font the atlas prints with.

    >>> vietnamese_font().suffix
    '.ttf'
    """
    return _font()[0]


def line_height(size: float, spacing: float) -> float:
    """The distance in points between two lines of a text at ``size`` points set ``spacing`` apart
    (matplotlib: the font's typographic ascent and descent times the spacing).

    >>> round(line_height(10, 1.0), 2)
    10.0
    """
    return _font()[3] * size * spacing


def text_width(text: str, size: float) -> float:
    """The width in points of ``text`` at ``size`` points in the atlas's font.

    >>> text_width("", 10)
    0.0
    """
    _, widths, em, _ = _font()
    average = widths.get("n", em / 2)
    return sum(widths.get(c, average) for c in text) * size / em
