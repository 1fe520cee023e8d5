"""The national demo: Vietnam 2025, 63 -> 34 provinces and ~10,000 -> 3,321 communes.

Without real polygons on the machine the demo builds SCHEMATIC old communes:
Voronoi cells around each old commune's registry point, clipped to an
outline drawn around all points (islands stay apart). Everything made from
them says "schematic": file names, the old cells' layer name, a ``schematic``
column in the ``units`` and ``lineage`` layers (the layer names stay those of
every result, so that ``geoplan map`` and ``geoplan check`` read them), the
``about`` layer, the check report (which lists the declared figures beside the
cells' areas without comparing them) and the map title. Their areas are not
measurements.

>>> run_demo("maps/demo")  # doctest: +SKIP
>>> run_demo("maps/demo", data="../shared/data/vn")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..check.report import run_check
from ..errors import InputError
from ..i18n import Message, render
from ..io.atomic import write_layers
from ..io.layers import read_layer
from ..io.result import write_result
from ..maps.review import write_review_map
from ..pipeline import merge
from ..progress import Progress
from .builtin import BOUNDARIES, OLD_UNITS_FILE

REACH_DEG = 0.12  # a cell reaches at most this far from its point (about 13 km)
EDGE_DEG = 0.25  # the outline joins points closer than this (about 28 km): inland neighbours, not islands
MARGIN_DEG = 0.03  # the outline reaches this far beyond the outermost points (about 3 km)
REAL_LAYERS = {
    "commune": ("old_communes_c2013.gpkg", "pop2019_vn_demographic"),
    "province": ("old_provinces_c2013.gpkg", "population"),
}


def schematic_communes(points: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Schematic old communes: one Voronoi cell per registry point, cut to
    ``REACH_DEG`` around it and to the :func:`schematic_outline` of all points.

    Cells cut by their own circles do not match their neighbours exactly where
    the circles cut a shared edge: the merge cleans them like a real layer.

    >>> cells = schematic_communes()
    >>> len(cells) > 10_000, bool(cells.geometry.is_valid.all()), bool(cells.geometry.is_empty.any())
    (True, True, False)
    """
    points = pd.read_csv(BOUNDARIES / OLD_UNITS_FILE, dtype=str) if points is None else points
    points = points.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    xy = points[["lon", "lat"]].astype(float).to_numpy()
    xy = _separate_duplicates(xy)
    sites = shapely.points(xy)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(xy)))
    site_of_cell, cell_of_site = shapely.STRtree(cells).query(sites, predicate="within")
    geometry = np.empty(len(points), dtype=object)
    reach = shapely.buffer(sites[site_of_cell], REACH_DEG, quad_segs=8)
    outline = schematic_outline(xy)
    shapely.prepare(outline)
    geometry[site_of_cell] = shapely.intersection(shapely.intersection(cells[cell_of_site], reach), outline)
    frame = points.drop(columns=["lat", "lon"]).assign(schematic=True)
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs="EPSG:4326")


def schematic_outline(xy: np.ndarray) -> shapely.Geometry:
    """A plausible outline of the country drawn from its units' points alone (lon, lat).

    A concave hull that may have several parts: the Delaunay triangles of the
    points whose sides are all shorter than ``EDGE_DEG`` (so it follows the
    coast and the borders instead of bridging a gulf or the sea to an island),
    holes filled, the points no such triangle reaches (islands) as parts of
    their own, all widened by ``MARGIN_DEG``.

    >>> u = [(x / 10, y / 10) for x in range(8) for y in range(8) if x < 2 or x > 5 or y < 2]  # a U
    >>> outline = schematic_outline(np.array(u + [(2.0, 0.0)]))  # and an island
    >>> len(shapely.get_parts(outline)), outline.contains(shapely.Point(0.35, 0.6))  # the bay stays open
    (2, False)
    """
    triangles = shapely.get_parts(shapely.delaunay_triangles(shapely.MultiPoint(xy)))
    corners = shapely.get_coordinates(triangles).reshape(-1, 4, 2)[:, :3]
    longest = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).max(axis=1, initial=0)
    land = shapely.get_parts(shapely.coverage_union_all(triangles[longest < EDGE_DEG]))
    land = shapely.polygons(shapely.get_exterior_ring(land))  # a hole among the points is land too
    apart = ~shapely.intersects(shapely.multipolygons(land), shapely.points(xy))
    return shapely.buffer(shapely.union_all([*land, shapely.multipoints(xy[apart])]), MARGIN_DEG, quad_segs=4)


def _separate_duplicates(xy: np.ndarray) -> np.ndarray:
    """Move repeated points apart by a few metres so that each gets a cell."""
    xy = xy.copy()
    seen: dict[tuple, int] = {}
    for i, point in enumerate(map(tuple, xy)):
        n = seen.get(point, 0)
        if n:
            xy[i] += (1e-4 * n, 1e-4 * n)
        seen[point] = n + 1
    return xy


