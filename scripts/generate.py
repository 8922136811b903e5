"""Regenerate `generated/` from openapi.yaml, or check that it is up to date (`--check`).

openapi-python-client writes into a scratch folder; the result then replaces `generated/` file by file,
leaving the hand-written `sunco_keys/lib/` alone; a file it no longer writes is deleted only when git can give it
back, anything else stops it before it writes. `--check` compares instead of writing and names every
file that differs, so a stale `generated/` cannot go unnoticed.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yaml"
TEMPLATES = ROOT / "templates"
OUTPUT = ROOT / "generated"
HAND_WRITTEN = Path("sunco_keys") / "lib"
# How openapi-python-client's report of what it could not generate begins (openapi_python_client/cli.py).
GENERATOR_REPORTS = ("Warning(s) encountered while generating", "Error(s) encountered while generating")
IGNORED_PARTS = {"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}


class GenerationError(Exception):
    """The spec is invalid or the generator failed; the message says why."""


def validate_spec(spec: Path) -> None:
    """Refuse a spec that is not valid OpenAPI, with the validator's own explanation.

    It is read with ruamel.yaml, as the generator reads it: a duplicated key is an error, not a silent overwrite.
    """
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML(typ="safe").load(spec.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise GenerationError(f"{spec.name}: cannot be read as YAML: {_short(str(exc), 600)}") from exc
    if not isinstance(document, dict):
        raise GenerationError(f"{spec.name}: expected a mapping at the top level")
    odd_keys = _non_string_keys(document)
    if odd_keys:  # the validator would only say "Dict key must be str", naming no place
        listed = ", ".join(f"{_yaml_key(key)} at {where}" for key, where in odd_keys[:3])
        raise GenerationError(
            f'{spec.name}: a mapping key is not a string: {listed}; quote it (a status code is written "201":)'
        )
    dangling = _dangling_refs(document)
    if dangling:  # the validator misses some (a request body's schema), and the generator then names none
        listed = ", ".join(f"{ref!r} at {where}" for ref, where in dangling[:3])
        raise GenerationError(f"{spec.name}: a $ref cannot be resolved within the document: {listed}")
    try:
        validate(document)
    except OpenAPIValidationError as exc:  # its message can go on to quote the whole offending part of the document
        where = _short("/".join(str(part) for part in exc.path), 200) or "(top level)"
        reason = _short(exc.message.strip().split("\n", 1)[0])
        raise GenerationError(f"{spec.name} is not valid OpenAPI at {where}: {reason}") from None
    except (ValueError, TypeError) as exc:  # what the validator raises for YAML that is no JSON document
        raise GenerationError(f"{spec.name} is not valid OpenAPI: {_short(str(exc))}") from None
    except Unresolvable as exc:  # a $ref to a file or a URL (_dangling_refs took those within): self-contained only
        ref = str(exc.ref)
        where = ", ".join([place for found, place in _refs(document) if found == ref][:3]) or "(not found)"
        raise GenerationError(
            f"{spec.name}: a $ref cannot be resolved within the document: {ref!r} at {where}"
        ) from None  # the resolver's own message holds the whole document
    except RecursionError as exc:  # $refs that lead back to themselves
        raise GenerationError(f"{spec.name}: its $refs refer to each other in a loop") from exc
    check_version(spec, document)


def check_version(spec: Path, document: dict[str, object]) -> None:
    """Refuse an info.version that is no Python package version: it becomes generated/pyproject.toml's, which
    the build backend would refuse only later, with a traceback."""
    from packaging.version import InvalidVersion, Version

    info = document.get("info")
    version = info.get("version") if isinstance(info, dict) else None
    try:
        Version(str(version))
    except InvalidVersion:
        shown = repr(version) if len(repr(version)) <= 60 else repr(version)[:57] + "..."
        raise GenerationError(
            f"{spec.name}: info.version {shown} is not a valid Python package version (PEP 440, e.g. 1.2.0 or "
            "1.2.0rc1): it is the version of the package built from generated/"
        ) from None


def _short(text: str, limit: int = 300) -> str:
    """`text`, cut to `limit` characters, so that an error quoting part of the document stays an error message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _yaml_key(key: object) -> str:
    """A key that is not a string, as the spec spells it."""
    if key is None:
        return "null (an empty key)"
    if isinstance(key, bool):
        return str(key).lower()
    return _short(repr(key), 40)


def _non_string_keys(document: object) -> list[tuple[object, str]]:
    """Each mapping key in `document` that YAML read as other than a string (201, true, null), with its place."""
    return [
        (key, f"{place}/{key}" if place else str(key))
        for mapping, place in _mappings(document)
        for key in mapping
        if not isinstance(key, str)
    ]


def _dangling_refs(document: dict[str, object]) -> list[tuple[str, str]]:
    """Each `$ref` within the document ("#/...") that points at nothing, with where it sits."""
    dangling = []
    for ref, where in _refs(document):
        if ref.startswith("#") and not _resolves(document, ref[1:]):
            dangling.append((ref, where))
    return dangling


def _refs(document: object) -> list[tuple[str, str]]:
    """Every `$ref` string in `document`, with its slash-joined place."""
    return [
        (ref, place or "(top level)")
        for mapping, place in _mappings(document)
        if isinstance(ref := mapping.get("$ref"), str)
    ]


