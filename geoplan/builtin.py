"""Built-in plans and declared figures shipped in ``boundaries/``.

A built-in plan name can stand wherever a plan file is accepted.

>>> sorted(BUILTIN)
['vn-2025-commune', 'vn-2025-province']
>>> resolve_plan("vn-2025-province").n_new
34
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import PlanError
from .tables import read_figures

_HERE = Path(__file__).resolve().parent
# inside an installed wheel, else the repository's top-level folder (editable install)
BOUNDARIES = next((p for p in (_HERE / "boundaries", _HERE.parent / "boundaries") if (p / "README.md").exists()),
                  _HERE.parent / "boundaries")


@dataclass(frozen=True)
class BuiltinPlan:
    """A shipped plan: its file, its declared figures and its aliases."""

    name: str
    plan_file: str
    declared_file: str
    aliases_file: str
    description: str


BUILTIN = {
    p.name: p for p in (
        BuiltinPlan("vn-2025-province", "vn-2025-province.csv", "vn-2025-declared-provinces.csv",
                    "vn-2025-aliases.csv", "Vietnam 2025: 63 old provinces -> 34 new provinces"),
        BuiltinPlan("vn-2025-commune", "vn-2025-commune.csv", "vn-2025-declared-communes.csv",
                    "vn-2025-aliases.csv", "Vietnam 2025: old communes -> 3,321 new communes"),
    )
}


def resolve_plan(name_or_path: str, level: str | None = None):
    """A Plan from a built-in name or a file path.

    >>> resolve_plan("vn-2025-commune").n_new
    3321
    """
    from .plan import read_plan

    builtin = BUILTIN.get(name_or_path)
    if not builtin and not Path(name_or_path).exists():
        raise PlanError(f"{name_or_path}: no such plan file, and not a built-in plan ({', '.join(BUILTIN)}; see `geoplan plans`)")
    if not builtin:
        return read_plan(name_or_path, level)
    path = BOUNDARIES / builtin.plan_file
    try:
        plan = read_plan(path, level)
    except PlanError as exc:  # say the plan's name, not where it is installed
        raise PlanError(str(exc).replace(str(path), builtin.name)) from None
    return type(plan)(plan.links, builtin.name)


def known_renames(plan) -> dict[str, str]:
    """The shipped renames that apply to ``plan``, whatever file it came from:
    those whose new name the plan's old units or their parents carry
    (``Thừa Thiên Huế`` is ``Thành phố Huế`` since January 2025).

    >>> known_renames(resolve_plan("vn-2025-province"))
    {'thừa thiên huế': 'Thành phố Huế'}
    """
    from .link import read_aliases
    from .names import exact_key

    members = plan.members()
    used = {exact_key(name) for name in pd.concat([members["old_name"], members["old_parent"]]).dropna()}
    renames = {}
    for aliases_file in sorted({builtin.aliases_file for builtin in BUILTIN.values()}):
        renames.update(read_aliases(BOUNDARIES / aliases_file))
    return {old: new for old, new in renames.items() if exact_key(new) in used}


CODE_COLUMNS = ("code", "new_code", "gso_code", "ma", "mã")  # the new unit's code in a declared-figures table


def read_declared(source: str | Path) -> pd.DataFrame:
    """Declared figures indexed by new code: ``area_declared_km2`` (more than 0),
    ``population_declared`` (whole, 0 or more), and ``name``, ``note`` and
    ``flags`` (an upstream table's own warnings) when the file has them; ``attrs["warnings"]`` says what was skipped or collapsed.

    ``source`` is a built-in plan name or a CSV with a code column (``code``,
    ``new_code``, ``gso_code`` or ``ma``) and ``area_km2`` and/or
    ``population``, read by the rules of :func:`geoplan.tables.read_figures`.

    >>> float(read_declared("vn-2025-province").loc["91", "area_declared_km2"])
    9888.91
    """
    builtin = BUILTIN.get(str(source))
    path = BOUNDARIES / builtin.declared_file if builtin else Path(source)
    figures = read_figures(path, "declared figures", CODE_COLUMNS, {"area_km2": "area", "population": "count"},
                           keep=("name", "note", "flags"))
    return figures.rename(columns={"area_km2": "area_declared_km2", "population": "population_declared"})


def known_differences() -> pd.DataFrame:
    """The known reasons for large computed-vs-declared differences, by code, with
    the unit's name and the declared area the reason was written for.

    >>> known_differences().loc["56", "name"]
    'Tỉnh Khánh Hòa'
    """
    reasons = pd.read_csv(BOUNDARIES / "vn-2025-known-differences.csv", dtype=str).set_index("code")["known_difference"]
    declared = pd.concat([read_declared(name) for name in BUILTIN])
    declared = declared[~declared.index.duplicated()]
    return declared.loc[reasons.index.intersection(declared.index), ["name", "area_declared_km2"]].assign(note=reasons)


def plan_summary() -> pd.DataFrame:
    """One row per built-in plan: name, new and old unit counts, divided old units.

    >>> int(plan_summary().set_index("plan").loc["vn-2025-province", "new_units"])
    34
    """
    rows = []
    for name, builtin in BUILTIN.items():
        plan = resolve_plan(name)
        n_links = plan.links.groupby("old_code").size()
        rows.append({"plan": name, "new_units": plan.n_new, "old_units": plan.n_old,
                     "divided_old_units": int((n_links > 1).sum()), "description": builtin.description})
    return pd.DataFrame(rows)
