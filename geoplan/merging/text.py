"""A merge's report for people: the summary line, the conservation of totals and the link
report, in the language in use (see :mod:`geoplan.i18n`).

>>> print(summary(result.report))  # doctest: +SKIP
Merged 11,163 old units into 3,310 new units; 0 gaps left; ...
"""

from __future__ import annotations

import pandas as pd

from ..i18n import Message, Option, render
from ..io.labels import value_label
from .report import AREA_TOLERANCE, MergeReport

LIMIT = 10  # rows listed under each heading of the link report


def summary(report: MergeReport) -> str:
    """The closing line a planner reads."""
    parts = [render("merge.summary", n_old=report.n_old_features, n_units=report.n_units, gaps_left=report.gaps_left,
                    gaps_km2=report.gaps_repaired_km2, wide=report.wide_gaps, overlaps_km2=report.overlaps_repaired_km2,
                    approximate=report.approximate_units, inferred=report.inferred_features,
                    unplaced=report.unplaced_features, missing=len(report.missing_units))]
    if report.split_parts:
        parts.append(render(f"merge.summary_split_{report.splits_with}", n=report.split_parts))
    elif report.approximate_units:
        parts.append(render("merge.summary_would_split", option=Option("reference")))
    if report.inferred_by_reference:
        parts.append(render("merge.summary_inferred_by_reference", n=report.inferred_by_reference))
    if report.audit:
        parts.append(render("merge.summary_audit", n=sum(report.audit.values())))
    if report.units_without_area:
        parts.append(render("merge.summary_no_area", n=len(report.units_without_area)))
    if report.units_outside_layer:
        parts.append(render("merge.summary_outside_layer", n=report.units_outside_layer))
    if report.outside_plan:
        parts.append(render("merge.summary_outside_plan", n=sum(report.outside_plan.values())))
    return "".join(parts)


def conservation(report: MergeReport) -> str:
    """Area and count totals before and after, as checked."""
    lines = [render("merge.area_accounting", old=report.area_old_km2, twice=report.area_overlaps_km2,
                    between=report.overlaps_repaired_km2, gaps=report.gaps_repaired_km2, units=report.area_units_km2,
                    check=report.area_check, tolerance=AREA_TOLERANCE)]
    for count in report.counts.values():
        name = render("merge.population") if count.column == "population" else count.column.capitalize()
        lines.append(render("merge.count_conserved", name=name, total=count.total,
                            unplaced=count.unplaced, missing=count.missing))
    return "\n".join(lines)


def feature_label(row) -> str:
    """A feature a planner must find: "name (parent), feature N", or "feature N" without a name.

    >>> feature_label(pd.Series({"feature": 4, "name": "Xã Lạc", "parent": "Tỉnh Thử"}))
    'Xã Lạc (Tỉnh Thử), feature 4'
    """
    name = row["name"] or render("merge.feature_n", feature=row["feature"])
    return render("merge.feature_label", name=name, parent=row["parent"], feature=row["feature"]) if row["parent"] \
        else render("merge.feature_label_no_parent", name=name, feature=row["feature"])


def _more(n: int, message_id: str) -> list[str]:
    return [render(message_id, n=n)] if n > 0 else []


def link_report(report: MergeReport, lineage: pd.DataFrame, links, limit: int = LIMIT, audit=None) -> str:
    """How features were linked, what is unmatched or ambiguous, what to review (with the plan's
    links a reference contradicts, from ``audit``)."""
    lines = [render("link_report.title")]
    lines += [render("link_report.linked_by", n=count, how=value_label(how)) for how, count in report.link_counts.items()
              if how not in ("none", "members without feature")]
    lines.append(render("link_report.matched_none", n=report.link_counts.get("none", 0),
                        inferred=report.inferred_features, unplaced=report.unplaced_features))
    inferred = lineage[lineage["link"] == "inferred"]
    for row in inferred.head(limit).itertuples():
        lines.append(render("link_report.inferred", name=row.old_name, code=row.new_code, new_name=row.new_name,
                            parent=Message("link_report.in_parent", parent=row.old_parent) if row.old_parent else ""))
    lines += _more(len(inferred) - limit, "link_report.more_inferred")
    lines += [render("link_report.unplaced", label=feature_label(row)) for _, row in report.unplaced.head(limit).iterrows()]
    lines += _outside_lines(report, limit) + _several_lines(report, limit) + _detached_lines(report, limit)
    if report.features_without_geometry:
        lines.append(render("link_report.without_geometry", n=report.features_without_geometry))
    lines += _refused_lines(links, limit) + _unmatched_lines(report, links, limit) + _ambiguous_lines(links, limit)
    if report.missing_units:
        lines.append(render("link_report.missing_units", n=len(report.missing_units),
                            units=", ".join(report.missing_units[:limit]),
                            more=Message("link_report.and_more", n=len(report.missing_units) - limit)
                            if len(report.missing_units) > limit else ""))
    if report.units_without_area:
        lines.append(render("link_report.units_without_area", n=len(report.units_without_area),
                            units=", ".join(report.units_without_area[:limit])))
    if report.units_outside_layer:
        lines.append(render("link_report.units_outside_layer", n=report.units_outside_layer))
    if report.wide_gaps:
        lines.append(render("link_report.wide_gaps", n=report.wide_gaps))
    return "\n".join(lines + _split_lines(report) + _audit_lines(report, audit, limit))


