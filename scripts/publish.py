"""Upload the sdist and wheel in dist/ to a package index, refusing a version that the index already has.

`make publish` runs this after `make build` (which runs `make check` first), so what it uploads is a fresh,
checked build of generated/. It works with any index that speaks the standard upload API (pypiserver, devpi,
Nexus, Artifactory, Warehouse) and the simple repository API (PEP 503 HTML or PEP 691 JSON).

Environment:
  PUBLISH_ALLOW_DIRTY=1  publish even though the release's sources differ from the git checkout's HEAD (see 0.).
  INDEX_URL          the index's upload endpoint, e.g. http://127.0.0.1:8080/ (pypiserver) or
                     https://devpi.example.com/team/internal/ (devpi). Required.
  INDEX_SIMPLE_URL   the index's simple API root; default: INDEX_URL + "simple/" (devpi: set it, to
                     INDEX_URL + "+simple/").
  TWINE_USERNAME     the login to upload as.
  TWINE_PASSWORD     its password or token; when unset, the keyring entry for (INDEX_URL, TWINE_USERNAME).
  TWINE_CERT         a CA bundle for an https index with a private CA (used by twine and by this script).

Order of work, so that the usual failures leave the index untouched:
  0. refuse a build from uncommitted sources: in a git checkout, generated/ and what it is generated from
     (openapi.yaml, generator-config.yaml, templates/, scripts/generate.py) must match HEAD, untracked files
     included, so that every published version can be rebuilt from a commit;
  1. check dist/: exactly one wheel and one sdist of sunco-keys at the version of openapi.yaml, built from
     generated/ as it is now (each carries every file hatchling would put in it, byte-identical, and nothing that
     differs), so that the commit checked in 0. is what gets uploaded, even with `make -o build publish`; and, in a
     git checkout, every file they carry is tracked by git (`git ls-files`): hatchling packages what git ignores
     through .git/info/exclude or a global excludesfile, and `git status` does not show it;
  2. probe the upload endpoint with an empty upload (no file): unreachable index, wrong URL or refused
     credentials fail here, before any file is sent;
  3. read the index's simple API (its root must answer, so that "no page for sunco-keys" means what it says):
     a version the index already has is refused;
  4. upload with twine, wheel first (so that if only one file lands, it is the one pip installs);
  5. read the simple page again and check that both files are there with the local sha256.

The standard upload API takes one file per request and has no transactions, so no client can make two files
land atomically: if the second upload fails after the first succeeded (connection cut, disk full, server
crash), the index holds only the wheel. This script then says exactly what is on the index, and a later run
completes the version by uploading only the missing file, provided that the files already there are
byte-identical to the local ones (the build is reproducible); otherwise it refuses.

The password is passed to twine through its environment (never on a command line), is never printed, and is
masked in twine's captured output.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import tarfile
import tomllib
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "generated" / "pyproject.toml"
SPEC = ROOT / "openapi.yaml"
TIMEOUT = httpx.Timeout(30.0)
MAX_REDIRECTS = 5
# What a release is built from: generated/ (the package, hand-written lib/ included) and its generator's inputs.
RELEASE_SOURCES = ("generated", "openapi.yaml", "generator-config.yaml", "templates", "scripts/generate.py")
ALLOW_DIRTY = "PUBLISH_ALLOW_DIRTY"
SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"


class PublishError(Exception):
    """Publishing cannot go on; the message says why and what to do. `exit_code` is what the script exits with."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclasses.dataclass(frozen=True)
class Config:
    """Where to publish and as whom. The password never appears in the repr."""

    upload_url: str
    simple_url: str
    username: str | None
    password: str | None = dataclasses.field(default=None, repr=False)
    ca_bundle: str | None = None

    @property
    def login(self) -> tuple[str, str] | None:
        """The Basic auth login, when both a user name and a password are set."""
        return (self.username, self.password) if self.username and self.password else None


@dataclasses.dataclass(frozen=True)
class LocalFile:
    """A file of dist/ to upload, with its sha256."""

    path: Path
    sha256: str

    @property
    def filename(self) -> str:
        """The file's name, as the index lists it."""
        return self.path.name


