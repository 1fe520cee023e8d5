"""Find units by name, insensitive to diacritics, tone marks, hyphens and how the type is written.

Homonyms are never resolved silently: every match is listed with its
province (and, for old units, its district and the new unit it went to),
and ``province`` (a name or a code) narrows the list. Names are compared by
:func:`geoplan.names.search_key`, so "thoi son", "Thới-Sơn", "phuong thoi
son" and "P. Thới Sơn" find the same units; the aliases shipped with a
built-in plan count too ("Thừa Thiên Huế" finds Thành phố Huế). The names
that match with the query's diacritics too come first ("Phúc Hòa" lists Xã
Phúc Hòa before Xã Phục Hòa).

>>> find_units("thoi son")[["code", "parent"]].values.tolist()
[['28270', 'Tỉnh Đồng Tháp'], ['30502', 'Tỉnh An Giang']]
>>> find_units("thoi son", province="tinh an giang")["code"].tolist()
['30502']
>>> find_units("thoi son", province="91")["code"].tolist()  # the code of the new Tỉnh An Giang
['30502']
"""

from __future__ import annotations

import difflib

import pandas as pd

from ..errors import InputError
from ..i18n import Message, render
from ..plan.catalogue import known_renames, old_registry, read_plan
from ..values import zero_free
from .names import exact_key, fold, folded_key, search_key

SHOWN = 3  # candidates named in a hint


def find_units(name: str, plan: str = "vn-2025-commune", province: str | None = None, old: bool = False,
               level: str | None = None) -> pd.DataFrame:
    """Units of a plan whose name matches ``name``: ``code, name, parent, parent_code,
    district, became, as_written``.

    ``old`` searches the old units; for them ``district`` is the old district
    and ``became`` the new unit(s) they went to. ``province`` is the name or
    the code of a province of the units searched (an unknown or other-vintage
    province is an error that says which one to use). ``level`` picks a level
    of a plan file that has several. The units whose name matches with the
    diacritics ``name`` has come first (``as_written``), then the others,
    each by code. An empty (or blank) ``name`` or ``province`` is an error.

    >>> find_units("Phường 1", old=True, province="Tiền Giang")[["code", "district"]].values.tolist()
    [['28261', 'Thành phố Mỹ Tho'], ['28300', 'Thành phố Gò Công'], ['28435', 'Thị xã Cai Lậy']]
    >>> find_units("Phúc Hòa")[["name", "as_written"]].values.tolist()
    [['Xã Phúc Hòa', True], ['Xã Phục Hòa', False]]
    """
    if not name.strip():
        raise InputError("link.find_no_name")
    if province is not None and not province.strip():
        raise InputError("link.find_empty_province")
    links, aliases = _plan(plan, level)
    units = _units(links, old)
    if province:
        units = units[_in_province(units, links, province, old, aliases, plan)]
    hits = units[_matching(units["name"], name, aliases)]
    hits = hits.assign(as_written=_as_written(hits["name"], name))
    hits = hits.sort_values(["as_written", "code"], ascending=[False, True])
    return _with_became(hits, links, old).reset_index(drop=True)


def hit_lines(hits: pd.DataFrame, province: str | None = None, old: bool = False) -> list[str]:
    """The lines ``geoplan find`` prints for ``hits``, in the language in use.

    >>> hit_lines(find_units("thoi son", province="An Giang"))
    ['30502  Phường Thới Sơn  (Tỉnh An Giang)']
    """
    lines = [_line(row, old) for row in hits.itertuples()]
    if len(hits) > 1 and province:
        lines.append(render("link.find_matches_in_district" if old else "link.find_matches_in", n=len(hits),
                            province=_province_label(province)))
    elif len(hits) > 1:
        lines.append(render("link.find_matches", n=len(hits)))
    return lines


def _province_label(province: str | None):
    """A province as given, a code said to be one ("province 91")."""
    return Message("link.province_code", code=province.strip()) if province and province.strip().isdigit() \
        else province or ""


def _line(row, old: bool) -> str:
    where = ", ".join(part for part in (row.district, row.parent) if part)
    other = render("link.other_diacritics") if not getattr(row, "as_written", True) else ""
    return f"{row.code}  {row.name}" + (f"  ({where})" if where else "") + (f"  -> {row.became}" if old else "") + other


