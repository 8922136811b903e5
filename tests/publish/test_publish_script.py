"""scripts/publish.py's decisions, without a server: configuration, the credential probe, reading the index, the plan.

test_publish_e2e.py proves the whole path against a real pypiserver; these pin down the answers that a real
server does not easily give (redirects, 404/405, 5xx, PEP 691 JSON, a partly published version).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.local import git

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import publish  # scripts/ is not a package: found through the sys.path entry above

UPLOAD = "https://index.example/team/internal/"
WHEEL = "sunco_keys-1.2.0-py3-none-any.whl"
SDIST = "sunco_keys-1.2.0.tar.gz"
PASSWORD = "probe-password-for-tests"  # a made-up value, only sent to the mock transports below


def config(username: str | None = "ci", password: str | None = PASSWORD) -> publish.Config:
    return publish.Config(UPLOAD, UPLOAD + "+simple/", username, password)


def client_for(handler: Callable[[httpx.Request], httpx.Response], cfg: publish.Config) -> httpx.Client:
    """publish's own client for `cfg`, answered by `handler` instead of the network."""
    return publish.http_client(cfg, httpx.MockTransport(handler))


def release() -> publish.Release:
    files = (publish.LocalFile(Path("dist") / WHEEL, "a" * 64), publish.LocalFile(Path("dist") / SDIST, "b" * 64))
    return publish.Release(canonicalize_name("sunco-keys"), Version("1.2.0"), files)


# --- configuration ----------------------------------------------------------------------------------------------


def test_missing_index_url_is_a_usage_error() -> None:
    with pytest.raises(publish.PublishError, match="INDEX_URL is not set") as caught:
        publish.read_config({})
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    "url",
    [
        "ftp://index.example/",
        "index.example",
        "https://user:pw@index.example/",
        "ftp://u:pw@x/",
        "u:pw@host",
        "http://[::1/",
        "http://index.example:abc/",
        "http://index.example/\x07/",
        "https://index.example/?password=pw",
    ],
)
@pytest.mark.parametrize("variable", ["INDEX_URL", "INDEX_SIMPLE_URL"])
def test_unusable_index_urls_are_refused(url: str, variable: str) -> None:
    with pytest.raises(publish.PublishError) as caught:
        publish.read_config({"INDEX_URL": UPLOAD, variable: url})
    assert caught.value.exit_code == 2
    assert variable in str(caught.value)
    assert "pw@" not in str(caught.value) and "password=pw" not in str(caught.value)


SECRET = "S3cr3tP4ss"


