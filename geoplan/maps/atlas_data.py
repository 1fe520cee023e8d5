"""What the printed atlas draws, read once from a result GeoPackage: the new units (made valid,
simplified for print), their figures (:func:`geoplan.maps.data.unit_columns`), the province
outlines, the old units each new unit was merged from (the lineage), the old polygons when
asked (the result's ``features`` layer carries them), and the colour of each unit for the
chosen measure (the classes of the review map, :mod:`geoplan.maps.measures`).

>>> book = read_book("communes.gpkg", AtlasOptions())  # doctest: +SKIP
>>> book.provinces["name"].iloc[0]  # doctest: +SKIP
'Thành phố Hà Nội'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..engine.geometry import valid_polygons
from ..errors import InputError
from ..i18n import render
from ..io.result import read_result
from ..link.names import place_key, search_key
from .atlas_map import without_type
from .columns import codes, column, texts
from .data import unit_columns
from .measures import measures, value_class
from .options import MEASURES, MapOptions
from .shapes import dissolve_outlines, simplify_coverage, to_wgs84

PRINT_TOLERANCE = 0.0002  # degrees (about 20 m): finer than a printed line at the scale of a province


@dataclass(frozen=True)
class AtlasOptions:
    """What the atlas prints: ``province`` (None: every province; a name in any spelling, or a
    code), ``communes`` (a page per commune too), ``old`` (the old units' outlines), ``png`` (a
    folder for a PNG of each page), and the map options (``color_by``, ``lang``).

    >>> AtlasOptions(province="An Giang").map.color_by
    'population'
    """

    province: str | None = None
    communes: bool = False
    old: bool = False
    png: Path | None = None
    map: MapOptions = field(default_factory=MapOptions)


@dataclass
class AtlasBook:
    """The result as the atlas prints it (see the module's description); ``lang`` its language."""

    units: gpd.GeoDataFrame
    figures: dict
    provinces: pd.DataFrame
    colours: list
    measure: dict
    members: dict
    old: gpd.GeoDataFrame | None
    lineage: pd.DataFrame | None
    about: dict
    lang: str


def _members(lineage: pd.DataFrame | None, lang: str) -> dict[str, list[str]]:
    """The old units merged into each new unit, by its code: names without their type (the
    commune pages and the lineage have them), "(part)" after a divided one."""
    if lineage is None or not len(lineage):
        return {}
    rows = pd.DataFrame({"new": codes(column(lineage, "new_code")), "name": texts(column(lineage, "old_name")),
                         "link": texts(column(lineage, "link"))}).dropna(subset=["new", "name"])
    names = [without_type(n) for n in rows["name"]]
    rows["text"] = [render("atlas.part", lang, name=n) if link == "partial" else n for n, link in zip(names, rows["link"])]
    return {code: list(dict.fromkeys(group)) for code, group in rows.groupby("new", sort=False)["text"]}


def _colours(figures: dict, options: MapOptions, lang: str) -> tuple[list, dict]:
    """The fill of each unit for the measure asked (the first with data when it has none) and its legend."""
    every = measures(figures, lang)
    n = len(figures["code"])
    name = options.color_by if every[options.color_by]["nMissing"] < n else next(
        (k for k in MEASURES if every[k]["nMissing"] < n), "members")
    m = every[name]
    suspect = m.get("suspect") or {"flags": []}
    flags = figures.get("declFlag") or [None] * n
    out = []
    for value, flag in zip(figures[m["field"]], flags):
        out.append(suspect.get("color") if flag in suspect["flags"] else m["missing"] if value is None
                   else m["colors"][value_class(value, m["breaks"])])
    return out, m


def _provinces(units: gpd.GeoDataFrame, figures: dict, geoms: np.ndarray) -> pd.DataFrame:
    """One row per province: code, name, outline, and the rows of its units (in code order)."""
    parent = pd.Series(figures["parentCode"], dtype=object).fillna("")
    rows = pd.DataFrame({"row": np.arange(len(units)), "parent": parent, "code": figures["code"]})
    rows = rows.sort_values(["parent", "code"], kind="stable")
    outlines = dissolve_outlines(geoms, parent.to_numpy())
    names = dict(zip(parent, figures["parent"]))
    groups = rows.groupby("parent", sort=True)["row"]
    return pd.DataFrame({"code": list(groups.groups), "name": [names.get(c) or c for c in groups.groups],
                         "geometry": [outlines.get(c) for c in groups.groups],
                         "units": [list(g) for _, g in groups]})


def select_provinces(provinces: pd.DataFrame, wanted: str | None, path) -> pd.DataFrame:
    """The provinces asked for: all, or the one whose code or name (any spelling) is ``wanted``.

    >>> p = pd.DataFrame({"code": ["91", "01"], "name": ["Tỉnh An Giang", "Thành phố Hà Nội"]})
    >>> select_provinces(p, "tinh an giang", "r.gpkg")["code"].tolist(), select_provinces(p, "HN", "r.gpkg")["code"].tolist()
    (['91'], ['01'])
    """
    if not wanted:
        return provinces
    key = place_key(wanted)
    initials = {code: "".join(w[0] for w in place_key(name).split()) for code, name in zip(provinces["code"], provinces["name"])}
    hit = [code == wanted.strip() or place_key(name) == key or search_key(name)[1] == search_key(wanted)[1]
           or initials[code] == key.replace(" ", "") for code, name in zip(provinces["code"], provinces["name"])]
    if not any(hit):
        raise InputError("atlas.no_province", path=path, name=wanted, names=", ".join(provinces["name"]))
    return provinces[hit]


def read_book(path, options: AtlasOptions) -> AtlasBook:
    """Read a result GeoPackage for the atlas (:func:`geoplan.io.result.read_result`)."""
    wanted = ("lineage", "features", "about") if options.old else ("lineage", "about")
    layers = read_result(path, warn_missing=("lineage", "about"), wanted=wanted, shapes=("features",))
    lang = options.map.lang
    units = to_wgs84(layers.units, "units").reset_index(drop=True)
    geoms = simplify_coverage(valid_polygons(units.geometry.values), PRINT_TOLERANCE)
    units = units.set_geometry(list(geoms))
    figures = unit_columns(units)
    colours, measure = _colours(figures, options.map, lang)
    old = None
    if options.old and isinstance(layers.features, gpd.GeoDataFrame):
        old = to_wgs84(layers.features, "features")
        names = {} if layers.lineage is None else dict(zip(codes(layers.lineage["old_code"]), texts(layers.lineage["old_name"])))
        old = old.assign(name=[names.get(c) for c in codes(column(old, "old_code"))],
                         new=codes(column(old, "new_code")))
    return AtlasBook(units, figures, _provinces(units, figures, geoms), colours, measure,
                     _members(layers.lineage, lang), old, layers.lineage, layers.about, lang)
