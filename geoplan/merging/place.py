"""Link the old layer's features to the plan's old units, and decide where each feature goes.

A feature linked to a plan member goes to that member's new unit (a divided
member, whole, to its default unit); a feature matching no member joins the
new unit it shares the longest border with (``inferred``, see
:mod:`geoplan.link.infer`); a feature whose name fits several members joins
one of their new units by its border, and links to the one candidate going
there (``name+neighbours``); features of provinces the plan does not cover
stay out (``outside``). With a reference layer of the new units, a feature
matching no member goes instead to the new unit whose reference polygon holds
more than half of it, when that unit lies in the same new province as the one
its border gives (``inferred``, by the reference).

>>> placement = place(layer, links, plan, 200.0)  # doctest: +SKIP
>>> placement.new_code[:3]  # doctest: +SKIP
array(['00004', '00004', '00008'], dtype=object)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import LinkError
from ..i18n import Message
from ..link.infer import infer_units
from ..link.match import LinkResult, link_features
from ..measure.area import METRES_PER_DEGREE
from ..plan.model import Plan
from .layer import OldLayer

MIN_LINKED_SHARE = 0.25  # below this share of features linked, the layer is not the plan's (another level, country)


@dataclass(frozen=True)
class Placement:
    """Where each feature of the old layer goes: ``new_code`` (None where nowhere),
    ``inferred`` (placed by the longest border or by the reference, matching no member),
    ``by_reference`` (inferred features the reference placed), ``unplaced``
    (matching no member and bordering no placed polygon), ``outside`` (in a province the
    plan does not cover), and ``links`` (the features' links, the name+neighbours ones settled)."""

    new_code: np.ndarray
    inferred: np.ndarray
    unplaced: np.ndarray
    outside: np.ndarray
    links: LinkResult
    by_reference: np.ndarray | None = None


def link(layer: OldLayer, plan: Plan, aliases: dict) -> LinkResult:
    """Link each feature to at most one old unit of ``plan``; a LinkError when the layer and
    the plan do not match at all (no province in common, or under a quarter of the features
    linked: a layer of another level or country)."""
    fields = layer.fields
    links = link_features(layer.frame, plan, fields["code"], fields["name"], fields["parent"], fields["district"],
                          aliases)
    linked, outside = links.table["old_code"].notna(), links.table["outside"].to_numpy()
    if outside.all():
        parents = sorted(set(layer.text("parent")))
        raise LinkError("merge.no_common_province", path=layer.label, plan=plan.name, field=fields["parent"],
                        examples=", ".join(parents[:3]))
    if linked[~outside].mean() < MIN_LINKED_SHARE or not linked.any():
        levels = sorted(set(plan.links["level"]) - {""})
        raise LinkError("merge.too_few_linked", path=layer.label, plan=plan.name, linked=int(linked.sum()),
                        inside=int((~outside).sum()), fields=" or ".join(f for f in (fields["code"], fields["name"]) if f),
                        hint=Message("merge.hint_level", levels=", ".join(levels)) if levels else "")
    return links


def place(layer: OldLayer, links: LinkResult, plan: Plan, gap_width_m: float, holdings=None) -> Placement:
    """The new unit of every feature (see the module's description); ``holdings``: without a
    reference None, else a function giving how much of each feature each reference unit holds
    (:func:`geoplan.merging.audit.reference_holdings`, computed meanwhile in another thread)."""
    assignment = plan.assignment().set_index("old_code")
    outside = links.table["outside"].to_numpy()
    new_code = _by_link(links, assignment)
    inside = np.flatnonzero(~outside)
    position = {feature: i for i, feature in enumerate(inside)}
    candidates = {row.feature: row.codes for row in links.ambiguous.itertuples()} if len(links.ambiguous) else {}
    allowed = {position[f]: set(assignment.loc[codes, "new_code"]) for f, codes in candidates.items() if f in position}
    placed = np.full(len(new_code), None, dtype=object)
    placed[inside] = infer_units(layer.lonlat[inside], new_code[inside], layer.text("parent")[inside],
                                 tolerance=gap_width_m / METRES_PER_DEGREE, allowed=allowed)
    chosen = {f: [c for c in codes if assignment.at[c, "new_code"] == placed[f]] for f, codes in candidates.items()}
    claims = pd.Series([c[0] for c in chosen.values() if len(c) == 1]).value_counts()
    settled = {f: c[0] for f, c in chosen.items() if len(c) == 1 and claims[c[0]] == 1}
    links = links.settled(settled, "name+neighbours")
    inferred = (_by_link(links, assignment) == None) & (placed != None)  # noqa: E711 (element-wise)
    by_reference = _by_reference(layer, placed, inferred, holdings, plan) if holdings is not None else None
    return Placement(placed, inferred, (placed == None) & ~outside, outside, links, by_reference)  # noqa: E711


def _by_reference(layer: OldLayer, placed: np.ndarray, inferred: np.ndarray, holdings, plan: Plan) -> np.ndarray:
    """Move inferred features to the new unit whose reference polygon holds more than half of
    each (``holdings()``: the reference's holdings, km2 per feature and code, waited for only
    when a feature was inferred), when it lies in the same new province as the unit its border
    gave (``placed`` is changed in place); the mask of the features moved."""
    rows = np.flatnonzero(inferred & layer.measurable)
    moved = np.zeros(len(placed), dtype=bool)
    if not len(rows):
        return moved
    held = holdings()
    held = held[np.isin(held["feature"].to_numpy(), rows)]
    if not len(held):
        return moved
    best = held.sort_values("km2", ascending=False, kind="stable").drop_duplicates("feature").set_index("feature")
    parent = plan.new_units().set_index("new_code")["new_parent"]
    own = layer.areas_km2[best.index.to_numpy()]
    keep = (best["km2"].to_numpy() > own / 2) & (best["code"].map(parent).to_numpy()
                                                 == pd.Series(placed[best.index]).map(parent).to_numpy())
    chosen = best[keep]
    moved[chosen.index.to_numpy()] = placed[chosen.index.to_numpy()] != chosen["code"].to_numpy()
    placed[chosen.index.to_numpy()] = chosen["code"].to_numpy()
    return moved


def _by_link(links: LinkResult, assignment: pd.DataFrame) -> np.ndarray:
    """The new unit of each feature by its link (None where it has none)."""
    new_code = links.table["old_code"].map(assignment["new_code"]).to_numpy(dtype=object)
    return np.where(pd.isna(new_code), None, new_code)
