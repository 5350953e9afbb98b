//! People: signing up and in with a phone number or email and a password, sessions,
//! password changes and recovery, and membership of cooperatives by invitation.

mod codes;
pub use codes::new_alias;
mod identity;
pub mod invitations;
mod password;
pub mod recovery;
pub mod throttle;
pub mod tokens;

pub use identity::{Identifier, NewPassword};
pub use throttle::Client;

use crate::access::{Actor, Membership, Role};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::store::{Store, UserInsert, UserRow};
use crate::text::required;

/// How long a session lasts unused. Each day it is used moves its end this far again, so a
/// farmer who opens the app now and then stays signed in for the whole season.
pub const SESSION_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// The session cookie's lifetime in the browser (Chrome's cap): the server's sliding
/// window above decides when a session really ends.
pub const COOKIE_MAX_AGE_S: i64 = 400 * 24 * 60 * 60;

/// A new session: the token goes into the cookie, only its hash into the database.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: i64,
    /// The account signed in (the device cookie names it).
    pub user_id: i64,
}

fn token_hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

/// 256 random bits as base64url: session tokens and CSRF nonces.
pub fn random_token() -> Result<String> {
    Ok(data_encoding::BASE64URL_NOPAD.encode(&codes::random_bytes::<32>()?))
}

async fn open_session(store: &Store, user_id: i64) -> Result<Session> {
    let token = random_token()?;
    let now = now_ms();
    let expires_at = now + SESSION_MS;
    store
        .insert_session(&token_hash(&token), user_id, now, expires_at)
        .await?;
    Ok(Session {
        token,
        expires_at,
        user_id,
    })
}

fn wrong_credentials() -> Error {
    Error::invalid(
        "Sai số điện thoại/email hoặc mật khẩu",
        "Wrong phone number, email or password",
    )
}

/// Creates an account and signs it in.
pub async fn sign_up(
    store: &Store,
    identifier: &str,
    name: &str,
    password: &str,
) -> Result<Session> {
    let id = Identifier::parse(identifier)?;
    let name = required(("họ tên", "name"), name, 100)?;
    let password = NewPassword::parse(password, &id)?;
    let (phone, email) = split(&id);
    let user_id = store
        .insert_user(&UserInsert {
            phone,
            email,
            name,
            password_hash: password::hash(password.expose().to_owned()).await?,
            created_at: now_ms(),
        })
        .await?;
    open_session(store, user_id).await
}

fn split(id: &Identifier) -> (Option<String>, Option<String>) {
    match id {
        Identifier::Phone(p) => (Some(p.clone()), None),
        Identifier::Email(e) => (None, Some(e.clone())),
    }
}

/// Refuses with `TooManyRequests` while `key` (an identifier, device or client) is locked.
async fn check_key(store: &Store, key: &str) -> Result<()> {
    let now = now_ms();
    let until = store.login_locked_until(key).await?;
    if until > now {
        return Err(Error::TooManyRequests(
            ((until - now) as u64).div_ceil(1000),
        ));
    }
    Ok(())
}

/// Refuses with `TooManyRequests` while the identifier is locked.
async fn check_lock(store: &Store, id: &Identifier) -> Result<()> {
    check_key(store, id.as_str()).await
}

/// Checks a password for an identifier from a client, counting failures towards the
/// locks (see [`throttle`]).
async fn check_password(
    store: &Store,
    id: &Identifier,
    password: &str,
    client: &Client,
) -> Result<UserRow> {
    let user = store.user_by_identifier(id.as_str()).await?;
    // A browser that signed in to this account before answers for itself.
    let device = user.as_ref().and_then(|u| client.device_key(u.id));
    let account_key = device.clone().unwrap_or_else(|| id.as_str().to_owned());
    if device.is_none() {
        if let Some(k) = client.key() {
            check_key(store, &k).await?;
        }
    }
    check_key(store, &account_key).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if password::verify(password.to_owned(), stored).await? {
        store.clear_login_failures(&account_key).await?;
        // verify() is true only with a stored hash, so there is a user.
        user.ok_or_else(wrong_credentials)
    } else {
        if let Some(k) = client.key().filter(|_| device.is_none()) {
            store
                .record_login_failure(&k, now_ms(), throttle::CLIENT_FREE_FAILURES)
                .await?;
        }
        count_key_failure(store, &account_key).await?;
        Err(wrong_credentials())
    }
}

