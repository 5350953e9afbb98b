//! Password recovery for phone accounts. There is no SMS here, so a person who forgot
//! their password asks their cooperative's manager (or a platform administrator) for a
//! one-time reset code. A manager may issue one only for someone whose every membership
//! is in cooperatives that manager manages: otherwise a manager could take over a member
//! who holds a stronger role elsewhere (the same hole invitations used to have).

use super::codes::{code_hash, new_code};
use super::{check_lock, count_failure, open_session, password, Identifier, NewPassword, Session};
use crate::access::{Action, Actor, Role};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::store::{CooperativeRow, Store};

/// How long a reset code works.
pub const RESET_MS: i64 = 24 * 60 * 60 * 1000;

/// Issues a reset code for a member of the cooperative. An earlier unused code of theirs
/// stops working.
pub async fn issue_reset(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    user_id: i64,
) -> Result<String> {
    actor.require(coop.id, Action::ManageMembers)?;
    let user = store
        .user_by_id(user_id)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let theirs = store.memberships_of(user.id).await?;
    if !theirs.iter().any(|m| m.cooperative_id == coop.id) {
        return Err(Error::NotFound("member"));
    }
    if !within_reach(store, actor.account(), user.id).await? {
        return Err(Error::invalid(
            "Người này còn thuộc hợp tác xã khác: chỉ quản trị viên nền tảng mới cấp được mã đặt lại mật khẩu.",
            "This person also belongs to another cooperative: only a platform administrator can issue their reset code.",
        ));
    }
    let code = new_code()?;
    let now = now_ms();
    store
        .insert_password_reset(
            &code_hash(&code),
            user.id,
            actor.account(),
            now,
            now + RESET_MS,
        )
        .await?;
    Ok(code)
}

/// Whether `issuer` (`None`: the operator at the command line) may reset `user_id`'s
/// password: an administrator may; a manager only while every role the person holds is
/// in a cooperative that manager manages and the person is no administrator. Checked when
/// the code is issued and again when it is used, since roles change in between.
async fn within_reach(store: &Store, issuer: Option<i64>, user_id: i64) -> Result<bool> {
    let Some(issuer) = issuer else {
        return Ok(true);
    };
    let Some(by) = store.user_by_id(issuer).await? else {
        return Ok(false);
    };
    if by.is_admin {
        return Ok(true);
    }
    let user = store
        .user_by_id(user_id)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let managed: Vec<i64> = store
        .memberships_of(issuer)
        .await?
        .into_iter()
        .filter(|m| Role::parse(&m.role).is_ok_and(|r| r == Role::Manager))
        .map(|m| m.cooperative_id)
        .collect();
    let theirs = store.memberships_of(user_id).await?;
    Ok(!user.is_admin && theirs.iter().all(|m| managed.contains(&m.cooperative_id)))
}

/// Sets a new password with a reset code, ends every other session of the account, and
/// signs in. Wrong codes count towards the login lock.
pub async fn reset_password(
    store: &Store,
    identifier: &str,
    code: &str,
    new: &str,
) -> Result<Session> {
    let wrong = || {
        Error::invalid(
            "Mã đặt lại không đúng, đã dùng hoặc đã hết hạn",
            "The reset code is wrong, already used or expired",
        )
    };
    let id = Identifier::parse(identifier)?;
    let new = NewPassword::parse(new, &id)?;
    check_lock(store, &id).await?;
    let user = store.user_by_identifier(id.as_str()).await?;
    let hash = password::hash(new.expose().to_owned()).await?;
    let done = match &user {
        // The code's issuer must still be allowed to reset this account: a farmer who has
        // since become a manager elsewhere is out of their old manager's reach.
        Some(u) => match store
            .password_reset_issuer(&code_hash(code), u.id, now_ms())
            .await?
        {
            Some(issuer) if within_reach(store, issuer, u.id).await? => {
                store
                    .redeem_password_reset(&code_hash(code), u.id, &hash, now_ms())
                    .await?
            }
            _ => false,
        },
        None => false,
    };
    match user.filter(|_| done) {
        Some(u) => {
            store.clear_login_failures(id.as_str()).await?;
            open_session(store, u.id).await
        }
        None => {
            count_failure(store, &id).await?;
            Err(wrong())
        }
    }
}
