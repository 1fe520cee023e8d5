"""The data a review map shows, prepared for the page to embed.

From the result's layers (units, lineage, repairs, features) and an old
layer: the units and their province outlines simplified for display and
encoded as topologies (:mod:`geoplan.map_topology`), the columns the page
reads (names, codes, areas, population, density, lineage, placements of old
polygons), the colour classes of each measure, which repairs to review
first (:func:`repairs_to_review`), and a compaction of it all that
``review.js`` undoes. Invalid polygons are repaired for display.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"]},
...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
>>> data = compact_map_data(build_map_data(units, None, None, None, None, DEFAULT_TOLERANCE, DEFAULT_PRECISION))
>>> data["units"]["code"], data["units"]["name"], data["old"]
(['1'], ['A'], None)
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.dissolve import dissolve_clean
from geoplan.errors import InputError
from geoplan.measure import fast_area_km2, has_area
from geoplan.map_topology import encode_topology
from geoplan.plan import units_within_layer

__all__ = ["repairs_to_review", "units_without_polygon", "MEASURES", "DEFAULT_TOLERANCE", "DEFAULT_PRECISION"]

MEASURES = ("population", "density", "area_diff", "members")
DEFAULT_TOLERANCE = 0.0003  # degrees (~33 m): display simplification
DEFAULT_PRECISION = 5  # decimals kept (~1 m)

_SEQ_POP = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]
_SEQ_MEMBERS = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"]
_SEQ_DENS = ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]
_DIV = ["#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
        "#d1e5f0", "#92c5de", "#4393c3", "#2166ac"]  # fmt: skip
_AREA_BREAKS = [-5.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 5.0]
_MISSING = "#bdbdbd"


# ----------------------------------------------------------- column helpers
def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _nums(values, digits: int | None = None) -> list:
    arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    out = []
    for v in arr:
        if not math.isfinite(v):
            out.append(None)
        elif digits == 0:
            out.append(int(round(v)))
        elif digits is None:
            out.append(float(v))
        else:
            out.append(round(float(v), digits))
    return out


def _strs(values) -> list:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
        else:
            s = str(v)
            out.append(s if s.lower() not in ("nan", "<na>", "none") else None)
    return out


def _words(values) -> list:
    """Like :func:`_strs`, but the word "none" (``linked_by`` of an old unit without polygon) is kept.

    >>> _words(["none", None, float("nan"), "code"])
    ['none', None, None, 'code']
    """
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]


def _codes(values) -> list:
    """Codes as strings; float-looking codes ('30502.0') lose their '.0'."""
    return [re.sub(r"\.0$", "", s) if s is not None else None for s in _strs(values)]


TRUE_WORDS = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}


def _bools(values) -> list:
    out = []
    for v in _strs(values):
        if v is None:
            out.append(None)
        elif v.lower() in TRUE_WORDS:
            out.append(True)
        elif v.lower() in _FALSE:
            out.append(False)
        else:
            out.append(None)
    return out


def _to_wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``gdf`` in WGS 84 (EPSG:4326), refused without a CRS as every layer is."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise InputError(f"{what}: the layer has no CRS (coordinate reference system); set one, e.g. with set_crs(4326)")
    if gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


# ------------------------------------------------------------ geometry prep
def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Mask of non-empty (multi)polygons."""
    kind = shapely.get_type_id(geoms)
    return ((kind == 3) | (kind == 6)) & ~shapely.is_empty(geoms)


def _repair_invalid(geoms) -> np.ndarray:
    """Invalid polygons made valid (their polygonal part); the others as they are.

    A bow-tie becomes its two triangles, so dissolving and simplifying never
    meet an invalid ring.

    Examples
    --------
    >>> bow = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> _repair_invalid(np.array([bow]))[0].area
    0.5
    """
    geoms = np.array(geoms, dtype=object)
    bad = _polygonal(geoms)
    bad[bad] = ~shapely.is_valid(geoms[bad])
    for k in np.flatnonzero(bad):
        parts = shapely.get_parts(shapely.make_valid(geoms[k]))
        parts = parts[_polygonal(parts)]
        geoms[k] = shapely.union_all(parts) if len(parts) else None
    return geoms


