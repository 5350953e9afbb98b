#!/usr/bin/env bash
# Builds the browser side into target/site: the hydrate wasm (size-optimised), its JS glue
# and the stylesheet. Equivalent to cargo-leptos' front-end build, without its 17-minute
# install: cargo + wasm-bindgen + wasm-opt.
set -euo pipefail
cd "$(dirname "$0")/.."
SITE=target/site
PKG=$SITE/pkg
mkdir -p "$PKG"
cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate --profile wasm-release
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name goc target/wasm32-unknown-unknown/wasm-release/app.wasm
.tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$PKG/goc_bg.wasm" -o "$PKG/goc.wasm"
rm -f "$PKG/goc_bg.wasm"
cp assets/goc.css "$PKG/goc.css"
cp assets/manage.js assets/map.js "$PKG/"
# Leaflet (BSD-2-Clause) for the maps; pages still show the server-drawn outline without it.
mkdir -p "$PKG/leaflet"
cp -r .tools/node_modules/leaflet/dist/leaflet.js .tools/node_modules/leaflet/dist/leaflet.css \
  .tools/node_modules/leaflet/dist/images .tools/node_modules/leaflet/LICENSE "$PKG/leaflet/"
echo "site built: $(du -h "$PKG/goc.wasm" | cut -f1) wasm"
