"""scripts/generate.py: regeneration is deterministic, keeps lib/, and --check names every stale generated file.

Each test works on a scratch copy of the generation inputs and of generated/, so the repository is never touched;
those running `make` there give the copy a .venv/ of its own, which runs this interpreter and installs nothing.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.local import git

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("openapi.yaml", "generator-config.yaml", "templates", "generated", "scripts/generate.py")
GET_MODULE = "generated/sunco_keys/api/custom_integration_api_keys/get_custom_integration_key.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in INPUTS:
        source, target = ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, target)
    return tmp_path


def generate(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(project / "scripts" / "generate.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, env=env)


def same_tree(left: Path, right: Path) -> bool:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(left / d, right / d) for d in comparison.common_dirs)


def test_committed_generated_tree_is_what_the_generator_produces(project: Path) -> None:
    result = generate(project, "--check")
    assert result.returncode == 0, result.stderr
    assert "generated/ matches openapi.yaml" in result.stdout


def test_regenerating_changes_nothing_and_keeps_the_hand_written_lib(project: Path) -> None:
    files = [path for path in (project / "generated").rglob("*") if path.is_file()]
    for path in files:  # an old time, so that a rewrite would show even on a coarse clock
        os.utime(path, (1_600_000_000, 1_600_000_000))
    stray = project / "generated/sunco_keys/models/no_longer_generated.py"
    stray.write_text("x = 1\n")
    commit_all(project)  # a file generated once and committed: git can give it back
    result = generate(project)
    assert result.returncode == 0, result.stderr
    assert not stray.exists()  # what the generator no longer writes is removed
    assert same_tree(project / "generated", ROOT / "generated")
    assert (project / "generated/sunco_keys/lib/connection.py").is_file()
    rewritten = [str(path.relative_to(project)) for path in files if path.stat().st_mtime != 1_600_000_000]
    assert rewritten == []  # untouched: make would otherwise see generated/pyproject.toml as new and reinstall


INSTALL = "-m pip install --quiet --disable-pip-version-check"


def make(project: Path, goal: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`make GOAL` in `project`, whose .venv/ runs this interpreter but only records what pip is asked: the result and
    pip's calls."""
    log = project / "pip.log"
    log.write_text("", encoding="utf-8")
    python = project / ".venv/bin/python"
    if not python.exists():
        python.parent.mkdir(parents=True)
        records = f'if [ "$1 $2" = "-m pip" ]; then echo "$*" >>"{log}"; exit 0; fi'
        python.write_text(f'#!/bin/sh\n{records}\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
        python.chmod(0o755)
    inherited = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")  # from a `make test` running this suite
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    command = ["make", "--no-print-directory", "-C", str(project), goal, f"PYTHON={sys.executable}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, env=env)
    return result, log.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("venv", ["set up", "to be set up again"])
def test_make_generate_makes_a_deleted_pyproject_toml_again_and_the_next_make_installs_it(
    project: Path, venv: str
) -> None:
    """generated/pyproject.toml is generated: deleted, it is no file make must find, but one `make generate` makes."""
    for name in ("Makefile", "requirements-dev.txt", "scripts/venv.sh"):
        shutil.copyfile(ROOT / name, project / name)
    requirements = f"{INSTALL} -r requirements-dev.txt"
    editable = f"{INSTALL} --no-deps --no-build-isolation -e generated"
    result, pip = make(project, "setup")
    assert result.returncode == 0, result.stderr
    assert pip == [requirements, editable]
    pyproject = project / "generated/pyproject.toml"
    pyproject.unlink()
    if venv == "to be set up again":  # as after requirements-dev.txt changed
        os.utime(project / ".venv/.ready", (1_600_000_000, 1_600_000_000))
    result, pip = make(project, "setup")
    assert result.returncode == 0, result.stderr
    assert editable not in pip and not pyproject.exists()
    result, pip = make(project, "generate")
    assert result.returncode == 0, result.stderr
    assert editable not in pip
    assert pyproject.read_bytes() == (ROOT / "generated/pyproject.toml").read_bytes()
    assert make(project, "setup")[1] == [requirements, editable]
    assert make(project, "setup")[1] == []


def commit_all(project: Path) -> None:
    """Make `project` a git checkout with everything in it committed."""
    for step in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "--message", "start"]):
        git(project, *step)