/// Counts a failed attempt (password or one-time code) towards the identifier's lock;
/// `TooManyRequests` once it is locked.
async fn count_failure(store: &Store, id: &Identifier) -> Result<()> {
    count_key_failure(store, id.as_str()).await
}

async fn count_key_failure(store: &Store, key: &str) -> Result<()> {
    let until = store
        .record_login_failure(key, now_ms(), throttle::FREE_FAILURES)
        .await?;
    if until > 0 {
        return Err(Error::TooManyRequests(
            ((until - now_ms()).max(0) as u64).div_ceil(1000),
        ));
    }
    Ok(())
}

/// Signs in: a new session for the right password. Five wrong ones in 15 minutes lock
/// the identifier, for longer after each further failure.
pub async fn log_in(store: &Store, identifier: &str, password: &str) -> Result<Session> {
    log_in_from(store, identifier, password, &Client::default()).await
}

/// Signs in from a client of the web (its address and device cookie count towards the
/// throttle, see [`throttle`]).
pub async fn log_in_from(
    store: &Store,
    identifier: &str,
    password: &str,
    client: &Client,
) -> Result<Session> {
    let id = Identifier::parse(identifier).map_err(|_| wrong_credentials())?;
    let user = check_password(store, &id, password, client).await?;
    open_session(store, user.id).await
}

pub async fn log_out(store: &Store, token: &str) -> Result<()> {
    store.delete_session(&token_hash(token)).await
}

/// The person a session token belongs to, with their cooperatives; `None` for an unknown
/// or expired token.
pub async fn actor(store: &Store, token: &str) -> Result<Option<Actor>> {
    let hash = token_hash(token);
    let now = now_ms();
    let Some(user) = store.session_user(&hash, now).await? else {
        return Ok(None);
    };
    store.extend_session(&hash, now + SESSION_MS).await?;
    let memberships = store
        .memberships_of(user.id)
        .await?
        .into_iter()
        .map(|m| {
            Ok(Membership {
                cooperative_id: m.cooperative_id,
                code: m.code,
                name: m.name,
                role: Role::parse(&m.role)?,
                alias: m.alias,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Some(Actor {
        user_id: user.id,
        name: user.name,
        is_admin: user.is_admin,
        memberships,
    }))
}

/// Changes the password of the signed-in account after checking the current one, and
/// signs out every other session (a stolen cookie stops working).
pub async fn change_password(
    store: &Store,
    actor: &Actor,
    session_token: &str,
    current: &str,
    new: &str,
) -> Result<()> {
    let user = store
        .user_by_id(actor.user_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let id = user_identifier(&user)?;
    let new = NewPassword::parse(new, &id)?;
    check_password(store, &id, current, &Client::default())
        .await
        .map_err(|e| match e {
            Error::Invalid(_) => Error::invalid(
                "Mật khẩu hiện tại không đúng",
                "The current password is wrong",
            ),
            other => other,
        })?;
    let hash = password::hash(new.expose().to_owned()).await?;
    store
        .set_password(user.id, &hash, Some(&token_hash(session_token)))
        .await
}

fn user_identifier(u: &UserRow) -> Result<Identifier> {
    match (&u.phone, &u.email) {
        (Some(p), _) => Ok(Identifier::Phone(p.clone())),
        (None, Some(e)) => Ok(Identifier::Email(e.clone())),
        (None, None) => Err(Error::Internal(format!("user {} has no identifier", u.id))),
    }
}

/// Makes an existing account a platform administrator (from the command line).
pub async fn make_admin(store: &Store, identifier: &str) -> Result<()> {
    let id = Identifier::parse(identifier)?;
    let user = store
        .user_by_identifier(id.as_str())
        .await?
        .ok_or(Error::NotFound("account"))?;
    store.set_admin(user.id, true).await
}
