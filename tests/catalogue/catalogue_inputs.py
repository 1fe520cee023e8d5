"""Small generated inputs for the catalogue of bad inputs: a 4 x 4 grid of old communes and its
plan, and variants of both (files, CRS, geometry, attributes, plans, tables, encodings, zips).

Each input is made on demand by :func:`make` into one folder per test session; a builder
writes the file(s) named by its key. Nothing is copied from ../shared: the grid is drawn here.
"""

from __future__ import annotations

import json
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

N = 4  # cells per side
CELL = 0.01  # degrees
NAMES = ["An Hòa", "Bình Minh", "Cát Tiên", "Đông Hoà", "Ea Kly", "Phú Lộc", "Giang Điền", "Hữu Lũng",
         "Ích Hậu", "Kỳ Sơn", "Lạc Dương", "Mỹ Hiệp", "Nhà Bàng", "Ô Loan", "Phước Sơn", "Quỳnh Lưu"]
POPS = [100 * (i + 1) for i in range(N * N)]
TOTAL_POP = sum(POPS)
GROUPS = "ABCD"
BUILDERS: dict = {}


def builder(*names):
    """Register a function that writes the inputs ``names`` (all at once) into a folder."""
    def register(function):
        for name in names:
            BUILDERS[name] = function
        return function
    return register


def make(name: str, folder: Path) -> Path:
    """The input ``name`` in ``folder``, made once."""
    path = folder / name
    if not path.exists() and not path.is_symlink():
        BUILDERS[name](folder)
    return path


