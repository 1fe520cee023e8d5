"""Layers a result may carry besides its units, drawn as layers of the review map: the pieces
of divided old units split along geometry (crosswalk rows of basis ``split:...``), the plan
audit (links the geometry contradicts) and the reference polygons the result was split by.

Each is a section of the page's data with its own arc set; a layer the result
lacks (or that is empty) is no section at all.

>>> overlay_sections(MapLayers(units=None), [], None, 0.0)
{}
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..engine.geometry import valid_polygons
from .columns import codes, column, numbers, texts
from .options import MapLayers
from .shapes import label_points, simplify_coverage, simplify_each, to_wgs84

AUDIT_KINDS = {"full link elsewhere": "full", "partial link empty": "partial", "mostly unlinked": "unlinked"}  # page keys
SPLIT_PREFIX = "split"  # crosswalk basis of pieces cut along geometry: split:reference, split:lines
AUDIT_SHOWN = ("feature", "old_code", "old_name", "link", "new_code", "new_name", "found_code", "found_name", "held_share",
               "found_share", "area_km2", "at_stake_km2", "kind", "verdict")  # docs/CONTRACTS.md, layer audit


def split_pieces(crosswalk: pd.DataFrame | None) -> pd.DataFrame | None:
    """The crosswalk pieces cut along geometry (basis ``split:...``); None when there are none.

    >>> split_pieces(pd.DataFrame({"basis": ["whole", "split:reference"]})).index.tolist()
    [1]
    """
    if crosswalk is None or "basis" not in crosswalk.columns:
        return None
    split = crosswalk[crosswalk["basis"].astype(str).str.startswith(SPLIT_PREFIX)]
    return split if len(split) else None


def _geometry(frame, what: str, tolerance: float, coverage: bool):
    """Valid, simplified polygons of a layer and a point in each; (None, None) without geometry."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return None, None
    full = valid_polygons(to_wgs84(frame, what).geometry.values)
    shown = simplify_coverage(full, tolerance) if coverage else simplify_each(full, tolerance)
    return shown, label_points(full)


def _units_of(values, unit_codes: list) -> list:
    index = {c: i for i, c in enumerate(unit_codes)}
    return [index.get(c, -1) for c in codes(values)]


def _pieces(pieces: pd.DataFrame, unit_codes: list, topos, tolerance: float) -> dict:
    geoms, points = _geometry(pieces, "crosswalk", tolerance, coverage=False)
    refs, topo = topos.encode([geoms])
    return {
        "oldCode": codes(column(pieces, "old_code")), "oldName": texts(column(pieces, "old_name")),
        "unit": _units_of(column(pieces, "new_code"), unit_codes), "newCode": codes(column(pieces, "new_code")),
        "basis": texts(column(pieces, "basis")), "area": numbers(column(pieces, "area_km2"), 3),
        "share": numbers(pd.to_numeric(column(pieces, "area_share"), errors="coerce") * 100, 1),
        "pop": numbers(column(pieces, "population"), 0), "pt": points, "geom": refs[0], "topo": topo,
    }


def _audit(audit: pd.DataFrame, unit_codes: list, topos, tolerance: float) -> dict:
    """The audit rows: the columns of the contract, the others as (column, value) pairs."""
    geoms, points = _geometry(audit, "audit", tolerance, coverage=False)
    section = {
        "oldCode": codes(column(audit, "old_code")), "oldName": texts(column(audit, "old_name")),
        "link": texts(column(audit, "link")), "newCode": codes(column(audit, "new_code")),
        "newName": texts(column(audit, "new_name")), "unit": _units_of(column(audit, "new_code"), unit_codes),
        "foundCode": codes(column(audit, "found_code")), "foundName": texts(column(audit, "found_name")),
        "held": numbers(pd.to_numeric(column(audit, "held_share"), errors="coerce") * 100, 1),
        "found": numbers(pd.to_numeric(column(audit, "found_share"), errors="coerce") * 100, 1),
        "area": numbers(column(audit, "area_km2"), 3), "atStake": numbers(column(audit, "at_stake_km2"), 3),
        "kind": texts(column(audit, "kind")), "verdict": texts(column(audit, "verdict")),
    }
    section["kindKey"] = [AUDIT_KINDS.get(kind) for kind in section["kind"]]
    others = [c for c in audit.columns if c not in AUDIT_SHOWN and c != "geometry"]
    values = {c: texts(audit[c]) for c in others}
    section["more"] = [[[c, values[c][k]] for c in others if values[c][k] is not None] for k in range(len(audit))]
    if geoms is not None:
        refs, topo = topos.encode([geoms])
        section.update(pt=points, geom=refs[0], topo=topo)
    return section


def _reference(reference, topos, tolerance: float) -> dict:
    geoms, points = _geometry(reference, "reference", tolerance, coverage=True)
    refs, topo = topos.encode([geoms])
    name = next((c for c in ("name", "fullName", "ten") if c in reference.columns), None)
    return {"code": codes(column(reference, "code")), "name": texts(column(reference, name or "name")),
            "pt": points, "geom": refs[0], "topo": topo}


def overlay_sections(layers: MapLayers, unit_codes: list, topos, tolerance: float) -> dict:
    """The sections ``pieces``, ``audit`` and ``reference`` of the layers the result has.

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from geoplan.maps.data import Topologies
    >>> audit = pd.DataFrame({"old_code": ["7"], "new_code": ["1"], "kind": ["outside"], "verdict": ["check"]})
    >>> overlay_sections(MapLayers(None, audit=audit), ["1"], Topologies(5), 0.0)["audit"]["unit"]
    [0]
    """
    out = {}
    pieces = split_pieces(layers.crosswalk)
    if isinstance(pieces, gpd.GeoDataFrame):
        out["pieces"] = _pieces(pieces.reset_index(drop=True), unit_codes, topos, tolerance)
    if layers.audit is not None and len(layers.audit):
        out["audit"] = _audit(layers.audit.reset_index(drop=True), unit_codes, topos, tolerance)
    if isinstance(layers.reference, gpd.GeoDataFrame) and len(layers.reference):
        out["reference"] = _reference(layers.reference.reset_index(drop=True), topos, tolerance)
    return {key: value for key, value in out.items() if value}

