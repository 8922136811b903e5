"""The leak scan (tests/support/leak_scan.py) itself: a tiny test suite run with pytester, with and without leaks.

A test that prints a canary, writes it to stderr, logs it (at DEBUG, the level the suite captures), or fails with
it in its failure text must fail with "secret leak", in any phase (setup included); a clean test must pass; a test
marked `leaks_canary_on_purpose` is left alone. The scan names the canary by its first characters only, so its own
report leaks nothing.
"""

from __future__ import annotations

import pytest

from tests.fuzz import figures
from tests.support.canaries import CANARIES, CANARY_INDEX_PASSWORD, CANARY_KEY_SECRET, KEY_SECRET_MARKER

pytest_plugins = ["pytester"]

CATEGORY = figures.CATEGORIES["test_leak_scan.py"]
# The inner runs load the scan as the suite's conftest does, and capture logs at DEBUG as pytest.ini says.
ARGS = (
    *("-p", "tests.support.leak_scan", "-p", "no:cacheprovider"),
    *("-o", "log_level=DEBUG", "-o", "asyncio_default_fixture_loop_scope=function"),
)

LEAKY = {
    "print": "def test_it():\n    print({canary!r})\n",
    "stderr": "import sys\n\ndef test_it():\n    sys.stderr.write({canary!r})\n",
    "debug log": "import logging\n\ndef test_it():\n    logging.getLogger('sunco_keys').debug('%s', {canary!r})\n",
    "failure text": "def test_it():\n    assert {canary!r} == 'something else'\n",
    "exception message": "def test_it():\n    raise RuntimeError('secret is ' + {canary!r})\n",
    "setup": (
        "import pytest\n\n@pytest.fixture\ndef leaky():\n    print({canary!r})\n\ndef test_it(leaky):\n    pass\n"
    ),
}
# A created key's secret: the marker at its start, random characters after it.
CANARY_VALUES = {
    "key secret": CANARY_KEY_SECRET,
    "index password": CANARY_INDEX_PASSWORD,
    "created key secret": KEY_SECRET_MARKER + "Zq3-kR8vT2yW",
}


@pytest.mark.leaks_canary_on_purpose
@pytest.mark.parametrize("where", list(LEAKY))
@pytest.mark.parametrize("canary", list(CANARY_VALUES), ids=str)
def test_a_test_that_shows_a_canary_fails_with_secret_leak(pytester: pytest.Pytester, where: str, canary: str) -> None:
    pytester.makepyfile(test_inner=LEAKY[where].format(canary=CANARY_VALUES[canary]))
    result = pytester.runpytest(*ARGS)
    figures.record(CATEGORY)
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert outcomes.get("passed", 0) == 0 and outcomes.get("failed", 0) + outcomes.get("errors", 0) >= 1
    result.stdout.fnmatch_lines(["*secret leak: a canary appeared in what this test produced*"])
    # The report names the canary by its first characters only, and masks it in the captured output it shows.
    shown = result.stdout.str() + result.stderr.str()
    assert CANARY_VALUES[canary] not in shown
    assert not any(value in shown for value in CANARIES if len(value) > 12)


@pytest.mark.leaks_canary_on_purpose
def test_a_clean_test_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner=(
            "import logging\n\n"
            "def test_it():\n"
            "    print('the key int_0123 was created; its secret stays in the vault')\n"
            "    logging.getLogger('sunco_keys').debug('retrying GET /v2/apps/x/integrations/y/keys')\n"
            "    assert 'CANARY' not in 'nothing to see'\n"
        )
    )
    result = pytester.runpytest(*ARGS)
    figures.record(CATEGORY)
    result.assert_outcomes(passed=1)
    assert "secret leak" not in result.stdout.str()


@pytest.mark.leaks_canary_on_purpose
def test_a_test_marked_as_leaking_on_purpose_is_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner=(
            f"import pytest\n\n@pytest.mark.leaks_canary_on_purpose\ndef test_it():\n    print({CANARY_KEY_SECRET!r})\n"
        )
    )
    result = pytester.runpytest(*ARGS)
    figures.record(CATEGORY)
    result.assert_outcomes(passed=1)