def no_match(name: str, plan: str = "vn-2025-commune", province: str | None = None, old: bool = False,
             level: str | None = None) -> Message:
    """Why nothing matched, with what would: the other vintage, other provinces, close names.

    >>> no_match("Nhà Bàng").render("en")
    "no new unit named 'Nhà Bàng'; 1 old unit has that name (add --old): 30502  Phường Nhà Bàng  (Thị xã Tịnh Biên, Tỉnh An Giang)  -> 30502 Phường Thới Sơn"
    """
    links, aliases = _plan(plan, level)
    where = Message("link.in_province", province=_province_label(province)) if province else ""
    message = Message("link.no_old_unit" if old else "link.no_new_unit", name=name, where=where)
    units = _units(links, old)
    elsewhere = units[_matching(units["name"], name, aliases)]
    if province and len(elsewhere):
        provinces = sorted(set(elsewhere["parent"]))
        more = Message("link.and_more", n=len(provinces) - SHOWN) if len(provinces) > SHOWN else ""
        return Message("link.found_in", message=message, provinces=", ".join(provinces[:SHOWN]), more=more)
    other = _units(links, not old)
    other = _with_became(other[_matching(other["name"], name, aliases)], links, not old)
    if len(other):
        kind = ("link.new_units_have" if old else "link.old_units_have") if len(other) > 1 else \
            ("link.new_unit_has" if old else "link.old_unit_has")
        shown = "; ".join(_line(row, not old) for row in other.head(SHOWN).itertuples())
        return Message("link.other_vintage", message=message, found=Message(kind, n=len(other)),
                       action=Message("link.drop" if old else "link.add"), shown=shown,
                       etc="; ..." if len(other) > SHOWN else "")
    parents = units["parent"] if "parent" in units else pd.Series(dtype=object)
    province = parents[_matching(parents, name, aliases)]
    if len(province):  # a province's name asked of the commune units
        return Message("link.is_province", message=message, province=province.iloc[0], old=" --old" if old else "")
    close = _closest(name, units["name"])
    return Message("link.closest", message=message, names=", ".join(close)) if close else message


def _plan(plan: str, level: str | None) -> tuple[pd.DataFrame, dict[str, str]]:
    resolved = read_plan(plan, level)
    return resolved.links, known_renames(resolved)


def _units(links: pd.DataFrame, old: bool) -> pd.DataFrame:
    """One row per old or new unit: code, name, parent, parent_code ("" when not known), district."""
    prefix = "old" if old else "new"
    units = links.drop_duplicates(f"{prefix}_code")
    frame = pd.DataFrame({"code": units[f"{prefix}_code"], "name": units[f"{prefix}_name"].fillna(""),
                          "parent": units[f"{prefix}_parent"].fillna(""),
                          "district": units["old_district"].fillna("") if old else ""})
    if old:
        return frame.assign(parent_code=_old_province_codes(frame))
    codes = units["new_parent_code"] if "new_parent_code" in units else pd.Series("", index=units.index)
    return frame.assign(parent_code=codes.fillna("").astype(str))


def _old_province_codes(units: pd.DataFrame) -> pd.Series:
    """The province code of old units, from the registry of old units
    (``boundaries/vn-old-units.csv``), where the registry puts the unit in
    the province the plan does; "" elsewhere.

    >>> _old_province_codes(pd.DataFrame({"code": ["30502", "30502"],
    ...                                   "parent": ["Tỉnh An Giang", "Tỉnh Kiên Giang"]})).tolist()
    ['89', '']
    """
    registry = old_registry()
    known = units["code"].map(registry["old_province"]).fillna("").map(folded_key)
    same = known == units["parent"].fillna("").map(folded_key)
    return units["code"].map(registry["old_province_code"]).where(same, "").fillna("")


def _with_became(units: pd.DataFrame, links: pd.DataFrame, old: bool) -> pd.DataFrame:
    """Old units with the new unit(s) each went to, in ``became`` ("" for new units)."""
    if not old:
        return units.assign(became="")
    mine = links[links["old_code"].isin(units["code"])]
    target = mine["new_code"] + " " + mine["new_name"] + mine["link"].map({"partial": render("link.part")}).fillna("")
    became = target.groupby(mine["old_code"], sort=False).agg(", ".join)
    return units.assign(became=units["code"].map(became).fillna(""))


def _matching(names: pd.Series, query: str, aliases: dict[str, str]) -> pd.Series:
    """Mask of ``names`` matching ``query`` or a name it is an alias of.

    The type counts when the query has one ("phuong thoi son" finds wards
    only), unless no unit of that type matches: then any type does
    ("Phường Nhà Bàng" finds "Thị trấn Nhà Bàng")."""
    keys = names.map(search_key)
    mask = pd.Series(False, index=names.index)
    for wanted in [query] + _aliased(query, aliases):
        kind, rest = search_key(wanted)
        whole = f"{kind} {rest}".strip()  # "quan hoa" may be Quan Hóa, not Quận Hòa
        typed = keys.map(lambda key: key[1] == rest and (not kind or key[0] == kind) or key[1] == whole)
        mask |= typed if typed.any() else keys.map(lambda key: key[1] == rest)
    return mask