def _old_layers(data: str | None, say) -> tuple[dict[str, gpd.GeoDataFrame], bool, str]:
    """Old communes and provinces, real (from ``data``, each with the fields the demo merges by) or schematic."""
    if data:
        layers = {}
        for level in REAL_LAYERS:
            path = _real_layer(data, level)
            if not path.exists():
                raise InputError("demo.not_found", path=path, files=", ".join(n for n, _ in REAL_LAYERS.values()))
            say(render("demo.reading", path=path))
            layers[level] = read_layer(path)
            needed = list(_fields(level, schematic=False).values())
            lacking = [field for field in needed if field not in layers[level]]
            if lacking:
                raise InputError("demo.no_field", path=path, fields=", ".join(map(repr, lacking)),
                                 level=Message(f"level.{level}"), needed=", ".join(needed))
        return layers, False, str(data)
    say(render("demo.building"))
    communes = schematic_communes()
    provinces = communes.dissolve("old_province", as_index=False)[["old_province", "geometry"]]
    return {"commune": communes, "province": provinces}, True, "schematic cells around boundaries/vn-old-units.csv"


def _real_layer(data: str, level: str) -> Path:
    """The file of the real old units of ``level`` in the folder ``data``.

    >>> _real_layer("../shared/data/vn", "province").name
    'old_provinces_c2013.gpkg'
    """
    return Path(data) / REAL_LAYERS[level][0]


def _check_output_folder(out: Path) -> None:
    """Refuse an output folder that is a file, or lies under one, before any work.

    >>> _check_output_folder(Path("maps/demo"))
    """
    existing = next(path for path in (out, *out.parents) if path.exists())
    if not existing.is_dir():
        raise InputError("demo.output_is_file", path=existing)


def run_demo(output: str | Path = "maps/demo", data: str | None = None, quiet: bool = False) -> list[Path]:
    """Merge the whole country at commune and province level and write results, checks and maps.

    Returns the paths written.

    >>> run_demo("maps/demo", quiet=True)[0].name  # doctest: +SKIP
    'schematic-communes.gpkg'
    """
    say = Progress(quiet)
    out = Path(output)
    _check_output_folder(out)
    layers, schematic, source = _old_layers(data, say)
    out.mkdir(parents=True, exist_ok=True)
    prefix = "schematic-" if schematic else ""
    written = []
    if schematic:
        path = out / "schematic-old-communes.gpkg"
        write_layers(path, {"schematic_old_communes": layers["commune"]})
        written.append(path)
    for level in ("commune", "province"):
        plan_name = f"vn-2025-{level}"
        fields = _fields(level, schematic)
        say(render("demo.merging", level=Message(f"level.{level}"), plan=plan_name))  # merge adds renames, declared figures
        label = render("demo.schematic_label", level=Message(f"level.{level}")) if schematic else str(_real_layer(data, level))
        result = merge(layers[level], plan_name, **fields, progress=say, label=label)
        path = out / f"{prefix}{level}s.gpkg"
        if schematic:
            result.units["schematic"] = True
            result.lineage["schematic"] = True
        write_result(result, path, source=source, schematic=schematic)
        print((render("demo.schematic_prefix") if schematic else "") + result.summary())
        print(run_check(path))
        written += [path] + [path.with_name(f"{path.stem}-check{suffix}") for suffix in (".csv", ".md", ".xlsx")]
    written += _maps(out, prefix, schematic, data, say)
    print(render("demo.outputs_schematic" if schematic else "demo.outputs"))
    for path in written:
        print(f"  {path}")
    return written


def _fields(level: str, schematic: bool) -> dict:
    if schematic:
        if level == "commune":
            return {"code_field": "old_code", "name_field": "old_name", "parent_field": "old_province",
                    "district_field": "old_district"}
        return {"name_field": "old_province"}
    if level == "commune":
        return {"code_field": "gso_code_c2016", "name_field": "commune_vn", "parent_field": "province_vn",
                "district_field": "district_vn", "pop_field": REAL_LAYERS["commune"][1]}
    return {"name_field": "province_vn", "pop_field": REAL_LAYERS["province"][1]}


def _maps(out: Path, prefix: str, schematic: bool, data: str | None, say) -> list[Path]:
    """The national review map of the communes, with the old communes as a layer."""
    old = out / "schematic-old-communes.gpkg" if schematic else _real_layer(data, "commune")
    path = out / f"{prefix}review-map.html"
    write_review_map(out / f"{prefix}communes.gpkg", path, old=old, progress=say)
    return [path]
