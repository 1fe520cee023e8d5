"""The catalogue of bad inputs (catalogue_cases.CASES) run through the command line.

Every case runs ``geoplan`` in this process (``geoplan.cli.main``, as the console script does,
without the cost of starting Python each time) and must end with its exit status and:
- when it fails, exactly one line on stderr holding the expected fragment (which names the
  file, field, row or option at fault), no traceback, no "internal error" (a defect caught by the
  last resort of the command line), no output file and no temporary file left;
- when it succeeds, outputs that read back valid (units valid, a valid coverage, EPSG:4326,
  population and area totals conserved; the check's CSV and Markdown; the map's HTML) and no
  temporary file left.

The disk-full cases use a tmpfs of 256 KB, filled up, where this process may mount one (root);
elsewhere a file-size limit (RLIMIT_FSIZE of 0 bytes, SIGXFSZ ignored) stands in for it: writes
then fail with EFBIG instead of ENOSPC, through the same code. The read-only cases use a tmpfs
mounted read-only (root), else a folder without write permission (chmod 555, which binds only
users other than root). The summary line says which were used.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from catalogue_cases import CASES, LONG
from catalogue_inputs import BUILDERS, N, make

from geoplan.cli import main
from geoplan.measure.area import area_km2

GRID_KM2 = float(area_km2([shapely.box(105, 10, 105 + 0.01 * N, 10 + 0.01 * N)])[0])
AREA_CELLS = {"geometry/one-empty": 15, "geometry/bowtie": None}  # cases whose units cover other than 16 cells
ENVIRONMENT: dict[str, str] = {}  # what stood in for a full disk and a read-only folder (said in the summary)


def _mount(folder: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture(scope="session")
def inputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("catalogue_inputs")


@pytest.fixture(scope="session")
def result(inputs) -> Path:
    """A merge result of the grid (for check and map)."""
    path = inputs / "result.gpkg"
    code = main(["merge", str(make("grid.gpkg", inputs)), str(make("plan.csv", inputs)), "--old-code", "code",
                 "--pop-field", "pop", "-o", str(path), "--quiet"])
    assert code == 0
    return path


@pytest.fixture(scope="session")
def full_disk(tmp_path_factory):
    """A folder on a full disk: (folder, how it is made)."""
    folder = tmp_path_factory.mktemp("full") / "disk"
    if _mount(folder, "size=256k"):
        with contextlib.suppress(OSError), open(folder / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        ENVIRONMENT["disk full"] = "tmpfs of 256 KB, filled up"
        yield folder, "tmpfs"
        subprocess.run(["umount", str(folder)], check=False)
        return
    folder.mkdir(parents=True, exist_ok=True)
    ENVIRONMENT["disk full"] = "simulated: RLIMIT_FSIZE 0 (mount not permitted)"
    yield folder, "rlimit"


@pytest.fixture(scope="session")
def read_only(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ro") / "folder"
    if _mount(folder, "size=64k,ro"):
        ENVIRONMENT["read-only"] = "tmpfs mounted read-only"
        yield folder
        subprocess.run(["umount", str(folder)], check=False)
        return
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    ENVIRONMENT["read-only"] = "simulated: folder without write permission (chmod 555)"
    yield folder
    folder.chmod(0o755)


@contextlib.contextmanager
def _file_size_limit(kind: str):
    """No file may grow (the stand-in for a full disk where no tmpfs can be mounted)."""
    if kind != "rlimit":
        yield
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@contextlib.contextmanager
def _locked_by_another_process(target: Path):
    """Another process holds the lock of ``target`` (as a geoplan run writing it would)."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, str(os.getpid()).encode())\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"), str(target.with_name(f".{target.name}.lock"))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        target.with_name(f".{target.name}.lock").unlink(missing_ok=True)


LEFTOVERS = (".{name}.partial.gpkg", ".{name}.partial.gpkg-journal", ".{name}.k3j9x0qa{suffix}", ".{name}.lock",
             ".{name}.partial{suffix}")


def _output(argv: list[str]) -> Path | None:
    return Path(argv[argv.index("-o") + 1]) if "-o" in argv else None


