"""`make build` and `make publish` against a real index server (pypiserver), then a consumer's install from it.

What runs once for the module (the expensive parts): a pypiserver on a free loopback port with an htpasswd
login and a temporary packages folder; `make publish` with a wrong password (build, then refused before any
upload; `make check` skipped with `-o check`) and then with the right one (the full `check` + `build` +
upload, exactly what users run); a fresh virtualenv that installs `sunco-keys==<version>` from that index
like a consumer would. The later refusals (same version again, missing INDEX_URL, a stopped index) run the
same `publish` recipe with `make -o build`, which reuses the build just made instead of re-running
`make check` and the build for each of them.

The index server and the virtualenv live under pytest's tmp_path and are stopped or removed in a `finally`,
failures included; the installed package is run against the session's local server (tests/conftest.py).
The upload password is random, passed only through the environment, and checked to appear in no output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.error
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.support.local import free_port, git
from tests.support.mock_api import MockApi, terminate
from tests.support.spec import spec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import publish  # scripts/ is not a package: found through the sys.path entry above

# The module's first test also pays for its fixtures (two full `make publish` runs, a virtualenv).
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = Path(__file__).with_name("consumer.py")
USERNAME = "uploader"
# Variables of the caller's shell that must not leak into the runs under test.
SCRUBBED = ("INDEX_URL", "INDEX_SIMPLE_URL", "TWINE_USERNAME", "TWINE_PASSWORD", "TWINE_REPOSITORY", "TWINE_CERT")
SCRUBBED_PREFIXES = ("MAKE", "MFLAGS")


def spec_version() -> str:
    """info.version of openapi.yaml: the version every build must carry."""
    return str(spec().document["info"]["version"])


VERSION = spec_version()
WHEEL = f"sunco_keys-{VERSION}-py3-none-any.whl"
SDIST = f"sunco_keys-{VERSION}.tar.gz"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path) -> dict[str, str]:
    """File name -> sha256 of every file in `folder` (an index's packages folder or a dist folder)."""
    return {path.name: sha256_of(path) for path in sorted(folder.iterdir()) if path.is_file()}


class Env(dict[str, str]):
    """A subprocess environment whose repr hides its values (it holds passwords; think `pytest --showlocals`)."""

    SECRET_KEYS = ("TWINE_PASSWORD", "SUNCO_KEY_SECRET")

    def __repr__(self) -> str:
        return f"Env({len(self)} variables)"

    def secret_values(self) -> list[str]:
        """The values that no output may contain."""
        return [self[key] for key in self.SECRET_KEYS if self.get(key)]


@dataclasses.dataclass(frozen=True)
class Index:
    """A running pypiserver: its URL (the upload endpoint), packages folder, login, and log file."""

    url: str
    packages: Path
    password: str = dataclasses.field(repr=False)
    log: Path

    def env(self, password: str | None = None) -> Env:
        """The publishing environment for this index, with `password` instead of the right one if given."""
        return Env(
            INDEX_URL=self.url,
            TWINE_USERNAME=USERNAME,
            TWINE_PASSWORD=self.password if password is None else password,
        )


@dataclasses.dataclass(frozen=True)
class Run:
    """A finished command: exit code and its combined output (already checked to hold no password)."""

    returncode: int
    output: str


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    """Wait until the index answers its simple page; fail with its log if it exits or never answers."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pypiserver exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url + "simple/", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"pypiserver did not answer at {url}:\n{log.read_text(errors='replace')}")


def write_htpasswd(path: Path, username: str, password: str) -> None:
    """An Apache htpasswd file with one login, as pypiserver's -P takes it (written with passlib)."""
    with warnings.catch_warnings():
        # passlib 1.7.4 imports the standard library's deprecated `crypt` module (gone in Python 3.13).
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile  # type: ignore[import-untyped]  # passlib ships no type hints
    htpasswd = HtpasswdFile(str(path), new=True)
    htpasswd.set_password(username, password)
    htpasswd.save()


@contextlib.contextmanager
def running_index(folder: Path) -> Iterator[Index]:
    """A pypiserver in `folder` on a free loopback port: uploads need the htpasswd login, reads do not.

    `--disable-fallback` keeps it purely local (by default it redirects unknown projects to PyPI).
    """
    packages = folder / "packages"
    packages.mkdir(parents=True)
    password = secrets.token_urlsafe(18)
    write_htpasswd(folder / "htpasswd", USERNAME, password)
    log = folder / "pypiserver.log"
    port = free_port()
    command = [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port)]
    command += ["-P", str(folder / "htpasswd"), "-a", "update", "--disable-fallback", str(packages)]
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(url, process, log, time.monotonic() + 30)
        yield Index(url=url, packages=packages, password=password, log=log)
    finally:
        terminate(process)


