"""The reproducers of ../shared/data/repro that concern input data (its README gives the commands):
each ends in one clear line and exit status 2, never a traceback nor a silent wrong result."""

from __future__ import annotations

import pytest

from geoplan.cli import main
from repro_data import REPRO, needs_repro

CASES = [  # README command (after "geoplan"), fragment of the one line
    ("merge {R}/pop_int_overflow.gpkg {R}/dn_plan.csv --pop-field pop_int -o {T}/x5.gpkg",
     "{R}/pop_int_overflow.gpkg: field 'pop_int' (--pop-field) holds counts too large to add up exactly"),
    ("merge {R}/pop_1e300.gpkg {R}/dn_plan.csv --pop-field pop2019_vn_demographic -o {T}/x6.gpkg",
     "{R}/pop_1e300.gpkg: field 'pop2019_vn_demographic' (--pop-field) must hold counts: '1e+300' in feature 4: "
     "a count must be below 9,007,199,254,740,992"),
    ("merge {R}/grid.gpkg {R}/plan_json_deep.json --old-code code -o {T}/x7.gpkg",
     "{R}/plan_json_deep.json: the JSON file is nested too deep to be a plan"),
    ("merge {R}/huge1e15_3857.gpkg --by grp --pop-field pop -o {T}/x8.gpkg",
     "{R}/huge1e15_3857.gpkg: feature 1 has coordinates (1,000,000,000,000,000.00, 1,000,000,000,000,000.00) that "
     "WGS 84 / Pseudo-Mercator (EPSG:3857) cannot stand for"),
    ("merge {R}/utm_far.gpkg --by grp -o {T}/x9.gpkg",
     "{R}/utm_far.gpkg: feature 1 has coordinates (500,000.00, 101,105,412.49) that WGS 84 / UTM zone 48N (EPSG:32648) "
     "cannot stand for"),
    ("merge {R}/all_empty.gpkg --by grp --pop-field pop -o {T}/x10.gpkg",
     "{R}/all_empty.gpkg: none of the 16 features has a geometry (all are empty or missing)"),
]


@needs_repro
@pytest.mark.parametrize("command, expected", CASES, ids=[c.split()[1].split("/")[-1] for c, _ in CASES])
def test_reproducer_ends_in_one_line(command, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GEOPLAN_LANG", "en")
    places = {"R": str(REPRO), "T": str(tmp_path)}
    code = main([token.format(**places) for token in command.split()] + ["--quiet"])
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert expected.format(**places) in lines[0], lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing left
