"""Declared figures: the one reader of them, and the rule that finds the built-in ones a result or plan matches.

Declared figures are the official area and population of the new units (a
resolution, the official reference map): a CSV with a code column and
``area_km2`` and/or ``population``, or a built-in plan's own table.

>>> float(read_declared("vn-2025-province").loc["91", "area_declared_km2"])
9888.91
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..i18n import Message, language
from ..io.tables import read_figures
from ..link.names import unit_type
from ..plan.catalogue import BUILTIN, declared_file, known_differences_file, read_plan
from ..plan.model import Plan
from ..values import zero_free

CODE_COLUMNS = ("code", "new_code", "gso_code", "ma", "mã")  # the new unit's code in a declared-figures table
SAME_PLAN_SHARE = 0.9  # codes of a plan file found in a built-in table: the same reform and level
DECLARED_COLUMNS = ["area_declared_km2", "population_declared"]
LEVEL_TYPES = {  # the unit types a name starts with, by level
    "province": {"tỉnh", "thành phố trực thuộc trung ương", "thành phố"},
    "commune": {"xã", "phường", "thị trấn", "đặc khu"},
}


def read_declared(source: str | Path) -> pd.DataFrame:
    """Declared figures indexed by new code: ``area_declared_km2`` (more than 0),
    ``population_declared`` (whole, 0 or more), and ``name``, ``note``, ``level`` and
    ``flags`` (an upstream table's own warnings) when the file has them; ``attrs["warnings"]`` says what was skipped or collapsed.

    ``source`` is a built-in plan name or a CSV with a code column (``code``,
    ``new_code``, ``gso_code`` or ``ma``) and ``area_km2`` and/or
    ``population``, read by the rules of :func:`geoplan.io.tables.read_figures`.

    >>> int(read_declared("vn-2025-commune").loc["30502", "area_declared_km2"])
    49
    """
    if declared_file(source) is not None:  # a built-in table is read once per process
        figures = _builtin_declared(str(source))
        return figures.copy()  # attrs (the warnings) come along
    return _read_declared(Path(source))


@lru_cache(maxsize=len(BUILTIN))
def _builtin_declared(name: str) -> pd.DataFrame:
    return _read_declared(declared_file(name))


def _read_declared(path: Path) -> pd.DataFrame:
    figures = read_figures(path, "declared figures", CODE_COLUMNS, {"area_km2": "area", "population": "count"},
                           keep=("name", "note", "flags", "level"))
    return figures.rename(columns={"area_km2": "area_declared_km2", "population": "population_declared"})


def builtin_figures_for(codes) -> tuple[str, pd.DataFrame] | None:
    """The built-in plan whose declared figures hold nine in ten of ``codes`` (a plan file or a
    result of the same reform and level, such as the dvhcvn plan), with its figures; None when none.

    >>> builtin_figures_for(["91", "01"])[0]
    'vn-2025-province'
    """
    codes = pd.Index(pd.unique(pd.Series(list(codes), dtype=object)))
    for name in BUILTIN:
        figures = read_declared(name)
        if len(codes) and codes.isin(figures.index).sum() >= SAME_PLAN_SHARE * len(codes):
            return name, figures
    return None


def declared_for_merge(declared, plan: Plan, plan_name: str | None) -> pd.DataFrame | None:
    """The declared figures a merge sets beside its computed ones: ``declared`` (a CSV path, a
    built-in plan name or a table indexed by new code), by default those of a built-in plan,
    or of the built-in plan whose new units are this plan's; None for a dissolve by a field.

    >>> declared_for_merge(None, plan, "vn-2025-province").loc["91", "area_declared_km2"]  # doctest: +SKIP
    9888.91
    """
    if declared is None:
        if plan_name in BUILTIN:
            return read_declared(plan_name)
        if plan.by_field:  # a dissolve by a field is no plan of the reform
            return None
        found = builtin_figures_for(plan.links["new_code"])
        return found[1] if found else None
    if isinstance(declared, (str, os.PathLike)):
        return read_declared(declared)
    if not isinstance(declared, pd.DataFrame) or not set(DECLARED_COLUMNS) & set(declared.columns):
        raise InputError("options.declared")
    return declared.reindex(columns=DECLARED_COLUMNS).set_axis(declared.index.astype(str))


def known_differences() -> pd.DataFrame:
    """The known reasons for large computed-vs-declared differences, by code, with
    the unit's name and the declared area the reason was written for; the reasons in
    the language in use (column ``known_difference_vi`` in Vietnamese).

    >>> known_differences().loc["56", "name"]
    'Tỉnh Khánh Hòa'
    """
    table = pd.read_csv(known_differences_file(), dtype=str).set_index("code")
    reasons = table.get(f"known_difference_{language()}", table["known_difference"])
    declared = pd.concat([read_declared(name) for name in BUILTIN])
    declared = declared[~declared.index.duplicated()]
    return declared.loc[reasons.index.intersection(declared.index), ["name", "area_declared_km2"]].assign(note=reasons)


def align_codes(declared: pd.DataFrame, codes) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Declared figures indexed by the result's ``codes``, with the declared codes
    matched by value (lost leading zeros: "1" for "01", as Excel leaves them)
    and those matching no code.

    Only a code without any leading zero is matched by value, and only to
    one code, as :func:`geoplan.link.match.link_features` does.

    >>> d = pd.DataFrame({"area_declared_km2": [1.0, 2.0, 3.0]}, index=["1", "04", "99"])
    >>> aligned, by_value, unmatched = align_codes(d, ["01", "04"])
    >>> aligned.index.tolist(), by_value, unmatched
    (['01', '04'], ['1'], ['99'])
    """
    codes = set(codes)
    taken = codes & set(declared.index)
    by_zero_free: dict[str, list[str]] = {}
    for code in codes - taken:
        by_zero_free.setdefault(zero_free(code), []).append(code)
    target, by_value, unmatched = {}, [], []
    for code in declared.index:
        candidates = by_zero_free.get(code, []) if zero_free(code) == code else []
        if code in taken:
            target[code] = code
        elif len(candidates) == 1:
            target[code] = candidates[0]
            by_value.append(code)
        else:
            unmatched.append(code)
    aligned = declared.loc[list(target)].rename(index=target)
    aligned.attrs = dict(declared.attrs)
    return aligned, by_value, unmatched


def figures_for_check(result, units: pd.DataFrame, plan: str, declared) -> tuple[pd.DataFrame, str]:
    """The declared figures a check uses, and where they come from (for the report): ``declared``
    (a CSV or a built-in plan name), else the result's plan's, else the result's own declared
    columns, else the built-in figures its codes are (:func:`builtin_figures_for`).

    >>> figures_for_check("r.gpkg", units, "vn-2025-province", None)[1]  # doctest: +SKIP
    'built-in vn-2025-province'
    """
    if declared is not None:
        return read_declared(declared), str(declared)
    if plan in BUILTIN:
        return read_declared(plan), str(Message("check.source_builtin", plan=plan))
    if "area_declared_km2" in units:
        figures = units.set_index("code")[[c for c in ("area_declared_km2", "population_declared") if c in units]]
        return figures, str(Message("check.source_columns", result=Path(result).name))
    found = builtin_figures_for(units["code"])
    if found is not None:
        return found[1], str(Message("check.source_builtin_codes", plan=found[0]))
    known = Message("check.for_plan", plan=plan) if plan else Message("check.for_no_plan")
    raise InputError("check.no_declared_known", path=result, known=known)


def declared_level(figures: pd.DataFrame) -> str | None:
    """The level of declared figures (``province`` or ``commune``): their ``level`` column, else
    the type most of their names start with (Tỉnh, Xã, Phường...), else the level of the built-in
    table that holds their codes; None when nothing tells.

    >>> declared_level(pd.DataFrame({"name": ["Tỉnh An Giang", "Thành phố Hà Nội"]}, index=["91", "01"]))
    'province'
    >>> declared_level(pd.DataFrame({"name": ["Phường Thới Sơn"]}, index=["30502"]))
    'commune'
    """
    if "level" in figures and figures["level"].fillna("").str.strip().ne("").any():
        return figures["level"].fillna("").str.strip().str.lower().replace("", pd.NA).mode().iloc[0]
    if "name" in figures and figures["name"].notna().any():
        types = figures["name"].dropna().astype(str).map(unit_type)
        for level, kinds in LEVEL_TYPES.items():
            if types.isin(kinds).mean() > 0.5:
                return level
    found = builtin_figures_for(figures.index)
    return str(read_plan(found[0]).links["level"].iloc[0]) if found else None


def refuse_other_level(figures: pd.DataFrame, units: pd.DataFrame, source: str, result) -> None:
    """Refuse declared figures of another level than the result's units (province codes
    against communes would match 25, 82, 91 to communes 00025, 00082, 00091), in one line.

    >>> units = pd.DataFrame({"code": ["00025"], "name": ["Xã A"], "level": ["commune"]})
    >>> try:
    ...     refuse_other_level(pd.DataFrame({"name": ["Tỉnh Phú Thọ"]}, index=["25"]), units, "p.csv", "r.gpkg")
    ... except InputError as error:
    ...     error.message.id
    'check.other_level'
    """
    levels = set(units["level"].dropna().astype(str)) - {""} if "level" in units else set()
    theirs = declared_level(figures)
    if len(levels) != 1 or theirs is None or theirs in levels or theirs not in LEVEL_TYPES:
        return
    ours = next(iter(levels))
    names = figures.get("name", pd.Series("", index=figures.index)).fillna("")
    example = ", ".join(f"{code} {name}".strip() for code, name in zip(figures.index[:3], names[:3]))
    example += ", ..." if len(figures) > 3 else ""
    raise InputError("check.other_level", path=source, declared=Message(f"level.{theirs}"), example=example,
                     result=result, level=Message(f"level.{ours}"))
