"""Link the features of a layer to the old units of a plan.

Matching goes from the most to the least certain key and never picks
silently between two candidates:

1. ``code``: the feature's code equals the plan's old code;
2. ``name``: same parent, same name with its unit type ("Xã Tân Lập");
3. ``name``: same parent, same name without the type, so a unit that changed
   type still matches ("Thị trấn Nhà Bàng" -> "Phường Nhà Bàng");
4. ``folded``: the same without diacritics, only when exactly one candidate;
5. where several candidates remain, the district disambiguates: by name when
   both sides carry one (``name+district``), else by the range of codes of
   the district's coded features (``name+district``);
6. ``district``: a plan member that is a whole district (island districts
   such as Lý Sơn have no communes) takes every unlinked feature of it.

Features left with several candidates are settled later by their place
(``name+neighbours``, in :mod:`geoplan.merging.place`): they join the new unit of
one candidate by the longest border, and link to it when no other candidate
goes there. Features whose parent is none of the plan's are ``outside`` it.

Aliases (``from`` -> ``to``) rename layer values before matching, for units
renamed since the layer was drawn (Thừa Thiên Huế -> Thành phố Huế).

>>> result = link_features(layer, plan, name_field="commune_vn", parent_field="province_vn")  # doctest: +SKIP
>>> result.table.linked_by.value_counts()  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..plan.model import Plan
from ..values import as_code, lost_zeros, zero_free
from .aliases import apply_aliases
from .names import exact_key, folded_key, place_key, plain_keys, unit_type


@dataclass
class LinkResult:
    """Outcome of linking: ``table`` has one row per feature with ``old_code``
    (or None) and ``linked_by``; ``unmatched_members`` lists plan members with
    no feature, with suggestions; ``ambiguous`` lists features with several
    candidates."""

    table: pd.DataFrame
    unmatched_members: pd.DataFrame
    ambiguous: pd.DataFrame
    fields: dict = field(default_factory=dict)
    refused_codes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def settled(self, codes: dict, how: str) -> "LinkResult":
        """A copy in which the features ``codes`` maps ({feature: old code}) are
        linked, ``how`` says by what; they leave the ambiguous list, and their old
        units the unmatched ones.

        >>> links = LinkResult(pd.DataFrame({"old_code": [None], "linked_by": ["none"]}),
        ...                    pd.DataFrame({"old_code": ["7"]}), pd.DataFrame({"feature": [0]}))
        >>> links.settled({0: "7"}, "name+neighbours").table.values.tolist(), len(links.unmatched_members)
        ([['7', 'name+neighbours']], 1)
        """
        if not codes:
            return self
        table = self.table.copy()
        table.loc[list(codes), "old_code"] = list(codes.values())
        table.loc[list(codes), "linked_by"] = how
        ambiguous = self.ambiguous[~self.ambiguous["feature"].isin(codes)].reset_index(drop=True)
        unmatched = self.unmatched_members[~self.unmatched_members["old_code"].isin(set(codes.values()))]
        return replace(self, table=table, ambiguous=ambiguous, unmatched_members=unmatched.reset_index(drop=True))

    def counts(self) -> dict:
        """Number of features per method, plus unmatched plan members."""
        counts = self.table["linked_by"].value_counts().to_dict()
        counts["members without feature"] = len(self.unmatched_members)
        return counts


def _code_ranges(codes: pd.Series, districts: pd.Series) -> dict:
    """Min and max numeric code of the coded features of each district."""
    numeric = pd.to_numeric(codes, errors="coerce")
    frame = pd.DataFrame({"d": districts, "c": numeric}).dropna()
    ranges = frame.groupby("d")["c"].agg(["min", "max"])
    return dict(zip(ranges.index, zip(ranges["min"], ranges["max"])))


def link_features(
    layer: pd.DataFrame,
    plan: Plan,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    district_field: str | None = None,
    aliases: dict[str, str] | None = None,
) -> LinkResult:
    """Link each feature of ``layer`` to at most one old unit of ``plan``.

    >>> link_features(layer, plan, code_field="gso_code_c2016", name_field="commune_vn")  # doctest: +SKIP
    """
    aliases = aliases or {}
    members = plan.members()
    n = len(layer)
    old_code = pd.Series([None] * n, index=layer.index, dtype=object)
    how = pd.Series(["none"] * n, index=layer.index, dtype=object)
    taken: set[str] = set()
    member_codes = set(members["old_code"].tolist())

    if name_field:
        names, renamed = apply_aliases(layer[name_field].fillna("").astype(str), aliases)
    parents, parent_renamed = (
        apply_aliases(layer[parent_field].fillna("").astype(str), aliases)
        if parent_field else (pd.Series([""] * n, index=layer.index), pd.Series(False, index=layer.index))
    )
    outside = _outside_plan(parents, members)
    codes = as_code(layer[code_field]) if code_field else pd.Series([None] * n, index=layer.index, dtype=object)
    refused = pd.DataFrame()
    if code_field:
        hit = codes.isin(member_codes)
        old_code[hit] = codes[hit]
        how[hit] = "code"
        for i, member in _by_code_value(codes[~hit & codes.notna()], member_codes - set(codes[hit].tolist())).items():
            old_code.loc[i], how.loc[i] = member, "code without leading zeros"
        districts = layer[district_field].fillna("").astype(str) if district_field else pd.Series("", index=layer.index)
        refused = _contradicted_codes(old_code, names if name_field else None, parents, districts, members)
        old_code[refused.index], how[refused.index] = None, "none"
        taken |= set(old_code.dropna().tolist())

    ambiguous_rows = []
    if name_field:
        districts = layer[district_field].fillna("").astype(str) if district_field else pd.Series([""] * n, index=layer.index)
        ranges = _code_ranges(codes, districts) if code_field and district_field else {}
        use_parent = parent_field is not None and (members["old_parent"] != "").any()
        texts = _Texts(names.tolist(), parents.tolist() if use_parent else [""] * n, districts.tolist(),
                       (renamed | parent_renamed).tolist())
        found_codes, found_how = old_code.tolist(), how.tolist()
        ambiguous = _match_names(_NameMatcher(members, use_parent), texts, ranges, found_codes, found_how, taken)
        ambiguous_rows = [{"feature": layer.index[i], "name": texts.names[i], "parent": texts.parents[i],
                           "candidates": ", ".join(candidates), "codes": candidates}
                          for i, candidates in sorted(ambiguous.items())]
        old_code = pd.Series(found_codes, index=layer.index, dtype=object)
        how = pd.Series(found_how, index=layer.index, dtype=object)

    table = pd.DataFrame({"old_code": old_code, "linked_by": how, "feature_code": codes,
                          "outside": outside & old_code.isna()}, index=layer.index)
    unmatched = members[~members["old_code"].isin(set(old_code.dropna().tolist()))].copy()
    if name_field:
        unmatched["suggestions"] = _suggest(unmatched, layer, table, name_field, parent_field)
    fields = {"code": code_field, "name": name_field, "parent": parent_field, "district": district_field}
    return LinkResult(table, unmatched.reset_index(drop=True), pd.DataFrame(ambiguous_rows), fields, refused)


@dataclass
class _Texts:
    """The features' names, parents ("" when the plan has none) and districts, and whether an
    alias renamed each, as lists (positions of the layer)."""

    names: list[str]
    parents: list[str]
    districts: list[str]
    renamed: list[bool]


def _match_names(matcher, texts: _Texts, ranges: dict, found_codes: list, found_how: list, taken: set) -> dict:
    """Link by name the features ``found_how`` says are unlinked ("none"), in ``found_codes``,
    ``found_how`` and ``taken``; returns the features left with several candidates. A second
    pass settles features whose other candidates were taken meanwhile.

    >>> _match_names(None, _Texts([], [], [], []), {}, [], [], set())
    {}
    """
    todo, ambiguous = [i for i, how in enumerate(found_how) if how == "none"], {}
    while todo:
        before = len(taken)
        for i in todo:
            district = texts.districts[i]
            found, method, candidates = matcher.find(texts.names[i], texts.parents[i], district, ranges.get(district), taken)
            ambiguous.pop(i, None)
            if found is not None:
                found_codes[i], found_how[i] = found, "alias" if texts.renamed[i] else method
                taken.add(found)
            elif candidates:
                ambiguous[i] = candidates
            elif district:  # a plan member that is a whole district (island districts have no communes)
                found = matcher.find_district(district, texts.parents[i])
                if found is not None:
                    found_codes[i], found_how[i] = found, "district"
        todo = list(ambiguous) if len(taken) > before and ambiguous else []
    return ambiguous


def _outside_plan(parents: pd.Series, members: pd.DataFrame) -> pd.Series:
    """Features whose parent (old province) is none of the plan's: a plan for one
    province applied to a national layer leaves the others out. A feature with
    no parent, or a plan without parents, is never outside.

    >>> members = pd.DataFrame({"old_parent": ["Tỉnh An Giang", ""]})
    >>> _outside_plan(pd.Series(["An Giang", "an giang", "Hà Nội", ""]), members).tolist()
    [False, False, True, False]
    """
    plan_parents = {place_key(p) for p in set(members["old_parent"].tolist()) if p}
    if not plan_parents:
        return pd.Series(False, index=parents.index)
    return parents.map(lambda p: bool(p) and place_key(p) not in plan_parents)


def _contradicted_codes(old_code: pd.Series, names: pd.Series | None, parents: pd.Series, districts: pd.Series,
                        members: pd.DataFrame) -> pd.DataFrame:
    """Code links that the feature's own name and place contradict, to be refused.

    Codes are reused and shifted across vintages (a c.2016 code can belong to
    another commune in 2025), so a code link is refused when the feature's
    province is not the plan unit's, or when the plan unit with that code has
    another name and a feature of that name of its own in the same province
    and district (then each polygon is linked by its name instead). A rename
    (same code, new name, no other polygon of the new name) keeps its code
    link. Returns the refused links (index: features) with the code and both
    names.

    >>> members = pd.DataFrame({"old_code": ["1", "2"], "old_name": ["Xã A", "Xã B"], "old_parent": ["P", "P"],
    ...                         "old_district": ["", ""]})
    >>> names, parents, districts = pd.Series(["Xã B", "Xã A"]), pd.Series(["P", "P"]), pd.Series(["", ""])
    >>> _contradicted_codes(pd.Series(["1", None]), names, parents, districts, members)["feature_name"].tolist()
    ['Xã B']
    """
    coded = old_code.dropna()
    member = members.drop_duplicates("old_code").set_index("old_code").loc[coded.to_numpy()]
    place = _keyed(parents[coded.index], place_key)
    plan_place = _keyed(member["old_parent"], place_key)
    other_place = (place != "") & (plan_place != "") & (place != plan_place)
    if names is None:
        wrong = other_place
        feature_names = pd.Series("", index=coded.index)
    else:
        feature_names = names[coded.index]
        name, plan_name = _keyed(feature_names, folded_key), _keyed(member["old_name"], folded_key)
        plan_district = _keyed(member["old_district"], place_key) if districts.ne("").any() else \
            np.full(len(member), "")
        layer_place, layer_name = _keyed(parents, place_key), _keyed(names, folded_key)
        own_polygon = set(zip(layer_place, layer_name)) | set(zip(layer_place, _keyed(districts, place_key), layer_name))
        claimed = np.array([((p, d, m) if d else (p, m)) in own_polygon
                            for p, d, m in zip(plan_place, plan_district, plan_name)], dtype=bool)
        wrong = other_place | ((name != plan_name) & claimed)
    return pd.DataFrame({"code": coded.to_numpy()[wrong], "plan_name": member["old_name"].to_numpy()[wrong],
                         "feature_name": feature_names.to_numpy()[wrong]}, index=coded.index[wrong])


def _keyed(values: pd.Series, key) -> np.ndarray:
    """``key`` of each value (as ``values.map(key)``, without pandas' per-value overhead).

    >>> _keyed(pd.Series(["Tỉnh An Giang"]), place_key).tolist()
    ['an giang']
    """
    return np.array([key(value) for value in values.to_numpy(dtype=object)], dtype=object)


class _NameMatcher:
    """Index of plan members by (parent key, name key) at three strictness levels."""

    def __init__(self, members: pd.DataFrame, use_parent: bool):
        self.members = members.set_index("old_code")
        self.use_parent = use_parent
        self.index: dict[str, dict[tuple, list[str]]] = {"typed": {}, "name": {}, "folded": {}}
        for code, name, parent in zip(*(members[c].tolist() for c in ("old_code", "old_name", "old_parent"))):
            p = exact_key(parent) if use_parent else ""
            pf = place_key(parent) if use_parent else ""
            self.index["typed"].setdefault((p, unit_type(name), exact_key(name)), []).append(code)
            self.index["name"].setdefault((p, exact_key(name)), []).append(code)
            self.index["folded"].setdefault((pf, folded_key(name)), []).append(code)

    def find(self, name: str, parent: str, district: str, code_range, taken: set[str]):
        """Return (code, method, candidates): code None when no or several candidates."""
        p = exact_key(parent) if self.use_parent else ""
        pf = place_key(parent) if self.use_parent else ""
        keys = (
            ("typed", (p, unit_type(name), exact_key(name)), "name"),
            ("name", (p, exact_key(name)), "name"),
            *(("folded", (pf, key), "folded") for key in plain_keys(name)),
        )
        for level, key, method in keys:
            candidates = [c for c in self.index[level].get(key, []) if c not in taken]
            if len(candidates) == 1:
                return candidates[0], method, candidates
            if len(candidates) > 1:
                chosen = self._by_district(candidates, district, code_range)
                if chosen is not None:
                    return chosen, "name+district", candidates
                return None, None, candidates
        return None, None, []

    def find_district(self, district: str, parent: str) -> str | None:
        """The plan member that is this district itself, matched with its type ("Huyện Lý Sơn")."""
        p = exact_key(parent) if self.use_parent else ""
        candidates = self.index["typed"].get((p, unit_type(district), exact_key(district)), [])
        return candidates[0] if len(candidates) == 1 and unit_type(district) else None

    def _by_district(self, candidates: list[str], district: str, code_range) -> str | None:
        if district:
            dkey = exact_key(district)
            same = [c for c in candidates if exact_key(self.members.at[c, "old_district"]) == dkey and dkey]
            if len(same) == 1:
                return same[0]
        if code_range is not None:
            low, high = code_range
            inside = [c for c in candidates if c.isdigit() and low <= int(c) <= high]
            if len(inside) == 1:
                return inside[0]
        return None


def _suggest(unmatched: pd.DataFrame, layer: pd.DataFrame, table: pd.DataFrame,
             name_field: str, parent_field: str | None, limit: int = 3) -> list[str]:
    """Closest unlinked feature names for each unmatched plan member, in the same parent when known."""
    free = layer[table["old_code"].isna()]
    names = free[name_field].fillna("").astype(str)
    parents = free[parent_field].fillna("").astype(str) if parent_field else pd.Series("", index=free.index)
    by_parent: dict[str, dict[str, list[str]]] = {}
    for name, parent in zip(names, parents):
        label = f"{name} ({parent})" if parent else name
        by_parent.setdefault(place_key(parent), {}).setdefault(folded_key(name), []).append(label)
    out = []
    for name, parent in zip(unmatched["old_name"].tolist(), unmatched["old_parent"].tolist()):
        pool = by_parent.get(place_key(parent), {}) if parent_field and parent else \
            {k: v for group in by_parent.values() for k, v in group.items()}
        close = difflib.get_close_matches(folded_key(name), list(pool), n=limit, cutoff=0.75)
        out.append("; ".join(label for key in close for label in pool[key][:2]))
    return out


def _by_code_value(codes: pd.Series, member_codes: set[str]) -> dict:
    """Features whose numeric code lost the leading zeros of one plan member's ("4" for
    "00004"), or whose plan lost them (a plan saved from Excel): {feature index: member
    code}; never a guess between two members. Codes that both keep leading zeros ("001",
    "01") are not matched across widths."""
    by_value: dict[str, list[str]] = {}
    for code in member_codes:
        by_value.setdefault(zero_free(code), []).append(code)
    found = {}
    for i, code in codes.dropna().items():
        if not code.isdigit():
            continue
        candidates = by_value.get(zero_free(code), [])
        if not lost_zeros(code):  # the feature keeps its zeros: only a plan code without them
            candidates = [c for c in candidates if lost_zeros(c)]
        if len(candidates) == 1:
            found[i] = candidates[0]
    return found
