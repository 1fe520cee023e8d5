"""The one pipeline: link -> merge -> measure, shared by the API and the CLI.

>>> import geoplan
>>> result = geoplan.merge(old, plan, name_field="commune_vn", parent_field="province_vn",
...                        pop_field="pop2019_vn_demographic")  # doctest: +SKIP
>>> result.units[["code", "name", "area_km2", "population"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .check.declared import declared_for_merge
from .engine.dissolve import dissolve_clean
from .engine.quality import gaps_left
from .errors import InputError, LinkError
from .io.layers import check_layer, require_fields
from .link.fields import detect_fields
from .link.infer import detached, infer_units
from .link.match import LinkResult, link_features
from .link.names import exact_key
from .measure.area import METRES_PER_DEGREE, area_km2, fast_area_km2, has_area, to_lonlat
from .measure.counts import check_conserved, density, sum_counts, whole_numbers
from .plan.catalogue import known_renames, read_plan
from .plan.coverage import members_within_layer, units_within_layer
from .plan.model import Plan

DEFAULT_GAP_WIDTH_M = 200.0
MIN_LINKED_SHARE = 0.25  # below this share of features linked, the layer is not the plan's (another level, country)
AREA_TOLERANCE = 1e-4  # 0.01 %


@dataclass
class MergeResult:
    """What a merge produced: ``units`` (GeoDataFrame, one row per new unit),
    ``lineage`` (one row per old unit and link), ``repairs`` (GeoDataFrame),
    ``report`` (dict of counts, totals and lists for people), ``links``, and
    ``features`` (one row per feature of the old layer, in its order: the
    plan member it linked to and the new unit it went into)."""

    units: gpd.GeoDataFrame
    lineage: pd.DataFrame
    repairs: gpd.GeoDataFrame
    report: dict
    links: LinkResult = field(repr=False)
    features: pd.DataFrame = field(default=None, repr=False)

    def summary(self) -> str:
        """The closing line a planner reads.

        >>> result.summary()  # doctest: +SKIP
        'Merged 11,163 old units into 3,321 new units; 0 gaps left; ...'
        """
        r = self.report
        return (
            f"Merged {r['n_old_features']:,} old units into {r['n_units']:,} new units; "
            f"{r['gaps_left']} gaps left; {r['gaps_repaired_km2']:,.0f} km2 of gaps repaired "
            f"({r['wide_gaps']} wide); {r['overlaps_repaired_km2']:,.0f} km2 of overlaps resolved; "
            f"{r['approximate_links']:,} approximate links; {r['inferred_features']:,} inferred; "
            f"{r['unplaced_features']:,} unplaced; {len(r['missing_units']):,} new units missing"
            + (f"; {len(r['units_without_area']):,} with no area" if r.get("units_without_area") else "")
            + (f" ({r['units_outside_layer']:,} outside the layer)" if r.get("units_outside_layer") else "")
            + (f"; {sum(r['outside_plan'].values()):,} features outside the plan's provinces left out"
               if r.get("outside_plan") else "")
        )

    def conservation(self) -> str:
        """Area and count totals before and after, as checked.

        >>> print(result.conservation())  # doctest: +SKIP
        Area: old polygons 330,xxx.xx km2 - counted twice where they overlap ... + gaps filled 1,274.00 = new units ... (difference +0.0000%)
        """
        r = self.report
        lines = [f"Area: old polygons {r['area_old_km2']:,.2f} km2 - counted twice where they overlap "
                 f"{r['area_overlaps_km2']:,.2f} (of which {r['overlaps_repaired_km2']:,.2f} between new units, "
                 f"resolved by rule) + gaps filled {r['gaps_repaired_km2']:,.2f} = new units {r['area_units_km2']:,.2f} km2 "
                 f"(difference {r['area_check']:+.4%}, tolerance {AREA_TOLERANCE:.2%})"]
        for key in r:
            if key.endswith("_total"):
                name = key[: -len("_total")]
                lines.append(f"{name.capitalize()}: {r[key]:,} in the new units = the old units placed "
                             f"({r[name + '_unplaced']:,} in unplaced features); conserved exactly; "
                             f"{r[name + '_missing']:,} old units have no value (counted as 0)")
        return "\n".join(lines)


    def link_report(self, limit: int = 10) -> str:
        """How features were linked, what is unmatched or ambiguous, what to review."""
        r, links = self.report, self.links
        lines = ["Link report:"]
        lines += [f"  {count:>7,} features linked by {how}" for how, count in r["link_counts"].items()
                  if how not in ("none", "members without feature")]
        lines.append(f"  {r['link_counts'].get('none', 0):>7,} features matched no plan member: "
                     f"{r['inferred_features']:,} placed by the longest-border rule (inferred), {r['unplaced_features']:,} unplaced")
        inferred = self.lineage[self.lineage["link"] == "inferred"]
        for row in inferred.head(limit).itertuples():
            parent = f" ({row.old_parent})" if row.old_parent else ""
            lines.append(f"      inferred: {row.old_name}{parent} -> {row.new_code} {row.new_name}")
        if len(inferred) > limit:
            lines.append(f"      ... and {len(inferred) - limit:,} more inferred (layer lineage, link inferred)")
        for row in r["unplaced"][:limit]:
            lines.append(f"      unplaced: {row}")
        if r["outside_plan"]:
            lines.append(f"  {sum(r['outside_plan'].values()):>7,} features lie in provinces the plan does not cover, left out: "
                         + ", ".join(f"{p} ({n:,})" for p, n in list(r["outside_plan"].items())[:limit])
                         + (f" and {len(r['outside_plan']) - limit:,} more" if len(r["outside_plan"]) > limit else ""))
        if r["several_features"]:
            lines.append(f"  {len(r['several_features']):>7,} plan members have several features: their counts are summed")
            lines += [f"      {row}" for row in r["several_features"][:limit]]
        if r.get("detached"):
            lines.append(f"  {len(r['detached']):>7,} features lie apart from the rest of their new unit (none of its other "
                         "polygons within the gap width): an exclave, or a link to check (column detached of layer features)")
            lines += [f"      {row}" for row in r["detached"][:limit]]
        if r["features_without_geometry"]:
            lines.append(f"  {r['features_without_geometry']:>7,} features have no geometry: their counts go to the "
                         "unit they are linked to, their area is 0")
        refused = links.refused_codes
        if len(refused):
            lines.append(f"  {len(refused):>7,} codes not trusted: the plan's unit with that code has another name and a "
                         "polygon of its own, or lies in another province; those features were linked by name:")
            for row in refused.head(limit).itertuples():
                lines.append(f"      {row.feature_name} carries {row.code}, the code of {row.plan_name}")
        unmatched = links.unmatched_members
        inside = unmatched[unmatched["old_code"].isin(r["members_within_layer"])]
        outside = len(unmatched) - len(inside)
        lines.append(f"  {len(inside):>7,} plan members have no polygon" + (
            f" (and {outside:,} in provinces the layer does not cover)" if outside else ""))
        for row in inside.head(limit).itertuples():
            hint = f"; closest: {row.suggestions}" if getattr(row, "suggestions", "") else ""
            lines.append(f"      {row.old_code} {row.old_name} ({row.old_parent}){hint}")
        if len(inside) > limit:
            lines.append(f"      ... and {len(inside) - limit:,} more (layer lineage, linked_by none)")
        if len(links.ambiguous):
            lines.append(f"  {len(links.ambiguous):>7,} features with several candidates (not guessed):")
            for row in links.ambiguous.head(limit).itertuples():
                lines.append(f"      {row.name} ({row.parent}): {row.candidates}")
        if r["missing_units"]:
            more = f" and {len(r['missing_units']) - limit:,} more" if len(r["missing_units"]) > limit else ""
            lines.append(f"  {len(r['missing_units']):>7,} new units have no polygon at all (none is made up): "
                         + ", ".join(r["missing_units"][:limit]) + more)
        if r.get("units_without_area"):
            lines.append(f"  {len(r['units_without_area']):>7,} new units have polygons but no area left (polygons of no area, "
                         "or covered by other units' polygons that also cover nothing else): " + ", ".join(r["units_without_area"][:limit]))
        if r.get("units_outside_layer"):
            lines.append(f"  {r['units_outside_layer']:>7,} new units lie in provinces the layer does not cover: not expected")
        if r["wide_gaps"]:
            lines.append(f"  {r['wide_gaps']:>7,} gaps wider than the gap width were filled: review them in layer repairs (rule 'wide gap')")
        return "\n".join(lines)


def _require_counts(values: pd.Series, field: str, option: str, label: str) -> None:
    """Refuse a count field holding text or negative numbers (missing values are allowed:
    they count as 0 and are reported)."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = values.astype(str).str.strip()
    bad = (values.notna() & numbers.isna() & (text != "")) | (numbers < 0) | np.isinf(numbers)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        value = values.iloc[row]
        raise InputError(f"{label}: field {field!r} ({option}) must hold counts; {int(bad.sum()):,} values are not "
                         f"(feature {row}: {value.item() if hasattr(value, 'item') else value!r})")