@pytest.mark.parametrize("state", ["untracked", "changed since committed", "no git checkout"])
def test_a_file_the_generator_does_not_write_and_git_lacks_is_never_deleted(project: Path, state: str) -> None:
    """`make check` names the extra file; neither it nor `make generate` leads to deleting work git cannot restore."""
    helper = project / "generated/sunco_keys/helpers.py"
    if state == "changed since committed":
        helper.write_text("def mine() -> int:\n    return 1\n")
        commit_all(project)
    elif state == "untracked":
        commit_all(project)
    helper.write_text("def mine() -> int:\n    return 2\n")
    before = helper.read_text()
    client = project / "generated/sunco_keys/client.py"
    client.write_text("# stale\n")  # something generation would rewrite: it must not be rewritten either
    check = generate(project, "--check")
    assert check.returncode == 1
    assert "extra:     generated/sunco_keys/helpers.py" in check.stderr
    assert "run `make generate`:" not in check.stderr  # the advice that deleted it
    assert "move hand-written code to generated/sunco_keys/lib/" in check.stderr
    result = generate(project)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: generated/ holds files that the generator does not write")
    assert "generated/sunco_keys/helpers.py" in result.stderr and "Nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert helper.read_text() == before
    assert client.read_text() == "# stale\n"
    (project / "generated/sunco_keys/lib/helpers.py").write_text(before)  # the way out the message gives
    helper.unlink()
    assert generate(project).returncode == 0
    assert generate(project, "--check").returncode == 0


def test_editing_a_description_without_regenerating_fails_the_check_naming_the_stale_file(project: Path) -> None:
    spec = project / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "description: Get the specified API key." in text
    spec.write_text(text.replace("description: Get the specified API key.", "description: Get one API key."))
    result = generate(project, "--check")
    assert result.returncode == 1
    assert f"stale:     {GET_MODULE}" in result.stderr
    assert "create_custom_integration_key.py" not in result.stderr
    assert "run `make generate`" in result.stderr
    assert generate(project).returncode == 0
    assert "Get one API key." in (project / GET_MODULE).read_text(encoding="utf-8")
    assert generate(project, "--check").returncode == 0