@pytest.mark.parametrize(
    "url",
    [
        f"http:/ci:{SECRET}@pypi.internal:8080/",  # a slash short: no host, the login lands in the path
        f"https//ci:{SECRET}@pypi.internal/",  # no colon: no scheme at all
        f"http://ci:1234/{SECRET}@pypi.internal/",  # a password with a "/": host "ci", port 1234
        f"http://ci:{SECRET}/",  # the password parsed as a port
        f"http://ci:{SECRET}",
        f"http://[ci:{SECRET}/",
        f"http://ci:{SECRET}@pypi.internal/",
    ],
)
@pytest.mark.parametrize("variable", ["INDEX_URL", "INDEX_SIMPLE_URL"])
def test_a_mistyped_url_is_refused_without_quoting_the_password_it_may_hold(
    url: str, variable: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INDEX_URL", UPLOAD)
    monkeypatch.setenv(variable, url)
    monkeypatch.setattr(publish, "http_client", lambda cfg: pytest.fail("the index was reached"))
    assert publish.main(["--dist", "no-dist"]) == 2
    captured = capsys.readouterr()
    assert f"publish: error: {variable}" in captured.err
    assert SECRET not in captured.out + captured.err


@pytest.mark.parametrize(("ca_bundle", "reason"), [("/no/such/ca.pem", "No such file"), (__file__, "")])
def test_an_unusable_twine_cert_is_a_usage_error(ca_bundle: str, reason: str) -> None:
    cfg = publish.read_config({"INDEX_URL": UPLOAD, "TWINE_CERT": ca_bundle})
    with pytest.raises(publish.PublishError, match=f"TWINE_CERT=.* is not a readable CA bundle: {reason}") as caught:
        publish.http_client(cfg)
    assert caught.value.exit_code == 2


def test_the_simple_url_defaults_below_the_upload_url_and_can_be_set() -> None:
    assert publish.read_config({"INDEX_URL": "http://127.0.0.1:8080"}).simple_url == "http://127.0.0.1:8080/simple/"
    env = {"INDEX_URL": UPLOAD, "INDEX_SIMPLE_URL": UPLOAD + "+simple"}
    assert publish.read_config(env).simple_url == UPLOAD + "+simple/"


def test_the_password_is_not_in_the_config_repr() -> None:
    cfg = publish.read_config({"INDEX_URL": UPLOAD, "TWINE_USERNAME": "ci", "TWINE_PASSWORD": PASSWORD})
    assert cfg.password == PASSWORD
    assert PASSWORD not in repr(cfg)


def test_twine_output_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert publish.mask(f"oops {PASSWORD} here", PASSWORD) == "oops **** here"
    assert publish.mask("nothing", None) == "nothing"

    def twine(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        assert PASSWORD not in " ".join(command)  # the password goes through the environment only
        return subprocess.CompletedProcess(command, 1, stdout=f"Uploading with {PASSWORD}\n", stderr=f"{PASSWORD}!")

    monkeypatch.setattr(subprocess, "run", twine)
    code, output = publish.twine_upload(config(), release().files, {"TWINE_PASSWORD": PASSWORD})
    assert code == 1 and output == "Uploading with ****\n****!"


# --- the credential probe -----------------------------------------------------------------------------------------


def probe(status: int, cfg: publish.Config | None = None, headers: dict[str, str] | None = None) -> list[bytes]:
    """Run the probe against a server answering `status`; return the bodies it was sent."""
    cfg = cfg or config()
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        assert request.method == "POST" and str(request.url) == UPLOAD
        return httpx.Response(status, headers=headers)

    with client_for(handler, cfg) as client:
        publish.check_upload_access(client, cfg)
    return bodies


@pytest.mark.parametrize("status", [400, 200])
def test_a_probe_answered_400_or_2xx_means_reachable_and_logged_in(status: int) -> None:
    (body,) = probe(status)
    assert b"file_upload" in body and b"content" not in body  # an upload without any file: nothing to store


@pytest.mark.parametrize(
    ("status", "cfg", "message"),
    [
        (403, config(), "refused the credentials of user 'ci'"),
        (401, config(), "refused the credentials"),
        (401, config(None, None), "wants a login"),
        (403, config(None, None), "wants a login"),
        (404, config(), "does not take uploads"),
        (405, config(), "does not take uploads"),
        (503, config(), "failed (HTTP 503)"),
        (418, config(), "unexpected answer"),
    ],
)
def test_a_refused_probe_stops_before_any_upload(status: int, cfg: publish.Config, message: str) -> None:
    with pytest.raises(publish.PublishError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        probe(status, cfg)
    assert PASSWORD not in str(caught.value)


def test_a_redirecting_upload_url_is_refused() -> None:
    with pytest.raises(publish.PublishError, match="redirects to https://elsewhere.example/"):
        probe(301, headers={"location": "https://elsewhere.example/"})


def test_an_unreachable_index_is_named() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with client_for(handler, config()) as client, pytest.raises(publish.PublishError, match="cannot reach the index"):
        publish.check_upload_access(client, config())


# --- reading the index ----------------------------------------------------------------------------------------------

HTML = f"""<!DOCTYPE html><html><body>
<a href="../../packages/{WHEEL}#sha256={"A" * 64}">{WHEEL}</a><br>
<a href="/packages/sunco_keys-1.1.0.tar.gz#md5=00">sunco_keys-1.1.0.tar.gz</a><br>
<a href="/packages/{SDIST}">{SDIST}</a>
</body></html>"""
JSON = (
    f'{{"meta": {{"api-version": "1.0"}}, "files": [{{"filename": "{WHEEL}", "hashes": {{"sha256": "{"c" * 64}"}}}}]}}'
)


def read_index(routes: dict[str, httpx.Response]) -> list[publish.IndexFile]:
    def handler(request: httpx.Request) -> httpx.Response:
        return routes.get(str(request.url), httpx.Response(404))

    with client_for(handler, config()) as client:
        return publish.index_files(client, config(), "sunco-keys")


def test_a_pep_503_page_gives_file_names_and_sha256() -> None:
    files = read_index({UPLOAD + "+simple/sunco-keys/": httpx.Response(200, text=HTML)})
    assert files == [
        publish.IndexFile(WHEEL, "a" * 64),
        publish.IndexFile("sunco_keys-1.1.0.tar.gz", None),
        publish.IndexFile(SDIST, None),
    ]
    assert publish.files_of_version(files, canonicalize_name("sunco-keys"), Version("1.2")) == [files[0], files[2]]


def test_a_pep_691_page_is_read_too() -> None:
    page = httpx.Response(200, text=JSON, headers={"content-type": "application/vnd.pypi.simple.v1+json"})
    assert read_index({UPLOAD + "+simple/sunco-keys/": page}) == [publish.IndexFile(WHEEL, "c" * 64)]


def test_an_unknown_project_has_no_files() -> None:
    assert read_index({}) == []


@pytest.mark.parametrize(
    "location",
    [
        "/team/internal/+simple/sunco-keys-moved/",
        "https://index.example:443/team/internal/+simple/sunco-keys-moved/",  # the default port, named
    ],
)
def test_a_redirect_within_the_index_is_followed(location: str) -> None:
    moved = httpx.Response(301, headers={"location": location})
    routes = {
        UPLOAD + "+simple/sunco-keys/": moved,
        UPLOAD + "+simple/sunco-keys-moved/": httpx.Response(200, text=HTML),
    }
    assert len(read_index(routes)) == 3


def test_a_redirect_is_judged_by_where_httpx_would_go_even_where_urllib_cannot_parse_it() -> None:
    odd = httpx.Response(302, headers={"location": "//42]6+37P/"})  # to httpx, host "42]6+37p"; urllib: ValueError
    assert read_index({UPLOAD + "+simple/sunco-keys/": odd}) == []


def test_a_redirect_httpx_cannot_follow_means_the_index_cannot_be_read() -> None:
    nowhere = httpx.Response(302, headers={"location": "a:b"})  # a scheme, no host, a path without '/'
    with pytest.raises(publish.PublishError, match="cannot reach the index at .*sunco-keys/: For absolute URLs"):
        read_index({UPLOAD + "+simple/sunco-keys/": nowhere})


@pytest.mark.parametrize(
    "page",
    [
        "<html>",
        "[]",
        '{"files": null}',
        '{"files": ["x"]}',
        '{"files": [{"hashes": {}}]}',
        '{"files": [{"filename": "x", "hashes": null}]}',
    ],
)
def test_a_json_page_that_is_not_pep_691_is_an_error(page: str) -> None:
    answer = httpx.Response(200, text=page, headers={"content-type": "application/vnd.pypi.simple.v1+json"})
    with pytest.raises(publish.PublishError, match="the index's project page"):
        read_index({UPLOAD + "+simple/sunco-keys/": answer})


def test_a_simple_root_that_is_not_one_stops_before_any_upload() -> None:
    with client_for(lambda request: httpx.Response(404), config()) as client:
        with pytest.raises(publish.PublishError, match=r"is not the index's simple API \(HTTP 404\)"):
            publish.check_simple_root(client, config())


def test_a_redirect_to_another_host_is_not_followed_even_where_that_host_lists_the_files() -> None:
    """Another host is the index's fallback to some other index (pypiserver's to PyPI): the index does not host
    the project, whatever that other index lists."""
    routes = {
        UPLOAD + "+simple/sunco-keys/": httpx.Response(
            302, headers={"location": "https://pypi.org/simple/sunco-keys/"}
        ),
        "https://pypi.org/simple/sunco-keys/": httpx.Response(200, text=HTML),
    }
    assert read_index(routes) == []


def test_an_unreadable_simple_page_is_an_error() -> None:
    with pytest.raises(publish.PublishError, match="HTTP 403"):
        read_index({UPLOAD + "+simple/sunco-keys/": httpx.Response(403)})


# --- what to upload -----------------------------------------------------------------------------------------------


def test_a_new_version_uploads_the_wheel_then_the_sdist() -> None:
    assert [item.filename for item in publish.plan_uploads(release(), [])] == [WHEEL, SDIST]


def test_a_published_version_is_refused() -> None:
    on_index = [publish.IndexFile(WHEEL, "a" * 64), publish.IndexFile(SDIST, "b" * 64)]
    with pytest.raises(publish.PublishError, match="sunco-keys 1.2.0 is already on the index"):
        publish.plan_uploads(release(), on_index)


def test_a_partly_published_version_of_identical_files_is_completed() -> None:
    planned = publish.plan_uploads(release(), [publish.IndexFile(WHEEL, "a" * 64)])
    assert [item.filename for item in planned] == [SDIST]


@pytest.mark.parametrize(
    ("on_index", "why"),
    [
        (publish.IndexFile(WHEEL, "f" * 64), "differs from this build"),
        (publish.IndexFile(WHEEL, None), "cannot be compared"),
        (publish.IndexFile("sunco_keys-1.2.0-py3-none-manylinux_2_28_x86_64.whl", "a" * 64), "not part of this build"),
    ],
)
def test_a_partly_published_version_that_differs_is_refused(on_index: publish.IndexFile, why: str) -> None:
    with pytest.raises(publish.PublishError, match=why):
        publish.plan_uploads(release(), [on_index])


def test_published_means_every_local_file_listed_with_its_sha256() -> None:
    publish.check_published(release(), [publish.IndexFile(WHEEL, "a" * 64), publish.IndexFile(SDIST, None)])
    with pytest.raises(publish.PublishError, match=f"does not list {SDIST}"):
        publish.check_published(release(), [publish.IndexFile(WHEEL, "a" * 64)])
    with pytest.raises(publish.PublishError, match=f"the index's {SDIST} does not have the sha256"):
        publish.check_published(release(), [publish.IndexFile(WHEEL, "a" * 64), publish.IndexFile(SDIST, "c" * 64)])


def index_answering(project_pages: list[httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
    """An index that takes the probe (400), has a simple root, and answers the project page from `project_pages`."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(400)
        if str(request.url) == UPLOAD + "+simple/":
            return httpx.Response(200)
        return project_pages.pop(0)

    return handler


@pytest.mark.parametrize(
    ("after", "message"),
    [
        (httpx.Response(404), "The index now holds none of its files"),
        (
            httpx.Response(200, text="{", headers={"content-type": "application/vnd.pypi.simple.v1+json"}),
            "cannot be read",
        ),
    ],
)
def test_a_failed_twine_upload_is_reported_with_what_the_index_holds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, after: httpx.Response, message: str
) -> None:
    (tmp_path / WHEEL).write_bytes(b"wheel")
    (tmp_path / SDIST).write_bytes(b"sdist")
    handler = index_answering([httpx.Response(404), after])
    monkeypatch.setattr(publish, "expected_version", lambda: Version("1.2.0"))
    real_client = publish.http_client
    monkeypatch.setattr(publish, "http_client", lambda cfg: real_client(cfg, httpx.MockTransport(handler)))
    monkeypatch.setattr(publish, "twine_upload", lambda cfg, files, env: (1, "HTTPError: 500 Server Error"))
    monkeypatch.setattr(publish, "uncommitted_sources", lambda root: [])  # whatever the working tree holds now
    monkeypatch.setattr(publish, "check_built_from", lambda release, generated: set())  # the files are stand-ins
    env = {
        "INDEX_URL": UPLOAD,
        "INDEX_SIMPLE_URL": UPLOAD + "+simple/",
        "TWINE_USERNAME": "ci",
        "TWINE_PASSWORD": PASSWORD,
    }
    with pytest.raises(publish.PublishError, match="twine could not upload sunco-keys 1.2.0 .exit 1.") as caught:
        publish.publish(tmp_path, env)
    assert message in str(caught.value)


def test_main_exits_1_when_refused_and_2_on_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INDEX_URL", raising=False)
    assert publish.main(["--dist", str(tmp_path)]) == 2
    monkeypatch.setenv("INDEX_URL", UPLOAD)
    monkeypatch.setattr(publish, "publish", lambda dist, env: (_ for _ in ()).throw(publish.PublishError("refused")))
    assert publish.main(["--dist", str(tmp_path)]) == 1


@pytest.mark.parametrize("dist", ["", "  "])
def test_an_empty_dist_is_a_usage_error_before_anything_is_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], dist: str
) -> None:
    """`--dist ""` would read the current folder: refused, as `make publish DIST=` is."""
    monkeypatch.setenv("INDEX_URL", UPLOAD)
    monkeypatch.setattr(publish, "publish", lambda dist, env: pytest.fail("publishing began"))
    assert publish.main(["--dist", dist]) == 2
    error = "publish: error: --dist is empty: leave it out (dist/) or name a folder, e.g. --dist out/dist\n"
    assert capsys.readouterr() == ("", error)


@pytest.mark.parametrize(
    ("spec", "pyproject", "message"),
    [
        (b"openapi: 3.1.0\ninfo:\n  title: t\n", None, "openapi.yaml has no info.version"),
        (b"openapi: 3.1.0\n", None, "openapi.yaml has no info.version"),
        (b"- a list\n", None, "openapi.yaml has no info.version"),
        (b"info:\n  version: {}\n", None, "openapi.yaml has no info.version"),
        (b"info:\n  version: 1.2.0\n  title: [\n", None, "cannot read openapi.yaml (line 4, column 1)"),
        (b"info: {version: 1.2.0\n", None, "cannot read openapi.yaml (line 2, column 1)"),
        (b"info:\n  version: \xff\n", None, "cannot read openapi.yaml: it is not UTF-8 text"),
        (None, None, "cannot read openapi.yaml: No such file or directory"),
        (b"info:\n  version: 1.2.0\n", b"[project\n", "cannot read generated/pyproject.toml"),
        (b"info:\n  version: 1.2.0\n", b"[tool.x]\n", "generated/pyproject.toml says no version"),
        (b"info:\n  version: 1.2.0\n", None, "cannot read generated/pyproject.toml (No such file or directory)"),
    ],
)
def test_a_spec_or_pyproject_without_a_readable_version_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spec: bytes | None,
    pyproject: bytes | None,
    message: str,
) -> None:
    """Run outside a checkout's check (PUBLISH_ALLOW_DIRTY=1), as the version is read: an error, not a traceback."""
    if spec is not None:
        (tmp_path / "openapi.yaml").write_bytes(spec)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_bytes(pyproject)
    monkeypatch.setattr(publish, "SPEC", tmp_path / "openapi.yaml")
    monkeypatch.setattr(publish, "PYPROJECT", tmp_path / "pyproject.toml")
    monkeypatch.setenv("INDEX_URL", UPLOAD)
    monkeypatch.setenv("PUBLISH_ALLOW_DIRTY", "1")
    assert publish.main(["--dist", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("publish: error: ") and message in error, error


# --- the checkout ---------------------------------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout with one committed file of each release source, an ignored folder and a file outside them."""
    files = {
        "openapi.yaml": "openapi: 3.0.3\n",
        "generated/sunco_keys/client.py": "x = 1\n",
        "templates/model.py.jinja": "{# t #}\n",
        "README.md": "# readme\n",
        ".gitignore": "__pycache__/\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", "--all")
    git(tmp_path, "commit", "--quiet", "--message", "start")
    return tmp_path


def test_a_committed_checkout_has_no_uncommitted_sources(checkout: Path) -> None:
    (checkout / "README.md").write_text("changed, but not a release source\n", encoding="utf-8")
    (checkout / "generated" / "__pycache__").mkdir()
    (checkout / "generated" / "__pycache__" / "client.pyc").write_bytes(b"ignored")
    assert publish.uncommitted_sources(checkout) == []
    publish.check_committed(checkout, {})


def test_changed_untracked_deleted_and_renamed_sources_are_named(checkout: Path) -> None:
    (checkout / "openapi.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    (checkout / "generated" / "sunco_keys" / "new.py").write_text("", encoding="utf-8")
    git(checkout, "mv", "templates/model.py.jinja", "templates/renamed.py.jinja")
    (checkout / "generated" / "sunco_keys" / "client.py").unlink()
    expected = [
        "generated/sunco_keys/client.py",
        "generated/sunco_keys/new.py",
        "openapi.yaml",
        "templates/model.py.jinja",
        "templates/renamed.py.jinja",
    ]
    assert publish.uncommitted_sources(checkout) == expected
    with pytest.raises(publish.PublishError, match="differ from the last commit") as caught:
        publish.check_committed(checkout, {"PUBLISH_ALLOW_DIRTY": "yes"})  # only "1" says to go ahead
    assert ", ".join(expected) in str(caught.value)
    assert "PUBLISH_ALLOW_DIRTY=1" in str(caught.value)
    assert caught.value.exit_code == 1
    publish.check_committed(checkout, {"PUBLISH_ALLOW_DIRTY": "1"})


def test_outside_a_git_checkout_publishing_goes_on_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish.uncommitted_sources(tmp_path) is None
    publish.check_committed(tmp_path, {})
    assert "not a git checkout" in capsys.readouterr().out


def test_without_git_a_checkout_is_refused_and_anything_else_goes_on(
    monkeypatch: pytest.MonkeyPatch, checkout: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-git-here")))
    with pytest.raises(publish.PublishError, match="git cannot be run") as caught:
        publish.check_committed(checkout / "generated", {})  # from a folder inside the checkout too
    assert "PUBLISH_ALLOW_DIRTY=1" in str(caught.value)
    publish.check_committed(checkout, {"PUBLISH_ALLOW_DIRTY": "1"})
    assert publish.uncommitted_sources(tmp_path_factory.mktemp("not-a-checkout")) is None


def test_git_speaking_another_language_is_still_understood(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LANGUAGE", "de")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # a locale every machine has; git still follows LANGUAGE
    assert publish.uncommitted_sources(tmp_path) is None  # "not a git repository", whatever the user's locale


def test_the_checkout_is_checked_before_dist_and_the_index(monkeypatch: pytest.MonkeyPatch, checkout: Path) -> None:
    (checkout / "openapi.yaml").write_text("changed\n", encoding="utf-8")
    monkeypatch.setattr(publish, "ROOT", checkout)
    monkeypatch.setattr(publish, "http_client", lambda cfg: pytest.fail("the index was reached"))
    with pytest.raises(publish.PublishError, match=r"differ from the last commit \(openapi.yaml\)"):
        publish.publish(checkout / "no-dist", {"INDEX_URL": UPLOAD})  # no dist/: not reached either


# --- dist/ --------------------------------------------------------------------------------------------------------


def test_dist_must_hold_one_wheel_and_one_sdist_of_the_spec_version(tmp_path: Path) -> None:
    (tmp_path / WHEEL).write_bytes(b"wheel")
    with pytest.raises(publish.PublishError, match="exactly one wheel and one sdist") as caught:
        publish.find_release(tmp_path, Version("1.2.0"))
    assert caught.value.exit_code == 2
    (tmp_path / SDIST).write_bytes(b"sdist")
    with pytest.raises(publish.PublishError, match="holds version 1.2.0 but openapi.yaml says 1.3.0"):
        publish.find_release(tmp_path, Version("1.3.0"))
    found = publish.find_release(tmp_path, Version("1.2.0"))
    assert [item.filename for item in found.files] == [WHEEL, SDIST]
    assert found.files[0].sha256 == publish.sha256_of(tmp_path / WHEEL)
    (tmp_path / SDIST).rename(tmp_path / "sunco_keys-1.2.1.tar.gz")
    with pytest.raises(publish.PublishError, match="are not of the same release") as caught:
        publish.find_release(tmp_path, Version("1.2.0"))
    assert caught.value.exit_code == 2


# --- dist/ is a build of generated/ as it is now ---------------------------------------------------------------


TREE = {
    "pyproject.toml": b"[project]\nname = 'sunco-keys'\nversion = '1.2.0'\n",
    "README.md": b"# sunco-keys\n",
    ".gitignore": b"__pycache__/\n.mypy_cache/\n",
    "sunco_keys/__init__.py": b"",
    "sunco_keys/lib/paths.py": b"x = 1\n",
}
METADATA = b"Metadata-Version: 2.4\nName: sunco-keys\nVersion: 1.2.0\n"


def built(
    tmp_path: Path, files: dict[str, bytes], sdist_files: dict[str, bytes] | None = None, metadata: bytes = METADATA
) -> publish.Release:
    """A wheel and an sdist in tmp_path/dist as a build of a generated/ holding `files` would be (the sdist
    carrying `sdist_files` instead, when given)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    with zipfile.ZipFile(dist / WHEEL, "w") as wheel:
        for name, content in files.items():
            if name.startswith("sunco_keys/"):
                wheel.writestr(name, content)
        wheel.writestr("sunco_keys-1.2.0.dist-info/METADATA", metadata)
    with tarfile.open(dist / SDIST, "w:gz") as sdist:
        for name, content in {**(files if sdist_files is None else sdist_files), "PKG-INFO": METADATA}.items():
            member = tarfile.TarInfo(f"sunco_keys-1.2.0/{name}")
            member.size = len(content)
            sdist.addfile(member, io.BytesIO(content))
    return publish.find_release(dist, Version("1.2.0"))


def tree(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """generated/ holding `files`, and files the build leaves out (a cache, a file .gitignore names)."""
    generated = tmp_path / "generated"
    for name, content in files.items():
        (generated / name).parent.mkdir(parents=True, exist_ok=True)
        (generated / name).write_bytes(content)
    for ignored in ("sunco_keys/__pycache__/paths.cpython-311.pyc", "sunco_keys/.mypy_cache/cache.json"):
        (generated / ignored).parent.mkdir(parents=True, exist_ok=True)
        (generated / ignored).write_bytes(b"not a source")
    return generated


def test_a_build_of_the_tree_as_it_is_passes(tmp_path: Path) -> None:
    publish.check_built_from(built(tmp_path, TREE), tree(tmp_path, TREE))


def without(name: str) -> dict[str, bytes]:
    return {key: value for key, value in TREE.items() if key != name}


@pytest.mark.parametrize(
    ("built_from", "sdist_from", "now", "named"),
    [
        (TREE, None, {**TREE, "sunco_keys/lib/paths.py": b"x = 2\n"}, "sunco_keys/lib/paths.py"),  # changed since
        (TREE, None, {**TREE, "README.md": b"# changed\n"}, "README.md"),  # a file of the sdist only
        (TREE, None, {**TREE, "sunco_keys/lib/new.py": b""}, "sunco_keys/lib/new.py"),  # added since the build
        (TREE, None, without("sunco_keys/lib/paths.py"), "sunco_keys/lib/paths.py"),  # removed since the build
        ({**TREE, "sunco_keys/lib/paths.py": b"old\n"}, TREE, TREE, "sunco_keys/lib/paths.py"),  # a stale wheel
        (TREE, without("sunco_keys/lib/paths.py"), TREE, "sunco_keys/lib/paths.py"),  # an sdist missing a file
    ],
)
def test_a_build_of_another_tree_is_refused_naming_what_differs(
    tmp_path: Path, built_from: dict[str, bytes], sdist_from: dict[str, bytes] | None, now: dict[str, bytes], named: str
) -> None:
    release = built(tmp_path, built_from, sdist_from)
    with pytest.raises(publish.PublishError, match="was not built from generated/ as it is now") as caught:
        publish.check_built_from(release, tree(tmp_path, now))
    assert f"({named} differ)" in str(caught.value) and caught.value.exit_code == 2


def test_a_wheel_whose_metadata_is_not_the_sdist_s_is_refused(tmp_path: Path) -> None:
    release = built(tmp_path, TREE, metadata=METADATA + b"Requires-Dist: aiohttp>=3.10.0\n")
    with pytest.raises(publish.PublishError, match=r"\(METADATA differ\)"):
        publish.check_built_from(release, tree(tmp_path, TREE))


BACKUP = "sunco_keys/lib/paths.py~"  # an editor's backup, which git ignores only through .git/info/exclude


@pytest.mark.parametrize(
    ("how", "allow_dirty", "refused"),
    [
        ("info/exclude", "", "git ignores them"),
        ("info/exclude", "1", "git ignores them"),  # PUBLISH_ALLOW_DIRTY is for changes, not for ignored files
        ("excludesfile", "", "git ignores them"),
        ("untracked", "", "rebuildable from a commit"),
        ("untracked", "1", None),
        ("committed", "", None),
    ],
)
def test_archives_carrying_a_file_git_does_not_track_are_refused(
    tmp_path: Path, how: str, allow_dirty: str, refused: str | None
) -> None:
    generated = tree(tmp_path, TREE)
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", "--all")
    git(tmp_path, "commit", "--quiet", "--message", "start")
    (generated / BACKUP).write_bytes(b"x = 0\n")
    if how == "info/exclude":
        (tmp_path / ".git" / "info").mkdir(exist_ok=True)
        (tmp_path / ".git" / "info" / "exclude").write_text("*~\n", encoding="utf-8")
    elif how == "excludesfile":  # the setting a global ~/.gitconfig makes; here in the checkout's own config
        (tmp_path / "global-ignore").write_text("*~\n", encoding="utf-8")
        git(tmp_path, "config", "core.excludesFile", str(tmp_path / "global-ignore"))
    elif how == "committed":
        git(tmp_path, "add", "--all")
        git(tmp_path, "commit", "--quiet", "--message", "backup")
    release = built(tmp_path, {**TREE, BACKUP: b"x = 0\n"})
    carried = publish.check_built_from(release, generated)  # hatchling itself packages it: the archives match
    env = {"PUBLISH_ALLOW_DIRTY": allow_dirty} if allow_dirty else {}
    if refused is None:
        publish.check_tracked(tmp_path, carried, env)
        return
    with pytest.raises(publish.PublishError, match="carry files that git does not track") as caught:
        publish.check_tracked(tmp_path, carried, env)
    assert f"(generated/{BACKUP})" in str(caught.value) and refused in str(caught.value)
    assert caught.value.exit_code == 1


def test_publish_refuses_a_file_git_ignores_before_reaching_the_index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The whole path: `git status` shows nothing, the archives match the tree, and still nothing is sent."""
    generated = tree(tmp_path, TREE)
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", "--all")
    git(tmp_path, "commit", "--quiet", "--message", "start")
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("*~\n", encoding="utf-8")
    (generated / BACKUP).write_bytes(b"x = 0\n")
    built(tmp_path, {**TREE, BACKUP: b"x = 0\n"})
    monkeypatch.setattr(publish, "ROOT", tmp_path)
    monkeypatch.setattr(publish, "expected_version", lambda: Version("1.2.0"))
    monkeypatch.setattr(publish, "http_client", lambda cfg: pytest.fail("the index was reached"))
    assert publish.uncommitted_sources(tmp_path) == []
    with pytest.raises(publish.PublishError, match=f"git does not track \\(generated/{BACKUP}\\)"):
        publish.publish(tmp_path / "dist", {"INDEX_URL": UPLOAD})


def test_outside_a_git_checkout_the_archives_are_not_compared_with_git(tmp_path: Path) -> None:
    release = built(tmp_path, TREE)
    publish.check_tracked(tmp_path, publish.check_built_from(release, tree(tmp_path, TREE)), {})


@pytest.mark.parametrize("damage", ["wheel-not-a-zip", "wheel-corrupt", "sdist-truncated"])
def test_a_damaged_archive_is_refused_as_unreadable(tmp_path: Path, damage: str) -> None:
    release = built(tmp_path, {**TREE, "sunco_keys/lib/big.py": b"payload " * 5000})
    wheel, sdist = (tmp_path / "dist" / WHEEL), (tmp_path / "dist" / SDIST)
    if damage == "wheel-not-a-zip":
        wheel.write_bytes(b"not a zip")
    elif damage == "wheel-corrupt":  # the compressed data of a member, overwritten; the directory intact
        data = bytearray(wheel.read_bytes())
        data[60:200] = b"\xff" * 140
        wheel.write_bytes(bytes(data))
    else:
        sdist.write_bytes(sdist.read_bytes()[: len(sdist.read_bytes()) // 2])
    with pytest.raises(publish.PublishError, match="cannot read") as caught:
        publish.check_built_from(release, tree(tmp_path, TREE))
    assert caught.value.exit_code == 2