def _simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Coverage-preserving simplification; other geometries become None."""
    out = np.full(len(geoms), None, dtype=object)
    ok = _polygonal(geoms)
    if not ok.any():
        return out
    if tolerance <= 0:
        out[ok] = geoms[ok]
        return out
    try:
        out[ok] = shapely.coverage_simplify(geoms[ok], tolerance)
    except (shapely.errors.GEOSException, ValueError):  # not a coverage GEOS can process
        out[ok] = shapely.simplify(geoms[ok], tolerance, preserve_topology=True)
    return out


def _simplify_each(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Per-polygon simplification, for layers that are not a clean coverage."""
    out = np.full(len(geoms), None, dtype=object)
    ok = _polygonal(geoms)
    if ok.any():
        out[ok] = shapely.simplify(geoms[ok], tolerance, preserve_topology=True) if tolerance > 0 else geoms[ok]
    return out


def _dissolve(geoms: np.ndarray, keys: np.ndarray) -> dict:
    """Union of simplified units per key (the province outlines), by the clean dissolve.

    Simplifying a layer that is not a clean coverage can leave a ring
    crossing itself: the dissolve repairs such polygons itself.

    >>> _dissolve(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), np.array(["a", "a"]))["a"].area
    2.0
    """
    ok = _polygonal(geoms)
    if not ok.any():
        return {}
    return dissolve_clean(geoms[ok], keys[ok], gap_width=0.0, workers=1).units.to_dict()


def _rep_points(geoms: np.ndarray) -> list:
    out = []
    ok = has_area(geoms)
    pts = np.full(len(geoms), None, dtype=object)
    if ok.any():
        pts[ok] = shapely.point_on_surface(shapely.make_valid(geoms[ok]))
    for p in pts:
        if p is None or shapely.is_empty(p):
            out.append(None)
        else:
            out.append([round(p.y, 5), round(p.x, 5)])
    return out


# ------------------------------------------------------------------ colours
def _fmt_num(v: float, pct: bool = False) -> str:
    if pct:
        return f"{v:+g} %" if v else "0 %"
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2g}"


def _class_labels(breaks: list, pct: bool = False) -> list[str]:
    if not breaks:
        return []
    labels = [f"< {_fmt_num(breaks[0], pct)}"]
    for lo, hi in zip(breaks, breaks[1:]):
        labels.append(f"{_fmt_num(lo, pct)} to {_fmt_num(hi, pct)}")
    labels.append(f"\u2265 {_fmt_num(breaks[-1], pct)}")
    return labels


def _quantile_breaks(values: list, k: int) -> list:
    arr = np.array([v for v in values if v is not None], dtype=float)
    if len(arr) == 0:
        return []
    qs = np.quantile(arr, np.arange(1, k) / k)
    nice = sorted({float(f"{q:.2g}") for q in qs if q > 0})
    return nice


def _measures(pop: list, density: list, area_diff: list, members: list) -> dict:
    out = {}
    for key, label, field, values, palette in (
        ("population", "Population", "pop", pop, _SEQ_POP),
        ("density", "Density (per km\u00b2)", "density", density, _SEQ_DENS),
        ("members", "Old units merged", "nMembers", members, _SEQ_MEMBERS),
    ):
        breaks = _quantile_breaks(values, len(palette))
        colors = palette if len(breaks) == len(palette) - 1 else _spread(palette, len(breaks) + 1)
        out[key] = {
            "label": label, "field": field, "breaks": breaks, "colors": colors,
            "labels": _class_labels(breaks), "missing": _MISSING,
            "nMissing": sum(v is None for v in values),
            "note": "classes: quantiles of the units",
        }
    out["area_diff"] = {
        "label": "Area difference (%)", "field": "areaDiff",
        "breaks": _AREA_BREAKS, "colors": _DIV, "labels": _class_labels(_AREA_BREAKS, pct=True),
        "missing": _MISSING, "nMissing": sum(v is None for v in area_diff),
        "note": "computed vs declared area: (computed \u2212 declared) / declared",
    }
    return out