def check_gap_width(metres: float) -> None:
    """Refuse a gap width that is not a finite number of metres, 0 or more.

    >>> check_gap_width(float("nan"))  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: the gap width (--gap-width / gap_width_m) must be a number of metres, 0 or more, got nan
    """
    if isinstance(metres, bool) or not isinstance(metres, (int, float)) or not np.isfinite(metres) or metres < 0:
        raise InputError(f"the gap width (--gap-width / gap_width_m) must be a number of metres, 0 or more, got {metres!r}")


def _check_arguments(old, plan, count_fields, aliases, workers, progress) -> None:
    """Python callers get a clear InputError for an argument of the wrong kind."""
    if not isinstance(old, gpd.GeoDataFrame):
        raise InputError(f"old must be a GeoDataFrame (read one with geoplan.read_layer), got {type(old).__name__}")
    if not isinstance(plan, (Plan, str, os.PathLike)):
        raise InputError(f"plan must be a Plan, a plan file or a built-in plan name, got {type(plan).__name__}")
    if isinstance(count_fields, str) or not all(isinstance(f, str) for f in count_fields):
        raise InputError(f"count_fields must be a list of field names, got {count_fields!r}")
    if aliases is not None and not isinstance(aliases, Mapping):
        raise InputError("aliases must be a dict {name as the layer writes it: name the plan uses}; "
                         "read a CSV with geoplan.read_aliases")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers must be a whole number, 1 or more, got {workers!r}")
    if progress is not None and not callable(progress):
        raise InputError("progress must be a function that takes a message")


