"""Review maps: one self-contained HTML file a planner can open, check and share.

The map works offline from ``file://``: Leaflet (vendored from the npm package,
see ``geoplan/maps/assets/README.md``) and geoplan's own JavaScript and CSS are
inlined, the data is embedded once in a compact topological encoding
(:mod:`geoplan.map_topology`) and a Content-Security-Policy forbids any request
except, with ``basemap="osm"``, OpenStreetMap tiles.

What the map shows: new units coloured by population, density or the
difference between computed and declared area (switchable, with a legend);
province outlines above communes; old units as an optional layer, also used
by a before/after swipe (the same layer objects, not a second copy), each
showing the new unit it went into (from the result's ``features`` layer, so
also when it was linked by name); tooltips with name, code, province,
computed and declared area and population; a lineage popup; markers for
approximate or inferred links, drawn where their unit is large enough on
screen; the repairs to review (:func:`repairs_to_review`) from the start and
the others from zoom 11, where the map looks; a search box over old and new
names that ignores diacritics and tone marks; layer control, scale bar and
fullscreen. New units of the plan left without a polygon (the merge makes
none up; :func:`geoplan.map_data.units_without_polygon`) are counted in the
legend and found by the search, which says so. Invalid polygons are repaired
for display, never a crash.

Examples
--------
>>> from geoplan.maps.review import write_review_map
>>> write_review_map("result.gpkg", "maps/result.html")  # doctest: +SKIP
PosixPath('maps/result.html')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from ..errors import InputError
from ..io.atomic import atomic_path, check_target
from ..io.result import about_table, read_result
from ..merging.result import MergeResult
from ..values import flag
from .data import DEFAULT_PRECISION, DEFAULT_TOLERANCE_M
from .measures import MEASURES
from .old_layer import read_old_layer
from .page import BASEMAPS, build_page, render_html

__all__ = ["review_map", "write_review_map", "title_and_footer", "MEASURES", "BASEMAPS"]

def _check_options(basemap: str, color_by: str) -> None:
    """Refuse an unknown basemap or colouring, naming the option.

    >>> _check_options("osm", "gdp")
    Traceback (most recent call last):
    geoplan.errors.InputError: --color-by (color_by): unknown value 'gdp'; use one of population, density, area_diff, members
    """
    for option, value, choices in (("--basemap", basemap, tuple(BASEMAPS)), ("--color-by (color_by)", color_by, MEASURES)):
        if value not in choices:
            raise InputError(f"{option}: unknown value {value!r}; use one of {', '.join(choices)}")


def review_map(
    units,
    lineage: pd.DataFrame | None = None,
    repairs: gpd.GeoDataFrame | None = None,
    old: gpd.GeoDataFrame | None = None,
    provinces: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    footer: str | None = None,
    basemap: str = "none",
    color_by: str = "population",
    *,
    features: pd.DataFrame | None = None,
    source: str = "",
    schematic: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    precision: int = DEFAULT_PRECISION,
) -> folium.Map:
    """Build the review map of a merge result.

    Parameters
    ----------
    units : GeoDataFrame or MergeResult
        New units with the ``units`` columns of docs/CONTRACTS.md (``code`` and
        ``name`` required; the others are shown when present). Communes (with
        ``parent_code``) also get province outlines, dissolved per parent.
        A MergeResult (from ``geoplan.merge``) brings its units, lineage,
        repairs and features, the fields its old layer was linked by, and
        the title and footer the CLI would write (plan, data, geoplan
        version, population field).
    lineage, repairs : DataFrame, GeoDataFrame, optional
        The ``lineage`` and ``repairs`` layers of the result.
    old : GeoDataFrame, optional
        Old units with ``name`` and optionally ``code``, ``parent``,
        ``district``, ``population``: a layer off by default and the "before"
        side of the before/after swipe.
    provinces : GeoDataFrame, optional
        Outlines to draw instead of dissolving ``units`` by ``parent_code``.
    title, footer : str, optional
        Plain text (escaped). By default "geoplan review map" and no footer,
        or for a MergeResult what produced it. ``schematic=True`` adds a
        "schematic" badge.
    features : DataFrame, optional
        The ``features`` layer of the result: where each old feature went,
        in the old layer's row order. With ``old`` of the same length, each
        old polygon shows the new unit it went into, also when it was linked
        by name; otherwise old units are joined to the lineage by code.
    source : str
        For a MergeResult: the data it was merged from, named in the footer.
    basemap : {"none", "osm"}
        ``"none"`` draws a plain background and makes no request at all.
    color_by : {"population", "density", "area_diff", "members"}
        Initial colouring (switchable in the legend): population, density,
        computed vs declared area, or the number of old units merged; a
        measure without data falls back to the first one that has data.
    tolerance_m : float
        Display simplification in metres (coverage-preserving for units).
    precision : int
        Decimal places of the coordinates kept.

    Returns
    -------
    folium.Map
        Save it with ``m.save(path)`` or use :func:`write_review_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"]},
    ...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
    >>> m = review_map(units, title="Test")
    >>> "cdn.jsdelivr" in m.get_root().render()
    False
    """
    _check_options(basemap, color_by)
    if isinstance(units, MergeResult):
        result = units
        units, lineage, repairs = result.units, result.lineage, result.repairs
        features = getattr(result, "features", None) if features is None else features
        if old is not None and "name" not in old.columns:
            old = read_old_layer(old, recorded=result.report.link_fields)
        n_old = result.report.n_old_features
        source = source or (f"old layer of {n_old:,} features" if n_old else "")
        about = dict(about_table(result, source, schematic).itertuples(index=False))
        title, about_footer, schematic = title_and_footer(about, title, "merge result")
        footer = about_footer if footer is None else footer
    return build_page(units, lineage, repairs, old, provinces, title, footer, basemap, color_by,
                 features=features, schematic=schematic, tolerance_m=tolerance_m, precision=precision)


def _geoplan_version() -> str:
    try:
        return metadata.version("geoplan")
    except metadata.PackageNotFoundError:
        return "unknown"


def _file_names(text: str) -> str:
    """Paths in a text reduced to their file names: a map names no local folder.

    >>> _file_names("/work/data/old_communes.gpkg")
    'old_communes.gpkg'
    >>> _file_names(r"cells around C:\\data\\points.csv")
    'cells around points.csv'
    """
    return re.sub(r"\S*[/\\](?=[^\s/\\])", "", text)


def title_and_footer(about: Mapping[str, str], title: str | None, source_name: str) -> tuple[str, str, bool]:
    """Title, footer and schematic flag from the ``about`` layer.

    Examples
    --------
    >>> title_and_footer({"plan": "plan.json", "source": "old.gpkg", "geoplan_version": "0.1.0",
    ...                   "schematic": "yes"}, None, "r.gpkg")[0]
    'Review map: plan.json (schematic)'
    """
    schematic = bool(flag(about.get("schematic", "")))
    plan = about.get("plan") or ""
    plan_name = Path(plan).name if plan else source_name
    if title is None:
        title = f"Review map: {plan_name}"
    if schematic and "schematic" not in title.lower():
        title = f"{title} (schematic)"
    bits = [
        f"Data: {_file_names(about.get('source') or 'unknown source')}",
        f"Plan: {_file_names(plan or 'unknown plan')}",
        f"geoplan {about.get('geoplan_version') or _geoplan_version()}",
    ]
    if about.get("created"):
        bits.append(f"created {about['created']}")
    if about.get("pop_field"):
        bits.append(f"population field {about['pop_field']}")
    footer = " \u00b7 ".join(bits)
    if schematic:
        footer += " \u00b7 SCHEMATIC: boundaries are indicative, not for legal use"
    return title, footer, schematic


def write_review_map(
    result_gpkg,
    out_html,
    old=None,
    basemap: str = "none",
    color_by: str = "population",
    title: str | None = None,
    *,
    old_layer: str | None = None,
    old_encoding: str | None = None,
    old_code_field: str | None = None,
    old_name_field: str | None = None,
    old_parent_field: str | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    precision: int = DEFAULT_PRECISION,
    progress=None,
) -> Path:
    """Read a result GeoPackage and write its review map, atomically.

    Parameters
    ----------
    result_gpkg : path
        GeoPackage written by ``geoplan merge`` (layers ``units``, and when
        present ``lineage``, ``repairs``, ``features``, ``about``; see
        docs/CONTRACTS.md). One warning names the layers it lacks.
    out_html : path
        HTML file to write, ending in .html, in a folder that exists.
        Written to a temporary file in the same folder, then renamed over
        the target.
    old : path or GeoDataFrame, optional
        Any layer of the old units :func:`geoplan.read.read_layer` reads
        (with a CRS); ``old_layer`` picks a layer of a file that has several,
        ``old_encoding`` the encoding of a legacy Shapefile. Its fields are
        those given with ``old_code_field``, ``old_name_field``,
        ``old_parent_field``, else those the merge linked by (recorded in the
        ``about`` layer), else guessed (code: ``code``, ``old_code``,
        ``gso_code_c2016``...; name: ``name``, ``old_name``,
        ``commune_vn``...; parent: ``parent``, ``province_vn``...).
    basemap, color_by, tolerance_m, precision
        See :func:`review_map`.
    title : str, optional
        Defaults to "Review map: PLAN"; "(schematic)" is appended for a
        schematic result, and the footer says which data, plan and geoplan
        version produced it.
    progress : callable, optional
        Called with a line per step (what was read, building the map data,
        writing), e.g. a :class:`geoplan.progress.Progress`.

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    InputError
        Missing file, layer or field, unknown basemap or measure, output
        that is not an .html file in an existing folder.

    Examples
    --------
    >>> write_review_map("out/result.gpkg", "maps/result.html",
    ...                  old="old_communes.gpkg", basemap="none")  # doctest: +SKIP
    PosixPath('maps/result.html')
    """
    say = progress or (lambda message: None)
    _check_options(basemap, color_by)
    out = check_target(out_html, ".html", "the review map is one HTML file")
    path = Path(result_gpkg)
    units, lineage, repairs, features, about = read_result(path)
    read = f"read {path}: {len(units):,} units"
    old_gdf = None
    if old is not None:
        given = {"code": old_code_field, "name": old_name_field, "parent": old_parent_field}
        recorded = {role: about.get(f"old_{role}_field") for role in given}  # the fields the merge linked by
        old_gdf = read_old_layer(old, old_layer, old_encoding, given=given, recorded=recorded)
        read += f"; {'old layer' if isinstance(old, gpd.GeoDataFrame) else old}: {len(old_gdf):,} old units"
    say(read)  # once both are read: a mistake in either file stays a one-line error
    title, footer, schematic = title_and_footer(about, title, path.name)
    say("building the map data")
    m = build_page(units, lineage, repairs, old_gdf, None, title, footer, basemap, color_by,
              features=features, schematic=schematic, tolerance_m=tolerance_m, precision=precision)
    say(f"writing {out}")
    text = render_html(m)
    try:
        with atomic_path(out) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write: {exc.strerror or exc}") from None
    return out
