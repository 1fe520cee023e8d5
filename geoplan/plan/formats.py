"""Plan files: CSV (as Excel writes them) or JSON (a list of link objects, or the
dvhcvn new -> old format published for Vietnam's 2025 reform).

Built-in plans are looked up by name in :mod:`geoplan.plan.catalogue`, which
reads their shipped files with :func:`read_plan_file`.

>>> read_plan_file("plan.csv", level="commune").n_new  # doctest: +SKIP
3321
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError, PlanError
from ..io.tables import read_table
from .dvhcvn import dvhcvn_links, is_dvhcvn
from .jsonfile import read_json
from .model import Plan


def read_plan_file(source: str | Path, level: str | None = None) -> Plan:
    """Read and validate a plan from a CSV or JSON file (a list of link objects,
    or the dvhcvn new -> old format, see :mod:`geoplan.plan.dvhcvn`).

    >>> read_plan_file("plan.csv", level="commune").n_new  # doctest: +SKIP
    3321
    """
    path = Path(source)
    if path.suffix.lower() != ".json":
        try:
            frame = read_table(path, "plan")
        except InputError as exc:
            raise PlanError(exc.message) from None
        frame.attrs["index_is_line"] = True  # read_table numbers rows by their line in the file
        return Plan.from_frame(frame, str(path)).at_level(level)
    return Plan.from_frame(_read_json(path, level), str(path)).at_level(level)


def _read_json(path: Path, level: str | None) -> pd.DataFrame:
    data = read_json(path)
    if is_dvhcvn(data):
        return dvhcvn_links(path, data, level)
    rows = data.get("links") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise PlanError("plan.json_shape", path=str(path))
    for number, row in enumerate(rows, start=1):
        for column, value in row.items():
            if isinstance(value, (dict, list)):
                raise PlanError("plan.json_value", path=str(path), link=number, column=str(column))
    return pd.DataFrame(rows, dtype=str).fillna("")
