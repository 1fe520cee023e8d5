"""Access to the reproducers of defects in ../shared/data/repro for tests (see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPRO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "repro"

needs_repro = pytest.mark.skipif(
    not REPRO.is_dir(), reason=f"reproducers folder {REPRO} is absent (fresh machine); CI always has it")