def _degrees(metres: float, crs: CRS) -> float:
    """A distance in metres in the units of ``crs`` (degrees along a meridian when geographic)."""
    return metres / METRES_PER_DEGREE if crs.is_geographic else metres


def merge(
    old: gpd.GeoDataFrame,
    plan: Plan | str,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    district_field: str | None = None,
    pop_field: str | None = None,
    count_fields: tuple[str, ...] = (),
    aliases: dict[str, str] | None = None,
    gap_width_m: float = DEFAULT_GAP_WIDTH_M,
    declared=None,
    progress=None,
    workers: int | None = None,
    label: str = "old layer",
    detect: bool = True,
    level: str | None = None,
) -> MergeResult:
    """Merge old polygons into the new units of ``plan`` and measure them.

    Parameters
    ----------
    old : GeoDataFrame of the old units' polygons, any CRS; never modified.
    plan : a Plan, a plan file (CSV, JSON, dvhcvn JSON: give ``level``) or a
        built-in plan name (``"vn-2025-commune"``, see ``geoplan plans``).
    code_field, name_field, parent_field, district_field : fields of ``old``
        to link by; those not given are detected by content unless
        ``detect=False``.
    pop_field, count_fields : counts summed into the new units (population
        is reported as ``population``).
    aliases : {name as the layer writes it: name the plan uses}; the shipped
        renames (Thừa Thiên Huế -> Thành phố Huế) are added.
    gap_width_m : gaps wider than this are filled but flagged ``wide gap``;
        also how far apart polygons may lie and still count as neighbours
        when unmatched polygons are placed by the longest border.
    declared : declared figures to set beside the computed ones: a CSV path,
        a built-in plan name or a table indexed by new code (default: the
        built-in plan's own figures).
    progress : function called with a message as each step starts.
    workers : threads for the engine (default: all cores, at most 2).
    level : the level of a plan file that holds several.

    Raises InputError for arguments, fields or data that cannot be used,
    PlanError for a malformed plan, LinkError when the layer and the plan do
    not match at all, ConservationError when totals are not conserved (all
    are GeoplanError).

    >>> result = merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")  # doctest: +SKIP
    >>> result.units.set_index("code").loc["30502", ["area_km2", "population"]].round(1).tolist()  # doctest: +SKIP
    [50.2, 24705.0]
    """
    _check_arguments(old, plan, count_fields, aliases, workers, progress)
    say = progress or (lambda message: None)
    check_gap_width(gap_width_m)
    plan_name = str(plan) if isinstance(plan, (str, os.PathLike)) else None
    if plan_name is not None:
        plan = read_plan(plan_name, level)
    elif level is not None:
        plan = plan.at_level(level)
    declared = declared_for_merge(declared, plan, plan_name)
    aliases = {**known_renames(plan), **{exact_key(k): v for k, v in (aliases or {}).items()}}
    old = old.reset_index(drop=True)  # rows by position: a concatenation may repeat index labels
    check_layer(old, label)
    if detect and None in (code_field, name_field, parent_field, district_field):
        found = detect_fields(old, plan)
        code_field, name_field = code_field or found["code"], name_field or found["name"]
        parent_field, district_field = parent_field or found["parent"], district_field or found["district"]
    require_fields(old, {"--old-code / code_field": code_field, "--old-name / name_field": name_field,
                         "--old-parent / parent_field": parent_field, "--old-district / district_field": district_field,
                         "--pop-field / pop_field": pop_field}, label)
    for f in count_fields:
        require_fields(old, {"--count-field / count_fields": f}, label)
    if code_field is None and name_field is None:
        raise InputError(f"{label}: no field with the plan's old codes or names found; name it with --old-code or --old-name (code_field, name_field)")
    counts = list(dict.fromkeys(((pop_field,) if pop_field else ()) + tuple(count_fields)))  # each field once
    for f in counts:
        _require_counts(old[f], f, "--pop-field / pop_field" if f == pop_field else "--count-field / count_fields", label)

    links = link_features(old, plan, code_field, name_field, parent_field, district_field, aliases)
    linked, outside = links.table["old_code"].notna(), links.table["outside"].to_numpy()
    if outside.all():
        raise LinkError(f"{label} and plan {plan.name} do not match: the provinces of field {parent_field} "
                        f"({', '.join(sorted(set(old[parent_field].astype(str)))[:3])}...) are none of the plan's")
    if linked[~outside].mean() < MIN_LINKED_SHARE or not linked.any():
        raise LinkError(f"{label} and plan {plan.name} do not match: {int(linked.sum()):,} of {int((~outside).sum()):,} "
                        f"features linked by {' or '.join(f for f in (code_field, name_field) if f)}"
                        + (f" (a layer of another level than the plan's {', '.join(sorted(set(plan.links['level']) - {''}))}?)"
                           if (plan.links["level"] != "").any() else ""))

    # said once the layer and the plan are known to match: a mistake ends in its one line alone
    say(f"linked {int(linked.sum()):,} of {len(old):,} features to the {plan.n_old:,} old units of the plan by "
        + ", ".join(f"{role} field {field}" for role, field in
                    (("code", code_field), ("name", name_field), ("parent", parent_field), ("district", district_field)) if field))
    assignment = plan.assignment().set_index("old_code")
    crs = CRS.from_user_input(old.crs)
    geoms = old.geometry.to_numpy()
    parents = old[parent_field].fillna("").astype(str).to_numpy() if parent_field else np.full(len(old), "")
    say(f"placing {int((~linked & ~outside).sum()):,} features that match no plan member")
    lonlat = to_lonlat(geoms, crs)
    placed, settled = _place(links, assignment, lonlat, parents, outside, gap_width_m)
    links = links.settled(settled, "name+neighbours")
    new_code = _new_codes(links, assignment)
    inferred = (new_code == None) & (placed != None)  # noqa: E711 (element-wise)
    unplaced = (placed == None) & ~outside  # noqa: E711

    def bookkeeping():  # runs while the engine works: it releases the GIL
        areas = fast_area_km2(geoms, crs)
        # a dissolve by a field has no links to check: its polygons apart are islands
        apart = np.zeros(len(geoms), dtype=bool) if plan.by_field else detached(lonlat, placed, gap_width_m / METRES_PER_DEGREE)
        return _lineage(old, areas, plan, links, assignment, placed, inferred, counts, pop_field), areas, apart

    with ThreadPoolExecutor(1) as pool:  # the engine releases the GIL: the bookkeeping runs beside it
        engine = pool.submit(dissolve_clean, geoms, placed, gap_width_m, crs, say)
        lineage, old_km2, apart = bookkeeping()
        dissolved = engine.result()
    if dissolved.repaired:  # invalid polygons were made valid: what they bring is their repaired area
        old_km2 = old_km2.copy()
        old_km2[list(dissolved.repaired)] = fast_area_km2(np.array(list(dissolved.repaired.values()), dtype=object), crs)
        lineage = _lineage(old, old_km2, plan, links, assignment, placed, inferred, counts, pop_field)
    say("measuring areas and counts")
    with ThreadPoolExecutor(2) as background:
        repairs = background.submit(_repairs, dissolved.repairs, crs)
        left = background.submit(gaps_left, dissolved.units.to_numpy())
        with_polygon = _with_polygon(links, geoms)
        units = _units(dissolved.units, crs, plan, old, placed, counts, pop_field, assignment, inferred, declared,
                       with_polygon)
        repairs = repairs.result()
    report = _report(old, units, lineage, repairs, plan, links, inferred, unplaced, counts, pop_field, geoms, placed,
                     old_km2, _counted_twice_km2(dissolved.overlaps, crs), outside, with_polygon)
    report["gaps_left"] = left.result()
    features = _features(links, placed, inferred, apart)
    rows = np.flatnonzero(apart)
    report["detached"] = [f"{label} -> {features['new_code'].iat[i]} (linked by {features['linked_by'].iat[i]})"
                          for label, i in zip(_describe(old, links, rows), rows)]
    return MergeResult(units, lineage, repairs, report, links, features)


