#!/usr/bin/env bash
# Builds the browser side into target/site: the hydrate wasm (size-optimised), its JS glue
# and the stylesheet. Equivalent to cargo-leptos' front-end build, without its 17-minute
# install: cargo + wasm-bindgen + wasm-opt.
set -euo pipefail
cd "$(dirname "$0")/.."
SITE=target/site
PKG=$SITE/pkg
mkdir -p "$SITE"
cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate --profile wasm-release
# A fresh folder each time: no file of an earlier build lingers under an old hash.
rm -rf "$PKG" && mkdir -p "$PKG"
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name goc target/wasm32-unknown-unknown/wasm-release/app.wasm
.tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$PKG/goc_bg.wasm" -o "$PKG/goc.wasm"
rm -f "$PKG/goc_bg.wasm"
cp assets/goc.css "$PKG/goc.css"
cp assets/manage.js assets/map.js assets/farm.js assets/farm-sync.js assets/scanner.js assets/tree.js assets/order.js "$PKG/"
# Two small wasm modules of the ledger crate, each loaded only when needed: the phone's
# verifier for the tree page (`browser`, ~75 KB gzip) and the label reader for browsers
# without BarcodeDetector (`scan`).
for feature in browser:verify scan:scan; do
  cargo rustc -p ledger --lib --target wasm32-unknown-unknown --features "${feature%%:*}" --profile wasm-release --crate-type cdylib
  wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name "${feature##*:}" target/wasm32-unknown-unknown/wasm-release/ledger.wasm
  .tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$PKG/${feature##*:}_bg.wasm" -o "$PKG/${feature##*:}_bg.wasm"
done
# Leaflet (BSD-2-Clause) for the maps; pages still show the server-drawn outline without it.
mkdir -p "$PKG/leaflet"
cp -r .tools/node_modules/leaflet/dist/leaflet.js .tools/node_modules/leaflet/dist/leaflet.css \
  .tools/node_modules/leaflet/dist/images .tools/node_modules/leaflet/LICENSE "$PKG/leaflet/"
# The app's own files get their content hash in their names, so they can be cached for
# good (a new build is new names); Leptos reads the names from hash.txt.
: > "$PKG/hash.txt"
for kind in js wasm css; do
  hash=$(sha256sum "$PKG/goc.$kind" | cut -c1-16)
  mv "$PKG/goc.$kind" "$PKG/goc.$hash.$kind"
  echo "$kind: $hash" >> "$PKG/hash.txt"
done
# Precompressed copies, served as they are to browsers that accept them (brotli, gzip):
# nothing is compressed per request. Node's zlib has both.
node -e '
const fs = require("fs"), path = require("path"), z = require("zlib");
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
for (const f of walk(process.argv[1]).filter((f) => /\.(js|wasm|css)$/.test(f))) {
  const data = fs.readFileSync(f);
  fs.writeFileSync(f + ".br", z.brotliCompressSync(data, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }));
  fs.writeFileSync(f + ".gz", z.gzipSync(data, { level: 9 }));
}' "$PKG"
echo "site built: $(du -h "$PKG"/goc.*.wasm | head -1 | cut -f1) wasm, $(du -h "$PKG"/goc.*.wasm.br | cut -f1) brotli"
