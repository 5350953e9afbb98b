//! The session cookie (who is making a request), the device cookie (which account this
//! browser has signed in to before) and the client's address, for the login throttle.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue};

use super::cookies;
use crate::access::Actor;
use crate::accounts::{self, Client, Session, COOKIE_MAX_AGE_S};
use crate::error::Result;
use crate::services::Services;

/// Signs device cookies, with a key derived from the server secret.
#[derive(Clone)]
pub struct DeviceKey([u8; 32]);

impl DeviceKey {
    pub fn derive(secret: &[u8]) -> Self {
        Self(blake3::derive_key("goc 2026 device cookie v1", secret))
    }

    fn mac(&self, user_id: i64, nonce: &str) -> blake3::Hash {
        blake3::keyed_hash(&self.0, format!("{user_id}.{nonce}").as_bytes())
    }
}

const DEVICE: &str = "goc_device";

fn device_name(secure: bool) -> String {
    if secure {
        format!("__Host-{DEVICE}")
    } else {
        DEVICE.to_owned()
    }
}

/// `Set-Cookie` marking this browser as one that signed in to `user_id` (a year).
pub fn remember_device(s: &Services, user_id: i64) -> Result<HeaderValue> {
    let nonce = accounts::random_token()?[..16].to_owned();
    let mac = s.device.mac(user_id, &nonce).to_hex();
    Ok(cookies::set(
        &device_name(s.secure_cookies),
        &format!("{user_id}.{nonce}.{mac}"),
        365 * 24 * 3600,
        s.secure_cookies,
    ))
}

/// Who is making a login attempt: the peer's address (or, from a reverse proxy on this
/// machine, the address it forwards) and the account the device cookie proves, if any.
pub fn client(s: &Services, peer: Option<SocketAddr>, headers: &HeaderMap) -> Client {
    let forwarded = peer
        .filter(|p| p.ip().to_canonical().is_loopback())
        .and_then(|_| headers.get("x-forwarded-for"))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse::<IpAddr>().ok());
    // One IPv6 subscriber holds a whole /64: count it as one client.
    let address = forwarded
        .or(peer.map(|p| p.ip()))
        .map(|a| match a.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            v4 => v4.to_string(),
        });
    let device = cookies::get(headers, &device_name(s.secure_cookies)).and_then(|v| {
        let mut parts = v.splitn(3, '.');
        let (user, nonce, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let user: i64 = user.parse().ok()?;
        // blake3's Hash equality is constant-time.
        (blake3::Hash::from_hex(mac).ok()? == s.device.mac(user, nonce))
            .then(|| (user, nonce.to_owned()))
    });
    Client { address, device }
}

/// The session token the request carries, if any.
pub fn token<'a>(s: &Services, headers: &'a HeaderMap) -> Option<&'a str> {
    cookies::get(headers, cookies::session_name(s.secure_cookies))
}

/// The signed-in person, or `None` for a visitor (or an expired session). Without a
/// session, an `Authorization: Bearer goc_…` API token stands for a manager of its
/// cooperative: on reads of `/api/` only, which [`super::tokens::confine`] enforces.
pub async fn actor(s: &Services, headers: &HeaderMap) -> Result<Option<Actor>> {
    if let Some(t) = token(s, headers) {
        return accounts::actor(&s.store, t).await;
    }
    match super::tokens::bearer(headers) {
        Some(t) => accounts::tokens::actor(&s.store, t).await,
        None => Ok(None),
    }
}

/// `Set-Cookie` starting a session.
pub fn start(s: &Services, session: &Session) -> HeaderValue {
    cookies::set(
        cookies::session_name(s.secure_cookies),
        &session.token,
        COOKIE_MAX_AGE_S,
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

/// The signed-in actor and the cooperative `coop`, if they may do `action` there.
pub(crate) async fn coop_for(
    s: &Services,
    headers: &HeaderMap,
    coop: &str,
    action: crate::access::Action,
) -> Result<(crate::access::Actor, crate::store::CooperativeRow)> {
    let actor = actor(s, headers).await?.ok_or(crate::Error::Unauthorized)?;
    let coop = s
        .store
        .cooperative_by_code(coop)
        .await?
        .ok_or(crate::Error::NotFound("cooperative"))?;
    actor.require(coop.id, action)?;
    Ok((actor, coop))
}
