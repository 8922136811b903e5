"""A pytest plugin that fails any test whose captured output, log records or failure text contains a canary secret.

The whole suite runs with canary credentials (the local server's key secret, the package index password, the
proxy's password); every secret the local server creates carries `KEY_SECRET_MARKER`. After each phase of each
test, everything pytest captured for it (stdout, stderr, log records at every level, the failure report) is
searched for them.
"""

from __future__ import annotations

import re
from collections.abc import Generator

import pluggy
import pytest

from tests.support.canaries import CANARIES, leaks


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    if item.get_closest_marker("leaks_canary_on_purpose"):
        return
    found = {
        (where, name)
        for where, text in [*report.sections, ("failure report", report.longreprtext)]
        for name in leaks(text)
    }
    if found:
        places = ", ".join(f"{name} in {where}" for where, name in sorted(found))
        report.outcome = "failed"
        report.longrepr = f"secret leak: a canary appeared in what this test produced: {places}"
        # pytest prints the captured sections under the failure: masked, or the report would show the secret.
        report.sections = [(where, _masked(text)) for where, text in report.sections]


def _masked(text: str) -> str:
    """`text` with every canary, and the rest of the token it starts, replaced by a placeholder."""
    for canary in CANARIES:
        text = re.sub(re.escape(canary) + r"[A-Za-z0-9_-]*", "[canary masked]", text)
    return text


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "leaks_canary_on_purpose: the leak scan skips this test (tests of the scan)")
