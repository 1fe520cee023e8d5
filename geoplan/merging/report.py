"""The report of a merge: counts, totals, conservation checks and the lists a planner reviews,
as named fields (rendered for people by :mod:`geoplan.merging.text`).

The area check: old polygons placed - what they count twice where they overlap
+ gaps filled = new units. Counts: the new units hold exactly what the placed
old units hold.

>>> report.gaps_left, report.counts["population"].total  # doctest: +SKIP
(0, 94926116)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crosswalk.table import has_polygon, main_pieces
from ..link.match import LinkResult
from ..measure.counts import check_conserved, whole_numbers
from ..plan.coverage import members_within_layer, units_within_layer
from ..plan.model import Plan
from .layer import OldLayer
from .options import MergeOptions
from .place import Placement

AREA_TOLERANCE = 1e-4  # 0.01 %
AREA_FLOOR_KM2 = 1e-6  # a square metre: a geodesic area is good to about 0.1 m2 (a double's precision times the Earth's)


@dataclass(frozen=True)
class CountTotal:
    """A count summed by a merge: ``total`` in the new units (= the placed old units), what the
    unplaced features hold, how many features of the layer have no value (unknown; the units' coverage column),
    ``check`` (the relative difference, 0 when conserved) and whether the counts are whole."""

    column: str
    total: float
    unplaced: float
    missing: int
    check: float
    whole: bool


@dataclass(frozen=True)
class MergeSteps:
    """What the steps of a merge produced, from which its report is drawn."""

    layer: OldLayer
    plan: Plan
    options: MergeOptions
    placement: Placement
    pieces: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    repairs: gpd.GeoDataFrame
    twice_km2: float
    gaps_left: int
    detached: np.ndarray
    audit: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class MergeReport:
    """Counts, totals and lists of a merge. Areas in km2. Lists of features a planner must
    look at are tables with ``feature`` (row in the old layer), ``name`` and ``parent``."""

    plan: str
    pop_field: str | None
    n_old_features: int
    n_units: int
    n_plan_new: int
    link_counts: dict
    link_fields: dict
    gaps_repaired: int
    gaps_repaired_km2: float
    wide_gaps: int
    gaps_left: int
    overlaps_repaired: int
    overlaps_repaired_km2: float
    approximate_links: int
    approximate_units: int
    split_parts: int
    split_rules: dict
    splits_with: str
    inferred_features: int
    inferred_by_reference: int
    unplaced_features: int
    unplaced: pd.DataFrame
    features_without_geometry: int
    outside_plan: dict
    several_features: pd.DataFrame
    codes_not_trusted: int
    unplaced_area_km2: float
    members_without_polygon: int
    missing_units: list
    units_without_area: list
    units_outside_layer: int
    members_within_layer: list
    area_old_km2: float
    area_overlaps_km2: float
    area_units_km2: float
    area_check: float
    detached: pd.DataFrame
    counts: dict = field(default_factory=dict)
    audit: dict = field(default_factory=dict)

    @classmethod
    def of(cls, steps: MergeSteps) -> MergeReport:
        """The report of a merge's steps; raises ConservationError when a total is not conserved."""
        plan, links, placement = steps.plan, steps.placement.links, steps.placement
        with_polygon = has_polygon(plan.links["old_code"], steps.pieces)
        within = units_within_layer(plan.links, with_polygon)
        repairs, units, pieces = steps.repairs, steps.units, steps.pieces
        gaps, overlaps = repairs[repairs["kind"] == "gap"], repairs[repairs["kind"] == "overlap"]
        old_km2, area_out = float(pieces["area_km2"].sum()), float(units["area_km2"].sum())
        expected = old_km2 - steps.twice_km2 + float(gaps["area_km2"].sum())
        approximate = pieces["basis"] == "approximate"
        return cls(
            plan=plan.name, pop_field=steps.options.pop_field, n_old_features=int((~placement.outside).sum()),
            n_units=len(units), n_plan_new=plan.n_new, link_counts=links.counts(), link_fields=dict(steps.layer.fields),
            gaps_repaired=len(gaps), gaps_repaired_km2=float(gaps["area_km2"].sum()),
            wide_gaps=int((gaps["rule"] == "wide gap").sum()), gaps_left=int(steps.gaps_left),
            overlaps_repaired=len(overlaps), overlaps_repaired_km2=float(overlaps["area_km2"].sum()),
            approximate_links=int(pieces.loc[approximate, "old_code"].nunique()),
            approximate_units=int(units["approximate"].sum()),
            split_parts=int(pieces["basis"].str.startswith("split").sum()),
            split_rules=repairs.loc[repairs["kind"] == "split", "rule"].value_counts().to_dict(),
            splits_with="reference" if steps.options.reference is not None else
            "lines" if steps.options.split_lines is not None else "",
            inferred_features=int(placement.inferred.sum()), unplaced_features=int(placement.unplaced.sum()),
            inferred_by_reference=int(placement.by_reference.sum()) if placement.by_reference is not None else 0,
            unplaced=described(steps.layer, np.flatnonzero(placement.unplaced)),
            features_without_geometry=int((~steps.layer.measurable).sum()),
            outside_plan=_outside_parents(steps.layer, placement.outside),
            several_features=_several_features(links, steps.layer.geoms, plan) if not plan.by_field else _NONE_SEVERAL,
            codes_not_trusted=len(links.refused_codes),
            unplaced_area_km2=float(steps.layer.areas_km2[placement.unplaced & steps.layer.measurable].sum()),
            members_without_polygon=len(links.unmatched_members),
            missing_units=sorted(within - set(units["code"])),
            units_without_area=sorted(units.loc[~(units["area_km2"] > 0), "code"]),
            units_outside_layer=plan.n_new - len(within),
            members_within_layer=sorted(members_within_layer(plan.links, with_polygon)),
            area_old_km2=old_km2, area_overlaps_km2=steps.twice_km2, area_units_km2=area_out,
            area_check=check_conserved("area", expected, area_out, AREA_TOLERANCE, AREA_FLOOR_KM2),
            detached=_detached(steps),
            counts=_count_totals(steps),
            audit=steps.audit.groupby(["kind", "verdict"]).size().to_dict() if steps.audit is not None else {},
        )


_NONE_SEVERAL = pd.DataFrame(columns=["old_code", "old_name", "n_features", "linked_by", "identical"])


def described(layer: OldLayer, rows: np.ndarray) -> pd.DataFrame:
    """Features a planner must look at: ``feature`` (row), ``name`` and ``parent`` ("" when the
    layer has no such field).

    >>> described(layer, np.array([4]))  # doctest: +SKIP
    """
    return pd.DataFrame({"feature": rows, "name": layer.text("name")[rows], "parent": layer.text("parent")[rows]})


def _outside_parents(layer: OldLayer, outside: np.ndarray) -> dict:
    """{parent: number of features} of the features left out, their province being none of the plan's."""
    if not outside.any() or not layer.fields["parent"]:
        return {}
    parents = layer.frame.loc[outside, layer.fields["parent"]].astype(str)
    return parents.value_counts(sort=False).sort_index().to_dict()


def _several_features(links: LinkResult, geoms: np.ndarray, plan: Plan) -> pd.DataFrame:
    """Plan members linked to more than one feature, with how they were linked and whether two
    of their polygons are identical (a row given twice counts twice)."""
    linked = links.table.reset_index(drop=True).dropna(subset=["old_code"])
    linked = linked[linked["old_code"].duplicated(keep=False)]
    names = plan.members().set_index("old_code")["old_name"]
    rows = []
    for code, group in linked.groupby("old_code", sort=True):
        shapes = pd.Series(shapely.to_wkb(shapely.normalize(geoms[group.index.to_numpy()])))
        rows.append({"old_code": code, "old_name": names.get(code, ""), "n_features": len(group),
                     "linked_by": ", ".join(sorted(set(group["linked_by"]))), "identical": bool(shapes.duplicated().any())})
    return pd.DataFrame(rows, columns=_NONE_SEVERAL.columns)


def _detached(steps: MergeSteps) -> pd.DataFrame:
    """The features lying apart from the rest of their new unit, with the unit and how they were linked."""
    rows = np.flatnonzero(steps.detached)
    main = main_pieces(steps.pieces, len(steps.detached)).iloc[rows]
    return described(steps.layer, rows).assign(new_code=main["new_code"].to_numpy(), linked_by=main["linked_by"].to_numpy())


def _count_totals(steps: MergeSteps) -> dict[str, CountTotal]:
    """Each count's totals, checked: the new units hold what the placed old units hold."""
    out = {}
    placement, counts = steps.placement, steps.layer.counts
    for name in steps.options.counts:
        column = steps.options.column(name)
        values = counts[name]
        whole = whole_numbers(values)
        summed = values.fillna(0).round() if whole else values.fillna(0)
        as_counted = int if whole else float
        before = float(steps.pieces[column].fillna(0).sum())
        check = check_conserved(column, before, float(steps.units[column].sum()), 0.0 if whole else 1e-9)
        out[column] = CountTotal(column, as_counted(steps.units[column].sum()), as_counted(summed[placement.unplaced].sum()),
                                 int(values[~placement.outside].isna().sum()), check, whole)
    return out
