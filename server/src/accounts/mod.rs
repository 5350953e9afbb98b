//! People: signing up and in with a phone number or email and a password, sessions,
//! password changes, and members a manager adds by phone with a one-time invitation.

mod identity;
mod password;
pub mod throttle;

pub use identity::{Identifier, NewPassword};

use crate::access::{Action, Actor, Membership, Role};
use crate::clock::now_ms;
use crate::cooperatives::required;
use crate::error::{Error, Result};
use crate::store::{CooperativeRow, Store, UserInsert, UserRow};

/// How long a session lasts without logging in again.
pub const SESSION_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// How long an invitation can be used.
pub const INVITE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// A new session: the token goes into the cookie, only its hash into the database.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: i64,
}

fn token_hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
    Ok(b)
}

/// 256 random bits as base64url: session tokens and CSRF nonces.
pub fn random_token() -> Result<String> {
    Ok(data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?))
}

async fn open_session(store: &Store, user_id: i64) -> Result<Session> {
    let token = random_token()?;
    let now = now_ms();
    let expires_at = now + SESSION_MS;
    store
        .insert_session(&token_hash(&token), user_id, now, expires_at)
        .await?;
    Ok(Session { token, expires_at })
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
    if let Some(u) = store.user_by_identifier(id.as_str()).await? {
        return Err(if u.password_hash.is_none() {
            Error::conflict(
                "Số này đã được hợp tác xã mời: hãy dùng mã mời để đặt mật khẩu.",
                "This number was invited by a cooperative: use the invite code to set a password.",
            )
        } else {
            Error::conflict(
                "Đã có tài khoản với số điện thoại hoặc email này. Hãy đăng nhập.",
                "An account with this phone number or email already exists. Log in instead.",
            )
        });
    }
    let (phone, email) = split(&id);
    let user_id = store
        .insert_user(&UserInsert {
            phone,
            email,
            name,
            password_hash: Some(password::hash(password.expose().to_owned()).await?),
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

/// Refuses with `TooManyRequests` while the identifier is locked.
async fn check_lock(store: &Store, id: &Identifier) -> Result<()> {
    let now = now_ms();
    let until = store.login_locked_until(id.as_str()).await?;
    if until > now {
        return Err(Error::TooManyRequests(
            ((until - now) as u64).div_ceil(1000),
        ));
    }
    Ok(())
}

/// Checks a password for an identifier, counting failures towards the lock.
async fn check_password(store: &Store, id: &Identifier, password: &str) -> Result<UserRow> {
    check_lock(store, id).await?;
    let user = store.user_by_identifier(id.as_str()).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if password::verify(password.to_owned(), stored).await? {
        store.clear_login_failures(id.as_str()).await?;
        // verify() is true only with a stored hash, so there is a user.
        user.ok_or_else(wrong_credentials)
    } else {
        let until = store.record_login_failure(id.as_str(), now_ms()).await?;
        if until > 0 {
            return Err(Error::TooManyRequests(
                ((until - now_ms()).max(0) as u64).div_ceil(1000),
            ));
        }
        Err(wrong_credentials())
    }
}

/// Signs in: a new session for the right password. Five wrong ones in 15 minutes lock
/// the identifier, for longer after each further failure.
pub async fn log_in(store: &Store, identifier: &str, password: &str) -> Result<Session> {
    let id = Identifier::parse(identifier).map_err(|_| wrong_credentials())?;
    let user = check_password(store, &id, password).await?;
    open_session(store, user.id).await
}

pub async fn log_out(store: &Store, token: &str) -> Result<()> {
    store.delete_session(&token_hash(token)).await
}

/// The person a session token belongs to, with their cooperatives; `None` for an unknown
/// or expired token.
pub async fn actor(store: &Store, token: &str) -> Result<Option<Actor>> {
    let Some(user) = store.session_user(&token_hash(token), now_ms()).await? else {
        return Ok(None);
    };
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
    check_password(store, &id, current)
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

/// What adding a member produced: the one-time code to hand over, when the person has
/// no password yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub phone: String,
    pub invite_code: Option<String>,
}

/// Adds a member by phone. Someone with an account just gains the role; someone without
/// one gets an account without a password and a one-time invitation code.
pub async fn add_member(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    phone: &str,
    name: &str,
    role: Role,
) -> Result<Added> {
    actor.require(coop.id, Action::ManageMembers)?;
    let id = Identifier::phone(phone)?;
    let now = now_ms();
    let code = invite_code()?;
    let hash = invite_hash(&code);
    match store.user_by_identifier(id.as_str()).await? {
        Some(u) => {
            store
                .insert_membership(u.id, coop.id, role.key(), now)
                .await?;
            if u.password_hash.is_some() {
                return Ok(Added {
                    phone: id.to_string(),
                    invite_code: None,
                });
            }
            store
                .insert_invite(&hash, u.id, coop.id, actor.user_id, now, now + INVITE_MS)
                .await?;
        }
        None => {
            let name = required(("họ tên", "name"), name, 100)?;
            store
                .insert_invited_member(
                    &UserInsert {
                        phone: Some(id.to_string()),
                        email: None,
                        name,
                        password_hash: None,
                        created_at: now,
                    },
                    coop.id,
                    role.key(),
                    (&hash, actor.user_id, now + INVITE_MS),
                )
                .await?;
        }
    }
    Ok(Added {
        phone: id.to_string(),
        invite_code: Some(code),
    })
}

/// The cooperative's members, for those who may see them.
pub async fn members(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
) -> Result<Vec<crate::store::MemberRow>> {
    actor.require(coop.id, Action::View)?;
    store.members_of(coop.id).await
}

/// A new invitation code for a member who has not chosen a password yet (the first one
/// was lost or expired).
pub async fn reinvite(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    phone: &str,
) -> Result<String> {
    actor.require(coop.id, Action::ManageMembers)?;
    let id = Identifier::phone(phone)?;
    let member = store
        .members_of(coop.id)
        .await?
        .into_iter()
        .find(|m| m.phone.as_deref() == Some(id.as_str()))
        .ok_or(Error::NotFound("member"))?;
    if !member.pending {
        return Err(Error::conflict(
            "Thành viên này đã có mật khẩu",
            "This member has already set a password",
        ));
    }
    let code = invite_code()?;
    let now = now_ms();
    store
        .insert_invite(
            &invite_hash(&code),
            member.user_id,
            coop.id,
            actor.user_id,
            now,
            now + INVITE_MS,
        )
        .await?;
    Ok(code)
}

/// Letters and digits a person reads aloud or types without confusion (no 0/O, 1/I/L).
const INVITE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Eight characters shown as `XXXX-XXXX`: about 40 bits, single-use, expiring, and
/// guessed only through the login throttle.
fn invite_code() -> Result<String> {
    let mut code = String::with_capacity(9);
    while code.len() < 9 {
        for b in random_bytes::<16>()? {
            // Rejection sampling keeps every character equally likely.
            if usize::from(b) < 256 - 256 % INVITE_ALPHABET.len() && code.len() < 9 {
                if code.len() == 4 {
                    code.push('-');
                }
                code.push(char::from(
                    INVITE_ALPHABET[usize::from(b) % INVITE_ALPHABET.len()],
                ));
            }
        }
    }
    Ok(code)
}

/// The stored form of a code: hashed, after forgiving case, spaces and dashes.
fn invite_hash(code: &str) -> [u8; 32] {
    let canonical: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    *blake3::hash(canonical.as_bytes()).as_bytes()
}

/// An invited member chooses a password with their phone number and code, and is signed
/// in. Wrong codes count towards the same lock as wrong passwords.
pub async fn accept_invite(
    store: &Store,
    phone: &str,
    code: &str,
    password: &str,
) -> Result<Session> {
    let id = Identifier::phone(phone)?;
    let password = NewPassword::parse(password, &id)?;
    check_lock(store, &id).await?;
    let wrong = || {
        Error::invalid(
            "Mã mời không đúng, đã dùng hoặc đã hết hạn",
            "The invite code is wrong, already used or expired",
        )
    };
    let user = store.user_by_identifier(id.as_str()).await?;
    let hash = password::hash(password.expose().to_owned()).await?;
    let redeemed = match &user {
        Some(u) => {
            store
                .redeem_invite(&invite_hash(code), u.id, &hash, now_ms())
                .await?
        }
        None => None,
    };
    match (user, redeemed) {
        (Some(u), Some(_)) => {
            store.clear_login_failures(id.as_str()).await?;
            open_session(store, u.id).await
        }
        _ => {
            store.record_login_failure(id.as_str(), now_ms()).await?;
            Err(wrong())
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_readable_and_forgiving() {
        let c = invite_code().unwrap();
        assert_eq!(c.len(), 9);
        assert_eq!(&c[4..5], "-");
        assert!(c
            .bytes()
            .filter(|&b| b != b'-')
            .all(|b| INVITE_ALPHABET.contains(&b)));
        assert_eq!(
            invite_hash(&c),
            invite_hash(&c.to_lowercase().replace('-', " "))
        );
        assert_ne!(invite_code().unwrap(), c);
    }
}
