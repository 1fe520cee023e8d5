"""Vietnam's built-in plans and figures, shipped in ``boundaries/`` (see its README).

The 2025 reform at two levels, the declared figures of the new units, the
renames the plans rely on (Thừa Thiên Huế -> Thành phố Huế), the known
reasons for large computed-vs-declared differences and the registry of old
units (codes, provinces, points). :mod:`geoplan.plan.catalogue` offers them
to the rest of the toolkit.

>>> [plan.name for plan in PLANS]
['vn-2025-province', 'vn-2025-commune']
>>> (BOUNDARIES / OLD_UNITS_FILE).exists()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parent.parent
# inside an installed wheel, else the repository's top-level folder (editable install)
BOUNDARIES = next((p for p in (_HERE / "boundaries", _HERE.parent / "boundaries") if (p / "README.md").exists()),
                  _HERE.parent / "boundaries")


@dataclass(frozen=True)
class BuiltinPlan:
    """A shipped plan: its name, its files (in ``boundaries/``) and what it is."""

    name: str
    plan_file: str
    declared_file: str
    aliases_file: str
    description: str


PLANS = (
    BuiltinPlan("vn-2025-province", "vn-2025-province.csv", "vn-2025-declared-provinces.csv",
                "vn-2025-aliases.csv", "Vietnam 2025: 63 old provinces -> 34 new provinces"),
    BuiltinPlan("vn-2025-commune", "vn-2025-commune.csv", "vn-2025-declared-communes.csv",
                "vn-2025-aliases.csv", "Vietnam 2025: old communes -> 3,321 new communes"),
)
KNOWN_DIFFERENCES_FILE = "vn-2025-known-differences.csv"
OLD_UNITS_FILE = "vn-old-units.csv"  # registry of the old units: codes, names, provinces, points
