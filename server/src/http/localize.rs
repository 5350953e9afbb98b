//! Error responses in the reader's language. Handlers return [`crate::Error`], whose
//! response carries its message in both languages; this layer writes the one the
//! request's `goc_lang` cookie asks for.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{error_body, Lang, PublicError};

pub async fn localize(req: Request, next: Next) -> Response {
    let lang = Lang::of(req.headers());
    let res = next.run(req).await;
    match (lang, res.extensions().get::<PublicError>().cloned()) {
        (Lang::En, Some(PublicError(text))) => {
            let (mut parts, _) = res.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            let body = error_body(&text.en).into_response().into_body();
            Response::from_parts(parts, body)
        }
        _ => res,
    }
}