def _spread(palette: list, n: int) -> list:
    if n <= 1:
        return [palette[len(palette) // 2]]
    idx = np.linspace(0, len(palette) - 1, n).round().astype(int)
    return [palette[i] for i in idx]


# ------------------------------------------------------------------ repairs
REPAIRS_ALL = 1_000  # up to this many repairs, all are drawn from the start
REVIEW_MIN_KM2 = 0.2
REVIEW_MIN_SHARE = 0.01  # of the unit that received the piece
SMALL_REPAIRS_ZOOM = 11  # the other repairs are drawn from this zoom, in view only
REVIEW_RULE = (f"wide gaps, invalid rings, pieces \u2265 {REVIEW_MIN_KM2:g} km\u00b2 "
               f"or \u2265 {REVIEW_MIN_SHARE * 100:g} % of their unit")


def repairs_to_review(kind, rule, area_km2, unit_area_km2) -> np.ndarray:
    """Mask of the repairs a planner should look at first.

    All of them when there are at most ``REPAIRS_ALL``; else the gaps wider
    than the gap width (rule ``wide gap``), invalid-geometry repairs, and
    pieces of at least ``REVIEW_MIN_KM2`` or ``REVIEW_MIN_SHARE`` of the
    area of the unit that received them. The national commune merge logs
    about 60,000 repairs, of which some 600 are selected.

    Examples
    --------
    >>> int(repairs_to_review(["gap"] * 1001, ["wide gap"] + ["longest border"] * 1000,
    ...                       [0.01] * 1001, [10.0] * 1001).sum())
    1
    """
    n = len(kind)
    if n <= REPAIRS_ALL:
        return np.ones(n, dtype=bool)
    area = np.asarray(area_km2, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = area / np.asarray(unit_area_km2, dtype=float)
    return (
        (np.asarray(rule, dtype=object) == "wide gap")
        | (np.asarray(kind, dtype=object) == "invalid")
        | (area >= REVIEW_MIN_KM2)
        | (share >= REVIEW_MIN_SHARE)
    )


def _placement(features: pd.DataFrame | None, own_codes: list, unit_codes: list) -> dict:
    """Where each old polygon went, from the result's ``features`` table.

    The table (docs/CONTRACTS.md) has one row per feature of the old layer;
    it is used only when its ``feature`` column numbers exactly the old
    layer's rows, else ``{}`` and the map joins old units to the lineage by
    their own code. ``member`` is the plan's old code the polygon linked to
    (``None`` when it is the polygon's own code, ``""`` when none), ``unit``
    the index of the new unit it went into (-1 when unplaced), ``detached``
    the rows lying apart from the rest of their new unit (when the table
    has that column: results of older versions lack it).

    Examples
    --------
    >>> f = pd.DataFrame({"feature": [0, 1], "old_code": ["7", ""], "new_code": ["B", "A"],
    ...                   "linked_by": ["name", "inferred"], "detached": [False, True]})
    >>> _placement(f, [None, "9"], ["A", "B"])
    {'member': ['7', ''], 'unit': [1, 0], 'linkedBy': ['name', 'inferred'], 'detached': [1]}
    """
    if features is None or len(features) != len(own_codes) or "feature" not in features.columns:
        return {}
    features = features.sort_values("feature", kind="stable")
    if not np.array_equal(pd.to_numeric(features["feature"], errors="coerce"), np.arange(len(own_codes))):
        return {}
    index = {c: i for i, c in enumerate(unit_codes)}
    members = [m or "" for m in _codes(_column(features, "old_code"))]
    out = {
        "member": [None if m and m == own else m for m, own in zip(members, own_codes)],
        "unit": [index.get(c, -1) for c in _codes(_column(features, "new_code"))],
        "linkedBy": _strs(_column(features, "linked_by")),
    }
    if "detached" in features.columns:  # few of them: their row numbers, not a column of flags
        out["detached"] = [j for j, v in enumerate(_bools(features["detached"])) if v]
    return out



def units_without_polygon(lineage: pd.DataFrame | None, known) -> list:
    """New units of the plan the old layer was expected to cover that have no polygon.

    A merge makes no polygon up: a new unit whose old units have none (an
    island district, say) is missing from the ``units`` layer. The lineage
    tells which: the plan's rows (``linked_by`` other than ``inferred``) whose
    new unit is not in ``known`` (the codes of the units layer), among the
    units expected in the layer (:func:`geoplan.plan.units_within_layer`:
    an extract of some provinces expects only theirs).

    Examples
    --------
    >>> lineage = pd.DataFrame({"old_parent": ["P", "P", "Q"], "new_code": ["1", "2", "3"],
    ...                         "linked_by": ["code", "none", "none"]})
    >>> units_without_polygon(lineage, {"1"})
    ['2']
    """
    if lineage is None or not len(lineage) or not {"new_code", "linked_by"} <= set(lineage.columns):
        return []
    how = np.array(_words(lineage["linked_by"]), dtype=object)
    plan_rows = how != "inferred"
    links = pd.DataFrame({
        "old_parent": [p or "" for p in _strs(_column(lineage, "old_parent"))],
        "new_code": _codes(lineage["new_code"]),
        "new_parent": [p or "" for p in _strs(_column(lineage, "new_parent"))],  # for island districts
    })[plan_rows].reset_index(drop=True)
    within = units_within_layer(links, pd.Series(how[plan_rows] != "none"))
    return sorted(c for c in within - set(known) if c)


# ------------------------------------------------------------------- build
def build_map_data(
    units: gpd.GeoDataFrame,
    lineage: pd.DataFrame | None,
    repairs: gpd.GeoDataFrame | None,
    old: gpd.GeoDataFrame | None,
    provinces: gpd.GeoDataFrame | None,
    tolerance: float,
    precision: int,
    features: pd.DataFrame | None = None,
) -> dict:
    """Everything the page draws and lists, as plain lists and topologies (see :func:`compact_map_data`).

    ``units`` need ``code`` and ``name``; ``lineage``, ``repairs``, ``old``
    (with ``name``), ``provinces`` (outlines to draw instead of dissolving
    communes by ``parent_code``) and ``features`` (where each old feature
    went) are shown when given. Geometries are simplified by ``tolerance``
    degrees and rounded to ``precision`` decimals.

    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"], "area_km2": [120.0], "population": [6000]},
    ...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
    >>> data = build_map_data(units, None, None, None, None, DEFAULT_TOLERANCE, DEFAULT_PRECISION)
    >>> data["units"]["name"], data["units"]["density"], data["old"]
    (['A'], [50.0], None)
    """
    for col in ("code", "name"):
        if col not in units.columns:
            raise InputError(f"units: missing field {col!r}")
    if len(units) == 0:
        raise InputError("units: layer is empty")
    units = _to_wgs84(units, "units").reset_index(drop=True)
    ug = _simplify_coverage(_repair_invalid(units.geometry.values), tolerance)

    # provinces: given, or dissolved from communes by parent_code
    prov_geoms, prov_codes, prov_names = [], [], []
    if provinces is not None and len(provinces):
        provinces = _to_wgs84(provinces, "provinces").reset_index(drop=True)
        prov_geoms = list(_simplify_coverage(_repair_invalid(provinces.geometry.values), tolerance))
        prov_codes = _codes(_column(provinces, "code"))
        prov_names = _strs(_column(provinces, "name"))
    elif "parent_code" in units.columns and units["parent_code"].notna().any():
        pcodes = pd.Series(_codes(units["parent_code"]), dtype=object)
        parents = _strs(_column(units, "parent"))
        outlines = _dissolve(ug, pcodes.to_numpy())
        for code, idx in pcodes.dropna().groupby(pcodes.dropna()).groups.items():
            idx = np.asarray(idx)
            prov_geoms.append(outlines.get(code))
            prov_codes.append(code)
            prov_names.append(parents[idx[0]])

    old_geoms = old_full = []
    if old is not None:
        old = _to_wgs84(old, "old").reset_index(drop=True)
        if "name" not in old.columns:
            raise InputError("old: missing field 'name'")
        old_full = _repair_invalid(old.geometry.values)
        old_geoms = _simplify_each(old_full, tolerance)
    rep_geoms = rep_full = []
    if repairs is not None:
        repairs = _to_wgs84(repairs, "repairs").reset_index(drop=True)
        rep_full = _repair_invalid(repairs.geometry.values)
        rep_geoms = _simplify_each(rep_full, tolerance / 5)

    # one arc set per layer: units and their provinces share boundaries; the
    # old layer and the repairs do not line up with them (sharing one set
    # would only cut everybody's arcs at accidental junctions)
    topos: list[dict] = []

    def encode(groups: list) -> list:
        topo = encode_topology(groups, precision=precision)
        topos.append(topo)
        return topo.pop("groups")

    g_units, g_prov = encode([ug, prov_geoms])
    (g_old,) = encode([old_geoms]) if old is not None else ([],)
    (g_rep,) = encode([rep_geoms]) if repairs is not None else ([],)

    area = _nums(_column(units, "area_km2"), 3)
    area_decl = _nums(_column(units, "area_declared_km2"), 3)
    pop = _nums(_column(units, "population"), 0)
    density = _nums(_column(units, "density"), 1)
    if "density" not in units.columns:
        density = [round(p / a, 1) if p is not None and a else None for p, a in zip(pop, area)]
    area_diff = [
        round((a - d) / d * 100, 2) if a is not None and d else None for a, d in zip(area, area_decl)
    ]
    if not _polygonal(ug).any():
        raise InputError("units: no polygon to map")
    minx, miny, maxx, maxy = shapely.total_bounds(ug)
    data = {
        "topo": topos,
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "units": {
            "code": _codes(units["code"]),
            "name": _strs(units["name"]),
            "parent": _strs(_column(units, "parent")),
            "parentCode": _codes(_column(units, "parent_code")),
            "area": area,
            "areaDeclared": area_decl,
            "areaDiff": area_diff,
            "pop": pop,
            "popDeclared": _nums(_column(units, "population_declared"), 0),
            "density": density,
            "nMembers": _nums(_column(units, "n_members"), 0),
            "nApprox": _nums(_column(units, "n_approximate"), 0),
            "nInferred": _nums(_column(units, "n_inferred"), 0),
            "approx": _bools(_column(units, "approximate")),
            "pt": _rep_points(ug),
            "geom": g_units,
            "topo": 0,
        },
        "provinces": {"code": prov_codes, "name": prov_names, "geom": g_prov, "topo": 0},
        "old": None,
        "lineage": None,
        "repairs": None,
        "measures": _measures(pop, density, area_diff, _nums(_column(units, "n_members"), 0)),
    }
    if old is not None:
        data["old"] = {
            "code": _codes(_column(old, "code")),
            "name": _strs(old["name"]),
            "parent": _strs(_column(old, "parent")),
            "district": _strs(_column(old, "district")),
            "pop": _nums(_column(old, "population"), 0),
            "area": _nums(fast_area_km2(old_full), 3),
            "pt": _rep_points(np.asarray(old_geoms, dtype=object)),
            "geom": g_old,
            "topo": 1,
        }
        data["old"].update(_placement(features, data["old"]["code"], data["units"]["code"]))
    if lineage is not None:
        index = {c: i for i, c in enumerate(data["units"]["code"])}
        new_codes = _codes(_column(lineage, "new_code"))
        data["lineage"] = {
            "oldCode": _codes(_column(lineage, "old_code")),
            "oldName": _strs(_column(lineage, "old_name")),
            "oldParent": _strs(_column(lineage, "old_parent")),
            "newCode": new_codes,
            "newName": _strs(_column(lineage, "new_name")),
            "unit": [index.get(c, -1) for c in new_codes],
            "link": [s or "full" for s in _strs(_column(lineage, "link"))],
            "assigned": _bools(_column(lineage, "assigned")),
            "approx": _bools(_column(lineage, "approximate")),
            "linkedBy": _words(_column(lineage, "linked_by")),
            "area": _nums(_column(lineage, "area_km2"), 3),
            "pop": _nums(_column(lineage, "population"), 0),
        }
        data["missingUnits"] = units_without_polygon(lineage, data["units"]["code"])
    if repairs is not None:
        rep_area = pd.to_numeric(_column(repairs, "area_km2"), errors="coerce").to_numpy(dtype=float)
        if "area_km2" not in repairs.columns:
            rep_area = fast_area_km2(rep_full)
        unit_area = dict(zip(data["units"]["code"], fast_area_km2(ug)))
        review = repairs_to_review(
            _strs(_column(repairs, "kind")), _strs(_column(repairs, "rule")), rep_area,
            [unit_area.get(c, np.nan) for c in _codes(_column(repairs, "receiving_code"))],
        )
        data["repairView"] = {
            "review": np.flatnonzero(review).tolist(),
            "all": bool(review.all()),
            "rule": REVIEW_RULE,
            "minZoom": SMALL_REPAIRS_ZOOM,
        }
        data["repairs"] = {
            "kind": [s or "repair" for s in _strs(_column(repairs, "kind"))],
            "areaM2": _nums(rep_area * 1e6, 0),
            "width": _nums(_column(repairs, "width_m"), 0),
            "receiving": _codes(_column(repairs, "receiving_code")),
            "other": _strs(_column(repairs, "other_codes")),
            "rule": _strs(_column(repairs, "rule")),
            # a marker needs a point only where the polygon vanished when quantized
            "pt": [
                p if not g else None
                for p, g in zip(_rep_points(np.asarray(repairs.geometry.values, dtype=object)), g_rep)
            ],
            "geom": g_rep,
            "topo": len(topos) - 1,
        }
    return data


# columns with few distinct values, stored as {"d": distinct values, "i": indexes}
_DICT_COLUMNS = {
    "units": ("parent", "parentCode"),
    "provinces": (),
    "old": ("parent", "district", "linkedBy"),
    "lineage": ("oldParent", "newCode", "newName", "link", "linkedBy"),
    "repairs": ("kind", "rule", "receiving", "other"),
}
_FLAG_COLUMNS = {"units": ("approx",), "lineage": ("assigned", "approx")}


def _dict_encode(values: list):
    table: dict = {}
    idx = [-1 if v is None else table.setdefault(v, len(table)) for v in values]
    if len(values) < 16 or 2 * len(table) > len(values):
        return values
    return {"d": list(table), "i": idx}


def compact_map_data(data: dict) -> dict:
    """Shrink the embedded data; ``review.js`` (``unpack``) restores it.

    String columns with few distinct values become dictionaries, flags
    become 1/0, a geometry that is one ring of one arc becomes that arc
    reference, and lineage rows do not repeat the new unit's code and name.

    Examples
    --------
    >>> compact_map_data({"units": {"geom": [[[[3]]], [[[1, -2]]]], "approx": [True, None]}})["units"]
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
    for section in ("units", "provinces", "old", "lineage", "repairs"):
        cols = data.get(section)
        if not cols:
            continue
        for name in _FLAG_COLUMNS.get(section, ()):
            if name in cols:
                cols[name] = [None if v is None else int(bool(v)) for v in cols[name]]
        for name in _DICT_COLUMNS.get(section, ()):
            if name in cols:
                cols[name] = _dict_encode(cols[name])
        if "geom" in cols:
            cols["geom"] = [
                g[0][0][0] if len(g) == 1 and len(g[0]) == 1 and len(g[0][0]) == 1 else g
                for g in cols["geom"]
            ]
    return data

