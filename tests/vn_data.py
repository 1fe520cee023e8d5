"""Access to the real Vietnam data in ../shared/data/vn for tests.

The shared plan (dvhcvn/20250701, new -> old) is turned into a geoplan plan
here, in the tests, as the issue asks; it is never stored in the repository.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vn"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real data folder {SHARED} is absent (fresh machine); CI always has it")


@lru_cache(maxsize=None)
def _json(name: str) -> dict:
    return json.loads((SHARED / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def shared_plan_frame(level: str) -> pd.DataFrame:
    """The shared plan at ``province`` or ``commune`` level, in geoplan's plan columns."""
    new_to_old = _json("plan_2025_new_to_old.json")["data"]
    old_to_new = _json("plan_2025_old_to_new.json")["data"]
    rows = []
    if level == "province":
        for province in new_to_old:
            for m in province["merges"]:
                rows.append({"level": level, "old_code": m["old_id"], "old_name": m["name"], "old_parent": "",
                             "new_code": province["level1_id"], "new_name": province["name"], "new_parent": "",
                             "new_parent_code": "", "link": m["type"]})
        return pd.DataFrame(rows)
    old_province = {c["level3_id"]: p["name"] for p in old_to_new for c in p["level3s"]}
    for province in new_to_old:
        for commune in province["level2s"]:
            for m in commune["merges"]:
                rows.append({"level": level, "old_code": m["old_id"], "old_name": m["name"],
                             "old_parent": old_province.get(m["old_id"], ""), "new_code": commune["level2_id"],
                             "new_name": commune["name"], "new_parent": province["name"],
                             "new_parent_code": province["level1_id"], "link": m["type"]})
    return pd.DataFrame(rows)


def shared_plan(level: str):
    from geoplan.plan import Plan

    return Plan.from_frame(shared_plan_frame(level), f"shared plan_2025_new_to_old.json ({level})")
