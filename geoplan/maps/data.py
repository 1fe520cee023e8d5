"""The data a review map shows, prepared for the page to embed.

From the result's layers (:class:`geoplan.maps.options.MapLayers`) and an old
layer: the units and their province outlines simplified for display and
encoded as topologies (:mod:`geoplan.maps.topology`), the columns the page
reads (names, codes, areas, population, density, lineage, placements of old
polygons, :mod:`geoplan.maps.columns`), the declared figures a check flags
(:mod:`geoplan.maps.declared`), the colour classes of each measure
(:mod:`geoplan.maps.measures`), which repairs to review first
(:mod:`geoplan.maps.repairs`), split pieces, plan audit and reference
(:mod:`geoplan.maps.overlays`), and a compaction of it all that ``review.js``
undoes. Invalid polygons are repaired for display.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"]},
...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
>>> data = compact_map_data(build_map_data(MapLayers(units), None, MapOptions(lang="en")))
>>> data["units"]["code"], data["units"]["name"], data["old"]
(['1'], ['A'], None)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..engine.geometry import is_polygonal, valid_polygons
from ..errors import InputError
from ..i18n import language
from ..measure.area import METRES_PER_DEGREE, fast_area_km2
from .columns import codes, column, flags, numbers, texts, words
from .declared import declared_flags
from .measures import measures
from .options import DEFAULT_PRECISION, DEFAULT_TOLERANCE_M, MapLayers, MapOptions
from .overlays import overlay_sections
from .placement import placement, units_without_polygon
from .repairs import REVIEW_MIN_KM2, REVIEW_MIN_SHARE, SMALL_REPAIRS_ZOOM, repairs_to_review
from .shapes import dissolve_outlines, label_points, simplify_coverage, simplify_each, to_wgs84
from .topology import encode_topology

__all__ = ["build_map_data", "compact_map_data", "DEFAULT_TOLERANCE_M", "DEFAULT_PRECISION"]


class Topologies:
    """The arc sets of a map: each call to :meth:`encode` adds one and returns its geometry
    references and its number (one set per layer that shares boundaries within itself).

    >>> t = Topologies(5)
    >>> t.encode([[shapely.box(0, 0, 1, 1)]])[1], len(t.sets)
    (0, 1)
    """

    def __init__(self, precision: int):
        self.precision, self.sets = precision, []

    def encode(self, groups: list, shared: bool | str = True) -> tuple[list, int]:
        topo = encode_topology(groups, precision=self.precision, shared=shared)
        return topo.pop("groups"), self.add(topo)

    def add(self, topo: dict) -> int:
        """Add an arc set encoded elsewhere (without its groups); its number."""
        self.sets.append(topo)
        return len(self.sets) - 1


def _provinces(units: gpd.GeoDataFrame, provinces, unit_geoms: np.ndarray, tolerance: float) -> tuple[list, list, list]:
    """Province outlines, codes and names: given, or dissolved from the units by ``parent_code``."""
    if provinces is not None and len(provinces):
        provinces = to_wgs84(provinces, "provinces").reset_index(drop=True)
        geoms = simplify_coverage(valid_polygons(provinces.geometry.values), tolerance)
        return list(geoms), codes(column(provinces, "code")), texts(column(provinces, "name"))
    if "parent_code" not in units.columns or not units["parent_code"].notna().any():
        return [], [], []
    parent_codes = np.array(codes(units["parent_code"]), dtype=object)
    known = parent_codes != None  # noqa: E711 (elementwise)
    outlines = dissolve_outlines(unit_geoms[known], parent_codes[known])
    first = pd.Series(np.flatnonzero(known)).groupby(parent_codes[known], sort=False).first()
    parents = texts(column(units, "parent"))
    return [outlines.get(c) for c in first.index], list(first.index), [parents[k] for k in first]


def unit_columns(units: pd.DataFrame, declared: bool = True) -> dict:
    """The figures of the new units a map or a printed page shows, as lists: names, codes,
    computed and declared area and their difference (%), population (and its estimate and bounds
    when the result has them), density, old units merged, flags, and the reason a check flags
    the declared figures (:func:`geoplan.maps.declared.declared_flags`; ``declared=False``: left to
    the caller).

    >>> unit_columns(pd.DataFrame({"code": ["1"], "name": ["A"], "area_km2": [4.0], "population": [10]}))["density"]
    [2.5]
    """
    area = numbers(column(units, "area_km2"), 3)
    area_declared = numbers(column(units, "area_declared_km2"), 3)
    pop = numbers(column(units, "population"), 0)
    density = numbers(column(units, "density"), 1)
    if "density" not in units.columns:
        density = [round(p / a, 1) if p is not None and a else None for p, a in zip(pop, area)]
    out = {
        "code": codes(units["code"]), "name": texts(units["name"]),
        "parent": texts(column(units, "parent")), "parentCode": codes(column(units, "parent_code")),
        "area": area, "areaDeclared": area_declared,
        "areaDiff": [round((a - d) / d * 100, 2) if a is not None and d else None for a, d in zip(area, area_declared)],
        "pop": pop, "popDeclared": numbers(column(units, "population_declared"), 0), "density": density,
        "nMembers": numbers(column(units, "n_members"), 0), "nApprox": numbers(column(units, "n_approximate"), 0),
        "nInferred": numbers(column(units, "n_inferred"), 0), "nMissing": numbers(column(units, "n_members_missing"), 0),
        "approx": flags(column(units, "approximate")),
    }
    if "population_estimate" in units.columns:
        out["popEstimate"] = numbers(units["population_estimate"], 0)
    if {"population_lower", "population_upper"} <= set(units.columns):  # divided units split: bounds
        out["popLower"] = numbers(units["population_lower"], 0)
        out["popUpper"] = numbers(units["population_upper"], 0)
    if declared:
        out.update(_declared_columns(units))
    return out


def _declared_columns(units: pd.DataFrame) -> dict:
    """The reason a check flags each unit's declared figures, and the units sharing them ({} without any)."""
    flags = declared_flags(units)
    return {"declFlag": flags["flag"], "declWith": flags["with"]} if flags else {}


