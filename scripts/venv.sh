# Usage: bash scripts/venv.sh PYTHON VENV (make runs it before any target that uses .venv/).
#
# Refuses a PYTHON older than 3.11 (generated/pyproject.toml's requires-python). Makes VENV with PYTHON when VENV's
# python is missing, does not run, or is another version than PYTHON's (a VENV made by an older Python or with
# another PYTHON=...), saying so; writes VENV/.python then (or when it is missing): make installs into VENV again
# whenever that file is new.
set -euo pipefail
python=$1 venv=$2

version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

found=$(version "$python")
IFS=. read -r major minor <<<"${found:-0.0}"
if ((major < 3 || (major == 3 && minor < 11))); then
  echo "error: PYTHON=$python is ${found:+Python }${found:-not a Python that runs}; sunco-keys needs 3.11 or newer:" \
    "run make again with another, e.g. PYTHON=python3.12" >&2
  exit 2
fi
had=$(version "$venv/bin/python")
if [ "$had" != "$found" ]; then
  if [ -e "$venv" ]; then
    echo "$venv/ holds ${had:+Python }${had:-a python that does not run}, not Python $found of $python: making it again"
    rm -rf -- "$venv"
  fi
  "$python" -m venv "$venv"
fi
[ "$had" = "$found" ] && [ -e "$venv/.python" ] || echo "$found" >"$venv/.python"
