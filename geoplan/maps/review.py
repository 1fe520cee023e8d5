"""Review maps: one self-contained HTML file a planner can open, check and share.

The map works offline from ``file://``: Leaflet (vendored from the npm package,
see ``geoplan/maps/assets/README.md``) and geoplan's own JavaScript and CSS are
inlined, the data is embedded once in a compact topological encoding
(:mod:`geoplan.maps.topology`) and a Content-Security-Policy forbids any request
except, with ``basemap="osm"``, OpenStreetMap tiles. Every text is in the
map's language (:class:`geoplan.maps.options.MapOptions` ``lang``).

What the map shows: new units coloured by population, density, the
difference between computed and declared area or the old units merged
(switchable, with a legend that folds away); province outlines; names of
provinces at national zoom and of units zoomed in, never overlapping; old
units as an optional layer, also used by a before/after swipe, each showing
the new unit it went into (from the result's ``features`` layer);
tooltips with computed and declared figures, declared figures a check flags
(suspected copies, hectares) marked with the reason; a lineage popup;
approximate units, units with inferred links and the repairs to review
grouped into counts at low zoom (the small repairs from zoom 11); split
pieces, plan audit and reference polygons when the result has them; a
search over provinces, new and old names whatever the spelling; a print
view. New units of the plan left without a polygon are counted in the
legend and found by the search. Invalid polygons are repaired for display.

Examples
--------
>>> from geoplan.maps.review import write_review_map
>>> write_review_map("result.gpkg", "maps/result.html")  # doctest: +SKIP
PosixPath('maps/result.html')
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from ..errors import InputError
from ..i18n import language, render
from ..io.atomic import atomic_path, check_target
from ..io.result import about_table
from .old_layer import read_old_layer
from .options import MEASURES, MapLayers, MapOptions, OldFields
from .page import ReviewMap, build_page, render_html
from .reading import read_map_layers
from .wording import title_and_footer

__all__ = ["review_map", "write_review_map", "MapOptions", "MapLayers", "OldFields", "ReviewMap", "MEASURES"]


def _layers_of(result, old, given: dict, schematic: bool) -> tuple[MapLayers, gpd.GeoDataFrame | None]:
    """The layers of ``result`` (a MergeResult, a MapLayers, or a GeoDataFrame of units and the
    layers ``given`` by keyword) and the old layer with its fields named by role."""
    from ..merging.result import MergeResult  # here: the command line never needs it

    if isinstance(result, MergeResult):
        if old is not None and "name" not in old.columns:
            old = read_old_layer(old, recorded=result.report.link_fields)
        n_old = result.report.n_old_features
        source = given.pop("source", None) or (render("maps.source_old_layer", n=n_old) if n_old else "")
        about = dict(about_table(result, source, schematic).itertuples(index=False))
        layers = MapLayers(result.units, result.lineage, result.repairs, result.features,
                           crosswalk=result.crosswalk, about=about)
    elif isinstance(result, MapLayers):
        layers = result
    else:
        layers = MapLayers(result, **given)
    if old is not None and "name" not in old.columns:
        old = read_old_layer(old)
    return layers, old


def review_map(result, old: gpd.GeoDataFrame | None = None, options: MapOptions | None = None,
               **given) -> ReviewMap:
    """Build the review map of a merge result.

    Parameters
    ----------
    result : MergeResult, MapLayers or GeoDataFrame
        A MergeResult (from ``geoplan.merge``) brings its units, lineage,
        repairs, features and crosswalk, and the title and footer the CLI
        would write (``source=`` names the data it was merged from); a
        :class:`MapLayers` the layers of a result read back;
        a GeoDataFrame the new units (``code`` and ``name`` required, the
        other ``units`` columns of docs/CONTRACTS.md shown when present),
        with the other layers given by keyword (``lineage=``, ``repairs=``,
        ``features=``, ``crosswalk=``, ``audit=``, ``reference=``, ``provinces=``).
    old : GeoDataFrame, optional
        Old units with ``name`` (or fields :func:`read_old_layer` detects) and
        optionally ``code``, ``parent``, ``district``, ``population``: a layer
        off by default and the "before" side of the before/after swipe.
    options : MapOptions, optional
        How to draw it; its fields may also be given by keyword
        (``title=``, ``basemap=``, ``color_by=``, ``lang=``...).
        ``color_by`` one of {"population", "density", "area_diff", "members"}.

    Returns
    -------
    ReviewMap
        Its HTML with ``m.render()``; save it with ``m.save(path)`` or use :func:`write_review_map`;
        a notebook shows it.

    Examples
    --------
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"]},
    ...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
    >>> m = review_map(units, title="Test")
    >>> "cdn.jsdelivr" in m.render()
    False
    """
    settings, given = MapOptions.split(given)
    options = replace(options or MapOptions(), **settings)
    lang = options.lang or language()
    layers, old = _layers_of(result, old, given, options.schematic)
    if layers.about:
        title, footer, schematic = title_and_footer(layers.about, options.title, render("maps.merge_result", lang), lang)
        options = replace(options, title=title, footer=footer if options.footer is None else options.footer,
                          schematic=schematic or options.schematic)
    return build_page(layers, old, replace(options, lang=lang))


def write_review_map(result_gpkg, out_html, old=None, options: MapOptions | None = None, *,
                     old_fields: OldFields | None = None, progress=None) -> Path:
    """Read a result GeoPackage and write its review map, atomically.

    Parameters
    ----------
    result_gpkg : path
        GeoPackage written by ``geoplan merge`` (layers ``units``, and when
        present ``lineage``, ``repairs``, ``features``, ``about``, and the
        split pieces of ``crosswalk``, ``audit``, ``reference``; see
        docs/CONTRACTS.md). One warning names the usual layers it lacks.
    out_html : path
        HTML file to write, ending in .html, in a folder that exists.
        Written to a temporary file in the same folder, then renamed over
        the target.
    old : path or GeoDataFrame, optional
        Any layer of the old units :func:`geoplan.io.layers.read_layer` reads
        (with a CRS). ``old_fields`` names its layer, encoding and fields,
        else those the merge linked by (recorded in the ``about`` layer), else
        detected (code: ``code``, ``old_code``, ``gso_code_c2016``...; name:
        ``name``, ``old_name``, ``commune_vn``...; parent: ``parent``, ``province_vn``...).
    options : MapOptions, optional
        See :func:`review_map`; the title defaults to "Review map: PLAN"
        ("(schematic)" appended for a schematic result), the footer says which
        data, plan and geoplan version produced it.
    progress : callable, optional
        Called with a line per step, e.g. a :class:`geoplan.progress.Progress`.

    Raises
    ------
    InputError
        Missing file, layer or field, unknown basemap or measure, output
        that is not an .html file in an existing folder.

    Examples
    --------
    >>> write_review_map("out/result.gpkg", "maps/result.html",
    ...                  old="old_communes.gpkg")  # doctest: +SKIP
    PosixPath('maps/result.html')
    """
    say = progress or (lambda message: None)
    options = options or MapOptions()
    lang = options.lang or language()
    out = check_target(out_html, ".html", render("maps.target_html", lang))
    path = Path(result_gpkg)
    layers = read_map_layers(path)
    read = render("maps.progress_read", lang, path=path, n=len(layers.units))
    old_gdf = None
    if old is not None:
        spec = old_fields or OldFields()
        recorded = {role: layers.about.get(f"old_{role}_field") for role in ("code", "name", "parent")}
        old_gdf = read_old_layer(old, spec.layer, spec.encoding, given=spec.given(), recorded=recorded)
        label = render("maps.old_layer", lang) if isinstance(old, gpd.GeoDataFrame) else old
        read += render("maps.progress_read_old", lang, path=label, n=len(old_gdf))
    say(read)  # once both are read: a mistake in either file stays a one-line error
    title, footer, schematic = title_and_footer(layers.about, options.title, path.name, lang)
    options = replace(options, title=title, footer=footer if options.footer is None else options.footer,
                      schematic=schematic or options.schematic, lang=lang)
    say(render("maps.progress_building", lang))
    text = render_html(build_page(layers, old_gdf, options))
    say(render("maps.progress_writing", lang, path=out))
    try:
        with atomic_path(out) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError("maps.cannot_write", path=out, reason=exc.strerror or str(exc)) from None
    return out
