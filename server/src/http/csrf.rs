//! CSRF protection for every state-changing request, in two layers:
//!
//! 1. The browser's own word: a request whose `Sec-Fetch-Site` says it came from another
//!    site, or whose `Origin` is not this host, is refused.
//! 2. A signed double-submit token: a random nonce lives in the `goc_csrf` cookie, and
//!    each form carries `blake3_keyed(server key, nonce)` in a hidden `csrf` field (or
//!    the `x-csrf-token` header, or a `csrf` query parameter for file uploads). Another
//!    site can neither read the cookie nor compute the token without the server key.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cookies;
use crate::error::{error_body, Lang, Text};
use crate::services::Services;

pub const COOKIE: &str = "goc_csrf";
pub const FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";
/// Form bodies are read whole to find the token; larger ones are refused.
const MAX_FORM_BYTES: usize = 8 << 20;

/// The token forms of this request must carry; in the request's extensions for pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

/// The key tokens are computed with, derived from the server secret.
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    pub fn derive(secret: &[u8]) -> Self {
        Self(blake3::derive_key("goc 2025 csrf token v1", secret))
    }

    pub fn token(&self, nonce: &str) -> String {
        blake3::keyed_hash(&self.0, nonce.as_bytes())
            .to_hex()
            .to_string()
    }

    /// Constant-time comparison (blake3's `Hash` equality is).
    fn accepts(&self, nonce: &str, token: &str) -> bool {
        blake3::Hash::from_hex(token)
            .is_ok_and(|t| t == blake3::keyed_hash(&self.0, nonce.as_bytes()))
    }
}

fn refused(headers: &HeaderMap) -> Response {
    let text = Text::new(
        "Biểu mẫu đã hết hạn hoặc không đến từ Gốc. Vui lòng tải lại trang rồi gửi lại.",
        "This form expired or did not come from Gốc. Please reload the page and submit again.",
    );
    (
        StatusCode::FORBIDDEN,
        error_body(text.get(Lang::of(headers))),
    )
        .into_response()
}

/// True when the browser says the request comes from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
        (Some(_), None) => true,
        _ => false,
    }
}

/// Calls from other servers (payment providers, the sandbox standing in for one, logs
/// asking this instance to witness them): no cookie, no token; each is authenticated by a
/// signature its handler checks (the provider's, the log's on its checkpoint).
fn is_provider_call(path: &str) -> bool {
    use crate::payments::providers::{SANDBOX_API_PATH, SANDBOX_PATH};
    path.starts_with("/api/v1/payments/")
        || path == SANDBOX_PATH
        || path == SANDBOX_API_PATH
        || path == crate::witness::ADD_CHECKPOINT_PATH
}

/// The cookie's name: with the `__Host-` prefix on https, so that no sibling subdomain can
/// plant a nonce of its choosing.
pub fn cookie_name(secure: bool) -> String {
    if secure {
        format!("__Host-{COOKIE}")
    } else {
        COOKIE.to_owned()
    }
}

pub async fn protect(State(s): State<Services>, mut req: Request, next: Next) -> Response {
    let nonce = cookies::get(req.headers(), &cookie_name(s.secure_cookies)).map(str::to_owned);
    // Only the methods routes change state with are checked; any other (TRACE, QUERY, a
    // made-up one) meets the router, which answers 405.
    let safe = !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if safe {
        // Hand pages the token of the cookie, minting the cookie on a first visit to a
        // page with forms only: public pages (trees, photos, keys, /pkg) set no cookie,
        // so a CDN can cache them.
        let forms = super::edge::is_private(req.uri().path());
        let (nonce, fresh) = match nonce {
            Some(n) if n.len() >= 16 => (n, false),
            _ if !forms => return next.run(req).await,
            _ => match crate::accounts::random_token() {
                Ok(n) => (n, true),
                Err(e) => return e.into_response(),
            },
        };
        req.extensions_mut().insert(CsrfToken(s.csrf.token(&nonce)));
        let mut res = next.run(req).await;
        if fresh {
            res.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(
                    &cookie_name(s.secure_cookies),
                    &nonce,
                    400 * 24 * 3600,
                    s.secure_cookies,
                ),
            );
        }
        return res;
    }
    if is_provider_call(req.uri().path()) {
        return next.run(req).await;
    }
    if cross_site(req.headers()) {
        return refused(req.headers());
    }
    let Some(nonce) = nonce else {
        return refused(req.headers());
    };
    let from_header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    });
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let token = match from_header.or(from_query) {
        Some(t) => Some(t),
        None if is_form => {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                return (StatusCode::PAYLOAD_TOO_LARGE, error_body("form too large"))
                    .into_response();
            };
            let t = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == FIELD)
                .map(|(_, v)| v.into_owned());
            req = Request::from_parts(parts, Body::from(bytes));
            t
        }
        None => None,
    };
    match token {
        Some(t) if s.csrf.accepts(&nonce, &t) => next.run(req).await,
        _ => refused(req.headers()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_accepted_for_its_nonce_and_key_only() {
        let k = CsrfKey::derive(b"a secret of the server, long enough");
        let t = k.token("nonce-1");
        assert!(k.accepts("nonce-1", &t));
        assert!(!k.accepts("nonce-2", &t));
        assert!(!k.accepts("nonce-1", "zz"));
        assert!(!CsrfKey::derive(b"another secret").accepts("nonce-1", &t));
    }

    #[test]
    fn other_sites_are_told_apart_by_fetch_metadata_and_origin() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, v.parse().unwrap());
            }
            m
        };
        assert!(!cross_site(&h(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://a:1"),
            ("host", "a:1")
        ])));
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")])));
        assert!(cross_site(&h(&[
            ("origin", "https://evil.example"),
            ("host", "a:1")
        ])));
        assert!(!cross_site(&h(&[("host", "a:1")])));
    }
}