def _column(field: str, pop_field: str | None) -> str:
    """The result column of a count field: the population field is ``population``.

    >>> _column("pop2019", "pop2019"), _column("households", "pop2019")
    ('population', 'households')
    """
    return "population" if field == pop_field else field


def _new_codes(links: LinkResult, assignment: pd.DataFrame) -> np.ndarray:
    """The new unit of each feature by its link (None where it has none)."""
    new_code = links.table["old_code"].map(assignment["new_code"]).to_numpy(dtype=object)
    return np.where(pd.isna(new_code), None, new_code)


def _place(links: LinkResult, assignment: pd.DataFrame, lonlat, parents, outside,
           gap_width_m: float) -> tuple[np.ndarray, dict]:
    """The new unit of every feature: by its link, else by the longest border
    (:func:`geoplan.infer.infer_units`, on lon/lat whatever the layer's CRS, so
    that the same polygons are placed alike); features outside the plan's
    provinces stay None. A feature whose name fits several plan members joins
    one of their new units; when that unit is the new unit of one candidate
    only, that candidate is its old unit: returns ``placed`` and these
    ``{feature: old code}`` (never two features on one old unit).
    """
    new_code = _new_codes(links, assignment)
    inside = np.flatnonzero(~outside)
    position = {feature: i for i, feature in enumerate(inside)}
    candidates = {row.feature: row.codes for row in links.ambiguous.itertuples()} if len(links.ambiguous) else {}
    allowed = {position[f]: set(assignment.loc[codes, "new_code"]) for f, codes in candidates.items() if f in position}
    placed = np.full(len(new_code), None, dtype=object)
    placed[inside] = infer_units(lonlat[inside], new_code[inside], parents[inside],
                                 tolerance=gap_width_m / METRES_PER_DEGREE, allowed=allowed)
    chosen = {f: [c for c in codes if assignment.at[c, "new_code"] == placed[f]] for f, codes in candidates.items()}
    claims = pd.Series([c[0] for c in chosen.values() if len(c) == 1]).value_counts()
    settled = {f: c[0] for f, c in chosen.items() if len(c) == 1 and claims[c[0]] == 1}
    return placed, settled