def _as_written(names: pd.Series, query: str) -> pd.Series:
    """Mask of ``names`` (which match ``query`` without diacritics) that match it with
    its diacritics too; all of them when the query has none.

    >>> _as_written(pd.Series(["Xã Phúc Hòa", "Xã Phục Hòa"]), "phúc hoà").tolist()
    [True, False]
    >>> _as_written(pd.Series(["Xã Phúc Hòa", "Xã Phục Hòa"]), "phuc hoa").tolist()
    [True, True]
    """
    typed = " " + _words(query)
    if fold(typed) == typed:
        return pd.Series(True, index=names.index)
    return names.map(lambda name: typed.endswith(" " + _words(name)))  # the query may carry a type: "X. Phúc Hòa"


def _words(name: str) -> str:
    """A name's words with their diacritics, without its type; hyphens as spaces."""
    return " ".join(exact_key(name).replace("-", " ").split())


def _aliased(query: str, aliases: dict[str, str]) -> list[str]:
    """Names ``query`` is an alias of ("Thừa Thiên Huế" -> "Thành phố Huế")."""
    wanted = search_key(query)
    return [target for alias, target in aliases.items() if search_key(alias)[1] in (wanted[1], " ".join(wanted).strip())]


def _in_province(units: pd.DataFrame, links: pd.DataFrame, province: str, old: bool,
                 aliases: dict[str, str], plan: str) -> pd.Series:
    """Mask of ``units`` in ``province``; an error saying which province to use when it is none of theirs."""
    vintage = Message("link.vintage_old" if old else "link.vintage_new")
    if not (units["parent"] != "").any():
        raise InputError("link.no_parents", plan=plan, vintage=vintage)
    if province.strip().isdigit():
        return _with_code(units, links, province.strip(), old, plan)
    inside = _matching(units["parent"], province, aliases)
    if inside.any():
        return inside
    other, became = ("new", "old") if old else ("old", "new")
    pairs = links[[f"{other}_parent", f"{became}_parent"]].drop_duplicates()
    pairs = pairs[_matching(pairs[f"{other}_parent"], province, aliases)]
    if len(pairs) and not old:
        raise InputError("link.old_province", province=province, became=", ".join(sorted(set(pairs["new_parent"]))))
    if len(pairs):
        raise InputError("link.new_province", province=province, old=", ".join(sorted(set(pairs["old_parent"]))))
    close = _closest(province, pd.Series(units["parent"].unique()))
    raise InputError("link.unknown_province", province=province, vintage=vintage, plan=plan,
                     hint=Message("link.closest_hint", names=", ".join(close)) if close else "")


def _with_code(units: pd.DataFrame, links: pd.DataFrame, code: str, old: bool, plan: str) -> pd.Series:
    """Mask of ``units`` in the province of code ``code`` ("1" for "01" too); an error
    naming the province of the other vintage that has that code, if one.

    Codes are reused across vintages: 91 is the new Tỉnh An Giang and the old Tỉnh Kiên Giang.
    """
    inside = units["parent_code"].map(zero_free) == zero_free(code)
    if inside.any():
        return inside
    theirs = _units(links, not old)
    theirs = theirs.loc[theirs["parent_code"].map(zero_free) == zero_free(code), "parent"]
    hint = Message("link.code_of_other", code=code, province=theirs.iloc[0],
                   other=Message("link.vintage_new" if old else "link.vintage_old"),
                   action=Message("link.drop" if old else "link.add")) if len(theirs) else ""
    raise InputError("link.unknown_province_code", code=code, plan=plan, hint=hint,
                     vintage=Message("link.vintage_old" if old else "link.vintage_new"))


def _closest(query: str, names: pd.Series) -> list[str]:
    """Up to ``SHOWN`` names close to ``query`` (diacritic-free comparison)."""
    by_key: dict[str, list[str]] = {}
    for full in names.dropna().unique():
        by_key.setdefault(search_key(full)[1], []).append(full)
    close = difflib.get_close_matches(search_key(query)[1], list(by_key), n=SHOWN, cutoff=0.75)
    return [full for key in close for full in by_key[key]][:SHOWN]
