"""The printed atlas of a merge result: one A4 landscape page per new province (and, asked for,
one per commune), in one PDF, offline (matplotlib; no tiles), in English or Vietnamese.

Each province page has its title, its units coloured by a measure with the legend, their names,
the province outline, the old units on demand, a scale bar and a north arrow, the date and the
source, and the table of its units (code, name, area computed and declared, population and its
estimate, old units merged), continued on the next pages when long. The text is set in a font
that has every Vietnamese letter (:mod:`geoplan.maps.atlas_fonts`), embedded as TrueType so that
the PDF's text can be searched and copied ("Phường Thới Sơn", diacritics and all).

>>> write_atlas("communes.gpkg", "atlas.pdf", AtlasOptions(province="An Giang"))  # doctest: +SKIP
PosixPath('atlas.pdf')
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import matplotlib
from babel.dates import format_date
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.font_manager import FontProperties, fontManager

from ..errors import InputError
from ..i18n import language, render
from ..io.atomic import atomic_path, check_target
from .atlas_data import AtlasOptions, read_book, select_provinces
from .atlas_fonts import vietnamese_font
from .atlas_map import format_number
from .atlas_pages import A4_LANDSCAPE, FULL, SIDE, CommunePage, ProvincePage, TablePage, table_lines, units_table
from .wording import file_names, geoplan_version

__all__ = ["write_atlas", "AtlasOptions"]


def _subtitle(book, rows: list) -> str:
    f, lang = book.figures, book.lang
    area = sum(f["area"][r] or 0 for r in rows)
    pop = sum(f["pop"][r] or 0 for r in rows)
    return render("atlas.province_subtitle", lang, n=format_number(len(rows), lang), area=format_number(area, lang, 2),
                  population=format_number(pop, lang), measure=book.measure["label"])


def _commune_subtitle(book, r: int) -> str:
    f, lang = book.figures, book.lang
    return render("atlas.commune_subtitle", lang, province=f["parent"][r] or "", code=f["code"][r],
                  n=format_number(len(book.members.get(f["code"][r], [])), lang), measure=book.measure["label"])


def plan_pages(book, provinces, communes: bool) -> list:
    """The pages of the book, in order: per province its map page, its table's continuation pages,
    and its communes' pages when asked."""
    pages, side_pt, full_pt = [], SIDE[2] * A4_LANDSCAPE[0] * 72, FULL[2] * A4_LANDSCAPE[0] * 72
    for _, province in provinces.iterrows():
        rows, subtitle = province["units"], _subtitle(book, province["units"])
        side = units_table(book, rows, side_pt)
        first = side.split(table_lines(SIDE[1]), 10**9)[0][1]
        pages.append(ProvincePage(book, province, side, (0, first), subtitle))
        if first < len(rows):
            rest = units_table(book, rows[first:], full_pt)
            title = render("atlas.continued", book.lang, name=province["name"])
            pages += [TablePage(book, title, rest, span, subtitle) for span in rest.split(*[table_lines(FULL[1])] * 2)]
        if communes:
            geoms = book.units.geometry.values
            pages += [CommunePage(book, r, geoms[r], _commune_subtitle(book, r)) for r in rows]
    return pages


def _footer(book) -> str:
    about, lang = book.about, book.lang
    return render("atlas.footer", lang, version=about.get("geoplan_version") or geoplan_version(),
                  date=format_date(dt.date.today(), format="long", locale=lang),
                  source=file_names(about.get("source") or render("maps.unknown_source", lang)),
                  plan=file_names(about.get("plan") or render("maps.unknown_plan", lang)))


def _slug(text: str) -> str:
    """A file name part.

    >>> _slug("Tỉnh An Giang (tiếp)")
    'tỉnh-an-giang-tiếp'
    """
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


def write_atlas(result_gpkg, out_pdf, options: AtlasOptions | None = None, progress=None) -> tuple[Path, int]:
    """Read a result GeoPackage and write its atlas, atomically; returns the PDF's path and its
    number of pages. ``options.png`` names a folder (which must exist) for a PNG of each page.

    Raises InputError for a missing or broken result, an unknown province, an output that is not
    a .pdf in an existing folder, a PNG folder that is none, no font with Vietnamese letters.
    """
    say = progress or (lambda message: None)
    options = options or AtlasOptions()
    options = replace(options, map=replace(options.map, lang=options.map.lang or language()))
    lang = options.map.lang
    out = check_target(out_pdf, ".pdf", render("atlas.target_pdf", lang))
    if options.png is not None and not Path(options.png).is_dir():
        raise InputError("atlas.png_folder", path=options.png)
    font = FontProperties(fname=str(vietnamese_font()))
    fontManager.addfont(str(vietnamese_font()))
    book = read_book(result_gpkg, options)
    provinces = select_provinces(book.provinces, options.province, result_gpkg)
    say(render("atlas.progress_read", lang, path=result_gpkg, n=len(book.units), provinces=len(provinces)))
    pages, footer = plan_pages(book, provinces, options.communes), _footer(book)
    style = {"font.family": font.get_name(), "pdf.fonttype": 42, "svg.fonttype": "none"}
    metadata = {"Title": render("atlas.pdf_title", lang, plan=file_names(book.about.get("plan") or str(result_gpkg))),
                "Creator": f"geoplan {geoplan_version()}"}
    with matplotlib.rc_context(style), atomic_path(out) as tmp, PdfPages(tmp, metadata=metadata) as pdf:
        for number, page in enumerate(pages, 1):
            fig = page.render(number, len(pages), footer)
            pdf.savefig(fig)
            if options.png is not None:
                fig.savefig(Path(options.png) / f"{number:04d}-{_slug(page.title)}.png", dpi=110)
            if number % 10 == 0 or number == len(pages):
                say(render("atlas.progress_pages", lang, n=number, total=len(pages)))
    return out, len(pages)