def _old_section(old: gpd.GeoDataFrame, full: np.ndarray, refs: list, topo: int) -> dict:
    return {
        "code": codes(column(old, "code")), "name": texts(old["name"]), "parent": texts(column(old, "parent")),
        "district": texts(column(old, "district")), "pop": numbers(column(old, "population"), 0),
        "area": numbers(fast_area_km2(full), 3), "pt": label_points(full), "geom": refs, "topo": topo,
    }


def _lineage_section(lineage: pd.DataFrame, unit_codes: list) -> dict:
    index = {c: i for i, c in enumerate(unit_codes)}
    new_codes = codes(column(lineage, "new_code"))
    return {
        "oldCode": codes(column(lineage, "old_code")), "oldName": texts(column(lineage, "old_name")),
        "oldParent": texts(column(lineage, "old_parent")), "newCode": new_codes,
        "newName": texts(column(lineage, "new_name")), "unit": [index.get(c, -1) for c in new_codes],
        "link": [s or "full" for s in texts(column(lineage, "link"))], "assigned": flags(column(lineage, "assigned")),
        "approx": flags(column(lineage, "approximate")), "linkedBy": words(column(lineage, "linked_by")),
        "area": numbers(column(lineage, "area_km2"), 3), "pop": numbers(column(lineage, "population"), 0),
    }


def _repairs_section(repairs: gpd.GeoDataFrame, units: pd.DataFrame, precision: int) -> tuple[dict, dict, dict]:
    """The repairs (as they are: small pieces, that share no boundary), which to review first, and
    their own arc set."""
    repairs = to_wgs84(repairs, "repairs").reset_index(drop=True)
    full = valid_polygons(repairs.geometry.values)
    topo = encode_topology([full], precision=precision, shared=False)
    (refs,) = topo.pop("groups")
    area = pd.to_numeric(column(repairs, "area_km2"), errors="coerce").to_numpy(dtype=float)
    if "area_km2" not in repairs.columns:
        area = fast_area_km2(full)
    unit_area = dict(zip(codes(units["code"]), numbers(column(units, "area_km2"), 3)))
    kind, rule, receiving = texts(column(repairs, "kind")), texts(column(repairs, "rule")), codes(column(repairs, "receiving_code"))
    review = repairs_to_review(kind, rule, area, [unit_area.get(c, np.nan) for c in receiving])
    vanished = np.array([g == [] for g in refs], dtype=bool)  # a marker needs a point where the polygon vanished
    points = [None] * len(refs)
    for k, p in zip(np.flatnonzero(vanished), label_points(full[vanished])):
        points[k] = p
    view = {"review": np.flatnonzero(review).tolist(), "all": bool(review.all()), "minZoom": SMALL_REPAIRS_ZOOM,
            "minKm2": REVIEW_MIN_KM2, "minShare": REVIEW_MIN_SHARE * 100}
    return view, {
        "kind": [s or "repair" for s in kind], "areaM2": numbers(area * 1e6, 0),
        "width": numbers(column(repairs, "width_m"), 0), "receiving": receiving,
        "other": texts(column(repairs, "other_codes")), "rule": rule, "pt": points, "geom": refs,
    }, topo