def _mappings(node: object, path: str = "") -> Iterator[tuple[dict[object, object], str]]:
    """Every mapping in `node`, `node` first, with its slash-joined place ("" for `node` itself)."""
    if isinstance(node, dict):
        yield node, path
        for key, value in node.items():
            yield from _mappings(value, f"{path}/{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mappings(value, f"{path}/{index}")


def _resolves(document: object, pointer: str) -> bool:
    """Whether a JSON pointer (RFC 6901, "" for the whole document) names something in `document`."""
    if pointer == "":
        return True
    if not pointer.startswith("/"):
        return False
    node = document
    for part in pointer[1:].split("/"):
        key = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True


def run_generator(destination: Path) -> Path:
    """Run openapi-python-client into `destination`; return the project folder it wrote."""
    project = destination / "sunco-keys"
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(SPEC),
        "--config",
        str(CONFIG),
        "--custom-template-path",
        str(TEMPLATES),
        "--meta",
        "uv",
        "--output-path",
        str(project),
        "--overwrite",
        # It skips what it cannot model (an endpoint, a schema) and only warns; for us that is a failure.
        "--fail-on-warning",
    ]
    # The post hooks run `ruff`: the one pinned beside this interpreter, not whatever PATH finds first.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    result = subprocess.run(command, cwd=destination, env=env, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    # Its report's headline, in case a version ignores --fail-on-warning; not just any "Warning" in the output,
    # which names the scratch folder (under TMPDIR, whatever that is called) and the spec's own words.
    reported = any(line.startswith(GENERATOR_REPORTS) for line in output.splitlines())
    if result.returncode != 0 or reported or not project.is_dir():
        raise GenerationError(f"openapi-python-client failed:\n{output}")
    return project


def relative_files(root: Path) -> set[Path]:
    """Every file below `root` that generation owns (not caches, not the hand-written lib/)."""
    files = set()
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_dir() or IGNORED_PARTS.intersection(relative.parts):
            continue
        if relative.parts[: len(HAND_WRITTEN.parts)] == HAND_WRITTEN.parts:
            continue
        files.add(relative)
    return files


def differences(fresh: Path, committed: Path) -> list[str]:
    """Lines naming each generated file that is stale, missing or no longer generated."""
    fresh_files, committed_files = relative_files(fresh), relative_files(committed)
    lines = [f"missing:   generated/{p}" for p in sorted(fresh_files - committed_files)]
    lines += [f"extra:     generated/{p}" for p in sorted(committed_files - fresh_files)]
    lines += [
        f"stale:     generated/{p}"
        for p in sorted(fresh_files & committed_files)
        if not filecmp.cmp(fresh / p, committed / p, shallow=False)
    ]
    return lines


def unrecoverable(folder: Path, paths: set[Path]) -> list[Path]:
    """Those of `paths` (relative to `folder`) that git could not give back once deleted: not committed, or changed
    since the last commit. All of them when `folder` is not in a git checkout or git cannot be run."""
    english = {name: value for name, value in os.environ.items() if name != "LANGUAGE"} | {"LC_ALL": "C"}

    def git(*arguments: str) -> set[Path] | None:
        try:
            result = subprocess.run(
                ["git", "-C", str(folder), *arguments], capture_output=True, check=False, env=english
            )
        except OSError:
            return None
        if result.returncode != 0:
            return None
        names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
        return {Path(name) for name in names if name}

    committed = git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", ".")  # relative to `folder`
    changed = git("diff", "--relative", "--name-only", "--no-renames", "-z", "HEAD", "--", ".")
    if committed is None or changed is None:
        return sorted(paths)
    return sorted(path for path in paths if path not in committed or path in changed)


def install(fresh: Path, committed: Path) -> None:
    """Make `committed` hold exactly what was generated, keeping the hand-written lib/.

    A file the generator no longer writes is deleted only if git can give it back (committed, unchanged since);
    any other such file is someone's work: nothing is written and GenerationError names it.

    Files whose bytes did not change are left alone: a rewritten generated/pyproject.toml would look newer to
    make and reinstall every dependency on the next target.
    """
    extra = relative_files(committed) - relative_files(fresh)
    kept = unrecoverable(committed, extra)
    if kept:
        raise GenerationError(f"{not_generated_message(kept, committed)} Nothing was written.")
    for relative in extra:
        (committed / relative).unlink()
    for relative in relative_files(fresh):
        target = committed / relative
        if target.is_file() and filecmp.cmp(fresh / relative, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fresh / relative, target)
    for folder in sorted((p for p in committed.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def not_generated_message(paths: list[Path], committed: Path) -> str:
    """Why generation stops at files in `committed` that it does not write and git does not hold, and what to do."""
    shown = ", ".join(f"{committed.name}/{path}" for path in paths[:10])
    more = f" and {len(paths) - 10} more" if len(paths) > 10 else ""
    return (
        f"{committed.name}/ holds files that the generator does not write and that git could not give back "
        f"(not committed, or changed since): {shown}{more}. `make generate` would delete them, so it refuses to: "
        f"move hand-written code to {committed.name}/{HAND_WRITTEN.as_posix()}/ (which it keeps), or delete the "
        "files yourself; then run `make generate`."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with generated/ instead of writing it")
    args = parser.parse_args(argv)
    try:
        validate_spec(SPEC)
        with tempfile.TemporaryDirectory(prefix="sunco-keys-generate-") as scratch:
            fresh = run_generator(Path(scratch))
            if args.check:
                lines = differences(fresh, OUTPUT)
                if lines:
                    kept = unrecoverable(OUTPUT, relative_files(OUTPUT) - relative_files(fresh))
                    advice = "" if kept else "; run `make generate`"  # which refuses to delete files git lacks
                    print(f"generated/ is out of date with openapi.yaml{advice}:", file=sys.stderr)
                    print("\n".join(lines), file=sys.stderr)
                    if kept:
                        print(not_generated_message(kept, OUTPUT), file=sys.stderr)
                    return 1
                print("generated/ matches openapi.yaml")
            else:
                install(fresh, OUTPUT)
                print(f"generated/ rebuilt from {SPEC.name}")
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
