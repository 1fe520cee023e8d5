"""JSON plan files read safely: one line naming the file for anything that is not readable JSON.

Python's parser recurses once per level of nesting: a file nested 100,000
deep (``[[[[...]]]]``) raises RecursionError, which is no plan either.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "deep.json"
>>> _ = path.write_text("[" * 100_000 + "]" * 100_000)
>>> read_json(path)
Traceback (most recent call last):
geoplan.errors.PlanError: ...: the JSON file is nested too deep to be a plan
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import PlanError


def read_json(path: str | Path):
    """Parsed JSON of a plan file (a BOM from Windows editors allowed); PlanError naming the
    file for a folder, text that is not JSON or not UTF-8, or nesting too deep.

    >>> read_json("no-such-plan.json")
    Traceback (most recent call last):
    geoplan.errors.PlanError: no-such-plan.json: plan file not found
    """
    path = Path(path)
    if path.is_dir():
        raise PlanError("plan.is_folder", path=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanError("plan.file_not_found", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise PlanError("plan.json_unreadable", path=str(path), reason=str(exc)) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise PlanError("plan.json_too_deep", path=str(path)) from None
    except ValueError as exc:
        raise PlanError("plan.json_unreadable", path=str(path), reason=str(exc).splitlines()[0]) from None
