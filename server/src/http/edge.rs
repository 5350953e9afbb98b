//! What every response carries at the public edge: security headers, and caching that a
//! CDN can act on. Public pages are the same for every anonymous reader and may be cached
//! briefly; anything personal or carrying a cookie is never stored.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy of a rendered page, allowing its inline hydration scripts by `nonce`: the
/// wasm (which needs `wasm-unsafe-eval`), our own scripts and styles, OpenStreetMap's tiles
/// for the maps; no framing, no plugins, forms only to this site.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Responses that are not pages (images, JSON, files) run no scripts at all.
const NON_PAGE_POLICY: &str =
    "default-src 'none'; img-src 'self'; style-src 'self'; frame-ancestors 'none'; sandbox";

/// Paths whose pages hold forms or personal data: never cached anywhere.
pub fn is_private(path: &str) -> bool {
    [
        "/manage",
        "/account",
        "/signup",
        "/login",
        "/join",
        "/reset",
        "/admin",
        "/logout",
        "/farm",
        "/api/v1",
        "/adopt",
        "/orders",
        "/my-trees",
        "/gifts",
        "/notifications",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}/")) || path.starts_with(&format!("{p}?")))
}

/// `goc.<16 hex>.<ext>`: a file the site build named by its content.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(_), Some(h), Some(_)) if h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit())
    )
}

pub async fn headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let anonymous = !req.headers().contains_key(header::COOKIE);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // A 304 stands for the page the client holds: the same caching, and no policy of its
    // own (it would replace the stored page's, whose nonce matches that page).
    let not_modified = res.status() == axum::http::StatusCode::NOT_MODIFIED;
    let h = res.headers_mut();
    let is_html = not_modified
        || h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) && !is_html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_PAGE_POLICY),
        );
    }
    if h.contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let cache = if is_private(&path) || h.contains_key(header::SET_COOKIE) {
        "no-store"
    } else if path.starts_with("/pkg/") && is_content_hashed(&path) {
        // The name changes with the content: cached for good.
        "public, max-age=31536000, immutable"
    } else if path.starts_with("/pkg/") {
        // Scripts with stable names (maps, forms): an hour, then revalidated.
        "public, max-age=3600"
    } else if is_html && anonymous && (res.status().is_success() || not_modified) {
        // The same for every anonymous reader; a minute keeps a scanned tree fresh.
        "public, max-age=60"
    } else if is_html {
        "private, no-cache"
    } else {
        return res;
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if is_html {
        h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    }
    res
}

/// Conditional GET for the public tree pages: an `ETag` over the page as every anonymous
/// reader gets it, and `304 Not Modified` when the phone already holds it (a label scanned
/// again, a shared link opened twice). The per-page CSP nonce is left out of the hash, and
/// a 304 carries no CSP, so the stored page keeps the policy that matches its own nonce.
pub async fn conditional(req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::GET || !req.uri().path().starts_with("/t/") {
        return next.run(req).await;
    }
    let held = req.headers().get(header::IF_NONE_MATCH).cloned();
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if !res.status().is_success() || !is_html {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 4 << 20).await else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let nonce = parts
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .and_then(|p| p.split("'nonce-").nth(1))
        .and_then(|n| n.split('\'').next())
        .map(str::to_owned);
    let page = String::from_utf8_lossy(&bytes);
    let stable = match &nonce {
        Some(n) if !n.is_empty() => page.replace(n.as_str(), ""),
        _ => page.into_owned(),
    };
    let etag = format!("\"{}\"", &blake3::hash(stable.as_bytes()).to_hex()[..32]);
    let fresh = held
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let Ok(tag) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if fresh {
        let mut not_modified = axum::http::StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert(header::ETAG, tag);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, tag);
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_paths_are_told_from_public_ones() {
        for p in ["/manage", "/manage/NA-LH", "/account", "/join", "/login"] {
            assert!(is_private(p), "{p}");
        }
        for p in [
            "/",
            "/t/NA-LH/CC001",
            "/c/NA-LH",
            "/managers-guide",
            "/pkg/goc.js",
        ] {
            assert!(!is_private(p), "{p}");
        }
    }
}
