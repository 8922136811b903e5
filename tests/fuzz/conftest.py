"""The fuzz tests' tally: what pytest saw of them, added to what they recorded, printed at the end of the session.

Also keeps Hypothesis's on-disk cache (its Unicode tables) in a temporary directory removed at the end of the
session, so that no run leaves a `.hypothesis/` behind; the fuzz tests use no example database at all.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from pathlib import PurePosixPath

import pytest

from tests.fuzz import figures

_STORAGE_ENV = "HYPOTHESIS_STORAGE_DIRECTORY"
_storage: str | None = None
if not os.environ.get(_STORAGE_ENV):
    _storage = tempfile.mkdtemp(prefix="sunco-keys-hypothesis-")
    os.environ[_STORAGE_ENV] = _storage


def pytest_report_header(config: pytest.Config) -> str:
    return f"fuzz: seed {figures.SEED} ({figures.SEED_ENV}), scale {figures.SCALE} ({figures.SCALE_ENV})"


def _category(nodeid: str) -> str | None:
    path = PurePosixPath(nodeid.split("::", 1)[0])
    if path.parent.name != "fuzz":
        return None
    return figures.CATEGORIES.get(path.name)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    category = _category(report.nodeid)
    if category is None or not report.failed:
        return
    text = report.longreprtext
    figures.record(
        category,
        cases=0,
        failures=1,
        leaks=int("secret leak" in text),
        hangs=int("Timeout" in text and "pytest-timeout" in text),
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not figures.TALLY:
        return
    terminalreporter.section("fuzz figures")
    arguments = " ".join(shlex.quote(argument) for argument in terminalreporter.config.invocation_params.args)
    terminalreporter.write_line(
        f"seed {figures.SEED} ({figures.SEED_ENV}), scale {figures.SCALE} ({figures.SCALE_ENV}); "
        f"repeat with: {figures.SEED_ENV}={figures.SEED} {figures.SCALE_ENV}={figures.SCALE} "
        f".venv/bin/python -m pytest {arguments}".rstrip()
    )
    for line in figures.table():
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _storage is not None:
        shutil.rmtree(_storage, ignore_errors=True)