def _strays(folder: Path) -> list[str]:
    """Temporary and lock files left in ``folder``."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and (".partial" in p.name or
                  p.name.endswith(".lock") or p.name.count(".") >= 3))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case, inputs, result, full_disk, read_only, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GEOPLAN_LANG", "en")
    monkeypatch.delenv("GEOPLAN_DEBUG", raising=False)
    places = {"d": str(inputs), "o": str(tmp_path), "result": str(result), "long": LONG,
              "full": str(full_disk[0]), "ro": str(read_only)}
    argv = [token.format(**places) for token in shlex.split(case.argv)]
    prefix = f"{inputs}/"
    for token in argv:  # the inputs the command line names, made on demand
        name = token[len(prefix):].split("/")[0] if token.startswith(prefix) else None
        if name in BUILDERS:
            make(name, inputs)
    target = _output(argv)
    with _environment(case.env, target, full_disk[1]):
        try:
            code = main(argv)
        except SystemExit as usage:  # argparse's own exit for a usage mistake, as the console script gets it
            code = usage.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == case.code, (code, err[-2000:])
    if case.code != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, err
        assert len(lines[0]) <= 1000
        assert case.expect.format(**places) in lines[0], lines[0]
        if target is not None and target.parent == tmp_path and len(target.name) < 255:
            assert not target.exists() or target.is_dir()  # nothing written under the output's name
    else:
        CHECKS[case.ok](case, target, out)
    for folder in {tmp_path, full_disk[0], read_only}:
        assert _strays(folder) == [], _strays(folder)


@contextlib.contextmanager
def _environment(env: str | None, target: Path | None, disk: str):
    if env == "full_disk":
        with _file_size_limit(disk):
            yield
    elif env == "locked":
        with _locked_by_another_process(target):
            yield
    elif env == "leftovers":
        for pattern in LEFTOVERS:
            target.with_name(pattern.format(name=target.name, suffix=target.suffix)).write_bytes(b"half-written")
        yield
    elif env == "existing":
        target.write_bytes(b"an older file of that name")
        yield
    else:
        yield


def _check_merge(case, target: Path, out: str) -> None:
    units = gpd.read_file(target, layer="units")
    assert units.crs.to_epsg() == 4326
    geoms = units.geometry.to_numpy()
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    assert shapely.coverage_is_valid(geoms)
    assert units["population"].sum() == pytest.approx(case.total, rel=1e-12) if case.total is not None else True
    cells = AREA_CELLS.get(case.id, N * N)
    if cells is not None:
        # 1e-5: a grid drawn in lon/lat and projected has edges a little off the lon/lat ones
        assert units["area_km2"].sum() == pytest.approx(GRID_KM2 * cells / (N * N), rel=1e-5)
        assert float(area_km2(units.geometry).sum()) == pytest.approx(float(units["area_km2"].sum()), rel=1e-9)
    assert {"units", "crosswalk", "lineage", "repairs", "features", "about"} <= {n for n, _ in pyogrio.list_layers(target)}


def _check_check(case, target: Path, out: str) -> None:
    table = pd.read_csv(target, dtype={"code": str})
    assert len(table) >= 4 and {"10", "20", "30", "40"} <= set(table["code"])
    assert target.with_suffix(".md").read_text(encoding="utf-8").startswith("# ")


def _check_map(case, target: Path, out: str) -> None:
    text = target.read_text(encoding="utf-8")
    assert len(text) > 10_000 and "<html" in text.lower() and "Xã Mới A" in text


def _check_transfer(case, target: Path, out: str) -> None:
    table = pd.read_csv(target, dtype={"code": str}, encoding="utf-8-sig")
    assert set(table["code"]) == {"10", "20", "30", "40"}
    assert table["households"].sum() == sum(10 * (i + 1) for i in range(N * N))  # conserved


def _check_stdout(case, target, out: str) -> None:
    assert out.strip()


CHECKS = {"merge": _check_merge, "check": _check_check, "map": _check_map, "transfer": _check_transfer,
          "stdout": _check_stdout}


def test_the_catalogue_holds_at_least_150_cases_of_every_kind():
    kinds = {case.id.split("/")[0] for case in CASES}
    commands = {case.argv.split()[0] if not case.argv.startswith("--") else case.argv.split()[2] for case in CASES}
    assert len(CASES) >= 150
    assert {"merge", "check", "map", "find", "plans", "demo", "transfer"} <= commands
    assert {"file", "zip", "crs", "geometry", "field", "count", "encoding", "plan", "declared", "output",
            "option"} <= kinds
