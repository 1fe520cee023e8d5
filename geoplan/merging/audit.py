"""Audit a plan against a reference layer of the new units: the links the geometry contradicts.

Every old polygon linked to a plan member is measured against the reference's
units, whatever the plan says. A contradiction is one of:

- ``full link elsewhere``: a ``full`` link whose new unit holds less than half
  of the old polygon (at stake: the area outside it);
- ``partial link empty``: a ``partial`` link whose new unit holds none of it
  (at stake: an even part of the old polygon among its links);
- ``mostly unlinked``: the old polygon lies mostly in a new unit the plan does
  not link it to (at stake: the area that unit holds).

Each gets a verdict: ``resolution`` when the area at stake is within what the
old layer's accuracy can move (its perimeter times ``ACCURACY_M``, half a
millimetre at 1:250,000); ``linking`` when the new unit that holds the polygon
receives, in the plan, another old unit of the feature's name (the feature was
linked to a homonym), or when two polygons each lie in the other's new unit
(swapped links or codes); ``plan`` otherwise. Rows are ranked by the area at
stake. A ``full`` link whose new unit holds less than half of the polygon but
more than any other unit (the rest lies outside the reference: coast, border)
is no contradiction; links to new units the reference has no polygon for are
not judged.

>>> audit.groupby(["kind", "verdict"]).size()  # doctest: +SKIP
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crosswalk.overlay import overlay_areas
from ..link.names import folded_key
from ..measure.area import metres_along
from ..plan.model import Plan
from .layer import OldLayer
from .place import Placement
from .reference import Reference

ACCURACY_M = 125.0  # positional accuracy of a 1:250,000 map (half a millimetre)
EMPTY_KM2 = 1e-4  # a new unit holding less than this of an old polygon holds none of it
COLUMNS = ["feature", "old_code", "old_name", "link", "new_code", "new_name", "found_code", "found_name",
           "held_share", "found_share", "area_km2", "at_stake_km2", "kind", "verdict"]


def reference_holdings(layer: OldLayer, reference: Reference) -> pd.DataFrame:
    """How much of each measurable old polygon each reference unit holds: ``feature`` (its
    position), ``code``, ``km2``, one row per pair that meets
    (:func:`geoplan.crosswalk.overlay.overlay_areas`). It needs no link: the merge starts it
    as soon as the old layer is checked and the reference is made.

    >>> reference_holdings(layer, reference).head()  # doctest: +SKIP
    """
    features = np.flatnonzero(layer.measurable)
    held = overlay_areas(layer.geoms[features], reference.polygons, layer.crs, layer.areas_km2[features])
    return held.assign(feature=features[held["a"].to_numpy()], code=reference.shapes.index[held["b"].to_numpy()])


def audit_links(layer: OldLayer, placement: Placement, plan: Plan, reference: Reference,
                held: pd.DataFrame) -> gpd.GeoDataFrame:
    """The contradicted links of ``plan`` (see the module's description), one row each, with the
    old polygon (lon/lat); ``held``: :func:`reference_holdings`."""
    table = placement.links.table.reset_index(drop=True)
    features = np.flatnonzero(table["old_code"].notna().to_numpy() & layer.measurable)
    held = held[np.isin(held["feature"].to_numpy(), features)]
    area = pd.Series(layer.areas_km2[features], index=features)
    best = held.sort_values("km2", ascending=False, kind="stable").drop_duplicates("feature").set_index("feature")
    links = plan.links[~plan.links["new_code"].isin(reference.absent)]  # no polygon to judge a link to
    links = links.merge(table.loc[features, ["old_code"]].rename_axis("feature").reset_index(), on="old_code")
    links["held"] = held.set_index(["feature", "code"])["km2"].reindex(
        pd.MultiIndex.from_arrays([links["feature"], links["new_code"]])).fillna(0).to_numpy()
    links["area"] = links["feature"].map(area)
    links["found"] = links["feature"].map(best["code"])
    links["found_km2"] = links["feature"].map(best["km2"]).fillna(0)
    rows = _kinds(links)
    rows["verdict"] = _verdicts(rows, layer, plan)
    return _frame(rows, layer, plan)


def _kinds(links: pd.DataFrame) -> pd.DataFrame:
    """The contradicted links, with their kind and the area at stake."""
    n_links = links.groupby(["feature", "old_code"])["new_code"].transform("size")
    targets: dict[int, set] = {}
    for feature, code in zip(links["feature"].to_numpy(), links["new_code"].to_numpy()):
        targets.setdefault(feature, set()).add(code)
    full = links[(links["link"] == "full") & (links["held"] < links["area"] / 2) & (links["found_km2"] > links["held"])
                 & (links["found"] != links["new_code"])].assign(
        kind="full link elsewhere", at_stake=lambda t: t["area"] - t["held"])
    empty = links[(links["link"] == "partial") & (links["held"] < EMPTY_KM2)].assign(
        kind="partial link empty", at_stake=lambda t: t["area"] / n_links[t.index])
    unlinked = links.drop_duplicates("feature")
    elsewhere = np.array([found not in targets[f] for f, found in zip(unlinked["feature"].tolist(), unlinked["found"].tolist())], dtype=bool)
    unlinked = unlinked[(unlinked["found_km2"] > unlinked["area"] / 2).to_numpy() & elsewhere
                        & ~unlinked["feature"].isin(full["feature"]).to_numpy()].assign(
        kind="mostly unlinked", at_stake=lambda t: t["found_km2"])
    return pd.concat([full, empty, unlinked], ignore_index=True)


def _verdicts(rows: pd.DataFrame, layer: OldLayer, plan: Plan) -> np.ndarray:
    """``resolution``, ``linking`` or ``plan`` for each contradicted link (see the module's description)."""
    if rows.empty:
        return np.array([], dtype=object)
    perimeter_m = metres_along(shapely.boundary(layer.lonlat[rows["feature"].to_numpy()]))
    small = rows["at_stake"].to_numpy() * 1e6 < perimeter_m * ACCURACY_M
    names = plan.links.assign(key=plan.links["old_name"].map(folded_key))
    received: dict[str, list] = {}  # the (name key, old code) of the old units each new unit receives
    for code, key, old in zip(names["new_code"].to_numpy(), names["key"].to_numpy(), names["old_code"].to_numpy()):
        received.setdefault(code, []).append((key, old))
    feature_names = pd.Series(layer.text("name")[rows["feature"].to_numpy()]).map(folded_key)
    homonym = [any(k == name and c != own for k, c in received.get(found, ()))
               for found, name, own in zip(rows["found"], feature_names, rows["old_code"])]
    pairs = set(zip(rows["new_code"], rows["found"]))
    swapped = [(found, target) in pairs for target, found in zip(rows["new_code"], rows["found"])]
    return np.where(small, "resolution", np.where(np.array(homonym) | np.array(swapped), "linking", "plan"))


def _frame(rows: pd.DataFrame, layer: OldLayer, plan: Plan) -> gpd.GeoDataFrame:
    """The audit layer: ranked by the area at stake, with names, shares and the old polygon."""
    members = plan.members().set_index("old_code")["old_name"]
    units = plan.new_units().set_index("new_code")["new_name"]
    out = pd.DataFrame({
        "feature": rows["feature"].astype(int), "old_code": rows["old_code"], "old_name": rows["old_code"].map(members),
        "link": rows["link"], "new_code": rows["new_code"], "new_name": rows["new_code"].map(units),
        "found_code": rows["found"].fillna(""), "found_name": rows["found"].map(units).fillna(""),
        "held_share": rows["held"] / rows["area"], "found_share": rows["found_km2"] / rows["area"],
        "area_km2": rows["area"], "at_stake_km2": rows["at_stake"], "kind": rows["kind"], "verdict": rows["verdict"],
    }, columns=COLUMNS) if len(rows) else pd.DataFrame(columns=COLUMNS)
    out = out.sort_values("at_stake_km2", ascending=False, kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=list(layer.lonlat[out["feature"].to_numpy(dtype=int)]), crs="EPSG:4326")
