"""The catalogue of built-in plans: a plan name stands wherever a plan file is accepted.

The plans themselves are Vietnam's (:mod:`geoplan.vn.builtin`); this module is
the one place the general toolkit reaches them from: plans by name, their
declared-figures files, the renames they rely on and the registry of old units.

>>> sorted(BUILTIN)
['vn-2025-commune', 'vn-2025-province']
>>> read_plan("vn-2025-province").n_new
34
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import PlanError
from ..i18n import Message
from ..link.aliases import read_aliases
from ..link.names import exact_key
from ..vn.builtin import BOUNDARIES, KNOWN_DIFFERENCES_FILE, OLD_UNITS_FILE, PLANS
from .formats import read_plan_file
from .model import Plan

BUILTIN = {plan.name: plan for plan in PLANS}


def read_plan(source: str | Path, level: str | None = None) -> Plan:
    """A Plan from a built-in plan name or a plan file (CSV, JSON, dvhcvn JSON: give ``level``).

    >>> read_plan("vn-2025-commune").n_new
    3321
    """
    builtin = BUILTIN.get(str(source))
    if builtin is None:
        if not Path(source).exists():
            raise PlanError("plan.not_found", source=str(source), builtin=", ".join(BUILTIN))
        return read_plan_file(source, level)
    path = BOUNDARIES / builtin.plan_file
    try:
        plan = read_plan_file(path, level)
    except PlanError as exc:  # say the plan's name, not where it is installed
        named = {key: builtin.name if str(value) == str(path) else value for key, value in exc.message.values.items()}
        raise PlanError(Message(exc.message.id, **named)) from None
    return Plan(plan.links, builtin.name)


def declared_file(name: str) -> Path | None:
    """The declared-figures file of a built-in plan, None for any other name.

    >>> declared_file("vn-2025-province").name, declared_file("plan.csv")
    ('vn-2025-declared-provinces.csv', None)
    """
    builtin = BUILTIN.get(str(name))
    return BOUNDARIES / builtin.declared_file if builtin else None


def known_renames(plan: Plan) -> dict[str, str]:
    """The shipped renames that apply to ``plan``, whatever file it came from:
    those whose new name the plan's old units or their parents carry
    (``Thừa Thiên Huế`` is ``Thành phố Huế`` since January 2025).

    >>> known_renames(read_plan("vn-2025-province"))
    {'thừa thiên huế': 'Thành phố Huế'}
    """
    members = plan.members()
    used = {exact_key(name) for name in pd.concat([members["old_name"], members["old_parent"]]).dropna().unique().tolist()}
    renames = {}
    for aliases_file in sorted({builtin.aliases_file for builtin in BUILTIN.values()}):
        renames.update(read_aliases(BOUNDARIES / aliases_file))
    return {old: new for old, new in renames.items() if exact_key(new) in used}


def known_differences_file() -> Path:
    """The table of known reasons for large computed-vs-declared differences (code, known_difference).

    >>> known_differences_file().name
    'vn-2025-known-differences.csv'
    """
    return BOUNDARIES / KNOWN_DIFFERENCES_FILE


@lru_cache(maxsize=1)
def old_registry() -> pd.DataFrame:
    """The registry of old units, indexed by old code: ``old_province``, ``old_province_code``, ``lat``, ``lon``...

    >>> old_registry().loc["30502", "old_province"]
    'Tỉnh An Giang'
    """
    registry = pd.read_csv(BOUNDARIES / OLD_UNITS_FILE, dtype=str)
    return registry.drop_duplicates("old_code").set_index("old_code")


def plan_summary() -> pd.DataFrame:
    """One row per built-in plan: name, level, new and old unit counts, divided old units (those
    with several links, ``partial``) and the new units receiving a part of one (a merge makes them
    approximate when it cannot split the divided unit's polygon: see the units' ``approximate``).

    >>> row = plan_summary().set_index("plan").loc["vn-2025-province"]
    >>> row["level"], int(row["new_units"]), int(row["divided_old_units"])
    ('province', 34, 0)
    """
    rows = []
    for name, builtin in BUILTIN.items():
        plan = read_plan(name)
        n_links = plan.links.groupby("old_code").size()
        divided = plan.links[plan.links["old_code"].isin(n_links.index[n_links > 1])]
        rows.append({"plan": name, "level": str(plan.links["level"].iloc[0]), "new_units": plan.n_new,
                     "old_units": plan.n_old, "divided_old_units": int((n_links > 1).sum()),
                     "receiving_new_units": int(divided["new_code"].nunique()), "description": builtin.description})
    return pd.DataFrame(rows)
