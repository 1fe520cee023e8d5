"""The engine through the command line: its failures end in one line naming the layer's file (exit 2),
and the engine's reproducers of ../shared/data/repro merge into a valid coverage."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import geoplan.engine.arrange as A
from geoplan.cli import main
from repro_data import REPRO, needs_repro


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "internal error" not in err, err
    return err.strip()


def test_a_layer_too_large_for_the_engine_says_to_merge_it_in_parts(toy_files, tmp_path, capsys, monkeypatch):
    """The engine's LimitError (past 2^29 nodes, which no test layer reaches: raised here in its place)."""
    def too_large(*args):
        raise A._arrange.LimitError("more nodes or cell entries than 32-bit indices hold")

    monkeypatch.setattr(A._arrange, "dissolve", too_large)
    monkeypatch.setenv("GEOPLAN_LANG", "en")
    layer, plan = toy_files
    assert main(["merge", str(layer), str(plan), "-o", str(tmp_path / "out.gpkg"), "--quiet"]) == 2
    assert one_line(capsys) == (f"geoplan merge: error: {layer}: the layer's 4 polygons need more nodes than one "
                                "arrangement holds (2^29); merge the layer in parts, a few provinces at a time")
    assert not (tmp_path / "out.gpkg").exists()


def test_an_inconsistent_arrangement_asks_for_a_report_in_either_language(toy_files, tmp_path, capsys, monkeypatch):
    """The engine's self-check failing (a defect, made here by editing its counts)."""
    dissolve = A._arrange.dissolve

    def inconsistent(*args):
        out = dissolve(*args)
        out["stats"]["winding_mismatches"] = 6
        return out

    monkeypatch.setattr(A._arrange, "dissolve", inconsistent)
    layer, plan = toy_files
    for lang, expected in [("en", "6 winding mismatches, 0 bad components, 0 bad rings): a defect of geoplan; please "
                                  "report it with this file"),
                           ("vi", "6 lỗi số vòng quấn, 0 thành phần lỗi, 0 vòng lỗi): đây là lỗi của geoplan")]:
        monkeypatch.setenv("GEOPLAN_LANG", lang)
        assert main(["merge", str(layer), str(plan), "-o", str(tmp_path / "out.gpkg"), "--quiet"]) == 2
        line = one_line(capsys)
        assert line.startswith("geoplan merge: ") and f"{layer}: " in line and expected in line, line


ENGINE_REPRODUCERS = ["engine_overflow", "engine_inconsistent", "subgrid_channel_fill"]


@needs_repro
@pytest.mark.parametrize("name", ENGINE_REPRODUCERS)
def test_engine_reproducers_merge_into_a_valid_coverage(name, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GEOPLAN_LANG", "en")
    out = tmp_path / f"{name}.gpkg"
    code = main(["merge", str(REPRO / f"{name}.gpkg"), "--by", "key", "-o", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    old = gpd.read_file(REPRO / f"{name}.gpkg")
    units = gpd.read_file(out, layer="units").geometry.to_numpy()
    assert len(units) == old["key"].nunique()
    assert shapely.is_valid(units).all() and shapely.coverage_is_valid(units)


@needs_repro
def test_what_the_lon_lat_pass_fills_is_logged_and_the_gaps_left_are_those_written(tmp_path, capsys, monkeypatch):
    """subgrid_channel_fill (EPSG:32648): moved to lon/lat, the units are dissolved once more, which
    closes and fills a region open through a sub-grid channel (a few m2). The report counts the
    gaps of the units as written, and the repairs hold that pass's fills."""
    from geoplan.engine.dissolve import dissolve_clean
    from geoplan.engine.quality import gaps_left

    monkeypatch.setenv("GEOPLAN_LANG", "en")
    out = tmp_path / "x.gpkg"
    assert main(["merge", str(REPRO / "subgrid_channel_fill.gpkg"), "--by", "key", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    units = gpd.read_file(out, layer="units").geometry.to_numpy()
    assert f"; {gaps_left(units)} gaps left;" in said and gaps_left(units) == 0
    old = gpd.read_file(REPRO / "subgrid_channel_fill.gpkg")
    first = dissolve_clean(old.geometry, old["key"].to_numpy(), 200.0, old.crs).repairs  # the engine's own pass
    repairs = gpd.read_file(out, layer="repairs")
    late = repairs.iloc[len(first):]
    assert len(late) and (late["kind"] == "gap").any()
    assert 1e-6 < late.loc[late["kind"] == "gap", "area_km2"].sum() < 1e-5  # the 2.7 m2 filled in lon/lat
