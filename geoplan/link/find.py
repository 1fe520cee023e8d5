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
        raise InputError('give a name to look for, e.g. "thoi son"')
    if province is not None and not province.strip():
        raise InputError("--province is empty: give a province name or code, or leave --province out")
    links, aliases = _plan(plan, level)
    units = _units(links, old)
    if province:
        units = units[_in_province(units, links, province, old, aliases, plan)]
    hits = units[_matching(units["name"], name, aliases)]
    hits = hits.assign(as_written=_as_written(hits["name"], name))
    hits = hits.sort_values(["as_written", "code"], ascending=[False, True])
    return _with_became(hits, links, old).reset_index(drop=True)


def hit_lines(hits: pd.DataFrame, province: str | None = None, old: bool = False) -> list[str]:
    """The lines ``geoplan find`` prints for ``hits``.

    >>> hit_lines(find_units("thoi son", province="An Giang"))
    ['30502  Phường Thới Sơn  (Tỉnh An Giang)']
    """
    lines = [_line(row, old) for row in hits.itertuples()]
    if len(hits) > 1:
        lines.append(f"{len(hits)} units match in {_province_label(province)}" + (", told apart by district" if old else "")
                     if province else f"{len(hits)} units match; add --province to pick one")
    return lines


def _province_label(province: str | None) -> str:
    """A province as given, a code said to be one ("province 91")."""
    return f"province {province.strip()}" if province and province.strip().isdigit() else province or ""


def _line(row, old: bool) -> str:
    where = ", ".join(part for part in (row.district, row.parent) if part)
    other = "  [other diacritics]" if not getattr(row, "as_written", True) else ""
    return f"{row.code}  {row.name}" + (f"  ({where})" if where else "") + (f"  -> {row.became}" if old else "") + other


def no_match(name: str, plan: str = "vn-2025-commune", province: str | None = None, old: bool = False,
             level: str | None = None) -> str:
    """Why nothing matched, with what would: the other vintage, other provinces, close names.

    >>> no_match("Nhà Bàng")
    "no new unit named 'Nhà Bàng'; 1 old unit has that name (add --old): 30502  Phường Nhà Bàng  (Thị xã Tịnh Biên, Tỉnh An Giang)  -> 30502 Phường Thới Sơn"
    """
    links, aliases = _plan(plan, level)
    message = f"no {'old' if old else 'new'} unit named {name!r}" + (f" in {_province_label(province)}" if province else "")
    units = _units(links, old)
    elsewhere = units[_matching(units["name"], name, aliases)]
    if province and len(elsewhere):
        provinces = sorted(set(elsewhere["parent"]))
        more = f" and {len(provinces) - SHOWN} more" if len(provinces) > SHOWN else ""
        return f"{message}; found in {', '.join(provinces[:SHOWN])}{more}"
    other = _units(links, not old)
    other = _with_became(other[_matching(other["name"], name, aliases)], links, not old)
    if len(other):
        found = f"{len(other)} {'new' if old else 'old'} unit{'s have' if len(other) > 1 else ' has'} that name"
        shown = "; ".join(_line(row, not old) for row in other.head(SHOWN).itertuples())
        return f"{message}; {found} ({'drop' if old else 'add'} --old): {shown}" + ("; ..." if len(other) > SHOWN else "")
    parents = units["parent"] if "parent" in units else pd.Series(dtype=object)
    province = parents[_matching(parents, name, aliases)]
    if len(province):  # a province's name asked of the commune units
        return f"{message}; {province.iloc[0]} is a province: look it up with --plan vn-2025-province" + (
            " --old" if old else "")
    close = _closest(name, units["name"])
    return message + (f"; closest: {', '.join(close)}" if close else "")


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
    target = mine["new_code"] + " " + mine["new_name"] + mine["link"].map({"partial": " (part)"}).fillna("")
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
    if not (units["parent"] != "").any():
        raise InputError(f"{plan}: its {'old' if old else 'new'} units have no province above them; drop --province")
    if province.strip().isdigit():
        return _with_code(units, links, province.strip(), old, plan)
    inside = _matching(units["parent"], province, aliases)
    if inside.any():
        return inside
    other, became = ("new", "old") if old else ("old", "new")
    pairs = links[[f"{other}_parent", f"{became}_parent"]].drop_duplicates()
    pairs = pairs[_matching(pairs[f"{other}_parent"], province, aliases)]
    if len(pairs) and not old:
        raise InputError(f"{province!r} is an old province: it became {', '.join(sorted(set(pairs['new_parent'])))}; "
                       f"give that with --province, or add --old to search its old units")
    if len(pairs):
        raise InputError(f"{province!r} is a new province: old units are listed by their old province "
                       f"({', '.join(sorted(set(pairs['old_parent'])))}); give one with --province, or drop --old")
    close = _closest(province, pd.Series(units["parent"].unique()))
    raise InputError(f"unknown province {province!r} for the {'old' if old else 'new'} units of {plan}"
                   + (f"; closest: {', '.join(close)}" if close else ""))


def _with_code(units: pd.DataFrame, links: pd.DataFrame, code: str, old: bool, plan: str) -> pd.Series:
    """Mask of ``units`` in the province of code ``code`` ("1" for "01" too); an error
    naming the province of the other vintage that has that code, if one.

    Codes are reused across vintages: 91 is the new Tỉnh An Giang and the old Tỉnh Kiên Giang.
    """
    inside = units["parent_code"].map(zero_free) == zero_free(code)
    if inside.any():
        return inside
    vintage, other = ("old", "new") if old else ("new", "old")
    theirs = _units(links, not old)
    theirs = theirs.loc[theirs["parent_code"].map(zero_free) == zero_free(code), "parent"]
    hint = f"; {code} is the code of the {other} province {theirs.iloc[0]} ({'drop' if old else 'add'} --old)" \
        if len(theirs) else ""
    raise InputError(f"unknown province code {code!r} for the {vintage} units of {plan}{hint}")


def _closest(query: str, names: pd.Series) -> list[str]:
    """Up to ``SHOWN`` names close to ``query`` (diacritic-free comparison)."""
    by_key: dict[str, list[str]] = {}
    for full in names.dropna().unique():
        by_key.setdefault(search_key(full)[1], []).append(full)
    close = difflib.get_close_matches(search_key(query)[1], list(by_key), n=SHOWN, cutoff=0.75)
    return [full for key in close for full in by_key[key]][:SHOWN]