def _features(links, placed, inferred, apart) -> pd.DataFrame:
    """Where each feature of the old layer went, in the layer's order, and whether
    it lies apart from the rest of its new unit.

    >>> _features(result.links, placed, inferred, apart).columns.tolist()  # doctest: +SKIP
    ['feature', 'old_code', 'new_code', 'linked_by', 'detached']
    """
    table = links.table
    linked_by = np.where(inferred, "inferred", table["linked_by"].to_numpy(dtype=object))
    return pd.DataFrame({
        "feature": np.arange(len(table)),
        "old_code": table["old_code"].fillna("").astype(str).to_numpy(),
        "new_code": pd.Series(placed, dtype=object).fillna("").astype(str).to_numpy(),
        "linked_by": linked_by,
        "detached": apart,
    })


def _with_polygon(links: LinkResult, geoms) -> set:
    """Old codes linked to at least one feature that has an area (not empty, not missing)."""
    return set(links.table.loc[has_area(geoms), "old_code"].dropna())


def _units(units_geom, crs, plan, old, placed, counts, pop_field, assignment, inferred, declared, with_polygon):
    lonlat = to_lonlat(units_geom.to_numpy(), crs)
    info = plan.new_units().set_index("new_code")
    codes = units_geom.index.astype(str)
    frame = pd.DataFrame({
        "code": codes,
        "name": info["new_name"].reindex(codes).fillna("").to_numpy(),
        "parent": info["new_parent"].reindex(codes).fillna("").to_numpy(),
        "parent_code": info["new_parent_code"].reindex(codes).fillna("").to_numpy(),
        "level": plan.links["level"].iloc[0] if len(plan.links) else "",
        "area_km2": area_km2(lonlat),
    })
    if counts:
        sums = sum_counts(old, placed, counts)
        for f in counts:
            frame[f] = sums[f].reindex(codes, fill_value=0).to_numpy()
    if pop_field:
        frame = frame.rename(columns={pop_field: "population"})
        frame["density"] = density(frame["population"], frame["area_km2"])
    members = pd.Series(placed).value_counts()
    # a divided old unit went whole to one of its new units: that one has too much, the others too little
    divided = plan.links[plan.links["old_code"].isin(set(assignment.index[assignment["approximate"]]) & with_polygon)]
    approx = divided.drop_duplicates(["old_code", "new_code"]).groupby("new_code").size()
    n_inferred = pd.Series(inferred).groupby(pd.Series(placed)).sum()
    frame["n_members"] = members.reindex(codes).fillna(0).astype(int).to_numpy()
    frame["n_approximate"] = approx.reindex(codes).fillna(0).astype(int).to_numpy()
    frame["n_inferred"] = n_inferred.reindex(codes).fillna(0).astype(int).to_numpy()
    frame["approximate"] = frame["n_approximate"] > 0
    without_polygon = assignment.index.difference(pd.Index(sorted(with_polygon)))
    missing = assignment.loc[without_polygon, "new_code"].value_counts()
    frame["n_members_missing"] = missing.reindex(codes).fillna(0).astype(int).to_numpy()  # old units with no polygon
    if declared is not None:
        figures = declared[["area_declared_km2", "population_declared"]]
        frame = frame.merge(figures, how="left", left_on="code", right_index=True)
    return gpd.GeoDataFrame(frame, geometry=list(lonlat), crs="EPSG:4326")


