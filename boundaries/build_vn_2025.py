"""Build the built-in Vietnam 2025 plans and declared figures from registry packages.

Run from the repository root:

    .venv/bin/python boundaries/build_vn_2025.py [OUT_DIR]

OUT_DIR defaults to the folder of this script (boundaries/).

Inputs (installed from PyPI, nothing is downloaded here):
- vietnamadminunits (MIT): ``data/dataset.db`` (tables ``admin_units_legacy``, the old
  wards, and ``admin_units``, the 3,321 new ones) and ``data/converter_2025.json``
  (old ward -> new ward, with the divided old wards and their default new ward).
- vietnam-provinces: names and GSO codes of the 34 new provinces, and a cross-check of
  the new ward codes.

Outputs (next to this script, UTF-8, sorted, codes as zero-padded strings):
vn-2025-commune.csv, vn-2025-province.csv, vn-2025-declared-communes.csv,
vn-2025-declared-provinces.csv, vn-old-units.csv.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import unicodedata
from importlib import resources
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent

PLAN_COLUMNS = [
    "level", "old_code", "old_name", "old_parent", "old_district",
    "new_code", "new_name", "new_parent", "new_parent_code", "link", "default",
]

# New ward codes in vietnamadminunits that differ from the official code list
# (Cục Thống kê, Công văn 1027/CTK-CSCL of 25 June 2025). The registry gives Xã Ia Mơ
# (Gia Lai) the code of its old commune 23938; the official code is 23737
# (vietnam-provinces agrees).
NEW_CODE_FIXES = {"23938": "23737"}


def ref_202(merged: str, checked: bool = False) -> str:
    """Citation of Resolution 202/2025/QH15 for one merged province."""
    how = ("checked against the resolution text" if checked else
           "as republished on sapnhap.bando.com.vn, not checked against the resolution text")
    return f"Resolution 202/2025/QH15 (12 June 2025), Art. 1: {merged}; figure {how}"


REF_MAP = ("unchanged province, not in Resolution 202/2025/QH15; figure of the official "
           "reference map sapnhap.bando.com.vn (2025-07-17), not verified against a legal text")

# Declared area (km2) and population of the 34 new provinces, typed in by hand.
# Merged provinces: Resolution 202/2025/QH15, Article 1 (figures as republished on the
# official reference map; those with checked=True were also compared with quoted
# resolution text). Unchanged provinces: the reference map's figure.
DECLARED_PROVINCES = [
    # code, area_km2, population, source
    ("01", "3359.80", 8718000, REF_MAP),
    ("04", "6700.40", 555809, REF_MAP),
    ("08", "13795.50", 1865270, ref_202("Hà Giang + Tuyên Quang", checked=True)),
    ("11", "9539.90", 653422, REF_MAP),
    ("12", "9068.70", 494626, REF_MAP),
    ("14", "14109.80", 1327430, REF_MAP),
    ("15", "13256.92", 1778785, ref_202("Yên Bái + Lào Cai", checked=True)),
    ("19", "8375.21", 1799489, ref_202("Bắc Kạn + Thái Nguyên", checked=True)),
    ("20", "8310.20", 813978, REF_MAP),
    ("22", "6207.90", 1429841, REF_MAP),
    ("24", "4718.60", 3619433, ref_202("Bắc Giang + Bắc Ninh", checked=True)),
    ("25", "9361.38", 4022638, ref_202("Vĩnh Phúc + Hòa Bình + Phú Thọ", checked=True)),
    ("31", "3194.72", 4664124, ref_202("Hải Phòng + Hải Dương")),
    ("33", "2514.81", 3567943, ref_202("Thái Bình + Hưng Yên", checked=True)),
    ("37", "3942.62", 4412264, ref_202("Hà Nam + Nam Định + Ninh Bình")),
    ("38", "11114.70", 3760650, REF_MAP),
    ("40", "16493.70", 3470988, REF_MAP),
    ("42", "5994.40", 1622901, REF_MAP),
    ("44", "12700.00", 1870845, ref_202("Quảng Bình + Quảng Trị")),
    ("46", "4947.10", 1236393, REF_MAP),
    ("48", "11859.59", 3065628, ref_202("Đà Nẵng + Quảng Nam")),
    ("51", "14832.55", 2161755, ref_202("Kon Tum + Quảng Ngãi")),
    ("52", "21576.53", 3583693, ref_202("Bình Định + Gia Lai")),
    ("56", "8555.86", 2243554, ref_202("Ninh Thuận + Khánh Hòa")),
    ("66", "18096.40", 3346853, ref_202("Phú Yên + Đắk Lắk")),
    ("68", "24233.07", 3872999, ref_202("Đắk Nông + Bình Thuận + Lâm Đồng")),
    ("75", "12737.18", 4491408, ref_202("Bình Phước + Đồng Nai")),
    ("79", "6772.59", 14002598, ref_202("Hồ Chí Minh + Bà Rịa - Vũng Tàu + Bình Dương")),
    ("80", "8536.44", 3254170, ref_202("Long An + Tây Ninh")),
    ("82", "5938.64", 4370046, ref_202("Tiền Giang + Đồng Tháp")),
    ("86", "6296.20", 4257581, ref_202("Bến Tre + Trà Vinh + Vĩnh Long")),
    ("91", "9888.91", 4952238, ref_202("Kiên Giang + An Giang", checked=True)),
    ("92", "6360.83", 4199824, ref_202("Cần Thơ + Sóc Trăng + Hậu Giang")),
    ("96", "7942.39", 2606672, ref_202("Bạc Liêu + Cà Mau")),
]


def clean(text: str | None) -> str:
    """NFC-normalise a name and collapse runs of whitespace."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def registry_label() -> str:
    """Short provenance label naming the registry package and its version."""
    return f"vietnamadminunits {version('vietnamadminunits')} (PyPI, MIT)"


