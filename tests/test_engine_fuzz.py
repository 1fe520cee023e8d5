"""The engine's differential fuzzer, short run: 2,000 fixed seeds of the dissolve (about a minute) and
of the overlay (about 20 s), GEOS as the oracle.

The long run is ``make fuzz-long`` (100,000 cases) and the sanitizer run ``make asan``;
see tests/fuzz/README.md. A failing seed is reproduced alone by
``python -m tests.fuzz.run --start SEED --count 1``.
"""

from __future__ import annotations

import pytest

from fuzz.run import run_case, run_overlay_case

CHUNK = 200


@pytest.mark.parametrize("start", range(0, 2000, CHUNK))
def test_fuzz_dissolve_against_geos(start):
    failures = [f"seed {seed} ({name}): {' | '.join(why)}"
                for seed, name, why in (run_case(s) for s in range(start, start + CHUNK)) if why]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("seed", [87091, 94555])
def test_fuzz_seeds_that_failed_the_long_run(seed):
    """Seeds of the long run that once failed: 87091 (a hole snapped onto its shell's corner on the
    outline, which GEOS's coverage validator misreads), 94555 (a channel out of a pocket, shut by
    snapping where two collinear sides leave a node the same way, filled as a gap)."""
    _, name, why = run_case(seed)
    assert not why, f"seed {seed} ({name}): {' | '.join(why)}"


@pytest.mark.parametrize("start", range(0, 2000, CHUNK))
def test_fuzz_overlay_against_geos(start):
    """The overlay of two layers made of each case (tests/fuzz/overlay_oracle.py), by the four
    rules for overlaps, its pieces as geometries and as WKB: GEOS's pieces, pair by pair."""
    failures = [f"seed {seed} ({name}): {' | '.join(why)}"
                for seed, name, why in (run_overlay_case(s) for s in range(start, start + CHUNK)) if why]
    assert not failures, "\n".join(failures)