def _old_layer(old: gpd.GeoDataFrame, tolerance: float, precision: int) -> tuple[dict, dict]:
    """The old units' section and its own arc set (edges digitised apart share little: "auto")."""
    old = to_wgs84(old, "old").reset_index(drop=True)
    if "name" not in old.columns:
        raise InputError("maps.old_no_name")
    full = valid_polygons(old.geometry.values)
    topo = encode_topology([simplify_each(full, tolerance)], precision=precision, shared="auto")
    (refs,) = topo.pop("groups")
    return _old_section(old, full, refs, None), topo


def _new_units(layers: MapLayers, options: MapOptions, topos: Topologies) -> dict:
    """The units (without their declared figures' flags) and their province outlines (one arc set:
    they share their boundaries)."""
    for col in ("code", "name"):
        if col not in layers.units.columns:
            raise InputError("maps.units_field", field=col)
    if len(layers.units) == 0:
        raise InputError("maps.units_empty")
    tolerance = options.tolerance_m / METRES_PER_DEGREE  # the layers are in lon/lat
    units = to_wgs84(layers.units, "units").reset_index(drop=True)
    unit_geoms = simplify_coverage(valid_polygons(units.geometry.values), tolerance)
    if not is_polygonal(unit_geoms).any():
        raise InputError("maps.units_no_polygon")
    prov_geoms, prov_codes, prov_names = _provinces(units, layers.provinces, unit_geoms, tolerance)
    (unit_refs, prov_refs), _ = topos.encode([unit_geoms, prov_geoms])
    minx, miny, maxx, maxy = shapely.total_bounds(unit_geoms)
    return {
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "units": {**unit_columns(units, declared=False), "pt": label_points(unit_geoms), "geom": unit_refs, "topo": 0},
        "provinces": {"code": prov_codes, "name": prov_names, "pt": label_points(np.array(prov_geoms, dtype=object)),
                      "geom": prov_refs, "topo": 0},
        "old": None, "lineage": None, "repairs": None,
    }


def build_map_data(layers: MapLayers, old: gpd.GeoDataFrame | None, options: MapOptions) -> dict:
    """Everything the page draws and lists, as plain lists and topologies (see :func:`compact_map_data`).

    ``layers.units`` need ``code`` and ``name``; the other layers, and ``old``
    (with ``name``), are shown when given. Geometries are simplified by
    ``options.tolerance_m`` metres (taken as degrees of latitude) and rounded to
    ``options.precision`` decimals; legend labels are in ``options.lang``. The
    old layer, the repairs and the check of the declared figures are prepared
    in a second thread meanwhile (GEOS and numpy let both threads run).

    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"], "area_km2": [120.0], "population": [6000]},
    ...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
    >>> data = build_map_data(MapLayers(units), None, MapOptions())
    >>> data["units"]["name"], data["units"]["density"], data["old"]
    (['A'], [50.0], None)
    """
    tolerance = options.tolerance_m / METRES_PER_DEGREE
    topos = Topologies(options.precision)
    with ThreadPoolExecutor(max_workers=1) as pool:
        declared_job = pool.submit(_declared_columns, layers.units)
        old_job = None if old is None else pool.submit(_old_layer, old, tolerance, options.precision)
        repairs_job = None if layers.repairs is None else pool.submit(_repairs_section, layers.repairs, layers.units,
                                                                      options.precision)
        data = _new_units(layers, options, topos)
        u = data["units"]
        u.update(declared_job.result())
        data["measures"] = measures(u, options.lang or language())
        if layers.lineage is not None:
            data["lineage"] = _lineage_section(layers.lineage, u["code"])
            data["missingUnits"] = units_without_polygon(layers.lineage, u["code"])
        data.update(overlay_sections(layers, u["code"], topos, tolerance))
        if old_job is not None:
            data["old"], topo = old_job.result()
            data["old"]["topo"] = topos.add(topo)
            data["old"].update(placement(layers.features, data["old"]["code"], u["code"]))
        if repairs_job is not None:
            data["repairView"], data["repairs"], topo = repairs_job.result()
            data["repairs"]["topo"] = topos.add(topo)
    data["topo"] = topos.sets
    return data