def _lineage(old, areas, plan, links, assigned_to, placed, inferred, counts, pop_field):
    """One row per plan link plus one per inferred feature; ``areas``: of the old polygons, in km2."""
    table = links.table.assign(_new=placed, _area=areas, _inferred=inferred,
                               _name=_feature_names(old, links, links.table.index))
    if counts:
        table = table.join(old[counts].apply(pd.to_numeric, errors="coerce"))
    per_old = table.dropna(subset=["old_code"]).groupby("old_code").agg(
        _area=("_area", "sum"), _how=("linked_by", "first"), _placed=("_new", "first"), _name=("_name", "first"),
        **{f: (f, "sum") for f in counts})
    members = plan.links.merge(per_old, how="left", left_on="old_code", right_index=True)
    lineage = pd.DataFrame({
        "old_code": members["old_code"],
        "old_name": members["old_name"].where(members["old_name"] != "", members["_name"].fillna("")),  # else the layer's
        "old_parent": members["old_parent"],
        "new_code": members["new_code"], "new_name": members["new_name"], "new_parent": members["new_parent"],
        "link": members["link"],
        "assigned": members["new_code"].to_numpy() == members["old_code"].map(assigned_to["new_code"]).to_numpy(),
        "approximate": members["old_code"].map(assigned_to["approximate"]).astype(bool).to_numpy(),
        "linked_by": members["_how"].fillna("none"),
        "area_km2": members["_area"],
    })
    lineage.loc[lineage["linked_by"] == "none", "assigned"] = False
    for f in counts:
        lineage[_column(f, pop_field)] = members[f].to_numpy()
    # the other parts of a divided unit received nothing (it went whole to one); no polygon: unknown
    elsewhere = (~lineage["assigned"] & (lineage["linked_by"] != "none")).to_numpy()
    for column in ["area_km2"] + [_column(f, pop_field) for f in counts]:
        lineage.loc[elsewhere, column] = 0
    extra = table[table["_inferred"]]
    if len(extra):
        rows = pd.DataFrame({
            "old_code": extra["feature_code"].fillna("").astype(str), "old_name": _feature_names(old, links, extra.index),
            "old_parent": "", "new_code": extra["_new"], "new_name": "", "link": "inferred", "assigned": True,
            "approximate": False, "linked_by": "inferred", "area_km2": extra["_area"],
        })
        for f in counts:
            rows[_column(f, pop_field)] = extra[f].to_numpy()
        new_units = plan.new_units().set_index("new_code")
        rows["new_name"] = rows["new_code"].map(new_units["new_name"]).fillna("")
        rows["new_parent"] = rows["new_code"].map(new_units["new_parent"]).fillna("")
        if links.fields.get("parent"):
            rows["old_parent"] = old.loc[extra.index, links.fields["parent"]].fillna("").astype(str).to_numpy()
        lineage = pd.concat([lineage, rows], ignore_index=True)
    for f in counts:  # whole numbers (unless the field has fractions), missing where the old unit has no polygon
        column = _column(f, pop_field)
        if whole_numbers(old[f]):
            lineage[column] = lineage[column].round().astype("Int64")
    return lineage.reset_index(drop=True)