def scrubbed_environment(**extra: str) -> Env:
    """This process's environment without the publishing variables or an enclosing make's flags, plus `extra`."""
    kept = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    return Env({key: value for key, value in kept.items() if not key.startswith(SCRUBBED_PREFIXES)}, **extra)


def run(command: list[str], env: Env, timeout: float = 300, cwd: Path | None = None) -> Run:
    """Run a command; fail (without showing it) if a secret of `env` appears in its output."""
    result = subprocess.run(
        command,
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    output = result.stdout + result.stderr
    assert not any(value in output for value in env.secret_values()), (
        f"a secret leaked into the output of {command[:4]}"
    )
    return Run(result.returncode, output)


def make(*arguments: str, dist: Path, env: Env, root: Path = ROOT) -> Run:
    """`make ARGUMENTS DIST=dist` in the repository, as a user runs it, with `env` added to a clean environment.

    The suite also runs on a working tree whose change is not committed yet: there, publishing from ROOT says so
    with PUBLISH_ALLOW_DIRTY=1, while a clean clone (CI) meets the real check. The refusal itself is proven on a
    committed copy (test_publish_refuses_sources_that_differ_from_the_last_commit).
    """
    command = ["make", "--no-print-directory", "-C", str(root), *arguments, f"DIST={dist}"]
    dirty = {publish.ALLOW_DIRTY: "1"} if root == ROOT and publish.uncommitted_sources(ROOT) else {}
    return run(command, scrubbed_environment(**env, **dirty))


def shown(result: Run) -> str:
    """The output of a run, for an assertion message (run() has already made sure it holds no secret)."""
    return f"exit {result.returncode}:\n{result.output[-4000:]}"


@dataclasses.dataclass(frozen=True)
class Published:
    """What the module's publishing runs produced."""

    index: Index
    dist: Path
    wrong_password: Run
    after_wrong_password: dict[str, str]
    first_build: dict[str, str]
    publish: Run
    uploaded: dict[str, str]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """The module's pypiserver, stopped at the end whatever happened."""
    with running_index(tmp_path_factory.mktemp("index")) as server:
        yield server


@pytest.fixture(scope="module")
def published(index: Index, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """`make publish` with a wrong password (refused), then with the right one: the full check, build, upload.

    The refused run skips only `make check` (-o check: the same tree, checked by the second run), so it builds
    too, and the second build is compared with the first.
    """
    dist = tmp_path_factory.mktemp("build") / "dist"
    wrong = make("-o", "check", "publish", dist=dist, env=index.env(password="not-the-password"))
    after_wrong = hashes(index.packages)
    first_build = hashes(dist) if dist.is_dir() else {}
    ok = make("publish", dist=dist, env=index.env())
    assert ok.returncode == 0, shown(ok)
    return Published(index, dist, wrong, after_wrong, first_build, ok, hashes(index.packages))


def test_version_comes_from_the_spec() -> None:
    with (ROOT / "generated" / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    assert project["name"] == "sunco-keys"
    assert project["version"] == VERSION


def test_build_makes_one_checked_wheel_and_sdist_of_the_spec_version(published: Published) -> None:
    assert sorted(hashes(published.dist)) == sorted([WHEEL, SDIST])
    assert published.publish.output.count("PASSED") == 2, shown(published.publish)  # twine check --strict
    # The wrong-password run built too: the same commit builds byte-identical files (pinned hatchling).
    assert published.first_build == hashes(published.dist)


def test_wheel_has_complete_metadata_types_and_the_hand_written_lib(published: Published) -> None:
    with zipfile.ZipFile(published.dist / WHEEL) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"sunco_keys-{VERSION}.dist-info/METADATA").decode()
    headers = HeaderParser().parsestr(metadata)
    assert headers["Name"] == "sunco-keys"
    assert headers["Version"] == VERSION
    assert headers["Summary"]
    assert headers["License-Expression"] == "Apache-2.0"
    assert headers["Requires-Python"] == ">=3.11"
    requirements = {Requirement(line).name: Requirement(line) for line in headers.get_all("Requires-Dist") or []}
    assert {"attrs", "httpx", "httpx-retries", "pyjwt"} <= set(requirements), sorted(requirements)
    for requirement in requirements.values():  # a floor on every dependency, and a ceiling on every 0.x one
        floors = [Version(bound.version) for bound in requirement.specifier if bound.operator == ">="]
        assert floors, requirement
        assert floors[0].major >= 1 or any(bound.operator == "<" for bound in requirement.specifier), requirement
    assert headers["Description-Content-Type"] == "text/markdown"
    description = headers.get_payload()
    assert isinstance(description, str) and description.lstrip().startswith("# sunco-keys")
    assert "sunco_keys/py.typed" in names
    lib = sorted(p.name for p in (ROOT / "generated" / "sunco_keys" / "lib").glob("*.py"))
    assert lib and all(f"sunco_keys/lib/{name}" in names for name in lib), sorted(names)
    with tarfile.open(published.dist / SDIST) as sdist:
        members = set(sdist.getnames())
    top = f"sunco_keys-{VERSION}"
    assert {f"{top}/pyproject.toml", f"{top}/README.md", f"{top}/PKG-INFO", f"{top}/sunco_keys/py.typed"} <= members
    assert all(f"{top}/sunco_keys/lib/{name}" in members for name in lib)


def test_wrong_password_is_refused_before_anything_is_uploaded(published: Published) -> None:
    result = published.wrong_password
    assert result.returncode != 0, shown(result)
    assert "refused the credentials" in result.output, shown(result)
    assert "not-the-password" not in result.output
    assert published.after_wrong_password == {}


def test_the_index_holds_exactly_the_built_files(published: Published) -> None:
    assert published.uploaded == hashes(published.dist)
    assert f"published sunco-keys {VERSION}" in published.publish.output, shown(published.publish)


def test_republishing_the_same_version_is_refused_and_the_index_keeps_its_files(published: Published) -> None:
    result = make("-o", "build", "publish", dist=published.dist, env=published.index.env())
    assert result.returncode != 0, shown(result)
    assert f"sunco-keys {VERSION} is already on the index" in result.output, shown(result)
    assert "Uploading" not in result.output, shown(result)
    assert hashes(published.index.packages) == published.uploaded


def test_a_missing_index_url_is_refused(published: Published) -> None:
    env = published.index.env()
    del env["INDEX_URL"]
    result = make("-o", "build", "publish", dist=published.dist, env=env)
    assert result.returncode != 0, shown(result)
    assert "INDEX_URL is not set" in result.output, shown(result)


def test_a_stopped_index_is_a_clear_error(published: Published, tmp_path: Path) -> None:
    with running_index(tmp_path) as stopped:
        pass  # started, answered, and stopped again: nothing listens on its port any more
    result = make("-o", "build", "publish", dist=published.dist, env=stopped.env())
    assert result.returncode != 0, shown(result)
    assert f"cannot reach the index at {stopped.url}" in result.output, shown(result)
    assert list(stopped.packages.iterdir()) == []


def registry_index_url() -> str:
    """The index pip normally installs from here: PIP_INDEX_URL, else pip's configured index-url, else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"].split()[0]
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    configured = [line.partition("=")[2].strip("'\" ") for line in listing.splitlines() if ".index-url=" in line]
    return configured[-1].split()[0] if configured else "https://pypi.org/simple/"


@pytest.fixture(scope="module")
def consumer_python(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with `sunco-keys==VERSION` installed from the index, as the docs tell consumers.

    The index has only sunco-keys; its dependencies come from the registry pip normally uses, named with
    --extra-index-url. pip's --report shows where each package came from: sunco-keys must come from the
    index, with the sha256 of the wheel that was built. The virtualenv gets no pip of its own (ensurepip
    costs ~10 s on this machine): this pip installs into it with `--python`, the same install all the same.
    """
    folder = tmp_path_factory.mktemp("consumer")
    venv = folder / "venv"
    try:
        created = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], scrubbed_environment())
        assert created.returncode == 0, shown(created)
        python = venv / "bin" / "python"
        report = folder / "report.json"
        install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--disable-pip-version-check"]
        install += ["--no-input"]
        install += ["--index-url", f"{published.index.url}simple/", "--extra-index-url", registry_index_url()]
        install += ["--report", str(report), f"sunco-keys=={VERSION}"]
        installed = run(install, scrubbed_environment())
        assert installed.returncode == 0, shown(installed)
        entries = {item["metadata"]["name"].lower(): item for item in json.loads(report.read_text())["install"]}
        download = entries["sunco-keys"]["download_info"]
        assert download["url"] == f"{published.index.url}packages/{WHEEL}", download["url"]
        assert download["archive_info"]["hashes"]["sha256"] == sha256_of(published.dist / WHEEL)
        assert {"httpx", "attrs", "httpx-retries", "pyjwt"} <= set(entries), sorted(entries)
        yield python
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def test_the_installed_package_runs_the_four_operations(consumer_python: Path, api: MockApi, tmp_path: Path) -> None:
    env = scrubbed_environment(SUNCO_KEY_ID=api.key_id, SUNCO_KEY_SECRET=api.secret)
    command = [str(consumer_python), "-I", str(CONSUMER), api.url, api.app_id, api.integration_id]
    result = run(command, env, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, shown(result)
    outcome = json.loads(result.output.strip().splitlines()[-1])
    assert Path(outcome["module"]).is_relative_to(consumer_python.parent.parent), outcome["module"]
    assert outcome["version"] == VERSION
    assert outcome["created"] in outcome["listed"]
    assert outcome["got"] == outcome["created"]
    assert outcome["after_delete"] == "NotFoundError 404"


def repository_copy(tmp_path: Path) -> Path:
    """A copy of the repository's build inputs sharing the real .venv (which `-o .venv/.ready` keeps untouched)."""
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")
    copy.mkdir()
    for name in ("Makefile", "openapi.yaml", "generator-config.yaml", "requirements-dev.txt", ".gitignore"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("templates", "scripts", "generated"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def test_build_refuses_a_stale_generated_tree(tmp_path: Path) -> None:
    """A copy of the repository whose openapi.yaml moved on without `make generate`: no build, no dist/."""
    copy = repository_copy(tmp_path)
    spec_file = copy / "openapi.yaml"
    text = spec_file.read_text(encoding="utf-8")
    assert f"  version: {VERSION}\n" in text
    spec_file.write_text(text.replace(f"  version: {VERSION}\n", "  version: 999.0.0\n", 1), encoding="utf-8")
    dist = copy / "dist"
    # -o .venv/.ready: the copy shares the real .venv, which must not be reinstalled from the copy.
    command = ["make", "--no-print-directory", "-C", str(copy), "-o", ".venv/.ready", "build", f"DIST={dist}"]
    result = run(command, scrubbed_environment())
    assert result.returncode != 0, shown(result)
    assert "generated/ is out of date" in result.output, shown(result)
    assert "stale:     generated/pyproject.toml" in result.output, shown(result)
    assert not dist.exists()


def test_publish_refuses_sources_that_differ_from_the_last_commit(published: Published, tmp_path: Path) -> None:
    """A committed copy of the repository, then a hand-written module edited: `make publish` uploads nothing
    until the change is committed or PUBLISH_ALLOW_DIRTY=1 says to publish it anyway, and even then not a dist/
    built before the edit (`-o build` keeps the build from the unedited tree)."""
    copy = repository_copy(tmp_path)
    for step in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "--message", "copy"]):
        git(copy, *step)
    edited = copy / "generated" / "sunco_keys" / "lib" / "paths.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# an edit not committed yet\n", encoding="utf-8")
    (copy / "generated" / "sunco_keys" / "lib" / "scratch.py").write_text("", encoding="utf-8")
    # -o build: the release built by the `published` fixture; the check comes before anything is read or sent.
    arguments = ("-o", ".venv/.ready", "-o", "build", "publish")
    refused = make(*arguments, dist=published.dist, env=published.index.env(), root=copy)
    assert refused.returncode != 0, shown(refused)
    assert "the release's sources differ from the last commit" in refused.output, shown(refused)
    assert "generated/sunco_keys/lib/paths.py, generated/sunco_keys/lib/scratch.py" in refused.output, shown(refused)
    assert "PUBLISH_ALLOW_DIRTY=1" in refused.output, shown(refused)
    assert hashes(published.index.packages) == published.uploaded
    # Told to go ahead, it gets past that check, to the next: dist/ was built before the edit, so it is not this tree.
    allowed = make(*arguments, dist=published.dist, env=Env(published.index.env(), PUBLISH_ALLOW_DIRTY="1"), root=copy)
    assert "differ from the last commit" not in allowed.output, shown(allowed)
    stale = "was not built from generated/ as it is now (sunco_keys/lib/paths.py, sunco_keys/lib/scratch.py differ)"
    assert stale in allowed.output, shown(allowed)
    # Committed, the edit passes the first check; the build made before it still does not pass the second.
    git(copy, "add", "--all")
    git(copy, "commit", "--quiet", "--message", "edit")
    committed = make(*arguments, dist=published.dist, env=published.index.env(), root=copy)
    assert committed.returncode == 2 and stale in committed.output, shown(committed)
    assert hashes(published.index.packages) == published.uploaded


