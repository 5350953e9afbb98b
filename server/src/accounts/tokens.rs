//! Read-only API tokens: how another system (a cooperative's accounting, a provincial
//! traceability portal) reads one cooperative's API without a person's password. A token
//! is `goc_` and 256 random bits, shown once; only its hash is stored. It stands for a
//! manager of its cooperative on reads of the JSON API only: `http::tokens::confine`
//! refuses any other method with a token and hides it from everything outside `/api/`.

use super::codes::random_bytes;
use crate::access::{Action, Actor, Membership, Role};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::store::{ApiTokenRow, CooperativeRow, Store};

const PREFIX: &str = "goc_";

fn hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

/// Issues a token for `coop`, named for the system that will hold it; returns its id and
/// the token, which is never shown again.
pub async fn issue(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    name: &str,
) -> Result<(i64, String)> {
    actor.require(coop.id, Action::ManageCooperative)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid(
            "Đặt tên cho khoá (hệ thống nào sẽ dùng nó), tối đa 80 ký tự",
            "Name the token (which system will use it), at most 80 characters",
        ));
    }
    let by = actor
        .account()
        .filter(|id| *id > 0)
        .ok_or(Error::Forbidden)?;
    let token = format!(
        "{PREFIX}{}",
        data_encoding::BASE32_NOPAD
            .encode(&random_bytes::<32>()?)
            .to_lowercase()
    );
    let id = store
        .insert_api_token(coop.id, name, &hash(&token), by, now_ms())
        .await?;
    Ok((id, token))
}

/// The cooperative's tokens, newest first (managers).
pub async fn list(store: &Store, actor: &Actor, coop: &CooperativeRow) -> Result<Vec<ApiTokenRow>> {
    actor.require(coop.id, Action::ManageCooperative)?;
    store.api_tokens_of(coop.id).await
}

/// Revokes one of the cooperative's tokens: it stops working at once.
pub async fn revoke(store: &Store, actor: &Actor, coop: &CooperativeRow, id: i64) -> Result<()> {
    actor.require(coop.id, Action::ManageCooperative)?;
    if store.revoke_api_token(coop.id, id, now_ms()).await? {
        Ok(())
    } else {
        Err(Error::NotFound("API token"))
    }
}

/// Whom a bearer token stands for: a manager of its one cooperative, under the token's
/// name. The actor's id is the token's id negated, so it is no account (it owns no order).
pub async fn actor(store: &Store, token: &str) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    Ok(store
        .use_api_token(&hash(token), now_ms())
        .await?
        .map(|t| Actor {
            user_id: -t.id,
            name: format!("API: {}", t.name),
            is_admin: false,
            memberships: vec![Membership {
                cooperative_id: t.cooperative_id,
                code: t.code,
                name: t.coop_name,
                role: Role::Manager,
                alias: format!("api-{}", t.id),
            }],
        }))
}