def load_registry() -> tuple[sqlite3.Connection, dict]:
    """Open the vietnamadminunits sqlite database and converter JSON."""
    data = resources.files("vietnamadminunits") / "data"
    db = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    return db, converter


def old_wards(db: sqlite3.Connection) -> dict[str, dict]:
    """Old wards keyed like the converter ('province_district_ward').

    The five island districts without wards (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn,
    Côn Đảo) have no ward code: they stand for themselves with their district code.
    """
    rows = db.execute("SELECT * FROM admin_units_legacy").fetchall()
    units = {}
    for r in rows:
        is_district = not r["wardCode"]
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        units[key] = {
            "code": r["districtCode"] if is_district else r["wardCode"],
            "name": clean(r["district"] if is_district else r["ward"]),
            "district": clean(r["district"]),
            "province": clean(r["province"]),
            "province_code": r["provinceCode"],
            "province_key": r["provinceKey"],
            "lat": r["districtLat"] if is_district else r["wardLat"],
            "lon": r["districtLon"] if is_district else r["wardLon"],
        }
    return units


def new_wards(db: sqlite3.Connection) -> dict[tuple[str, str], dict]:
    """New wards keyed by (province key, ward key), with official codes."""
    units = {}
    for r in db.execute("SELECT * FROM admin_units"):
        code = NEW_CODE_FIXES.get(r["wardCode"], r["wardCode"])
        units[(r["provinceKey"], r["wardKey"])] = {
            "code": code,
            "name": clean(r["ward"]),
            "province_code": r["provinceCode"],
            "area_km2": r["wardAreaKm2"],
        }
    return units


def new_provinces(db: sqlite3.Connection) -> dict[str, dict]:
    """New provinces keyed by registry key: GSO code and full name from vietnam-provinces."""
    from vietnam_provinces import Province

    prefix = {"tỉnh": "Tỉnh", "thành phố trung ương": "Thành phố"}
    official = {}
    for p in Province.iter_all():
        kind = prefix[p.division_type.value]
        official[f"{int(p.code):02d}"] = p.name if p.name.startswith(kind) else f"{kind} {p.name}"
    provinces = {}
    for r in db.execute("SELECT DISTINCT provinceKey, provinceCode, province FROM admin_units"):
        code = r["provinceCode"]
        if code not in official:
            raise SystemExit(f"new province {code} {r['province']} unknown to vietnam-provinces")
        if official[code] != clean(r["province"]):
            print(f"note: province {code}: registry {r['province']!r}, "
                  f"vietnam-provinces {official[code]!r} (using the latter)", file=sys.stderr)
        provinces[r["provinceKey"]] = {"code": code, "name": official[code]}
    if len(provinces) != 34 or set(official) != {p["code"] for p in provinces.values()}:
        raise SystemExit("registry and vietnam-provinces disagree on the 34 new provinces")
    return provinces


def commune_links(converter: dict, olds: dict, news: dict) -> list[tuple]:
    """(old key, new province key, new ward key, link, is_default), one per link."""
    links = []
    for prov_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            links += [(old, prov_key, ward_key, "full", False) for old in old_keys]
    for prov_key, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, targets in divided.items():
            links += [(old, prov_key, t["newWardKey"], "partial", bool(t["isDefaultNewWard"]))
                      for t in targets]
    missing = [l for l in links if l[0] not in olds or (l[1], l[2]) not in news]
    if missing:
        raise SystemExit(f"{len(missing)} converter links do not resolve, e.g. {missing[:3]}")
    return links


