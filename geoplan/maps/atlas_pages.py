"""The pages of the printed atlas, A4 landscape: each a class that draws itself on a matplotlib
figure (no pyplot: no global state). Every page has a title, a subtitle, and a footer saying
what made it, when (the date the language's way), from what, and its number.

- :class:`ProvincePage`: the province's map (units coloured by the measure, names, outline,
  old units on demand, scale bar, north arrow, legend) and the first rows of its units' table;
- :class:`TablePage`: the rest of that table, full width;
- :class:`CommunePage`: a commune's map among its neighbours, its figures (the reason when a
  check flags its declared ones) and the table of the old units merged into it.

>>> A4_LANDSCAPE
(11.69, 8.27)
"""

from __future__ import annotations

import unicodedata

from matplotlib.figure import Figure

from ..i18n import render
from .atlas_fonts import line_height
from .atlas_map import MapPanel, draw_legend, format_number
from .atlas_table import FONT_PT, LINE, Column, Table

A4_LANDSCAPE = (11.69, 8.27)  # inches
MAP_BOX = (0.03, 0.075, 0.52, 0.80)  # left, bottom, width, height (figure fractions)
SIDE = (0.57, 0.875, 0.40)  # left, top, width of what lies beside the map
FULL = (0.03, 0.875, 0.94)  # a table across the page
BOTTOM = 0.075
FLAG = "\u26a0"


def nfc(text) -> str:
    """Text as composed characters (one glyph per Vietnamese letter in the PDF, found by pdftotext).

    >>> len(nfc("Tho\\u031b\\u0301i"))
    4
    """
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def table_lines(top: float) -> int:
    """How many table lines fit between ``top`` and the footer."""
    return int((top - BOTTOM) * A4_LANDSCAPE[1] * 72 / line_height(FONT_PT, LINE)) - 2


class Page:
    """A sheet with a title, a subtitle and a footer; subclasses draw the rest in :meth:`body`."""

    def __init__(self, book, title: str, subtitle: str):
        self.book, self.title, self.subtitle = book, nfc(title), nfc(subtitle)

    def render(self, number: int, total: int, footer: str) -> Figure:
        fig = Figure(figsize=A4_LANDSCAPE)
        fig.text(0.03, 0.955, self.title, fontsize=16, fontweight="bold", va="top")
        fig.text(0.03, 0.912, self.subtitle, fontsize=8.5, va="top", color="#333333")
        fig.text(0.03, 0.03, nfc(footer), fontsize=6.5, color="#555555")
        fig.text(0.97, 0.03, render("atlas.page", self.book.lang, n=number, total=total), fontsize=6.5,
                 color="#555555", ha="right")
        self.body(fig)
        return fig

    def body(self, fig: Figure) -> None:
        raise NotImplementedError


def _number(value, lang: str, digits: int = 0) -> str:
    return "\u2013" if value is None else format_number(value, lang, digits)


def units_table(book, rows: list, width_pt: float) -> Table:
    """The table of new units ``rows``: code, name, area computed and declared (marked when a check
    flags it), population (and its estimate when the result has one), old units merged."""
    f, lang = book.figures, book.lang
    columns = [Column(render("atlas.col_code", lang), 0.075), Column(render("atlas.col_name", lang), 0.2),
               Column(render("atlas.col_area", lang), 0.085, True), Column(render("atlas.col_declared", lang), 0.105, True),
               Column(render("atlas.col_population", lang), 0.13, True)]
    if "popEstimate" in f:
        columns.append(Column(render("atlas.col_estimate", lang), 0.1, True))
    columns.append(Column(render("atlas.col_members", lang), 1 - sum(c.width for c in columns)))
    cells = []
    for r in rows:
        flagged = (f.get("declFlag") or [None] * len(f["code"]))[r] not in (None, "source")
        row = [f["code"][r], nfc(f["name"][r]), _number(f["area"][r], lang, 2),
               _number(f["areaDeclared"][r], lang, 2) + (" " + FLAG if flagged else ""), _number(f["pop"][r], lang)]
        if "popEstimate" in f:
            row.append(_number(f["popEstimate"][r], lang))
        row.append(nfc(", ".join(book.members.get(f["code"][r], []))))
        cells.append(row)
    return Table(columns, cells, width_pt)


def flag_note(book, rows: list) -> str | None:
    """The note under a table whose units include declared figures a check flags."""
    flags = book.figures.get("declFlag") or []
    kinds = sorted({flags[r] for r in rows if flags and flags[r] not in (None, "source")})
    if not kinds:
        return None
    return render("atlas.flag_note", book.lang, flag=FLAG,
                  kinds=", ".join(render(f"atlas.flag_{k}", book.lang) for k in kinds))


