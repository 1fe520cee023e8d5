"""The data a review map shows, prepared for the page to embed.

From the result's layers (units, lineage, repairs, features) and an old
layer: the units and their province outlines simplified for display and
encoded as topologies (:mod:`geoplan.maps.topology`), the columns the page
reads (names, codes, areas, population, density, lineage, placements of old
polygons, :mod:`geoplan.maps.columns`), the colour classes of each measure
(:mod:`geoplan.maps.measures`), which repairs to review first
(:mod:`geoplan.maps.repairs`), and a compaction of it all that
``review.js`` undoes. Invalid polygons are repaired for display.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"]},
...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
>>> data = compact_map_data(build_map_data(units, None, None, None, None, DEFAULT_TOLERANCE_M, DEFAULT_PRECISION))
>>> data["units"]["code"], data["units"]["name"], data["old"]
(['1'], ['A'], None)
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..engine.geometry import is_polygonal, valid_polygons
from ..errors import InputError
from ..measure.area import METRES_PER_DEGREE, fast_area_km2
from ..plan.coverage import units_within_layer
from .columns import codes, column, flags, numbers, texts, words
from .measures import measures
from .repairs import REVIEW_RULE, SMALL_REPAIRS_ZOOM, repairs_to_review
from .shapes import dissolve_outlines, label_points, simplify_coverage, simplify_each, to_wgs84
from .topology import encode_topology

__all__ = ["build_map_data", "compact_map_data", "units_without_polygon", "DEFAULT_TOLERANCE_M", "DEFAULT_PRECISION"]

DEFAULT_TOLERANCE_M = 0.0003 * METRES_PER_DEGREE  # about 33 m: display simplification (0.0003 degrees)
DEFAULT_PRECISION = 5  # decimals kept (~1 m)


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
    members = [m or "" for m in codes(column(features, "old_code"))]
    out = {
        "member": [None if m and m == own else m for m, own in zip(members, own_codes)],
        "unit": [index.get(c, -1) for c in codes(column(features, "new_code"))],
        "linkedBy": texts(column(features, "linked_by")),
    }
    if "detached" in features.columns:  # few of them: their row numbers, not a column of flags
        out["detached"] = [j for j, v in enumerate(flags(features["detached"])) if v]
    return out



def units_without_polygon(lineage: pd.DataFrame | None, known) -> list:
    """New units of the plan the old layer was expected to cover that have no polygon.

    A merge makes no polygon up: a new unit whose old units have none (an
    island district, say) is missing from the ``units`` layer. The lineage
    tells which: the plan's rows (``linked_by`` other than ``inferred``) whose
    new unit is not in ``known`` (the codes of the units layer), among the
    units expected in the layer (:func:`geoplan.plan.coverage.units_within_layer`:
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
    how = np.array(words(lineage["linked_by"]), dtype=object)
    plan_rows = how != "inferred"
    links = pd.DataFrame({
        "old_parent": [p or "" for p in texts(column(lineage, "old_parent"))],
        "new_code": codes(lineage["new_code"]),
        "new_parent": [p or "" for p in texts(column(lineage, "new_parent"))],  # for island districts
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
    tolerance_m: float,
    precision: int,
    features: pd.DataFrame | None = None,
) -> dict:
    """Everything the page draws and lists, as plain lists and topologies (see :func:`compact_map_data`).

    ``units`` need ``code`` and ``name``; ``lineage``, ``repairs``, ``old``
    (with ``name``), ``provinces`` (outlines to draw instead of dissolving
    communes by ``parent_code``) and ``features`` (where each old feature
    went) are shown when given. Geometries are simplified by ``tolerance_m``
    metres (taken as degrees of latitude) and rounded to ``precision`` decimals.

    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"code": ["1"], "name": ["A"], "area_km2": [120.0], "population": [6000]},
    ...                          geometry=[box(105, 10, 105.1, 10.1)], crs=4326)
    >>> data = build_map_data(units, None, None, None, None, DEFAULT_TOLERANCE_M, DEFAULT_PRECISION)
    >>> data["units"]["name"], data["units"]["density"], data["old"]
    (['A'], [50.0], None)
    """
    for col in ("code", "name"):
        if col not in units.columns:
            raise InputError(f"units: missing field {col!r}")
    if len(units) == 0:
        raise InputError("units: layer is empty")
    tolerance = tolerance_m / METRES_PER_DEGREE  # the layers are in lon/lat
    units = to_wgs84(units, "units").reset_index(drop=True)
    ug = simplify_coverage(valid_polygons(units.geometry.values), tolerance)

    # provinces: given, or dissolved from communes by parent_code
    prov_geoms, prov_codes, prov_names = [], [], []
    if provinces is not None and len(provinces):
        provinces = to_wgs84(provinces, "provinces").reset_index(drop=True)
        prov_geoms = list(simplify_coverage(valid_polygons(provinces.geometry.values), tolerance))
        prov_codes = codes(column(provinces, "code"))
        prov_names = texts(column(provinces, "name"))
    elif "parent_code" in units.columns and units["parent_code"].notna().any():
        pcodes = pd.Series(codes(units["parent_code"]), dtype=object)
        parents = texts(column(units, "parent"))
        outlines = dissolve_outlines(ug, pcodes.to_numpy())
        for code, idx in pcodes.dropna().groupby(pcodes.dropna()).groups.items():
            idx = np.asarray(idx)
            prov_geoms.append(outlines.get(code))
            prov_codes.append(code)
            prov_names.append(parents[idx[0]])

    old_geoms = old_full = []
    if old is not None:
        old = to_wgs84(old, "old").reset_index(drop=True)
        if "name" not in old.columns:
            raise InputError("old: missing field 'name'")
        old_full = valid_polygons(old.geometry.values)
        old_geoms = simplify_each(old_full, tolerance)
    rep_geoms = rep_full = []
    if repairs is not None:
        repairs = to_wgs84(repairs, "repairs").reset_index(drop=True)
        rep_full = valid_polygons(repairs.geometry.values)
        rep_geoms = simplify_each(rep_full, tolerance / 5)

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

    area = numbers(column(units, "area_km2"), 3)
    area_decl = numbers(column(units, "area_declared_km2"), 3)
    pop = numbers(column(units, "population"), 0)
    density = numbers(column(units, "density"), 1)
    if "density" not in units.columns:
        density = [round(p / a, 1) if p is not None and a else None for p, a in zip(pop, area)]
    area_diff = [
        round((a - d) / d * 100, 2) if a is not None and d else None for a, d in zip(area, area_decl)
    ]
    if not is_polygonal(ug).any():
        raise InputError("units: no polygon to map")
    minx, miny, maxx, maxy = shapely.total_bounds(ug)
    data = {
        "topo": topos,
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "units": {
            "code": codes(units["code"]),
            "name": texts(units["name"]),
            "parent": texts(column(units, "parent")),
            "parentCode": codes(column(units, "parent_code")),
            "area": area,
            "areaDeclared": area_decl,
            "areaDiff": area_diff,
            "pop": pop,
            "popDeclared": numbers(column(units, "population_declared"), 0),
            "density": density,
            "nMembers": numbers(column(units, "n_members"), 0),
            "nApprox": numbers(column(units, "n_approximate"), 0),
            "nInferred": numbers(column(units, "n_inferred"), 0),
            "approx": flags(column(units, "approximate")),
            "pt": label_points(ug),
            "geom": g_units,
            "topo": 0,
        },
        "provinces": {"code": prov_codes, "name": prov_names, "geom": g_prov, "topo": 0},
        "old": None,
        "lineage": None,
        "repairs": None,
        "measures": measures(pop, density, area_diff, numbers(column(units, "n_members"), 0)),
    }
    if old is not None:
        data["old"] = {
            "code": codes(column(old, "code")),
            "name": texts(old["name"]),
            "parent": texts(column(old, "parent")),
            "district": texts(column(old, "district")),
            "pop": numbers(column(old, "population"), 0),
            "area": numbers(fast_area_km2(old_full), 3),
            "pt": label_points(np.asarray(old_geoms, dtype=object)),
            "geom": g_old,
            "topo": 1,
        }
        data["old"].update(_placement(features, data["old"]["code"], data["units"]["code"]))
    if lineage is not None:
        index = {c: i for i, c in enumerate(data["units"]["code"])}
        new_codes = codes(column(lineage, "new_code"))
        data["lineage"] = {
            "oldCode": codes(column(lineage, "old_code")),
            "oldName": texts(column(lineage, "old_name")),
            "oldParent": texts(column(lineage, "old_parent")),
            "newCode": new_codes,
            "newName": texts(column(lineage, "new_name")),
            "unit": [index.get(c, -1) for c in new_codes],
            "link": [s or "full" for s in texts(column(lineage, "link"))],
            "assigned": flags(column(lineage, "assigned")),
            "approx": flags(column(lineage, "approximate")),
            "linkedBy": words(column(lineage, "linked_by")),
            "area": numbers(column(lineage, "area_km2"), 3),
            "pop": numbers(column(lineage, "population"), 0),
        }
        data["missingUnits"] = units_without_polygon(lineage, data["units"]["code"])
    if repairs is not None:
        rep_area = pd.to_numeric(column(repairs, "area_km2"), errors="coerce").to_numpy(dtype=float)
        if "area_km2" not in repairs.columns:
            rep_area = fast_area_km2(rep_full)
        unit_area = dict(zip(data["units"]["code"], fast_area_km2(ug)))
        review = repairs_to_review(
            texts(column(repairs, "kind")), texts(column(repairs, "rule")), rep_area,
            [unit_area.get(c, np.nan) for c in codes(column(repairs, "receiving_code"))],
        )
        data["repairView"] = {
            "review": np.flatnonzero(review).tolist(),
            "all": bool(review.all()),
            "rule": REVIEW_RULE,
            "minZoom": SMALL_REPAIRS_ZOOM,
        }
        data["repairs"] = {
            "kind": [s or "repair" for s in texts(column(repairs, "kind"))],
            "areaM2": numbers(rep_area * 1e6, 0),
            "width": numbers(column(repairs, "width_m"), 0),
            "receiving": codes(column(repairs, "receiving_code")),
            "other": texts(column(repairs, "other_codes")),
            "rule": texts(column(repairs, "rule")),
            # a marker needs a point only where the polygon vanished when quantized
            "pt": [
                p if not g else None
                for p, g in zip(label_points(np.asarray(repairs.geometry.values, dtype=object)), g_rep)
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