def commune_plan(links: list, olds: dict, news: dict, provinces: dict) -> list[dict]:
    """Rows of the commune plan, one per (old ward, new ward) link."""
    rows = []
    for old_key, prov_key, ward_key, link, is_default in links:
        old, new, prov = olds[old_key], news[(prov_key, ward_key)], provinces[prov_key]
        rows.append({
            "level": "commune", "old_code": old["code"], "old_name": old["name"],
            "old_parent": old["province"], "old_district": old["district"],
            "new_code": new["code"], "new_name": new["name"],
            "new_parent": prov["name"], "new_parent_code": prov["code"],
            "link": link, "default": "1" if is_default else "",
        })
    return sorted(rows, key=lambda r: (r["old_code"], r["new_code"]))


def province_plan(converter: dict, olds: dict, provinces: dict) -> list[dict]:
    """Rows of the province plan: every old province goes whole to one new one."""
    old_by_key = {u["province_key"]: (u["province_code"], u["province"]) for u in olds.values()}
    rows = []
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        prov = provinces[new_key]
        for old_key in old_keys:
            code, name = old_by_key[old_key]
            rows.append({
                "level": "province", "old_code": code, "old_name": name, "old_parent": "",
                "old_district": "", "new_code": prov["code"], "new_name": prov["name"],
                "new_parent": "", "new_parent_code": "", "link": "full", "default": "",
            })
    return sorted(rows, key=lambda r: r["old_code"])


def declared_communes(news: dict, provinces: dict) -> list[dict]:
    """Declared area of the 3,321 new communes (no registry package has population)."""
    names = {p["code"]: p["name"] for p in provinces.values()}
    source = f"{registry_label()} admin_units.wardAreaKm2"
    rows = []
    for unit in news.values():
        area = unit["area_km2"]
        rows.append({
            "code": unit["code"], "name": unit["name"],
            "province_code": unit["province_code"], "province": names[unit["province_code"]],
            # a missing or zero area is a registry defect: leave it empty
            "area_km2": repr(float(area)) if area else "",
            "population": "", "source": source,
        })
    return sorted(rows, key=lambda r: r["code"])


def declared_provinces(provinces: dict) -> list[dict]:
    """Declared area and population of the 34 new provinces (literal table above)."""
    names = {p["code"]: p["name"] for p in provinces.values()}
    if {row[0] for row in DECLARED_PROVINCES} != set(names):
        raise SystemExit("DECLARED_PROVINCES does not list exactly the 34 new provinces")
    return [{"code": code, "name": names[code], "area_km2": area,
             "population": str(pop), "source": source}
            for code, area, pop, source in sorted(DECLARED_PROVINCES)]


def old_units(olds: dict) -> list[dict]:
    """Compact list of the old wards with their registry lat/lon."""
    rows = [{
        "old_code": u["code"], "old_name": u["name"], "old_district": u["district"],
        "old_province": u["province"], "old_province_code": u["province_code"],
        "lat": repr(u["lat"]), "lon": repr(u["lon"]),
    } for u in olds.values()]
    return sorted(rows, key=lambda r: r["old_code"])


def write_csv(out: Path, name: str, rows: list[dict], columns: list[str]) -> None:
    """Write rows as UTF-8 CSV with LF line ends."""
    with open(out / name, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def check_ward_codes(news: dict) -> None:
    """Report how many new ward codes vietnam-provinces spells differently."""
    from vietnam_provinces import Ward

    theirs = {f"{int(w.code):05d}" for w in Ward.iter_all()}
    ours = {u["code"] for u in news.values()}
    print(f"note: {len(ours - theirs)} new ward codes differ from vietnam-provinces "
          f"{version('vietnam-provinces')} (it follows an earlier draft code list)",
          file=sys.stderr)


def main(out: Path = HERE) -> None:
    """Regenerate every CSV in ``out`` (default: next to this script)."""
    out.mkdir(parents=True, exist_ok=True)
    db, converter = load_registry()
    olds, news = old_wards(db), new_wards(db)
    provinces = new_provinces(db)
    check_ward_codes(news)
    links = commune_links(converter, olds, news)
    write_csv(out, "vn-2025-commune.csv", commune_plan(links, olds, news, provinces), PLAN_COLUMNS)
    write_csv(out, "vn-2025-province.csv", province_plan(converter, olds, provinces), PLAN_COLUMNS)
    write_csv(out, "vn-2025-declared-communes.csv", declared_communes(news, provinces),
              ["code", "name", "province_code", "province", "area_km2", "population", "source"])
    write_csv(out, "vn-2025-declared-provinces.csv", declared_provinces(provinces),
              ["code", "name", "area_km2", "population", "source"])
    write_csv(out, "vn-old-units.csv", old_units(olds),
              ["old_code", "old_name", "old_district", "old_province", "old_province_code",
               "lat", "lon"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
