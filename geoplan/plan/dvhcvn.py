"""Read merge plans in the dvhcvn JSON format (new -> old, as published for Vietnam 2025).

The file lists each new province (``data[].level1_id``) with the old provinces
it merges (``merges[]``), and each new commune (``level2s[]``) with the old
communes it merges (``merges[]`` of ``old_id``, ``name``, ``type`` = full |
partial). The companion old -> new file (``..._old_to_new.json``), when it
sits beside it, gives each old commune its old province, which name
matching needs; it is read automatically.

>>> plan = read_plan("plan_2025_new_to_old.json", level="commune")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import PlanError
from ..i18n import Option
from .jsonfile import read_json

LEVELS = ("province", "commune")


def is_dvhcvn(data) -> bool:
    """Whether parsed JSON looks like a dvhcvn new -> old plan.

    >>> is_dvhcvn({"data": [{"level1_id": "91", "merges": []}]}), is_dvhcvn({"links": []})
    (True, False)
    """
    return isinstance(data, dict) and isinstance(data.get("data"), list) and bool(data["data"]) \
        and isinstance(data["data"][0], dict) and "level1_id" in data["data"][0] and "merges" in data["data"][0]


def dvhcvn_links(path: Path, data: dict, level: str | None) -> pd.DataFrame:
    """Links of one level of a dvhcvn plan, in geoplan's plan columns.

    >>> dvhcvn_links(path, json.loads(path.read_text()), "province")["new_code"].nunique()  # doctest: +SKIP
    34
    """
    if level not in LEVELS:
        raise PlanError("plan.dvhcvn_level", path=str(path), level=level or "", option=Option("level"))
    try:
        return pd.DataFrame(_rows(path, data, level))
    except (KeyError, TypeError, AttributeError) as error:
        raise PlanError("plan.dvhcvn_malformed", path=str(path), reason=_missing(error)) from None


def _missing(error: Exception) -> str:
    """What a malformed dvhcvn file lacks: the key it has not, or what Python said."""
    return repr(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def _rows(path: Path, data: dict, level: str) -> list[dict]:
    """The links of ``level`` as rows of geoplan's plan columns."""
    rows = []
    if level == "province":
        for province in data["data"]:
            for m in province["merges"]:
                rows.append({"level": level, "old_code": m["old_id"], "old_name": m["name"], "new_code": province["level1_id"],
                             "new_name": province["name"], "link": m["type"]})
        return rows
    old_province = _old_provinces(path)
    for province in data["data"]:
        for commune in province.get("level2s", []):
            for m in commune["merges"]:
                rows.append({"level": level, "old_code": m["old_id"], "old_name": m["name"],
                             "old_parent": old_province.get(m["old_id"], ""), "new_code": commune["level2_id"],
                             "new_name": commune["name"], "new_parent": province["name"],
                             "new_parent_code": province["level1_id"], "link": m["type"]})
    return rows


def _old_provinces(path: Path) -> dict[str, str]:
    """Old commune code -> old province name, from the companion old -> new file if present."""
    companion = path.with_name(path.name.replace("new_to_old", "old_to_new"))
    if companion == path or not companion.exists():
        return {}
    data = read_json(companion)
    return {c["level3_id"]: p["name"] for p in data.get("data", []) for c in p.get("level3s", [])}
