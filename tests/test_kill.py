"""Crash safety of outputs (geoplan.io.atomic, geoplan.io.lock, the command line's signals).

A few small cases here; the 20 national merges and 20 national maps killed at random moments are
``tests/kill_runs.py`` (minutes, run apart). After SIGKILL at any moment the output's name holds the
complete old output (or nothing); what the killed run left beside it is removed by the next run
writing to the same place. SIGTERM and Ctrl-C remove it at once. An interrupt after the rename
reports success. A second process writing the same output is refused.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import geoplan.io.atomic as atomic
from geoplan.cli import main

SIDE = 24  # cells per side of the generated layer: 576 old units, 24 new ones


def geoplan_process(*argv, **popen) -> subprocess.Popen:
    """``geoplan ARGV`` in its own process, as the console script runs it."""
    return subprocess.Popen([sys.executable, "-m", "geoplan.cli", *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "GEOPLAN_LANG": "en"}, **popen)


SLOW_TEXT = """
import pathlib, sys, time
def slow(self, text, encoding=None, errors=None, newline=None):  # a slow disk: the text in 20 pieces
    with open(self, "w", encoding=encoding, errors=errors, newline=newline) as out:
        for i in range(0, len(text), len(text) // 20 + 1):
            out.write(text[i:i + len(text) // 20 + 1]); out.flush(); time.sleep(0.05)
    return len(text)
pathlib.Path.write_text = slow
sys.argv[0] = "geoplan"
from geoplan.cli import run
run()
"""


def slow_text_process(*argv) -> subprocess.Popen:
    """``geoplan ARGV`` whose text files take a second to write (a map's HTML), so that it can be killed
    while it writes whatever the machine's load."""
    return subprocess.Popen([sys.executable, "-c", SLOW_TEXT, *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "GEOPLAN_LANG": "en"})


@pytest.fixture(scope="module")
def layer(tmp_path_factory) -> Path:
    cells = [shapely.box(105 + 0.01 * (i % SIDE), 10 + 0.01 * (i // SIDE), 105 + 0.01 * (i % SIDE + 1),
                         10 + 0.01 * (i // SIDE + 1)) for i in range(SIDE * SIDE)]
    frame = gpd.GeoDataFrame({"row": [f"{i // SIDE:02d}" for i in range(SIDE * SIDE)], "pop": 10},
                             geometry=cells, crs=4326)
    path = tmp_path_factory.mktemp("kill") / "cells.gpkg"
    frame.to_file(path)
    return path


def merge_argv(layer: Path, out: Path) -> list[str]:
    return ["merge", str(layer), "--by", "row", "--pop-field", "pop", "-o", str(out), "--quiet"]


def strays(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def wait_for_partial(process: subprocess.Popen, target: Path, timeout: float = 120) -> bool:
    """Wait until ``process`` writes its temporary file (True), or ends (False)."""
    partial = atomic.partial_path(target)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if partial.exists():
            return True
        time.sleep(0.002)
    return False


def assert_units(path: Path, n: int) -> None:
    units = gpd.read_file(path, layer="units")
    assert len(units) == n and shapely.is_valid(units.geometry.to_numpy()).all()


@pytest.mark.parametrize("delay", [0.0, 0.1])
def test_sigkill_during_a_merge_write_keeps_the_old_output_and_the_next_run_cleans_up(layer, tmp_path, delay):
    out = tmp_path / "out.gpkg"
    assert main(merge_argv(layer, out)) == 0
    old = out.read_bytes()
    process = geoplan_process(*merge_argv(layer, out))
    writing = wait_for_partial(process, out)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert writing
    if process.returncode == -signal.SIGKILL:  # never a half-written file under the output's name:
        if out.read_bytes() != old:  # killed after the rename, before it exited: the new output, complete
            assert_units(out, SIDE)
        assert set(strays(tmp_path)) <= {".out.gpkg.lock", ".out.gpkg.partial.gpkg", ".out.gpkg.partial.gpkg-journal"}
    else:  # it had finished: its output is complete
        assert process.returncode == 0 and strays(tmp_path) == []
        assert_units(out, SIDE)
    assert delay or process.returncode == -signal.SIGKILL  # killed at once, it was writing
    assert main(merge_argv(layer, out)) == 0  # the next run to the same place removes the leftovers
    assert strays(tmp_path) == []
    assert_units(out, SIDE)


def test_sigkill_during_a_map_write_keeps_the_old_map(layer, tmp_path):
    result = tmp_path / "result.gpkg"
    assert main(merge_argv(layer, result)) == 0
    page = tmp_path / "m.html"
    argv = ["map", result, "-o", page, "--quiet"]
    assert main(list(map(str, argv))) == 0
    old = page.read_bytes()
    process = slow_text_process(*argv)
    writing = wait_for_partial(process, page)
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert writing and process.returncode == -signal.SIGKILL
    assert page.read_bytes() == old and 0 < atomic.partial_path(page).stat().st_size < len(old)  # half-written beside
    assert set(strays(tmp_path)) <= {".m.html.lock", ".m.html.partial.html"}
    assert main(list(map(str, argv))) == 0 and strays(tmp_path) == []


def test_sigterm_during_a_write_removes_the_temporary_file_at_once(layer, tmp_path):
    out = tmp_path / "out.gpkg"
    assert main(merge_argv(layer, out)) == 0
    old = out.read_bytes()
    process = geoplan_process(*merge_argv(layer, out))
    writing = wait_for_partial(process, out)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate()
    if writing and process.returncode == 128 + signal.SIGTERM:
        assert err.strip() == "geoplan merge: interrupted; no output was written (older files of the same names are unchanged)"
        assert out.read_bytes() == old and strays(tmp_path) == []
    else:  # it had renamed its output just before: then it says so and succeeds
        assert process.returncode == 0 and strays(tmp_path) == []


def test_an_interrupt_just_after_the_rename_reports_success(layer, tmp_path, capsys, monkeypatch):
    result = tmp_path / "result.gpkg"
    assert main(merge_argv(layer, result)) == 0
    page = tmp_path / "m.html"

    def interrupt(folder):
        raise KeyboardInterrupt  # Ctrl-C right after the rename: the map is complete

    monkeypatch.setattr(atomic, "_sync_folder", interrupt)
    capsys.readouterr()
    assert main(["map", str(result), "-o", str(page), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.strip() == f"geoplan map: interrupted after {page} was written completely: the run succeeded"
    assert "</html>" in page.read_text(encoding="utf-8") and strays(tmp_path) == []


def test_an_interrupt_before_the_rename_keeps_the_old_output(layer, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out.gpkg"
    assert main(merge_argv(layer, out)) == 0
    old = out.read_bytes()
    real_replace = os.replace

    def interrupt(source, target):
        if str(target) == str(out):
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", interrupt)
    capsys.readouterr()
    assert main(merge_argv(layer, out)) == 130
    assert capsys.readouterr().err.strip().endswith("interrupted; no output was written (older files of the same "
                                                    "names are unchanged)")
    assert out.read_bytes() == old and strays(tmp_path) == []


def test_a_second_run_writing_the_same_output_is_refused(layer, tmp_path):
    out = tmp_path / "out.gpkg"
    first = geoplan_process(*merge_argv(layer, out))
    lock = tmp_path / ".out.gpkg.lock"
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    second = geoplan_process(*merge_argv(layer, out))
    _, err = second.communicate(timeout=120)
    first.communicate(timeout=120)
    assert first.returncode == 0
    if lock.exists() or second.returncode == 2:  # the first still held it when the second asked
        assert second.returncode == 2
        assert err.strip() == (f"geoplan merge: error: {out}: another geoplan process (pid {first.pid}) is writing this "
                               f"file now; wait for it to end, or choose another output")
    assert strays(tmp_path) == []
    assert_units(out, SIDE)


def test_leftovers_of_older_versions_are_removed_too(layer, tmp_path):
    out = tmp_path / "out.gpkg"
    for name in (".out.gpkg.k3j9x0qa.gpkg", ".out.gpkg.k3j9x0qa.gpkg-journal", ".out.gpkg.partial.gpkg"):
        (tmp_path / name).write_bytes(b"x" * random.randint(1, 100))
    (tmp_path / ".other.gpkg.k3j9x0qa.gpkg").write_bytes(b"another output's: kept")
    assert main(merge_argv(layer, out)) == 0
    assert strays(tmp_path) == [".other.gpkg.k3j9x0qa.gpkg"]


def test_the_next_run_removes_leftovers_at_its_start_even_when_it_fails(layer, tmp_path, capsys):
    out = tmp_path / "out.gpkg"
    (tmp_path / ".out.gpkg.partial.gpkg").write_bytes(b"x" * 1000)
    (tmp_path / ".out.gpkg.partial.gpkg-journal").write_bytes(b"x")
    assert main(["merge", str(layer), str(tmp_path / "no-plan.csv"), "-o", str(out), "--quiet"]) == 2
    assert "no-plan.csv" in capsys.readouterr().err
    assert strays(tmp_path) == [] and not out.exists()


@pytest.fixture
def ctrl_c():
    """SIGINT raises KeyboardInterrupt, as in a terminal (a run started in the background ignores it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_an_interrupt_during_the_rename_comes_after_its_record(layer, tmp_path, capsys, monkeypatch, ctrl_c):
    """SIGINT arriving while the output is renamed (any thread may receive it; Python runs the handler
    at its next instruction): the run knows its output was written and says so."""
    result = tmp_path / "result.gpkg"
    assert main(merge_argv(layer, result)) == 0
    page = tmp_path / "m.html"
    real_replace = os.replace

    def replace_and_interrupt(source, target):
        os.kill(os.getpid(), signal.SIGINT)
        real_replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", replace_and_interrupt)
    capsys.readouterr()
    assert main(["map", str(result), "-o", str(page), "--quiet"]) == 0
    assert capsys.readouterr().err.strip().endswith(f"interrupted after {page} was written completely: the run succeeded")
    assert page.exists() and strays(tmp_path) == []


def test_an_interrupt_between_two_outputs_says_which_one_was_written(layer, tmp_path, capsys, monkeypatch):
    out, report = tmp_path / "out.gpkg", tmp_path / "report.xlsx"
    calls = []

    def interrupt_after_the_first(folder):
        calls.append(folder)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the GeoPackage is in place, the workbook not yet written

    monkeypatch.setattr(atomic, "_sync_folder", interrupt_after_the_first)
    code = main(merge_argv(layer, out) + ["--report", str(report)])
    err = capsys.readouterr().err.strip()
    assert code == 130 and out.exists() and not report.exists()
    assert err == (f"geoplan merge: interrupted; complete files written before: {out}; "
                   f"no other output was changed"), err
    assert strays(tmp_path) == []
