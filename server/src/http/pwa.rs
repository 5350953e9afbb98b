//! What makes the farmer's pages an installable, offline-first app: the web manifest, its
//! icons, and the service worker, served with this build's version and precache list so
//! that the HTML and the `/pkg` files a phone keeps always come from the same build.

use std::path::Path;
use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use image::{Rgb, RgbImage};

/// The worker's code; the server prepends `VERSION` and `PRECACHE`.
const WORKER: &str = include_str!("../../../assets/sw.js");
/// Gốc's green, the manifest's theme colour (as in the stylesheet).
const GREEN: [u8; 3] = [0x2f, 0x5d, 0x3a];

struct Pwa {
    worker: String,
    manifest: String,
    icons: [Vec<u8>; 2],
}

/// The routes, built once at start-up from the site's built files in `site_root`.
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
    let pwa = Arc::new(build(site_root));
    let (w, m, i) = (pwa.clone(), pwa.clone(), pwa);
    Router::new()
        .route(
            "/sw.js",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        // Checked on every visit: a new build reaches phones at once.
                        (header::CACHE_CONTROL, "no-cache"),
                        // The worker fetches and imports from this site only.
                        (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
                    ],
                    w.worker.clone(),
                )
            }),
        )
        .route(
            "/manifest.webmanifest",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/manifest+json"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    m.manifest.clone(),
                )
            }),
        )
        .route(
            "/icons/{file}",
            get(
                move |axum::extract::Path(file): axum::extract::Path<String>| async move {
                    let bytes = match file.as_str() {
                        "192.png" => i.icons[0].clone(),
                        "512.png" => i.icons[1].clone(),
                        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
                    };
                    (
                        [
                            (header::CONTENT_TYPE, "image/png"),
                            (header::CACHE_CONTROL, "public, max-age=86400"),
                        ],
                        bytes,
                    )
                        .into_response()
                },
            ),
        )
}

fn build(site_root: &Path) -> Pwa {
    let pkg = site_root.join("pkg");
    let hashes = std::fs::read_to_string(pkg.join("hash.txt")).unwrap_or_default();
    let css = hashes
        .lines()
        .find_map(|l| l.strip_prefix("css:"))
        .map_or_else(
            || "/pkg/goc.css".to_owned(),
            |h| format!("/pkg/goc.{}.css", h.trim()),
        );
    let precache = [
        "/farm",
        css.as_str(),
        "/pkg/farm-sync.js",
        "/pkg/farm.js",
        // The label reader works offline too (a farmer finds trees in the orchard).
        "/pkg/scanner.js",
        "/pkg/scan.js",
        "/pkg/scan_bg.wasm",
        "/manifest.webmanifest",
        "/icons/192.png",
        "/icons/512.png",
    ];
    // The version covers every file the worker keeps: a change to any is a new worker.
    let mut h = blake3::Hasher::new();
    h.update(hashes.as_bytes()).update(WORKER.as_bytes());
    for f in [
        "farm-sync.js",
        "farm.js",
        "scanner.js",
        "scan.js",
        "scan_bg.wasm",
    ] {
        h.update(&std::fs::read(pkg.join(f)).unwrap_or_default());
    }
    let version = &h.finalize().to_hex()[..16];
    let list = serde_json::to_string(&precache).unwrap_or_else(|_| "[]".into());
    let worker = format!("const VERSION = \"{version}\";\nconst PRECACHE = {list};\n{WORKER}");
    let manifest = serde_json::json!({
        "name": "Gốc — Nhật ký vườn",
        "short_name": "Gốc",
        "description": "Nhật ký chăm sóc cây của hợp tác xã, cả khi không có mạng.",
        "lang": "vi",
        "start_url": "/farm",
        "scope": "/",
        "display": "standalone",
        "background_color": "#faf8f2",
        "theme_color": "#2f5d3a",
        "icons": [
            {"src": "/icons/192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/icons/512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    })
    .to_string();
    Pwa {
        worker,
        manifest,
        icons: [icon(192), icon(512)],
    }
}

/// A tree on Gốc's green: a round crown over a trunk, drawn in pixels (no font, no file),
/// inside the middle 80 % so that a round mask keeps all of it.
fn icon(size: u32) -> Vec<u8> {
    let s = size as f32;
    let img = RgbImage::from_fn(size, size, |x, y| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        let (cx, cy, r) = (s * 0.5, s * 0.42, s * 0.22);
        let crown = (x - cx).powi(2) + (y - cy).powi(2) <= r * r;
        let trunk = (x - cx).abs() <= s * 0.045 && y >= cy && y <= s * 0.76;
        let ground = (y - s * 0.76).abs() <= s * 0.02 && (x - cx).abs() <= s * 0.18;
        if crown || trunk || ground {
            Rgb([0xfa, 0xf8, 0xf2])
        } else {
            Rgb(GREEN)
        }
    });
    let mut out = Vec::new();
    let _ = img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}
