#!/usr/bin/env bash
# Installs what the build and tests need, each pinned, each only if missing (idempotent).
# Usage: scripts/tools.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pinned in Cargo.toml
BINARYEN_VERSION=132.0.0       # npm's binaryen; Debian's 108 breaks hydration
LEAFLET_VERSION=1.9.4          # the web map of zone and tree pages, served from /pkg

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # Without --locked: its lockfile pins a crate version this registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
# Both in one install: npm prunes whatever a --no-save install does not name.
if [ ! -x .tools/node_modules/.bin/wasm-opt ] || ! .tools/node_modules/.bin/wasm-opt --version | grep -q "${BINARYEN_VERSION%%.*}" \
   || ! grep -q "\"version\": \"$LEAFLET_VERSION\"" .tools/node_modules/leaflet/package.json 2>/dev/null; then
  npm install --silent --prefix .tools --no-save --no-audit --no-fund "binaryen@$BINARYEN_VERSION" "leaflet@$LEAFLET_VERSION"
fi
if [ "${1:-}" = "--browser" ]; then
  # Chromium for the browser tests; poppler-utils (pdftoppm, pdftotext, pdfinfo) so label
  # tests see PDFs the way a printer does; zbar-tools (zbarimg), a second QR decoder.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v pdftoppm >/dev/null \
     || ! command -v zbarimg >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils zbar-tools >/dev/null
  fi
fi
if [ "${1:-}" = "--browser" ]; then
  # schemathesis checks the live server against its OpenAPI document (tests/tests/openapi.rs).
  SCHEMATHESIS_VERSION=4.32.5
  if ! .tools/venv/bin/st --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    python3 -m venv .tools/venv
    .tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
fi
