#!/usr/bin/env bash
# Install what the tests need and run them. Extra arguments go to pytest.
# The database is SQLite unless TEST_DATABASE_URL names a PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: a TrueType CJK font for PDFs, Chromium for browser tests,
# poppler for rendering PDF pages in tests, zbar for reading their QR codes.
missing=()
for pkg in fonts-wqy-zenhei chromium chromium-l10n chromium-driver poppler-utils zbar-tools; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -r requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
