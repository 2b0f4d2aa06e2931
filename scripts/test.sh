#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian/Ubuntu machine and run it:
# the Debian packages (DejaVu fonts to draw test PDFs, Tesseract with German data for OCR,
# Chromium for the browser and accessibility tests), a virtual environment in .venv with the
# project and its test extra, then the linter (ruff) and the type checker (mypy), then pytest (arguments
# are passed on to pytest; -m "not slow and not browser" is the everyday loop).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(fonts-dejavu-core tesseract-ocr tesseract-ocr-deu chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: these Debian packages are missing and apt-get is not available: ${missing[*]}" >&2
    echo "Install their equivalents by hand, then run this script again." >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "scripts/test.sh: these Debian packages are missing: ${missing[*]}" >&2
    echo "Not root and no sudo here: run 'apt-get install ${missing[*]}' as root, then this script again." >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${as_root[@]}" apt-get update -qq &&
          "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
    echo "scripts/test.sh: could not install ${missing[*]}; install them as root, then run this script again." >&2
    exit 1
  fi
fi

python3 -m venv .venv
# compat: the package is found on sys.path, so a folder named qmarchive in the working directory cannot shadow it
.venv/bin/pip install --quiet --config-settings editable_mode=compat -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