def _describe(old, links, rows) -> list[str]:
    """"name (parent), feature N" for features a planner must look at."""
    name, parent = links.fields.get("name"), links.fields.get("parent")
    out = []
    for i in rows:
        label = str(old.iloc[i][name]) if name else f"feature {i}"
        out.append(f"{label} ({old.iloc[i][parent]}), feature {i}" if parent else f"{label}, feature {i}")
    return out


def _feature_names(old, links, index):
    field_name = links.fields.get("name")
    return old.loc[index, field_name].fillna("").astype(str).to_numpy() if field_name else ""


def _repairs(repairs, crs):
    """Repairs in lon/lat with areas in km2 and widths in metres."""
    lonlat = to_lonlat(repairs.geometry.to_numpy(), crs)
    scale = METRES_PER_DEGREE if crs.is_geographic else 1.0
    out = gpd.GeoDataFrame(repairs.drop(columns=["geometry", "area", "width"]).assign(
        area_km2=fast_area_km2(lonlat), width_m=repairs["width"].to_numpy() * scale), geometry=list(lonlat), crs="EPSG:4326")
    where = shapely.point_on_surface(out.geometry.to_numpy())
    out["lon"], out["lat"] = shapely.get_x(where), shapely.get_y(where)
    out["receiving_code"] = out["receiving_code"].astype(str)
    out["other_codes"] = out["other_codes"].astype(str)
    return out


def _counted_twice_km2(overlaps: gpd.GeoDataFrame, crs) -> float:
    """What the old polygons count more than once where they overlap: a piece
    covered by n polygons, n - 1 times its area.

    >>> round(_counted_twice_km2(gpd.GeoDataFrame({"n_polygons": [3]}, geometry=[shapely.box(0, 0, 1, 1)]), "EPSG:4326"))
    24618
    """
    if not len(overlaps):
        return 0.0
    pieces = fast_area_km2(to_lonlat(overlaps.geometry.to_numpy(), crs))
    return float(((overlaps["n_polygons"].to_numpy() - 1) * pieces).sum())


def _outside_parents(old, links, outside) -> dict:
    """{parent: number of features} of the features left out, their province being none of the plan's."""
    parent = links.fields.get("parent")
    if not outside.any() or not parent:
        return {}
    return old.loc[outside, parent].astype(str).value_counts(sort=False).sort_index().to_dict()


