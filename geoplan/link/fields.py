"""Which field of a layer holds what: codes, names, parents, districts, population.

One detector for every command: by content against a plan (the field whose
values match the most plan codes, names, provinces, districts), or, without a
plan, by the usual names of such fields (``ROLES``).

>>> guess_fields(["OBJECTID", "Ten_Xa", "dan_so"])
{'code': None, 'name': 'Ten_Xa', 'parent': None, 'district': None, 'population': 'dan_so'}
"""

from __future__ import annotations

import pandas as pd

from ..plan.model import Plan
from ..values import as_code, lost_zeros, zero_free
from .names import exact_key

ROLES = {  # role: usual field names, the most likely first
    "code": ("code", "old_code", "gso_code", "gso_code_c2016", "ma", "ma_xa", "commune_code"),
    "name": ("name", "old_name", "fullname", "full_name", "commune_vn", "ten", "ten_xa", "commune", "name_3"),
    "parent": ("parent", "old_parent", "province_vn", "province", "province_name", "tinh", "name_1"),
    "district": ("district_vn", "district", "old_district", "huyen", "name_2"),
    "population": ("population", "pop", "pop2019_vn_demographic", "pop2019", "dan_so"),
}


def guess_field(columns, candidates) -> str | None:
    """The first of ``candidates`` (None skipped) among ``columns``, ignoring case.

    >>> guess_field(["OBJECTID", "Ten_Xa"], (None, "name", "ten_xa"))
    'Ten_Xa'
    """
    lower = {str(c).lower(): c for c in columns}
    return next((lower[c.lower()] for c in candidates if c and c.lower() in lower), None)


def guess_fields(columns, recorded: dict | None = None) -> dict[str, str | None]:
    """Each role's field by name: the one ``recorded`` (a merge's own choice) when
    ``columns`` has it, else the first usual name of :data:`ROLES` found.

    >>> guess_fields(["commune_vn", "province_vn"], {"name": "commune_vn"})["parent"]
    'province_vn'
    """
    recorded = recorded or {}
    return {role: guess_field(columns, (recorded.get(role), *names)) for role, names in ROLES.items()}


def population_like(columns) -> list[str]:
    """Fields whose name says they may hold a population (to suggest ``--pop-field``).

    >>> population_like(["commune", "pop2019", "DAN_SO"])
    ['pop2019', 'DAN_SO']
    """
    return [str(c) for c in columns if any(k in str(c).lower() for k in ("pop", "dan_so", "danso"))]


def detect_fields(layer: pd.DataFrame, plan: Plan, min_share: float = 0.3) -> dict[str, str | None]:
    """Guess which fields hold codes, names, parents and districts, by content.

    A field is chosen when at least ``min_share`` of its values match the
    plan's old codes (or names, parent names, district names), or when it
    holds at least that share of the plan's values (a plan for one province
    against a national layer); the best field wins. Codes and names identify
    units, so for them only distinct values count: a province code repeated
    on every commune of a one-province extract is not a commune code. Fields
    the user named are never overridden by the caller.

    >>> detect_fields(old_communes, plan)  # doctest: +SKIP
    {'code': 'gso_code_c2016', 'name': 'commune_vn', 'parent': 'province_vn', 'district': 'district_vn'}
    """
    members = plan.members()
    keys = lambda column: set(map(exact_key, members[column].unique().tolist()))  # noqa: E731 (not .map: per-value overhead)
    wanted = {"name": keys("old_name"), "parent": keys("old_parent") - {""}, "district": keys("old_district") - {""}}
    codes = set(members["old_code"].tolist())  # (iterating Arrow strings goes value by value)
    codes_by_value = {zero_free(code) for code in codes}
    zero_less = {code for code in codes if lost_zeros(code)}
    geometry = layer.geometry.name if hasattr(layer, "geometry") else None
    best: dict[str, tuple[str | None, tuple]] = {role: (None, (min_share, 0.0)) for role in ("code", *wanted)}
    for column in [c for c in layer.columns if c != geometry]:
        counts = layer[column].dropna().value_counts(sort=False)
        if counts.empty:
            continue
        rows = int(counts.sum())
        texts = {str(code) for code in as_code(pd.Series(counts.index)).tolist()}
        linkable = len(_linkable(texts, codes, codes_by_value, zero_less))
        found = {"code": (linkable, rows, len(codes))}
        if counts.index.dtype.kind not in "ifb":
            keys: dict[str, int] = {}
            for value, n in zip(counts.index.tolist(), counts.tolist()):
                key = exact_key(str(value))
                keys[key] = keys.get(key, 0) + n
            for role, targets in wanted.items():
                if targets:
                    hits = [n for key, n in keys.items() if key in targets]  # plain set look-ups: isin on Arrow strings is slow
                    # names identify units: distinct values count; parents and districts repeat, rows count
                    found[role] = (len(hits) if role == "name" else sum(hits), rows, len(targets), len(hits))
        for role, (hits, rows, targets, *distinct) in found.items():
            share = hits / rows  # of the layer's values that are the plan's
            covered = (distinct[0] if distinct else hits) / targets  # of the plan's values that the layer has
            score = (max(share, covered), share)
            if score > best[role][1]:
                best[role] = (column, score)
    return {role: column for role, (column, _) in best.items()}


def _linkable(texts: set, codes: set, codes_by_value: set, zero_less: set) -> set:
    """The ``texts`` that link to a plan code as ``link.match._by_code_value`` links them: the code
    itself, the code less its leading zeros (``codes_by_value``), or a code that has none
    (``zero_less``) with zeros added (by set operations: most texts of a layer are no code).

    >>> sorted(_linkable({"00004", "4", "007", "x"}, {"00004", "7"}, {"4", "7"}, {"7"}))
    ['00004', '007', '4']
    """
    found = texts & codes
    found |= {text for text in texts & codes_by_value if lost_zeros(text)}
    return found | {text for text in texts if text[:1] == "0" and text.isdigit() and zero_free(text) in zero_less}
