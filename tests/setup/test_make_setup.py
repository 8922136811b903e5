"""`make setup` makes .venv/ with $(PYTHON), refuses a Python older than 3.11, and makes .venv/ again when its python
is another version than $(PYTHON)'s or does not run, even when it was set up completely.

Only one Python is installed where the suite runs, so each test runs the real Makefile (and scripts/venv.sh) in a
scratch folder with stand-in interpreters: scripts that answer as the Python version they are given, make a "venv"
whose python is a stand-in of the same version, and record every call instead of installing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A stand-in python's body, after a first line VERSION = (major, minor). It logs "major.minor ARGUMENTS" per call.
STAND_IN = """
import os
import shutil
import sys

with open(os.environ["STAND_IN_LOG"], "a") as log:
    print("%d.%d" % VERSION, *sys.argv[1:], file=log)
if sys.argv[1] == "-c":
    sys.version_info = VERSION  # the code asks this Python its version
    exec(sys.argv[2])
elif sys.argv[1:3] == ["-m", "venv"]:
    os.makedirs(os.path.join(sys.argv[3], "bin"))
    shutil.copy(__file__, os.path.join(sys.argv[3], "bin", "python"))
elif sys.argv[1:3] != ["-m", "pip"]:
    sys.exit("stand-in python: unexpected arguments %r" % sys.argv[1:])
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The Makefile and what `make setup` reads, with stand-ins for Python 3.10, 3.11 and 3.12 in bin/."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "generated").mkdir()
    for name in ("Makefile", "scripts/venv.sh", "requirements-dev.txt", "generated/pyproject.toml"):
        shutil.copyfile(ROOT / name, project / name)
    (tmp_path / "bin").mkdir()
    for minor in (10, 11, 12):
        stand_in = tmp_path / "bin" / f"python3.{minor}"
        stand_in.write_text(f"#!{sys.executable}\nVERSION = (3, {minor})\n{STAND_IN}", encoding="utf-8")
        stand_in.chmod(0o755)
    return project


def python(project: Path, minor: int) -> str:
    return str(project.parent / "bin" / f"python3.{minor}")