@dataclasses.dataclass(frozen=True)
class Release:
    """The one version in dist/: its project name, version, and files in upload order (wheel first)."""

    name: NormalizedName
    version: Version
    files: tuple[LocalFile, ...]


@dataclasses.dataclass(frozen=True)
class IndexFile:
    """A file the index lists for the project; `sha256` is None when the index gives no hash."""

    filename: str
    sha256: str | None


# --- configuration ----------------------------------------------------------------------------------------------


def read_config(env: Mapping[str, str]) -> Config:
    """Read INDEX_URL, INDEX_SIMPLE_URL and the credentials from `env`; refuse a missing or unusable URL."""
    upload_url = env.get("INDEX_URL", "").strip()
    if not upload_url:
        raise PublishError(
            "INDEX_URL is not set: set it to the upload URL of the index, e.g. "
            "INDEX_URL=http://127.0.0.1:8080/ make publish (pypiserver)",
            exit_code=2,
        )
    check_url("INDEX_URL", upload_url)
    simple_url = env.get("INDEX_SIMPLE_URL", "").strip() or default_simple_url(upload_url)
    check_url("INDEX_SIMPLE_URL", simple_url)
    username = env.get("TWINE_USERNAME") or None
    password = env.get("TWINE_PASSWORD") or None
    if username and not password:
        password = keyring_password(upload_url, username)
    ca_bundle = env.get("TWINE_CERT") or None
    return Config(upload_url, ensure_slash(simple_url), username, password, ca_bundle)


