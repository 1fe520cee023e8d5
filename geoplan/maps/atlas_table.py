"""Tables of an atlas page: the units of a province (code, name, computed and declared area,
population and its estimate, the old units merged) or the old units of a commune, laid out in
columns whose long texts wrap, split across pages by lines.

A column is one multi-line text (numbers right-aligned): a page of sixty rows is a dozen
texts for matplotlib to draw, not four hundred.

>>> t = Table([Column("Code", 0.2), Column("Name", 0.8)], [["30502", "Phường Thới Sơn"]])
>>> t.lines(0), t.split(10, 10)
(1, [(0, 1)])
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from matplotlib.collections import LineCollection

from .atlas_fonts import line_height, text_width

FONT_PT = 6.5
LINE = 1.3  # line height, in font sizes


@dataclass(frozen=True)
class Column:
    """A column: its header, its share of the table's width, and whether it holds numbers."""

    header: str
    width: float
    number: bool = False


class Table:
    """Rows of cell texts under ``columns``; :meth:`draw` lays a range of rows in a box of a figure."""

    def __init__(self, columns: list[Column], rows: list[list[str]], width_pt: float = 330.0):
        self.columns, self.rows = columns, rows
        self.width_pt = width_pt
        self._wrapped = [self._wrap(row) for row in rows]
        self._header = self._wrap([c.header for c in columns], header=True)

    def _wrap(self, row: list[str], header: bool = False) -> list[list[str]]:
        """Each cell as the lines it takes in its column (numbers never wrap; headers do)."""
        cells = []
        for text, column in zip(row, self.columns):
            room = (column.width * self.width_pt - 4) / (1.12 if header else 1.0)  # headers are bold: wider
            if (column.number and not header) or text_width(text, FONT_PT) <= room:
                cells.append([text])
            else:
                chars = max(8, int(len(text) * room / text_width(text, FONT_PT)))
                cells.append(textwrap.wrap(text, chars, break_long_words=False) or [""])
        return cells

    def lines(self, k: int) -> int:
        """The lines row ``k`` takes."""
        return max(len(cell) for cell in self._wrapped[k])

    def split(self, first: int, others: int) -> list[tuple[int, int]]:
        """Row ranges filling pages of ``first`` lines, then ``others`` lines each, under the header
        (a row is never cut).

        >>> Table([Column("A", 1.0)], [["x"]] * 5).split(2, 3)  # a header line, then one row; two per page after
        [(0, 1), (1, 3), (3, 5)]
        """
        head = max(len(cell) for cell in self._header)
        ranges, start, used, room = [], 0, 0, first - head
        for k in range(len(self.rows)):
            need = self.lines(k)
            if used + need > room and k > start:
                ranges.append((start, k))
                start, used, room = k, 0, others - head
            used += need
        ranges.append((start, len(self.rows)))
        return ranges

    def draw(self, fig, box: tuple[float, float, float, float], rows: tuple[int, int]) -> None:
        """Draw the header and rows ``rows`` in ``box`` (left, top, width, in figure fractions, and the
        figure's height in points)."""
        left, top, width, fig_h = box
        step = line_height(FONT_PT, LINE) / fig_h
        x, head = left, max(len(cell) for cell in self._header)
        texts = [[] for _ in self.columns]
        rules, y = [top - head * step], top - head * step
        for k in range(*rows):
            n = self.lines(k)
            for cell, lines in zip(texts, self._wrapped[k]):
                cell.extend(lines + [""] * (n - len(lines)))
            y -= n * step
            rules.append(y)
        for column, header, lines in zip(self.columns, self._header, texts):
            w, right = column.width * width, column.number
            at, align = x + (w - 0.004 if right else 0.002), "right" if right else "left"
            fig.text(at, top, "\n".join(header + [""] * (head - len(header))), ha=align, va="top", fontsize=FONT_PT,
                     fontweight="bold", linespacing=LINE, multialignment=align)
            fig.text(at, top - head * step, "\n".join(lines), ha=align, va="top", fontsize=FONT_PT, linespacing=LINE,
                     multialignment=align)
            x += w
        fig.add_artist(LineCollection([[(left, r), (left + width, r)] for r in rules], colors="#bbbbbb",
                                      linewidths=0.3, transform=fig.transFigure))