def _several_features(links: LinkResult, geoms, members: pd.DataFrame) -> list[str]:
    """Plan members linked to more than one feature ("code: n features"), marking
    those where two polygons are identical: a row given twice counts twice."""
    linked = links.table.dropna(subset=["old_code"])
    linked = linked[linked["old_code"].duplicated(keep=False)]
    names = members.drop_duplicates("old_code").set_index("old_code")["old_name"]
    out = []
    for code, rows in linked.groupby("old_code", sort=True):
        shapes = pd.Series(shapely.to_wkb(shapely.normalize(geoms[rows.index.to_numpy()])))
        same = " (identical polygons: a duplicated row?)" if shapes.duplicated().any() else ""
        out.append(f"{code} {names.get(code, '')}: {len(rows)} features, linked by "
                   f"{', '.join(sorted(set(rows['linked_by'])))}{same}")
    return out


def _report(old, units, lineage, repairs, plan, links, inferred, unplaced, counts, pop_field, geoms, placed,
            old_km2, twice_km2, outside, with_polygon):
    """Totals, conservation checks and lists a planner needs to review; ``old_km2``: the area of each
    old polygon (repaired where invalid), ``twice_km2``: what they count twice where they overlap.

    The area check: old polygons placed - counted twice + gaps filled = new units.
    """
    has_polygon = plan.links["old_code"].isin(with_polygon)
    within = units_within_layer(plan.links, has_polygon)
    gaps = repairs[repairs["kind"] == "gap"]
    overlaps = repairs[repairs["kind"] == "overlap"]
    area_out = float(units["area_km2"].sum())
    old_placed_km2 = float(old_km2[placed != None].sum())  # noqa: E711 (element-wise)
    expected = old_placed_km2 - twice_km2 + float(gaps["area_km2"].sum())
    report = {
        "plan": plan.name,
        "pop_field": pop_field,
        "n_old_features": int((~outside).sum()),
        "n_units": len(units),
        "n_plan_new": plan.n_new,
        "link_counts": links.counts(),
        "link_fields": links.fields,
        "gaps_repaired": len(gaps),
        "gaps_repaired_km2": float(gaps["area_km2"].sum()),
        "wide_gaps": int((gaps["rule"] == "wide gap").sum()),
        "overlaps_repaired": len(overlaps),
        "overlaps_repaired_km2": float(overlaps["area_km2"].sum()),
        "approximate_links": int(lineage.loc[lineage["approximate"] & (lineage["linked_by"] != "none"), "old_code"].nunique()),
        "inferred_features": int(inferred.sum()),
        "unplaced_features": int(unplaced.sum()),
        "unplaced": _describe(old, links, np.flatnonzero(unplaced)),
        "features_without_geometry": int((~has_area(geoms)).sum()),
        "outside_plan": _outside_parents(old, links, outside),
        "several_features": [] if plan.by_field else _several_features(links, geoms, plan.members()),
        "codes_not_trusted": len(links.refused_codes),
        "unplaced_area_km2": float(old_km2[unplaced].sum()),
        "members_without_polygon": len(links.unmatched_members),
        "missing_units": sorted(within - set(units["code"])),
        "units_without_area": sorted(units.loc[~(units["area_km2"] > 0), "code"]),
        "units_outside_layer": plan.n_new - len(within),
        "members_within_layer": sorted(members_within_layer(plan.links, has_polygon)),
        "area_old_km2": old_placed_km2,
        "area_overlaps_km2": twice_km2,
        "area_units_km2": area_out,
        "area_check": check_conserved("area (old polygons - overlaps counted twice + gaps filled)", expected, area_out,
                                      AREA_TOLERANCE),
    }
    for f in counts:
        column = _column(f, pop_field)
        values = pd.to_numeric(old[f], errors="coerce")
        exact = whole_numbers(values)
        summed = values.fillna(0).round() if exact else values.fillna(0)
        as_counted = int if exact else float
        before = float(summed[placed != None].sum())  # noqa: E711
        # whole counts add up exactly; fractions up to the rounding of floating point sums
        report[f"{column}_check"] = check_conserved(column, before, float(units[column].sum()), 0.0 if exact else 1e-9)
        report[f"{column}_total"] = as_counted(units[column].sum())
        report[f"{column}_unplaced"] = as_counted(summed[unplaced].sum())
        report[f"{column}_missing"] = int(values[~outside].isna().sum())
    return report
