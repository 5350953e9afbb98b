//! Reading and writing the few cookies Gốc sets. Every one is HttpOnly and SameSite=Lax,
//! and Secure whenever the public URL is https.

use axum::http::{header, HeaderMap, HeaderValue};

/// The reader's language (`vi` or `en`), set by the language switch.
pub const LANG: &str = "goc_lang";

/// The value of cookie `name` in the request, if sent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!("{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{secure}");
    // Names and values are ours: base64url, hex or fixed words, always valid header text.
    HeaderValue::try_from(v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session cookie's name. On https it carries the `__Host-` prefix, which makes the
/// browser refuse it unless Secure, for this exact host and path `/`: a sibling
/// subdomain cannot plant or overwrite it.
pub fn session_name(secure: bool) -> &'static str {
    if secure {
        "__Host-goc_sid"
    } else {
        "goc_sid"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others_and_set_with_every_attribute() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; goc_sid=abc; b=2"),
        );
        assert_eq!(get(&h, "goc_sid"), Some("abc"));
        assert_eq!(get(&h, "goc"), None);
        assert_eq!(
            set("goc_sid", "abc", 60, true),
            "goc_sid=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(session_name(true), "__Host-goc_sid");
        use crate::error::Lang;
        assert_eq!(Lang::of(&h), Lang::Vi, "Vietnamese by default");
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; goc_lang=en"));
        assert_eq!(Lang::of(&h), Lang::En);
        h.insert(header::COOKIE, HeaderValue::from_static("goc_lang=fr"));
        assert_eq!(Lang::of(&h), Lang::Vi);
    }
}