class ProvincePage(Page):
    """A province's map and the first ``rows`` of its units' table (rows of ``table``)."""

    def __init__(self, book, province, table: Table, rows: tuple[int, int], subtitle: str):
        super().__init__(book, province["name"], subtitle)
        self.province, self.table, self.rows = province, table, rows

    def body(self, fig: Figure) -> None:
        ax = fig.add_axes(MAP_BOX)
        panel = MapPanel(self.book, self.province["units"], self.province["geometry"])
        panel.draw(ax)
        flags = self.book.figures.get("declFlag") or []
        flagged = sum(1 for r in self.province["units"] if flags and flags[r] in self.book.measure.get("suspect", {}).get("flags", ()))
        draw_legend(ax, self.book.measure, flagged, self.book.lang)
        left, top, width = SIDE
        self.table.draw(fig, (left, top, width, A4_LANDSCAPE[1] * 72), self.rows)
        note = flag_note(self.book, self.province["units"])
        if note:
            fig.text(left, BOTTOM - 0.012, note, fontsize=6, color="#b30000", va="top")


class TablePage(Page):
    """Further rows of a province's table, across the page."""

    def __init__(self, book, title: str, table: Table, rows: tuple[int, int], subtitle: str):
        super().__init__(book, title, subtitle)
        self.table, self.rows = table, rows

    def body(self, fig: Figure) -> None:
        left, top, width = FULL
        self.table.draw(fig, (left, top, width, A4_LANDSCAPE[1] * 72), self.rows)


class CommunePage(Page):
    """A commune among its neighbours, its figures and the old units merged into it."""

    def __init__(self, book, row: int, outline, subtitle: str):
        super().__init__(book, book.figures["name"][row], subtitle)
        self.row, self.outline = row, outline

    def body(self, fig: Figure) -> None:
        book, r, lang = self.book, self.row, self.book.lang
        ax = fig.add_axes(MAP_BOX)
        MapPanel(book, [r], self.outline, context=True).draw(ax)
        draw_legend(ax, book.measure, 0, lang)
        left, top, width = SIDE
        table = units_table(book, [r], width * A4_LANDSCAPE[0] * 72)
        table.draw(fig, (left, top, width, A4_LANDSCAPE[1] * 72), (0, 1))
        lines = [render(f"atlas.declared_{book.figures['declFlag'][r]}", lang)] \
            if (book.figures.get("declFlag") or [None] * (r + 1))[r] not in (None, "source") else []
        old = old_units_table(book, book.figures["code"][r], width * A4_LANDSCAPE[0] * 72)
        y = top - (table.lines(0) + 2.5) * line_height(FONT_PT, LINE) / (A4_LANDSCAPE[1] * 72)
        if lines:
            fig.text(left, y, FLAG + " " + lines[0], fontsize=6.5, color="#b30000", va="top", wrap=True)
            y -= 3 * line_height(FONT_PT, LINE) / (A4_LANDSCAPE[1] * 72)
        fig.text(left, y, render("atlas.old_units_title", lang), fontsize=8, fontweight="bold", va="top")
        y -= 1.8 * line_height(FONT_PT, LINE) / (A4_LANDSCAPE[1] * 72)
        old.draw(fig, (left, y, width, A4_LANDSCAPE[1] * 72), (0, min(len(old.rows), table_lines(y))))


def old_units_table(book, code: str, width_pt: float) -> Table:
    """The old units merged into the new unit ``code``, from the lineage: code, name, parent, link,
    area and population it brought."""
    lang, lineage = book.lang, book.lineage
    columns = [Column(render("atlas.col_code", lang), 0.11), Column(render("atlas.col_old_name", lang), 0.27),
               Column(render("atlas.col_old_parent", lang), 0.24), Column(render("atlas.col_link", lang), 0.12),
               Column(render("atlas.col_area", lang), 0.13, True), Column(render("atlas.col_population", lang), 0.13, True)]
    rows = []
    if lineage is not None:
        mine = lineage[lineage["new_code"].astype(str) == code]
        for _, g in mine.iterrows():
            link = str(g.get("link") or "")
            rows.append([nfc(g.get("old_code") or ""), nfc(g.get("old_name")), nfc(g.get("old_parent")),
                         render(f"atlas.link_{link}", lang) if link in ("full", "partial", "inferred") else link,
                         _number(_value(g.get("area_km2")), lang, 2), _number(_value(g.get("population")), lang)])
    return Table(columns, rows, width_pt)


def _value(v):
    """A number, or None when missing."""
    try:
        return None if v is None or v != v else float(v)
    except (TypeError, ValueError):
        return None