@pytest.mark.parametrize("kept", ["notes.txt", "sub/", ""])
def test_build_refuses_to_empty_a_folder_holding_anything_but_distributions(tmp_path: Path, kept: str) -> None:
    """DIST is emptied before a build: a folder with other files in it (the repository, a home), or a file, is
    left alone."""
    dist = tmp_path / "out"
    old = dist / "sunco_keys-0.0.1-py3-none-any.whl"
    if kept:
        dist.mkdir()
        old.write_bytes(b"old")
        (dist / kept).mkdir() if kept.endswith("/") else (dist / kept).write_text("keep me", encoding="utf-8")
    else:
        dist.write_text("a file, not a folder", encoding="utf-8")
    command = ["make", "--no-print-directory", "-C", str(ROOT), "-o", "check", "build", f"DIST={dist}"]
    result = run(command, scrubbed_environment())
    assert result.returncode == 2, shown(result)
    assert f"DIST={dist} is not a folder of built distributions" in result.output, shown(result)
    if kept:
        assert (dist / kept).exists() and old.read_bytes() == b"old"
    else:
        assert dist.read_text(encoding="utf-8") == "a file, not a folder"


@pytest.mark.parametrize("goal", [("-o", "check", "build"), ("-o", "build", "publish")])
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_dist_is_refused_before_anything_is_built_or_read(
    tmp_path: Path, goal: tuple[str, ...], empty: str
) -> None:
    """DIST= would build into the repository's root and `twine check` "/*"; make refuses it before any recipe."""
    copy = repository_copy(tmp_path)
    command = ["make", "--no-print-directory", "-C", str(copy), "-o", ".venv/.ready", *goal, f"DIST={empty}"]
    result = run(command, scrubbed_environment(INDEX_URL="http://127.0.0.1:9/"))
    assert result.returncode == 2, shown(result)
    assert "DIST is empty" in result.output, shown(result)
    assert not [path.name for path in copy.iterdir() if path.name.endswith((".whl", ".tar.gz"))]
    assert "twine" not in result.output and "publish: error" not in result.output, shown(result)
