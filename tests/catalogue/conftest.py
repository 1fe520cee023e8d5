"""The catalogue says how many of its cases ran, and what stood in for a full disk."""

from __future__ import annotations

RESULTS: dict[str, int] = {}


def pytest_runtest_logreport(report):
    if "test_catalogue.py::test_case[" in report.nodeid and (report.when == "call" or report.skipped):
        RESULTS[report.outcome] = RESULTS.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    from test_catalogue import ENVIRONMENT

    ran = sum(RESULTS.values())
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(RESULTS.items()))
    terminalreporter.write_line(f"catalogue of bad inputs: {ran} cases ran ({outcomes}); "
                                + "; ".join(f"{what}: {how}" for what, how in ENVIRONMENT.items()))
