"""Access to the real Vietnam data in ../shared/data/vn for tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoplan.plan.catalogue import read_plan

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vn"
SHARED_PLAN = SHARED / "plan_2025_new_to_old.json"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real data folder {SHARED} is absent (fresh machine); CI always has it")


def shared_plan(level: str):
    """The official plan (dvhcvn/20250701, new -> old) at ``province`` or ``commune`` level."""
    return read_plan(SHARED_PLAN, level=level)
