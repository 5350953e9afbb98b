//! The session cookie: who is making a request.

use axum::http::{HeaderMap, HeaderValue};

use super::cookies;
use crate::access::Actor;
use crate::accounts::{self, Session, SESSION_MS};
use crate::error::Result;
use crate::services::Services;

/// The session token the request carries, if any.
pub fn token<'a>(s: &Services, headers: &'a HeaderMap) -> Option<&'a str> {
    cookies::get(headers, cookies::session_name(s.secure_cookies))
}

/// The signed-in person, or `None` for a visitor (or an expired session).
pub async fn actor(s: &Services, headers: &HeaderMap) -> Result<Option<Actor>> {
    match token(s, headers) {
        Some(t) => accounts::actor(&s.store, t).await,
        None => Ok(None),
    }
}

/// `Set-Cookie` starting a session.
pub fn start(s: &Services, session: &Session) -> HeaderValue {
    cookies::set(
        cookies::session_name(s.secure_cookies),
        &session.token,
        SESSION_MS / 1000,
        s.secure_cookies,
    )
}

/// `Set-Cookie` ending the session in the browser.
pub fn end(s: &Services) -> HeaderValue {
    cookies::set(
        cookies::session_name(s.secure_cookies),
        "",
        0,
        s.secure_cookies,
    )
}