def grid(**columns) -> gpd.GeoDataFrame:
    """The base layer: 16 square communes of one province, lon/lat (EPSG:4326); ``columns`` replace fields."""
    cells = [shapely.box(105 + CELL * (i % N), 10 + CELL * (i // N), 105 + CELL * (i % N + 1), 10 + CELL * (i // N + 1))
             for i in range(N * N)]
    frame = gpd.GeoDataFrame({
        "code": [f"{i + 1:02d}" for i in range(N * N)],
        "grp": [GROUPS[i // N] for i in range(N * N)],
        "pop": POPS,
        "name": [f"Xã {name}" for name in NAMES],
        "province": "Tỉnh Thử",
    }, geometry=cells, crs="EPSG:4326")
    for column, values in columns.items():
        frame[column] = values
    return frame


def plan_frame() -> pd.DataFrame:
    """The plan of the grid: each row of cells becomes one new commune."""
    layer = grid()
    return pd.DataFrame({"old_code": layer["code"], "new_code": [str(10 * (GROUPS.index(g) + 1)) for g in layer["grp"]],
                         "new_name": [f"Xã Mới {g}" for g in layer["grp"]], "link": "full",
                         "old_name": layer["name"], "old_parent": layer["province"]})


def windows_1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes it: base letters (with hat, horn or breve) and combining tone marks."""
    def one(ch: str) -> str:
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS)) + tones
    return "".join(one(ch) for ch in text).encode("cp1258")


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def write(frame: gpd.GeoDataFrame, path: Path, **kwargs) -> None:
    frame.to_file(path, engine="pyogrio", **kwargs)


# ----------------------------------------------------------------------------------- layers
@builder("grid.gpkg")
def _grid(d):
    write(grid(), d / "grid.gpkg")


@builder("grid.shp")
def _shapefile(d):
    write(grid(), d / "grid.shp", encoding="utf-8")


@builder("nodbf.shp")
def _no_dbf(d):
    write(grid(), d / "nodbf.shp")
    (d / "nodbf.dbf").unlink()


@builder("noshx.shp")
def _no_shx(d):
    write(grid(), d / "noshx.shp")
    (d / "noshx.shx").unlink()


@builder("noprj.shp")
def _no_prj(d):
    write(grid(), d / "noprj.shp")
    (d / "noprj.prj").unlink()


@builder("grid.geojson", "grid.fgb", "grid.parquet", "grid_3857.gpkg", "grid_32648.gpkg", "grid_4756.gpkg")
def _formats(d):
    write(grid(), d / "grid.geojson", driver="GeoJSON")
    write(grid(), d / "grid.fgb", driver="FlatGeobuf")
    grid().to_parquet(d / "grid.parquet")
    write(grid().to_crs(3857), d / "grid_3857.gpkg")
    write(grid().to_crs(32648), d / "grid_32648.gpkg")
    write(grid().set_crs(4756, allow_override=True), d / "grid_4756.gpkg")


@builder("plain.parquet", "table.csv", "attributes.gpkg")
def _tables(d):
    pd.DataFrame(grid().drop(columns="geometry")).to_parquet(d / "plain.parquet")
    pd.DataFrame(grid().drop(columns="geometry")).to_csv(d / "table.csv", index=False)
    pyogrio.write_dataframe(pd.DataFrame(grid().drop(columns="geometry")), d / "attributes.gpkg", driver="GPKG")


@builder("empty.gpkg", "text.gpkg", "random.shp", "truncated.gpkg", "broken.geojson", "folder")
def _broken_files(d):
    (d / "empty.gpkg").write_bytes(b"")
    (d / "text.gpkg").write_text("this is not a GeoPackage\n")
    (d / "random.shp").write_bytes(np.random.default_rng(1).bytes(3000))
    write(grid(), d / "whole.gpkg")
    (d / "truncated.gpkg").write_bytes((d / "whole.gpkg").read_bytes()[:8192])
    (d / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')
    (d / "folder").mkdir()


@builder("two_layers.gpkg")
def _two_layers(d):
    write(grid(), d / "two_layers.gpkg", layer="communes")
    write(grid(), d / "two_layers.gpkg", layer="copy")


@builder("empty_layer.gpkg")
def _empty_layer(d):
    write(grid().iloc[:0], d / "empty_layer.gpkg")


@builder("loop.gpkg")
def _loop(d):
    (d / "loop.gpkg").symlink_to(d / "loop.gpkg")


# ------------------------------------------------------------------------------------ zips
@builder("notzip.zip", "nothing.zip", "zip_nodbf.zip", "shp.zip", "gpkg.zip", "folder_shp.zip")
def _zips(d):
    (d / "notzip.zip").write_text("not a zip")
    with zipfile.ZipFile(d / "nothing.zip", "w") as z:
        z.writestr("readme.txt", "no layer here")
    make("grid.shp", d)
    parts = [d / f"grid.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg") if (d / f"grid.{ext}").exists()]
    with zipfile.ZipFile(d / "zip_nodbf.zip", "w") as z:
        for part in parts:
            if part.suffix != ".dbf":
                z.write(part, part.name)
    with zipfile.ZipFile(d / "shp.zip", "w") as z:
        for part in parts:
            z.write(part, part.name)
    with zipfile.ZipFile(d / "folder_shp.zip", "w") as z:
        for part in parts:
            z.write(part, f"communes/{part.name}")
    with zipfile.ZipFile(d / "gpkg.zip", "w") as z:
        z.write(make("grid.gpkg", d), "grid.gpkg")


# ------------------------------------------------------------------------------------- CRS
def _set_xy(frame: gpd.GeoDataFrame, function) -> gpd.GeoDataFrame:
    return frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), function))


LAYER_VARIANTS = {  # name -> the grid changed
    "nocrs.gpkg": lambda: grid().set_crs(None, allow_override=True),
    "swapped.gpkg": lambda: _set_xy(grid(), lambda xy: xy[:, ::-1]),
    "metres_as_4326.gpkg": lambda: grid().to_crs(32648).set_crs(4326, allow_override=True),
    "huge_3857.gpkg": lambda: _set_xy(grid(), lambda xy: xy * 1e13).set_crs(3857, allow_override=True),
    "utm_far.gpkg": lambda: _set_xy(grid().to_crs(32648), lambda xy: xy + [0, 1e8]),
    "lon200.gpkg": lambda: _set_xy(grid(), lambda xy: xy + [95, 0]),
    "europe_vn2000.gpkg": lambda: _set_xy(grid().to_crs(3405), lambda xy: xy + [0, 4.4e6]),
    "points.gpkg": lambda: grid().set_geometry(shapely.centroid(grid().geometry.to_numpy()), crs=4326),
    "lines.gpkg": lambda: grid().set_geometry(grid().boundary),
    "mixed.gpkg": lambda: grid().set_geometry([*grid().geometry[:-1], shapely.Point(105, 10)]),
    "collection.gpkg": lambda: grid().set_geometry([shapely.GeometryCollection([g]) for g in grid().geometry]),
    "all_empty.gpkg": lambda: grid().set_geometry([shapely.Polygon()] * N * N, crs=4326),
    "all_null.gpkg": lambda: grid().set_geometry([None] * N * N, crs=4326),
    "some_empty.gpkg": lambda: grid().set_geometry([shapely.Polygon(), *grid().geometry[1:]], crs=4326),
    "bowtie.gpkg": lambda: grid().set_geometry([shapely.Polygon([(105, 10), (105.01, 10.01), (105.01, 10), (105, 10.01)]),
                                                *grid().geometry[1:]], crs=4326),
    "with_z.gpkg": lambda: _set_xy(grid(), lambda xy: xy).set_geometry(shapely.force_3d(grid().geometry.to_numpy(), 7.0),
                                                                         crs=4326),
    "duplicated.gpkg": lambda: pd.concat([grid(), grid().iloc[:2]], ignore_index=True),
    # attributes
    "pop_text_thousands.gpkg": lambda: grid(pop=[f"{p // 1000}.{p % 1000:03d}" if p >= 1000 else str(p) for p in POPS]),
    "pop_text_12345.gpkg": lambda: grid(pop=["12.345"] * N * N),
    "pop_text_comma_dec.gpkg": lambda: grid(pop=["12,5"] + [str(p) for p in POPS[1:]]),
    "pop_text_word.gpkg": lambda: grid(pop=["many"] + [str(p) for p in POPS[1:]]),
    "pop_text_negative.gpkg": lambda: grid(pop=["-5"] + [str(p) for p in POPS[1:]]),
    "pop_text_huge.gpkg": lambda: grid(pop=["1e400"] + [str(p) for p in POPS[1:]]),
    "pop_text_both_marks.gpkg": lambda: grid(pop=["12.345", "12,345"] + [str(p) for p in POPS[2:]]),
    "pop_text_spaces.gpkg": lambda: grid(pop=["1 200"] + [str(p) for p in POPS[1:]]),
    "pop_text_mixed_marks.gpkg": lambda: grid(pop=["1,5", "1.234,5"] + [str(p) for p in POPS[2:]]),
    "pop_negative.gpkg": lambda: grid(pop=[-1] + POPS[1:]),
    "pop_2p62.gpkg": lambda: grid(pop=[2**62] * N * N),
    "pop_1e300.gpkg": lambda: grid(pop=[1e300] * N * N),
    "pop_inf.gpkg": lambda: grid(pop=[np.inf] + [float(p) for p in POPS[1:]]),
    "pop_bool.gpkg": lambda: grid(pop=[True] * N * N),
    "pop_missing.gpkg": lambda: grid(pop=[np.nan] + [float(p) for p in POPS[1:]]),
    "pop_fractions.gpkg": lambda: grid(pop=[p + 0.25 for p in POPS]),
    "codes_lost_zeros.gpkg": lambda: grid(code=list(range(1, N * N + 1))),
    "long_name.gpkg": lambda: grid(name=["Xã " + "Dài" * 30_000] + list(grid()["name"][1:])),
}


def _variant_builder(name):
    return lambda d: write(LAYER_VARIANTS[name](), d / name)


for _name in LAYER_VARIANTS:
    BUILDERS[_name] = _variant_builder(_name)


@builder("nan.gpkg", "inf.gpkg")
def _not_finite(d):
    for name, value in (("nan.gpkg", np.nan), ("inf.gpkg", np.inf)):
        broken = shapely.Polygon([(105, 10), (105.01, 10), (value, 10.01), (105, 10.01)])
        write(grid().set_geometry([*grid().geometry[:3], broken, *grid().geometry[4:]], crs=4326), d / name)


@builder("engineering.gpkg")
def _engineering(d):
    wkt = 'ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],' \
          'AXIS["y",north,LENGTHUNIT["metre",1]]]'
    write(_set_xy(grid(), lambda xy: (xy - [105, 10]) * 1e5).set_crs(wkt, allow_override=True), d / "engineering.gpkg")


@builder("legacy_cp1258.shp", "legacy_tcvn3.shp", "legacy_vni.shp")
def _legacy_encodings(d):
    import geoplan  # noqa: F401  (registers the tcvn3 and vni codecs)

    for encoding in ("cp1258", "tcvn3", "vni"):
        path = d / f"legacy_{encoding}.shp"
        write(grid(), path, encoding="utf-8")
        frame = gpd.read_file(path)
        encode = windows_1258 if encoding == "cp1258" else (lambda v, e=encoding: v.encode(e))
        pyogrio.write_dataframe(frame.assign(name=frame["name"].map(lambda v: encode(v).decode("latin1"))),
                                path, encoding="latin1")
        for extra in (".cpg",):
            path.with_suffix(extra).unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ plans
def _csv(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))


def plan_csv(**changes) -> str:
    frame = plan_frame()
    for column, values in changes.items():
        frame[column] = values
    return frame.to_csv(index=False)


PLAN_TEXTS = {  # name -> (text, encoding)
    "plan.csv": lambda: (plan_csv(), "utf-8"),
    "plan_bom.csv": lambda: (plan_csv(), "utf-8-sig"),
    "plan_utf16.txt": lambda: (plan_frame().to_csv(index=False, sep="\t"), "utf-16"),
    "plan_utf16_nobom.csv": lambda: (plan_csv(), "utf-16-le"),
    "plan_cp1258.csv": lambda: (plan_csv(), "cp1258"),
    "plan_semicolon.csv": lambda: (plan_frame().to_csv(index=False, sep=";"), "utf-8"),
    "plan_empty.csv": lambda: ("", "utf-8"),
    "plan_header_only.csv": lambda: ("old_code,new_code,new_name,link\n", "utf-8"),
    "plan_no_link.csv": lambda: (plan_frame().drop(columns="link").to_csv(index=False), "utf-8"),
    "plan_bad_link.csv": lambda: (plan_csv(link=["whole"] + ["full"] * 15), "utf-8"),
    "plan_duplicate.csv": lambda: (plan_csv() + plan_csv().splitlines()[1] + "\n", "utf-8"),
    "plan_two_full.csv": lambda: (plan_csv() + "01,20,Xã Mới B,full,Xã An Hòa,Tỉnh Thử\n", "utf-8"),
    "plan_full_and_partial.csv": lambda: (plan_csv() + "01,20,Xã Mới B,partial,Xã An Hòa,Tỉnh Thử\n", "utf-8"),
    "plan_single_partial.csv": lambda: (plan_csv(link=["partial"] + ["full"] * 15), "utf-8"),
    "plan_names_differ.csv": lambda: (plan_csv(new_name=["Xã Khác"] + list(plan_frame()["new_name"][1:])), "utf-8"),
    "plan_two_defaults.csv": lambda: (plan_frame().assign(default="").to_csv(index=False)
                                      + "01,20,Xã Mới B,partial,Xã An Hòa,Tỉnh Thử,1\n"
                                      + "01,30,Xã Mới C,partial,Xã An Hòa,Tỉnh Thử,1\n", "utf-8"),
    "plan_bad_default.csv": lambda: (plan_frame().assign(default=["maybe"] + [""] * 15).to_csv(index=False), "utf-8"),
    "plan_empty_code.csv": lambda: (plan_csv(new_code=[""] + list(plan_frame()["new_code"][1:])), "utf-8"),
    "plan_levels.csv": lambda: (plan_frame().assign(level="commune").to_csv(index=False)
                                + "01,99,Tỉnh Mới,full,Tỉnh Thử,,province\n", "utf-8"),
    "plan_unquoted.csv": lambda: (plan_csv() + "01,10,Xã Mới A,full,Xã An Hòa,Tỉnh Thử,extra,more\n", "utf-8"),
    "plan_bad_quote.csv": lambda: ('old_code,new_code,new_name,link\n"01"x,10,"Xã,full\n', "utf-8"),
    "plan_column_twice.csv": lambda: ("old_code,new_code,new_name,link,Link\n01,10,A,full,full\n", "utf-8"),
    "plan_nomatch.csv": lambda: (plan_csv(old_code=[f"9{i:03d}" for i in range(16)],
                                          old_name=[f"Xã Nơi Khác {i}" for i in range(16)]), "utf-8"),
    "plan_binary.csv": lambda: ("\x00\x01\x02 binary " * 20, "latin1"),
    "plan_long_cell.csv": lambda: (plan_csv(link=["f" * 100_000] + ["full"] * 15), "utf-8"),
}


def _plan_builder(name):
    def build(d):
        text, encoding = PLAN_TEXTS[name]()
        _csv(d / name, text, encoding)
    return build


for _name in PLAN_TEXTS:
    BUILDERS[_name] = _plan_builder(_name)


@builder("plan.xlsx")
def _xlsx(d):
    plan_frame().to_excel(d / "plan.xlsx", index=False)


@builder("plan.json", "plan_deep.json", "plan_invalid.json", "plan_shape.json", "plan_nested.json",
         "plan_empty.json", "plan_latin1.json", "dvhcvn_new_to_old.json", "dvhcvn_bad_new_to_old.json")
def _json_plans(d):
    rows = plan_frame().to_dict("records")
    (d / "plan.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    (d / "plan_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "plan_invalid.json").write_text('[{"old_code": "01",')
    (d / "plan_shape.json").write_text('{"plan": "no links here"}')
    (d / "plan_nested.json").write_text(json.dumps([{**rows[0], "old_code": {"code": "01"}}, *rows[1:]]))
    (d / "plan_empty.json").write_text("")
    (d / "plan_latin1.json").write_bytes(windows_1258(json.dumps(rows, ensure_ascii=False)))
    dvhcvn = {"data": [{"level1_id": "99", "name": "Tỉnh Mới", "merges": [{"old_id": "01", "name": "Tỉnh Thử",
                                                                          "type": "full"}],
                        "level2s": [{"level2_id": r["new_code"], "name": r["new_name"],
                                     "merges": [{"old_id": r["old_code"], "name": r["old_name"], "type": "full"}]}
                                    for r in rows]}]}
    (d / "dvhcvn_new_to_old.json").write_text(json.dumps(dvhcvn, ensure_ascii=False), encoding="utf-8")
    del dvhcvn["data"][0]["level2s"][3]["merges"][0]["old_id"]
    (d / "dvhcvn_bad_new_to_old.json").write_text(json.dumps(dvhcvn, ensure_ascii=False), encoding="utf-8")


# ------------------------------------------------------------------------ declared figures, aliases
DECLARED = {
    "declared.csv": "code,area_km2,population\n10,4.8,1000\n20,4.8,2600\n30,4.8,4200\n40,4.8,5800\n",
    "declared_nocode.csv": "unit,area_km2\n10,4.8\n",
    "declared_mixed.csv": "code,area_km2\n10,\"4,8\"\n20,4.85\n",
    "declared_word.csv": "code,area_km2\n10,n/a\n",
    "declared_zero.csv": "code,area_km2\n10,0\n",
    "declared_fraction.csv": "code,population\n10,12.5\n",
    "declared_dup.csv": "code,area_km2\n10,4.8\n10,5.1\n",
    "declared_header.csv": "code,area_km2\n",
    "declared_nocodes.csv": "code,area_km2\n,4.8\n,5.1\n",
    "declared_huge_pop.csv": "code,population\n10,100000000000000000000\n",
    "declared_inf.csv": "code,area_km2\n10,1e400\n",
    "declared_ambiguous.csv": "code\tarea_km2\n10\t16.465\n",
    "aliases_bad.csv": "old,new\nA,B\n",
    "values.csv": "code,households\n" + "".join(f"{i + 1:02d},{10 * (i + 1)}\n" for i in range(16)),
    "values_text.csv": "code,households\n01,many\n",
}


def _declared_builder(name):
    return lambda d: (d / name).write_text(DECLARED[name], encoding="utf-8")


for _name in DECLARED:
    BUILDERS[_name] = _declared_builder(_name)
