//! Membership by consent. A manager invites a phone number to one role in their
//! cooperative and hands over a one-time code; the owner of that number accepts it while
//! signed in (or signing up) with it. Nothing about anyone's account is created or changed
//! by the manager, and what the manager learns about the number is nothing: the reply is
//! the same whether or not it has an account.

use super::codes::{code_hash, new_alias, new_code};
use super::{count_failure, sign_up, user_identifier, Identifier, Session};
use crate::access::{Action, Actor, Role};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::store::{CooperativeRow, InvitationRow, MemberRow, Store};
use crate::text::required;

/// How long an invitation can be accepted.
pub const INVITE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// A new invitation: the code to hand over (shown once, stored only hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub phone: String,
    pub code: String,
    pub expires_at: i64,
}

/// Invites a phone number to a role in the cooperative. Inviting a number again replaces
/// its earlier code (a lost code is never a dead end).
pub async fn invite(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    phone: &str,
    name: &str,
    role: Role,
) -> Result<Invited> {
    actor.require(coop.id, Action::ManageMembers)?;
    let phone = Identifier::phone(phone)?.to_string();
    let name = required(("họ tên", "name"), name, 100)?;
    if store.is_member_by_phone(coop.id, &phone).await? {
        return Err(Error::conflict(
            "Người này đã là thành viên của hợp tác xã",
            "This person is already a member of the cooperative",
        ));
    }
    let code = new_code()?;
    let now = now_ms();
    let expires_at = now + INVITE_MS;
    store
        .open_invitation(
            coop.id,
            &phone,
            &name,
            role.key(),
            &code_hash(&code),
            actor.account(),
            now,
            expires_at,
        )
        .await?;
    Ok(Invited {
        phone,
        code,
        expires_at,
    })
}

/// A new code for an open invitation (the first was lost or has expired).
pub async fn reissue(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    invitation_id: i64,
) -> Result<Invited> {
    actor.require(coop.id, Action::ManageMembers)?;
    let open = store
        .open_invitations(coop.id)
        .await?
        .into_iter()
        .find(|i| i.id == invitation_id)
        .ok_or(Error::NotFound("invitation"))?;
    let role = Role::parse(&open.role)?;
    invite(store, actor, coop, &open.phone, &open.name, role).await
}

/// Withdraws an open invitation: its code stops working.
pub async fn withdraw(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    invitation_id: i64,
) -> Result<()> {
    actor.require(coop.id, Action::ManageMembers)?;
    if store
        .close_invitation(coop.id, invitation_id, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound("invitation"))
    }
}

/// The cooperative's open invitations, for its managers.
pub async fn pending(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
) -> Result<Vec<InvitationRow>> {
    actor.require(coop.id, Action::ManageMembers)?;
    store.open_invitations(coop.id).await
}

fn wrong_code() -> Error {
    Error::invalid(
        "Mã mời không đúng, không dành cho số điện thoại của bạn, đã dùng hoặc đã hết hạn",
        "The invite code is wrong, not for your phone number, already used or expired",
    )
}

/// What an invitation code offers, to show before it is accepted; `None` for a code that
/// is unknown, used, withdrawn or expired.
pub async fn preview(store: &Store, code: &str) -> Result<Option<InvitationRow>> {
    let found = store.invitation_by_code(&code_hash(code)).await?;
    Ok(found.filter(|i| i.closed_at.is_none() && i.expires_at > now_ms()))
}

/// The signed-in person accepts an invitation made out to their phone number: they gain
/// that role in that cooperative, and nothing else changes. Wrong codes count towards the
/// same lock as wrong passwords.
pub async fn accept(store: &Store, actor: &Actor, code: &str) -> Result<InvitationRow> {
    let user = store
        .user_by_id(actor.user_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let id = user_identifier(&user)?;
    super::check_lock(store, &id).await?;
    let accepted = match &user.phone {
        Some(phone) => {
            store
                .accept_invitation(&code_hash(code), phone, user.id, now_ms(), &new_alias()?)
                .await?
        }
        None => None,
    };
    match accepted {
        Some(row) => Ok(row),
        None => {
            count_failure(store, &id).await?;
            Err(wrong_code())
        }
    }
}

/// Someone without an account accepts an invitation: the code must be open and made out
/// to the number they sign up with; then the account is created and the invitation
/// accepted. An existing account must sign in and accept instead (its password is never
/// set through an invitation).
pub async fn sign_up_and_accept(
    store: &Store,
    phone: &str,
    name: &str,
    password: &str,
    code: &str,
) -> Result<(Session, InvitationRow)> {
    let id = Identifier::phone(phone)?;
    super::check_lock(store, &id).await?;
    let open = preview(store, code).await?;
    if open.is_none_or(|i| i.phone != id.as_str()) {
        count_failure(store, &id).await?;
        return Err(wrong_code());
    }
    if store.user_by_identifier(id.as_str()).await?.is_some() {
        return Err(Error::conflict(
            "Số điện thoại này đã có tài khoản: hãy đăng nhập rồi nhận lời mời.",
            "This phone number already has an account: log in, then accept the invitation.",
        ));
    }
    let session = sign_up(store, id.as_str(), name, password).await?;
    let me = super::actor(store, &session.token)
        .await?
        .ok_or(Error::Unauthorized)?;
    let accepted = accept(store, &me, code).await?;
    Ok((session, accepted))
}

/// The cooperative's members. Managers see how to reach them; farmers see who is in it.
pub async fn members(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
) -> Result<Vec<MemberRow>> {
    actor.require(coop.id, Action::View)?;
    let mut members = store.members_of(coop.id).await?;
    if !actor.may(coop.id, Action::ManageMembers) {
        for m in &mut members {
            m.phone = None;
            m.email = None;
        }
    }
    Ok(members)
}

/// Ends someone's membership. The last manager cannot be removed (nobody could manage
/// the cooperative any more).
pub async fn remove_member(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    user_id: i64,
) -> Result<()> {
    actor.require(coop.id, Action::ManageMembers)?;
    store.delete_membership(coop.id, user_id).await
}
