"""The words of a map in its language: the texts the page's JavaScript shows (the ``maps.page.*``
messages of the catalogue, embedded in the page), and the title and footer said from the
result's ``about`` layer (dates written the language's way by Babel).

>>> page_texts("vi")["legend"]
'Chú giải'
>>> title_and_footer({"plan": "vn-2025-commune"}, None, "r.gpkg", "vi")[0]
'Bản đồ rà soát: vn-2025-commune'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from babel.dates import format_date

from ..i18n import render
from ..i18n.catalogue import catalogue
from ..values import flag

PAGE_PREFIX = "maps.page."


def page_texts(lang: str) -> dict[str, str]:
    """Every text of the page in ``lang``: {key: template}, the key without its ``maps.page.``
    prefix; ``{name}`` marks a value the page fills in (numbers formatted by the page).

    >>> page_texts("en")["old_units"]
    'Old units'
    """
    english = catalogue("en")
    texts = {**english, **catalogue(lang)}
    return {key[len(PAGE_PREFIX):]: texts[key] for key in english if key.startswith(PAGE_PREFIX)}


def geoplan_version() -> str:
    """The installed geoplan's version ("unknown" when it is not installed).

    >>> geoplan_version() != ""
    True
    """
    try:
        return metadata.version("geoplan")
    except metadata.PackageNotFoundError:
        return "unknown"


def file_names(text: str) -> str:
    """Paths in a text reduced to their file names: a map names no local folder.

    >>> file_names("/work/data/old_communes.gpkg")
    'old_communes.gpkg'
    >>> file_names(r"cells around C:\\data\\points.csv")
    'cells around points.csv'
    """
    return re.sub(r"\S*[/\\](?=[^\s/\\])", "", text)


def written_date(iso: str, lang: str) -> str:
    """An ISO date-time as a date the language writes (the text itself when it is no date).

    >>> written_date("2026-11-25T04:29:33+00:00", "vi"), written_date("2026-11-25", "en")
    ('25 tháng 11, 2026', 'November 25, 2026')
    """
    try:
        return format_date(dt.datetime.fromisoformat(iso).date(), format="long", locale=lang)
    except ValueError:
        return iso


def title_and_footer(about: Mapping[str, str], title: str | None, source_name: str, lang: str) -> tuple[str, str, bool]:
    """Title, footer and schematic flag from the ``about`` layer, in ``lang``.

    Examples
    --------
    >>> title_and_footer({"plan": "plan.json", "source": "old.gpkg", "geoplan_version": "0.1.0",
    ...                   "schematic": "yes"}, None, "r.gpkg", "en")[0]
    'Review map: plan.json (schematic)'
    """
    schematic = bool(flag(about.get("schematic", "")))
    plan = about.get("plan") or ""
    if title is None:
        title = render("maps.title", lang, plan=Path(plan).name if plan else source_name)
    suffix = render("maps.title_schematic", lang, title="").strip()
    if schematic and suffix.lower() not in title.lower():
        title = render("maps.title_schematic", lang, title=title)
    bits = [
        render("maps.footer_data", lang, source=file_names(about.get("source") or render("maps.unknown_source", lang))),
        render("maps.footer_plan", lang, plan=file_names(plan or render("maps.unknown_plan", lang))),
        render("maps.footer_version", lang, version=about.get("geoplan_version") or geoplan_version()),
    ]
    if about.get("created"):
        bits.append(render("maps.footer_created", lang, date=written_date(about["created"], lang)))
    if about.get("pop_field"):
        bits.append(render("maps.footer_pop_field", lang, field=about["pop_field"]))
    if schematic:
        bits.append(render("maps.footer_schematic", lang))
    return title, " \u00b7 ".join(bits), schematic