def setup(
    project: Path, *arguments: str, path: str | None = None, target: str = "setup"
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`make TARGET ARGUMENTS` in `project`: its result and the stand-ins' calls other than the version questions."""
    log = project.parent / "calls.log"
    log.write_text("", encoding="utf-8")
    inherited = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON")  # from a `make test` running this suite
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    env["STAND_IN_LOG"] = str(log)
    if path is not None:
        env["PATH"] = f"{path}{os.pathsep}{env['PATH']}"
    command = ["make", "--no-print-directory", "-C", str(project), target, *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env)
    calls = [line for line in log.read_text(encoding="utf-8").splitlines() if " -c " not in line]
    return result, calls


def venv_version(project: Path) -> str:
    """The version the stand-in in .venv/bin/ answers as."""
    return (project / ".venv/bin/python").read_text(encoding="utf-8").splitlines()[1]


INSTALLS = [
    "3.11 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt",
    "3.11 -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e generated",
]


def test_setup_makes_the_venv_with_python_and_then_leaves_it(project: Path) -> None:
    made, calls = setup(project, f"PYTHON={python(project, 11)}")
    assert made.returncode == 0, made.stderr
    assert calls == ["3.11 -m venv .venv", *INSTALLS]
    assert "making it again" not in made.stdout
    again, calls = setup(project, f"PYTHON={python(project, 11)}")
    assert again.returncode == 0, again.stderr
    assert calls == []


@pytest.mark.parametrize("earlier", ["3.12 set up", "3.10 made only"])
def test_a_venv_of_another_version_is_made_again_even_when_it_was_set_up(project: Path, earlier: str) -> None:
    """A .venv/ fully set up with PYTHON=python3.12, or made by a Python 3.10 (which never got further)."""
    old, how = earlier.split(" ", 1)
    if how == "set up":
        assert setup(project, f"PYTHON={python(project, 12)}")[0].returncode == 0
    else:
        environment = {**os.environ, "STAND_IN_LOG": os.devnull}
        subprocess.run([python(project, 10), "-m", "venv", str(project / ".venv")], check=True, env=environment)
    result, calls = setup(project, f"PYTHON={python(project, 11)}")
    assert result.returncode == 0, result.stderr
    assert f".venv/ holds Python {old}, not Python 3.11 of {python(project, 11)}: making it again\n" in result.stdout
    assert calls == ["3.11 -m venv .venv", *INSTALLS]
    assert venv_version(project) == "VERSION = (3, 11)"
    assert setup(project, f"PYTHON={python(project, 11)}")[1] == []


def test_a_venv_whose_python_does_not_run_is_made_again(project: Path) -> None:
    """The Python it was made from is gone: its python is a dangling link."""
    assert setup(project, f"PYTHON={python(project, 11)}")[0].returncode == 0
    (project / ".venv/bin/python").unlink()
    (project / ".venv/bin/python").symlink_to(project.parent / "bin" / "python3.9")
    result, calls = setup(project, f"PYTHON={python(project, 11)}")
    assert result.returncode == 0, result.stderr
    assert ".venv/ holds a python that does not run, not Python 3.11" in result.stdout
    assert calls == ["3.11 -m venv .venv", *INSTALLS]


@pytest.mark.parametrize("venv", ["none", "set up with Python 3.11"])
@pytest.mark.parametrize("chosen", ["PYTHON=.../python3.10", "python3 on PATH"])
def test_a_python_older_than_3_11_is_refused_before_anything_is_done(project: Path, venv: str, chosen: str) -> None:
    if venv != "none":
        assert setup(project, f"PYTHON={python(project, 11)}")[0].returncode == 0
    before = sorted(path.name for path in project.rglob("*"))
    if chosen == "python3 on PATH":
        (project.parent / "path").mkdir()
        (project.parent / "path" / "python3").symlink_to(python(project, 10))
        result, calls = setup(project, path=str(project.parent / "path"))
        named = "python3"
    else:
        result, calls = setup(project, f"PYTHON={python(project, 10)}")
        named = python(project, 10)
    assert result.returncode == 2
    error = f"error: PYTHON={named} is Python 3.10; sunco-keys needs 3.11 or newer: run make again with another, "
    assert result.stderr.startswith(error + "e.g. PYTHON=python3.12\n"), result.stderr
    assert calls == []
    assert sorted(path.name for path in project.rglob("*")) == before


def test_a_python_that_does_not_run_is_refused(project: Path) -> None:
    result, calls = setup(project, "PYTHON=python3.99-not-installed")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: PYTHON=python3.99-not-installed is not a Python that runs; sunco-keys needs 3.11 or newer"
    ), result.stderr
    assert not (project / ".venv").exists()


def test_make_lock_refuses_a_python_older_than_3_11_before_resolving_anything(project: Path) -> None:
    """Pins resolved by a Python 3.10 would not be the ones a 3.11 or newer installs."""
    pinned = (project / "requirements-dev.txt").read_text(encoding="utf-8")
    result, calls = setup(project, f"PYTHON={python(project, 10)}", target="lock")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: PYTHON={python(project, 10)} is Python 3.10; sunco-keys needs 3.11"), (
        result.stderr
    )
    assert calls == []
    assert not (project / ".venv-lock").exists()
    assert (project / "requirements-dev.txt").read_text(encoding="utf-8") == pinned


def test_make_lock_resolves_in_a_venv_of_its_own_made_with_python(project: Path) -> None:
    result, calls = setup(project, f"PYTHON={python(project, 11)}", target="lock")
    assert result.returncode == 0, result.stderr
    assert calls[0] == "3.11 -m venv .venv-lock"
    assert calls[1] == "3.11 -m pip install --quiet --disable-pip-version-check -r requirements-dev.in"
    assert not (project / ".venv-lock").exists() and not (project / ".venv").exists()