def check_url(variable: str, url: str) -> None:
    """Refuse a URL that is not http(s), that carries credentials (they belong in TWINE_USERNAME/PASSWORD) or a
    query (where a password could hide), or that httpx cannot request.

    A refused URL is never quoted, nor is a parser's message quoting part of it: a mistyped URL may still carry a
    password (`http:/ci:pw@host/` has no host, so its "user:pw@" ends up in the path). Any "@" is refused, wherever
    the parser puts it (`http://ci:1234/pw@host/` is host "ci", port 1234), so that a URL that passes holds no
    login and may be shown in later messages.
    """
    if "@" in url:
        raise PublishError(
            f"{variable} must not contain credentials (it has an '@'): set TWINE_USERNAME and TWINE_PASSWORD "
            "instead (an '@' that belongs in the path is written %40)",
            exit_code=2,
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (read for its check: a port that is not a number raises ValueError)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise PublishError(f"{variable} is not a valid URL ({_unquoted(str(exc))})", exit_code=2) from None
    if parts.query or parts.fragment:
        raise PublishError(f"{variable} must not have a query or a fragment", exit_code=2)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublishError(
            f"{variable} must be an http:// or https:// URL with a host, e.g. https://pypi.internal/ "
            "(check the '://' after http or https)",
            exit_code=2,
        )


def _unquoted(message: str) -> str:
    """A parser's message with what it quotes of the URL left out (a port such as 'pw' may be a password)."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", message)


def ensure_slash(url: str) -> str:
    """`url` with a trailing slash, so that relative URLs resolve below it."""
    return url if url.endswith("/") else url + "/"


def default_simple_url(upload_url: str) -> str:
    """The simple API root of most indexes (pypiserver, Nexus, Artifactory): `simple/` below the upload URL."""
    return urljoin(ensure_slash(upload_url), "simple/")


def keyring_password(upload_url: str, username: str) -> str | None:
    """The password twine would take from the keyring for this URL and user, or None if there is none."""
    try:
        import keyring

        return keyring.get_password(upload_url, username)
    except Exception:  # any keyring backend failure (none installed, no D-Bus) just means "no stored password"
        return None


# --- the checkout ---------------------------------------------------------------------------------------------


def uncommitted_sources(root: Path) -> list[str] | None:
    """RELEASE_SOURCES' paths under `root` that differ from HEAD (changed, staged, deleted, untracked and not
    ignored); None when `root` is not in a git checkout (git runs in the C locale, so its message can be read)."""
    command = ["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--untracked-files=all"]
    english = {name: value for name, value in os.environ.items() if name != "LANGUAGE"} | {"LC_ALL": "C"}
    try:
        result = subprocess.run([*command, "--", *RELEASE_SOURCES], capture_output=True, check=False, env=english)
    except OSError as exc:
        if any((folder / ".git").exists() for folder in (root, *root.parents)):
            raise PublishError(
                f"this is a git checkout, but git cannot be run ({exc.strerror}), so whether the release's sources "
                f"are committed cannot be told: install git, or set {ALLOW_DIRTY}=1 to publish this tree anyway"
            ) from None
        return None
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in error:
            return None
        raise PublishError(f"cannot tell whether the release's sources are committed: git status says: {error}")
    entries = iter(result.stdout.decode("utf-8", "surrogateescape").split("\0"))
    paths = []
    for entry in entries:
        if not entry:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":  # a rename or copy: the next entry is the path it came from
            paths.append(next(entries, ""))
    return sorted(path for path in set(paths) if path)


def check_committed(root: Path, env: Mapping[str, str]) -> None:
    """Refuse to publish from sources that differ from HEAD, unless PUBLISH_ALLOW_DIRTY=1 says to."""
    if env.get(ALLOW_DIRTY) == "1":
        return
    changed = uncommitted_sources(root)
    if changed is None:
        print("not a git checkout: publishing without checking that the sources match a commit", flush=True)
        return
    if changed:
        shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
        raise PublishError(
            f"the release's sources differ from the last commit ({shown}): a published version must be "
            f"rebuildable from a commit. Commit them (then `make publish` again), or set {ALLOW_DIRTY}=1 "
            "to publish this tree anyway."
        )


# --- dist/ --------------------------------------------------------------------------------------------------------


def expected_version() -> Version:
    """The version to publish: openapi.yaml's info.version, which must equal generated/pyproject.toml's."""
    import yaml

    try:
        spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
        elif isinstance(exc, UnicodeDecodeError):
            reason = "it is not UTF-8 text"
        else:
            reason = getattr(exc, "problem", None) or "it is not valid YAML"
        raise PublishError(
            f"cannot read {SPEC.name}{where}: {reason}: fix it, then `make generate` and `make build`", exit_code=2
        ) from None
    info = spec.get("info") if isinstance(spec, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    if version is None or version == "" or isinstance(version, dict | list):
        raise PublishError(
            f"{SPEC.name} has no info.version, the version to publish: set it, then `make generate` and `make build`",
            exit_code=2,
        )
    spec_version = str(version)
    try:
        with PYPROJECT.open("rb") as handle:
            project = tomllib.load(handle).get("project")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problem = (exc.strerror or type(exc).__name__) if isinstance(exc, OSError) else str(exc)
        raise PublishError(
            f"cannot read generated/pyproject.toml ({problem}): run `make generate`", exit_code=2
        ) from None
    project_version = str(project.get("version")) if isinstance(project, dict) else "no version"
    if spec_version != project_version:
        raise PublishError(
            f"openapi.yaml says version {spec_version[:60]} but generated/pyproject.toml says {project_version[:60]}: "
            "run `make generate`",
            exit_code=2,
        )
    try:
        return Version(spec_version)
    except InvalidVersion:
        raise PublishError(
            f"openapi.yaml info.version {spec_version[:60]!r} is not a valid version", exit_code=2
        ) from None


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def find_release(dist: Path, version: Version) -> Release:
    """The wheel and sdist in `dist`: exactly one of each, of one project, at `version`."""
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        found = ", ".join(p.name for p in wheels + sdists) or "nothing"
        raise PublishError(
            f"{dist} must hold exactly one wheel and one sdist (found {found}): run `make build`", exit_code=2
        )
    try:
        wheel_name, wheel_version, _, _ = parse_wheel_filename(wheels[0].name)
        sdist_name, sdist_version = parse_sdist_filename(sdists[0].name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise PublishError(f"{dist} holds a file that is not a valid distribution name: {exc}", exit_code=2) from exc
    if (wheel_name, wheel_version) != (sdist_name, sdist_version):
        raise PublishError(f"the wheel and sdist in {dist} are not of the same release: run `make build`", exit_code=2)
    if wheel_version != version:
        raise PublishError(
            f"{dist} holds version {wheel_version} but openapi.yaml says {version}: run `make build`", exit_code=2
        )
    files = tuple(LocalFile(path, sha256_of(path)) for path in (wheels[0], sdists[0]))
    return Release(wheel_name, wheel_version, files)


def check_built_from(release: Release, generated: Path) -> set[Path]:
    """Refuse a release that is not a build of `generated` as it is now (one built before the tree changed); return
    the files of the tree that its archives carry.

    Hatchling, the build backend, says which files of the tree each archive carries: each must be there with the
    tree's bytes, and nothing else an archive carries may differ from the tree. The wheel's METADATA and the
    sdist's PKG-INFO, which hatchling writes from pyproject.toml (a file of the sdist), must be the same.
    """
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    wheel, sdist = (item.path for item in release.files)
    try:
        wheel_files, metadata = _wheel_files(wheel)
        sdist_files, pkg_info = _sdist_files(sdist)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise PublishError(f"cannot read {wheel.name} and {sdist.name} ({exc}): run `make build`", exit_code=2) from exc
    differ = set() if metadata == pkg_info else {"METADATA"}
    tree_files: set[Path] = set()
    for builder, carried in ((WheelBuilder(str(generated)), wheel_files), (SdistBuilder(str(generated)), sdist_files)):
        expected = {item.distribution_path: Path(item.path) for item in builder.recurse_included_files()}
        differ |= {name for name, path in expected.items() if carried.get(name) != _tree_bytes(path)}
        differ |= {name for name in carried.keys() - expected.keys() if carried[name] != _tree_bytes(generated / name)}
        tree_files |= {expected.get(name, generated / name) for name in carried}
    if differ:
        shown = ", ".join(sorted(differ)[:10]) + (f" and {len(differ) - 10} more" if len(differ) > 10 else "")
        raise PublishError(
            f"{wheel.parent} was not built from generated/ as it is now ({shown} differ): run `make build`",
            exit_code=2,
        )
    return tree_files


def check_tracked(root: Path, carried: set[Path], env: Mapping[str, str]) -> None:
    """Refuse a release whose archives carry a file of the tree that git does not track.

    Hatchling leaves out what generated/.gitignore names, but not what git ignores through .git/info/exclude or a
    global excludesfile (an editor's `auth.py~`), and `git status` does not show ignored files: only `git ls-files`
    tells. A file git ignores is refused even with PUBLISH_ALLOW_DIRTY=1, which is for publishing changes on
    purpose; any other untracked file is refused unless it is set. Outside a git checkout there is nothing to ask.
    """
    tracked = _git_files(root, "ls-files", "-z", "--", "generated")
    ignored = _git_files(root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", "generated")
    if tracked is None or ignored is None:
        return
    top = root.resolve()
    names = {path.resolve().relative_to(top).as_posix() for path in carried if path.resolve().is_relative_to(top)}
    untracked = sorted(names - tracked)
    refused = [name for name in untracked if name in ignored or env.get(ALLOW_DIRTY) != "1"]
    if refused:
        shown = ", ".join(refused[:10]) + (f" and {len(refused) - 10} more" if len(refused) > 10 else "")
        because = (
            "git ignores them (.git/info/exclude or a global excludesfile, which the build does not read)"
            if all(name in ignored for name in refused)
            else "a published version must be rebuildable from a commit"
        )
        raise PublishError(
            f"the built archives carry files that git does not track ({shown}): {because}. Delete them or move them "
            "out of generated/ (or commit them), then `make build` again."
        )


def _git_files(root: Path, *arguments: str) -> set[str] | None:
    """The paths (relative to `root`) that `git -C root ARGUMENTS` lists; None when git cannot say."""
    try:
        result = subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, check=False)
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return {name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name}


def _wheel_files(wheel: Path) -> tuple[dict[str, bytes], bytes | None]:
    """The files a wheel carries from the tree (name -> bytes), and its METADATA (None if it has none)."""
    with zipfile.ZipFile(wheel) as archive:
        names = [name for name in archive.namelist() if not name.endswith("/")]
        metadata = next((archive.read(n) for n in names if n.endswith(".dist-info/METADATA")), None)
        return {n: archive.read(n) for n in names if ".dist-info/" not in n}, metadata


def _sdist_files(sdist: Path) -> tuple[dict[str, bytes], bytes | None]:
    """The files an sdist carries from the tree (name below its top folder -> bytes), and its PKG-INFO."""
    files: dict[str, bytes] = {}
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None:
                files[member.name.partition("/")[2]] = handle.read()  # below name-version/
    return files, files.pop("PKG-INFO", None)


def _tree_bytes(path: Path) -> bytes | None:
    """The bytes of a file of the tree; None when there is no such file."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


# --- talking to the index -----------------------------------------------------------------------------------------


def http_client(config: Config, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An HTTP client for the index: Basic auth when there are credentials, TWINE_CERT as CA, no auto-redirects.

    `transport` replaces the network (tests pass httpx.MockTransport).
    """
    verify: ssl.SSLContext | bool = True
    if config.ca_bundle:
        try:
            verify = ssl.create_default_context(cafile=config.ca_bundle)
        except OSError as exc:  # ssl.SSLError too: a file that holds no certificate
            reason = exc.strerror or exc
            raise PublishError(
                f"TWINE_CERT={config.ca_bundle!r} is not a readable CA bundle: {reason}", exit_code=2
            ) from None
    return httpx.Client(
        auth=config.login,
        verify=verify,
        timeout=TIMEOUT,
        follow_redirects=False,
        headers={"User-Agent": "sunco-keys-publish"},
        transport=transport,
    )


def unreachable(url: str, exc: httpx.HTTPError | httpx.InvalidURL) -> PublishError:
    """The error for an index that could not be reached at all."""
    reason = str(exc) or type(exc).__name__
    return PublishError(f"cannot reach the index at {url}: {reason}. Is INDEX_URL right and the index up?")


def check_upload_access(client: httpx.Client, config: Config) -> None:
    """Probe the upload endpoint with an upload that carries no file, so nothing can be stored.

    An index checks the login before the form: 401/403 means the credentials are missing or refused; a 400
    (the missing file) or a 2xx means the index is reachable and accepted the login.
    """
    form = {":action": "file_upload", "protocol_version": "1"}
    try:
        response = client.post(config.upload_url, data=form)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise unreachable(config.upload_url, exc) from exc
    status = response.status_code
    who = f"user {config.username!r}" if config.username else "no user"
    if status in (401, 403) and config.login is None:
        raise PublishError(
            f"the index at {config.upload_url} wants a login (HTTP {status}): set TWINE_USERNAME and TWINE_PASSWORD"
        )
    if status in (401, 403):
        raise PublishError(
            f"the index at {config.upload_url} refused the credentials of {who} (HTTP {status}): "
            "check TWINE_USERNAME and TWINE_PASSWORD; nothing was uploaded"
        )
    if response.is_redirect:
        raise PublishError(
            f"the upload URL {config.upload_url} redirects to {response.headers.get('location', '?')}: "
            "set INDEX_URL to the index's upload endpoint itself"
        )
    if status in (404, 405):
        raise PublishError(
            f"{config.upload_url} does not take uploads (HTTP {status}): INDEX_URL must be the index's upload "
            "endpoint (pypiserver: its root URL; devpi: the index URL, e.g. https://host/user/index/)"
        )
    if status >= 500:
        raise PublishError(f"the index at {config.upload_url} failed (HTTP {status}); nothing was uploaded")
    if not (status == 400 or 200 <= status < 300):
        raise PublishError(f"unexpected answer HTTP {status} from the upload URL {config.upload_url}")


def same_origin(first: httpx.URL, second: httpx.URL) -> bool:
    """Whether two URLs share scheme, host and port (httpx leaves a scheme's default port out of both)."""
    return (first.scheme, first.host, first.port) == (second.scheme, second.host, second.port)


class _LinkParser(HTMLParser):
    """Collects (href, text) of every anchor of a PEP 503 page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def parse_simple_html(page: str) -> list[IndexFile]:
    """The files of a PEP 503 project page: the anchor text (or the href's last part) and its #sha256= hash."""
    parser = _LinkParser()
    parser.feed(page)
    files = []
    for href, text in parser.links:
        url, _, fragment = href.partition("#")
        filename = text or unquote(url.rstrip("/").rsplit("/", 1)[-1])
        algorithm, _, digest = fragment.partition("=")
        files.append(IndexFile(filename, digest.lower() if algorithm == "sha256" and digest else None))
    return files


def parse_simple_json(page: str) -> list[IndexFile]:
    """The files of a PEP 691 project page; PublishError when the page is not one."""
    try:
        document = json.loads(page)
    except ValueError as exc:
        raise PublishError(f"the index's project page is not JSON, though labelled so ({exc})") from None
    entries = document.get("files") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PublishError("the index's project page is not a PEP 691 page: it has no list of files")
    files = []
    for entry in entries:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("filename"), str)
            and isinstance(entry.get("hashes", {}), dict)
        ):
            raise PublishError(f"the index's project page lists a file it does not describe: {str(entry)[:200]}")
        digest = entry.get("hashes", {}).get("sha256")
        files.append(IndexFile(entry["filename"], str(digest).lower() if digest else None))
    return files


def check_simple_root(client: httpx.Client, config: Config) -> None:
    """Make sure INDEX_SIMPLE_URL is a simple index, so that a project page's 404 really means "not there".

    Only the status is read (the root lists every project and can be large).
    """
    try:
        with client.stream("GET", config.simple_url, headers={"Accept": SIMPLE_ACCEPT}) as response:
            status = response.status_code
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise unreachable(config.simple_url, exc) from exc
    if status != 200:
        raise PublishError(
            f"{config.simple_url} is not the index's simple API (HTTP {status}), so this script cannot see which "
            "versions it has: set INDEX_SIMPLE_URL (devpi: <index URL>+simple/); nothing was uploaded"
        )


def index_files(client: httpx.Client, config: Config, name: str) -> list[IndexFile]:
    """Every file the index lists for project `name`; none if it does not know the project.

    Redirects within the index are followed; a redirect to another host is the index's fallback to some
    other index (pypiserver sends unknown projects to PyPI), so the index itself does not host the project.
    """
    url = httpx.URL(urljoin(config.simple_url, f"{name}/"))
    for _ in range(MAX_REDIRECTS):
        try:
            response = client.get(url, headers={"Accept": SIMPLE_ACCEPT})
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL: httpx refusing a redirect's Location
            raise unreachable(str(url), exc) from exc
        if response.next_request is None:  # not a redirect
            break
        # Where httpx itself resolved the Location to: urllib's parser refuses some that httpx takes (ValueError).
        target = response.next_request.url
        if not same_origin(url, target):
            return []
        url = target
    else:
        raise PublishError(f"too many redirects reading {config.simple_url}{name}/")
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise PublishError(
            f"cannot read the index's page {url} (HTTP {response.status_code}): "
            "is INDEX_SIMPLE_URL right (devpi: <index>/+simple/), and may TWINE_USERNAME read it?"
        )
    if "json" in response.headers.get("content-type", ""):
        return parse_simple_json(response.text)
    return parse_simple_html(response.text)


def files_of_version(files: Sequence[IndexFile], name: NormalizedName, version: Version) -> list[IndexFile]:
    """The files among `files` that belong to release `name` `version` (other names and versions ignored)."""
    found = []
    for entry in files:
        try:
            if entry.filename.endswith(".whl"):
                file_name, file_version, _, _ = parse_wheel_filename(entry.filename)
            else:
                file_name, file_version = parse_sdist_filename(entry.filename)
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        if file_name == name and file_version == version:  # the parsers return canonical names
            found.append(entry)
    return found


def plan_uploads(release: Release, on_index: Sequence[IndexFile]) -> list[LocalFile]:
    """The files still to upload, given the index's files of this release; refuse whatever would change it.

    Nothing on the index: upload everything. All of it there: refuse, the version is published. Part of it
    there, byte-identical to the local files: upload only the rest (an earlier run was cut off between the
    wheel and the sdist). Anything else: refuse, the index keeps what it has.
    """
    label = f"{release.name} {release.version}"
    if not on_index:
        return list(release.files)
    listed = describe(on_index)
    local = {item.filename: item for item in release.files}
    present = {entry.filename for entry in on_index}
    if present >= set(local):
        raise PublishError(
            f"{label} is already on the index ({listed}); refusing to publish it again, the index keeps its files. "
            "Bump info.version in openapi.yaml to publish a new version."
        )
    for entry in on_index:
        item = local.get(entry.filename)
        if item is None:
            why = "is not part of this build"
        elif entry.sha256 is None:
            why = "cannot be compared with this build"
        elif entry.sha256 != item.sha256:
            why = "differs from this build"
        else:
            continue
        raise PublishError(
            f"{label} is partly on the index ({listed}) and {entry.filename} {why}: refusing. "
            "Remove the partial version from the index or bump info.version in openapi.yaml."
        )
    return [item for item in release.files if item.filename not in present]


# --- uploading ----------------------------------------------------------------------------------------------------


def mask(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced by ****."""
    return text.replace(secret, "****") if secret else text


def twine_upload(config: Config, files: Sequence[LocalFile], env: Mapping[str, str]) -> tuple[int, str]:
    """Upload `files` in order with twine (credentials through its environment); its exit code and output."""
    command = [
        sys.executable,
        "-m",
        "twine",
        "--no-color",
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--repository-url",
        config.upload_url,
        *(str(item.path) for item in files),
    ]
    child_env = {key: value for key, value in env.items() if key not in ("TWINE_REPOSITORY", "TWINE_REPOSITORY_URL")}
    result = subprocess.run(command, env=child_env, capture_output=True, text=True, check=False)
    return result.returncode, mask((result.stdout + result.stderr).strip(), config.password)


def describe(files: Sequence[IndexFile]) -> str:
    """A short list of index files for a message."""
    return ", ".join(sorted(entry.filename for entry in files)) or "none of its files"


def release_on_index(client: httpx.Client, config: Config, release: Release) -> list[IndexFile]:
    """The files of `release` that the index lists now."""
    return files_of_version(index_files(client, config, release.name), release.name, release.version)


def publish(dist: Path, env: Mapping[str, str]) -> str:
    """Publish the release in `dist` to the index named by `env`; return the success message."""
    config = read_config(env)
    check_committed(ROOT, env)
    release = find_release(dist, expected_version())
    check_tracked(ROOT, check_built_from(release, ROOT / "generated"), env)
    label = f"{release.name} {release.version}"
    with http_client(config) as client:
        check_upload_access(client, config)
        check_simple_root(client, config)
        to_upload = plan_uploads(release, release_on_index(client, config, release))
        names = ", ".join(item.filename for item in to_upload)
        if len(to_upload) < len(release.files):
            print(f"{label} is partly on the index with files identical to this build: completing it")
        print(f"uploading {label} to {config.upload_url}: {names}", flush=True)
        code, output = twine_upload(config, to_upload, env)
        if output:
            print(output, flush=True)
        try:
            now = release_on_index(client, config, release)
        except PublishError as exc:
            if code == 0:
                raise
            raise PublishError(
                f"twine could not upload {label} (exit {code}), and what the index now holds cannot be read: {exc}"
            ) from None
    if code != 0:
        raise PublishError(
            f"twine could not upload {label} (exit {code}). The index now holds {describe(now)} of it; "
            "fix the cause and run `make publish` again (it completes a partial upload of identical files)."
        )
    check_published(release, now)
    return f"published {label} to {config.upload_url} ({describe(now)})"


def check_published(release: Release, on_index: Sequence[IndexFile]) -> None:
    """Refuse to call it done unless the index lists every local file with the local sha256 (when it gives one)."""
    hashes = {entry.filename: entry.sha256 for entry in on_index}
    for item in release.files:
        if item.filename not in hashes:
            raise PublishError(f"twine reported success but the index does not list {item.filename}")
        if hashes[item.filename] not in (None, item.sha256):
            raise PublishError(f"the index's {item.filename} does not have the sha256 of the local file")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; exit 0 when published, 1 when refused or failed, 2 on a usage error."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="folder holding the built files")
    args = parser.parse_args(argv)
    try:
        if not args.dist.strip():  # Path("") is the current folder: never what was meant
            raise PublishError(
                "--dist is empty: leave it out (dist/) or name a folder, e.g. --dist out/dist", exit_code=2
            )
        print(publish(Path(args.dist), os.environ))
    except PublishError as exc:
        print(f"publish: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