# columns with few distinct values, stored as {"d": distinct values, "i": indexes}
_DICT_COLUMNS = {
    "units": ("parent", "parentCode", "declFlag"),
    "old": ("parent", "district", "linkedBy"),
    "lineage": ("oldParent", "newCode", "newName", "link", "linkedBy"),
    "repairs": ("kind", "rule", "receiving", "other"),
    "pieces": ("basis",),
    "audit": ("kind", "kindKey", "verdict", "link"),
}
_FLAG_COLUMNS = {"units": ("approx",), "lineage": ("assigned", "approx")}
SECTIONS = ("units", "provinces", "old", "lineage", "repairs", "pieces", "audit", "reference")


def _dict_encode(values: list):
    """A column of few distinct values as {"d": distinct values, "i": index of each, -1 for None}.

    >>> _dict_encode(["a", None] * 8)["i"][:3]
    [0, -1, 0]
    """
    if len(values) < 16:
        return values
    index, distinct = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    if 2 * len(distinct) > len(values):
        return values
    return {"d": distinct.tolist(), "i": index.tolist()}


def _sparse(values: list):
    """A column of mostly missing values as {"n": length, "at": rows, "v": their values}.

    >>> _sparse([None] * 20 + [[1, 2]])
    {'n': 21, 'at': [20], 'v': [[1, 2]]}
    """
    at = [k for k, v in enumerate(values) if v is not None]
    if len(values) < 16 or 2 * len(at) > len(values):
        return values
    return {"n": len(values), "at": at, "v": [values[k] for k in at]}


def _sequence(geoms: list):
    """Geometry references 0, 1, 2... (each geometry one arc of its own, in order) as {"seq": n}.

    >>> _sequence([0, 1, 2]), _sequence([0, 2])
    ({'seq': 3}, [0, 2])
    """
    if geoms and all(g == k for k, g in enumerate(geoms)):
        return {"seq": len(geoms)}
    return geoms


def compact_map_data(data: dict) -> dict:
    """Shrink the embedded data; ``review.js`` (``unpack``) restores it.

    String columns with few distinct values become dictionaries, flags
    become 1/0, mostly missing points a list of those present, geometries
    that are arcs 0, 1, 2... their number, and lineage rows do not repeat
    the new unit's code and name (a geometry that is one ring of one arc is
    that arc's reference already: :func:`geoplan.maps.topology.encode_topology`).

    Examples
    --------
    >>> compact_map_data({"units": {"geom": [3, [[[1, -2]]]], "approx": [True, None]}})["units"]
    {'geom': [3, [[[1, -2]]]], 'approx': [1, None]}
    """
    lin, units = data.get("lineage"), data.get("units")
    if lin and units:
        for k, u in enumerate(lin["unit"]):
            if u >= 0:
                if lin["newName"][k] == units["name"][u]:
                    lin["newName"][k] = None
                if lin["newCode"][k] == units["code"][u]:
                    lin["newCode"][k] = None
    for section in SECTIONS:
        cols = data.get(section)
        if not cols:
            continue
        for name in _FLAG_COLUMNS.get(section, ()):
            if name in cols:
                cols[name] = [None if v is None else int(bool(v)) for v in cols[name]]
        for name in _DICT_COLUMNS.get(section, ()):
            if name in cols:
                cols[name] = _dict_encode(cols[name])
        if "pt" in cols:
            cols["pt"] = _sparse(cols["pt"])
        if "geom" in cols:
            cols["geom"] = _sequence(cols["geom"])
    return data