def test_a_generated_file_edited_by_hand_or_added_is_named(project: Path) -> None:
    (project / "generated/sunco_keys/client.py").write_text("# edited by hand\n")
    (project / "generated/sunco_keys/models/stray.py").write_text("x = 1\n")
    (project / "generated/sunco_keys/lib/my_helper.py").write_text("y = 2\n")
    result = generate(project, "--check")
    assert result.returncode == 1
    assert "stale:     generated/sunco_keys/client.py" in result.stderr
    assert "extra:     generated/sunco_keys/models/stray.py" in result.stderr
    assert "lib/my_helper.py" not in result.stderr


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda text: text.replace("openapi: 3.1.0", "openapi: 3.1.0\npaths: [1, 2]", 1), "duplicate key"),
        (lambda text: text.replace("paths:", "webhooks: 5\npaths:", 1), "not valid OpenAPI"),
        (
            lambda text: text.replace("paths:", "paths:\n  : :", 1),
            "a mapping key is not a string: null (an empty key) at paths/None",
        ),
        (lambda text: text.replace("paths:", "paths: [", 1), "cannot be read as YAML"),
        (lambda text: text.replace("operationId: GetCustomIntegrationKey", "operationId: 5"), "not valid OpenAPI"),
        (lambda text: text.replace("title:", "title: \udcff", 1), "cannot be read as YAML"),  # byte 0xff: not UTF-8
        (lambda text: "- " + text.replace("\n", "\n  "), "expected a mapping at the top level"),
        (  # the validator's message goes on to quote the whole document (9 KB)
            lambda text: text.replace("\ninfo:", "\nx-info:", 1),
            'not valid OpenAPI at (top level): "info" is a required property',
        ),
        (  # the validator says only "Dict key must be str or str enum. Got 'int'"
            lambda text: text.replace('"201":', "201:", 1),
            "a mapping key is not a string: 201 at paths//v2/apps/{appId}/integrations/{integrationId}/keys/post/"
            "responses/201",
        ),
        (
            lambda text: text.replace("  version: 0.1.0\n", "  version: banana\n", 1),
            "info.version 'banana' is not a valid Python package version",
        ),
        (lambda text: text.replace("  version: 0.1.0\n", f"  version: 1.0 {'x' * 5000}\n", 1), "info.version '1.0 xx"),
        (lambda text: text.replace('"#/components/schemas/apiKey"', '"elsewhere.yaml#/apiKey"'), "cannot be resolved"),
        (
            lambda text: text.replace('"#/components/schemas/apiKey"', '"#/components/schemas/apiKeyy"', 1),
            "cannot be resolved within the document: '#/components/schemas/apiKeyy' at components/schemas/",
        ),
        (  # a request body's schema: the validator lets this one through, the generator would name no place
            lambda text: text.replace('"#/components/schemas/IntegrationApiKey"', '"#/components/schemas/Nope"', 1),
            "cannot be resolved within the document: '#/components/schemas/Nope' at paths/",
        ),
        (
            lambda text: text.replace(
                "  schemas:\n",
                '  schemas:\n    LoopA:\n      $ref: "#/components/schemas/LoopB"\n'
                '    LoopB:\n      $ref: "#/components/schemas/LoopA"\n',
                1,
            ).replace('"#/components/schemas/apiKey"', '"#/components/schemas/LoopA"', 1),
            "in a loop",
        ),
    ],
)
def test_a_bad_spec_is_refused_with_a_clear_error_and_generated_is_untouched(
    project: Path, breakage: object, message: str
) -> None:
    spec = project / "openapi.yaml"
    broken = breakage(spec.read_text(encoding="utf-8"))  # type: ignore[operator]
    spec.write_text(broken, encoding="utf-8", errors="surrogateescape")  # a lone \udcff is written as the byte 0xff
    result = generate(project)
    assert result.returncode == 2
    assert result.stderr.startswith("error: openapi.yaml")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < 1000  # the error, not the document
    assert same_tree(project / "generated", ROOT / "generated")


def test_a_generator_warning_fails_the_generation_and_generated_is_untouched(project: Path) -> None:
    """openapi-python-client exits 0 when it skips an endpoint it cannot read; generate.py must not."""
    spec = project / "openapi.yaml"
    body = (
        '          application/json:\n            schema:\n              $ref: "#/components/schemas/IntegrationApiKey"'
    )
    text = spec.read_text(encoding="utf-8")
    assert text.count(body) == 1
    spec.write_text(text.replace(body, body.replace("application/json", "application/x-unknown")), encoding="utf-8")
    result = generate(project)
    assert result.returncode == 2
    assert result.stderr.startswith("error: openapi-python-client failed")
    assert "Endpoint will not be generated" in result.stderr and "application/x-unknown" in result.stderr
    assert same_tree(project / "generated", ROOT / "generated")


def test_words_like_warning_in_the_generator_s_output_are_not_taken_for_its_warnings(project: Path) -> None:
    """The generator names its scratch folder, under TMPDIR, in its output: only its own report of a problem counts."""
    scratch = project / "WarningError"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    check = generate(project, "--check", env=env)
    assert check.returncode == 0, check.stderr
    result = generate(project, env=env)
    assert result.returncode == 0, result.stderr