def _split_lines(report: MergeReport) -> list[str]:
    """How divided old units were split, and by which rules."""
    if not report.splits_with:
        return []
    rules = ", ".join(f"{value_label(rule)} {n:,}" for rule, n in report.split_rules.items())
    return [render(f"link_report.split_{report.splits_with}", parts=report.split_parts,
                   approximate=report.approximate_units, rules=rules or "-")]


def _audit_lines(report: MergeReport, audit, limit: int) -> list[str]:
    """The plan's links the reference contradicts: how many of each verdict, and the largest."""
    if audit is None or not len(audit):
        return []
    verdicts = audit["verdict"].value_counts()
    lines = [render("link_report.audit", n=len(audit), plan=int(verdicts.get("plan", 0)),
                    linking=int(verdicts.get("linking", 0)), resolution=int(verdicts.get("resolution", 0)))]
    for row in audit.head(limit).itertuples():
        lines.append(render("link_report.audit_row", code=row.old_code, name=row.old_name, new_code=row.new_code,
                            new_name=row.new_name, kind=value_label(row.kind), km2=row.at_stake_km2,
                            found=row.found_name or "-", verdict=value_label(row.verdict)))
    return lines


def _outside_lines(report: MergeReport, limit: int) -> list[str]:
    outside = report.outside_plan
    if not outside:
        return []
    shown = ", ".join(f"{parent} ({n:,})" for parent, n in list(outside.items())[:limit])
    more = Message("link_report.and_more", n=len(outside) - limit) if len(outside) > limit else ""
    return [render("link_report.outside_plan", n=sum(outside.values()), parents=shown, more=more)]


def _several_lines(report: MergeReport, limit: int) -> list[str]:
    several = report.several_features
    if several.empty:
        return []
    lines = [render("link_report.several", n=len(several))]
    for row in several.head(limit).itertuples():
        lines.append(render("link_report.several_row", code=row.old_code, name=row.old_name, n=row.n_features,
                            how=row.linked_by, identical=Message("link_report.identical") if row.identical else ""))
    return lines


def _detached_lines(report: MergeReport, limit: int) -> list[str]:
    detached = report.detached
    if detached.empty:
        return []
    lines = [render("link_report.detached", n=len(detached))]
    for _, row in detached.head(limit).iterrows():
        lines.append(render("link_report.detached_row", label=feature_label(row), code=row["new_code"],
                            how=value_label(row["linked_by"])))
    return lines


def _refused_lines(links, limit: int) -> list[str]:
    refused = links.refused_codes
    if not len(refused):
        return []
    lines = [render("link_report.refused", n=len(refused))]
    lines += [render("link_report.refused_row", name=row.feature_name, code=row.code, plan_name=row.plan_name)
              for row in refused.head(limit).itertuples()]
    return lines


def _unmatched_lines(report: MergeReport, links, limit: int) -> list[str]:
    unmatched = links.unmatched_members
    inside = unmatched[unmatched["old_code"].isin(report.members_within_layer)]
    outside = len(unmatched) - len(inside)
    lines = [render("link_report.no_polygon", n=len(inside),
                    outside=Message("link_report.no_polygon_outside", n=outside) if outside else "")]
    for row in inside.head(limit).itertuples():
        hint = getattr(row, "suggestions", "")
        lines.append(render("link_report.no_polygon_row", code=row.old_code, name=row.old_name, parent=row.old_parent,
                            hint=Message("link_report.closest", names=hint) if hint else ""))
    return lines + _more(len(inside) - limit, "link_report.more_no_polygon")


def _ambiguous_lines(links, limit: int) -> list[str]:
    if not len(links.ambiguous):
        return []
    lines = [render("link_report.ambiguous", n=len(links.ambiguous))]
    lines += [render("link_report.ambiguous_row", name=row.name, parent=row.parent, candidates=row.candidates)
              for row in links.ambiguous.head(limit).itertuples()]
    return lines
