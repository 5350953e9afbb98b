//! Where an API token counts. A token (`Authorization: Bearer goc_…`) reads the JSON API
//! and changes nothing: any request with another method than GET or HEAD that carries one
//! is refused here, before CSRF checks or handlers (a CSRF token is no person's: anyone can
//! fetch one, so it cannot be what keeps a token from writing). Outside `/api/` the header
//! is dropped, so pages and forms only ever see people.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{error_body, Lang, Text};

/// The token a request carries, if it names one (the scheme is case-insensitive).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub async fn confine(mut req: Request, next: Next) -> Response {
    if bearer(req.headers()).is_some() {
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            let text = Text::new(
                "Khoá API chỉ dùng để đọc; hãy đăng nhập để thay đổi dữ liệu.",
                "API tokens only read; sign in to change anything.",
            );
            return (
                StatusCode::FORBIDDEN,
                error_body(text.get(Lang::of(req.headers()))),
            )
                .into_response();
        }
        if !req.uri().path().starts_with("/api/") {
            req.headers_mut().remove(header::AUTHORIZATION);
        }
    }
    next.run(req).await
}
