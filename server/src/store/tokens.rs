//! API tokens: issued, looked up by hash, listed and revoked.

use super::{on_pool, Store};
use crate::error::Result;

/// A token as its cooperative's managers see it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A live token's cooperative, for building the request's actor.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenHolder {
    pub id: i64,
    pub name: String,
    pub cooperative_id: i64,
    pub code: String,
    pub coop_name: String,
    pub last_used_at: Option<i64>,
}

impl Store {
    pub async fn insert_api_token(
        &self,
        cooperative_id: i64,
        name: &str,
        hash: &[u8; 32],
        created_by: i64,
        at: i64,
    ) -> Result<i64> {
        const SQL: &str =
            "INSERT INTO api_tokens (cooperative_id, name, token_hash, created_by, created_at) \
                           VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(cooperative_id).bind(name).bind(hash.as_slice()).bind(created_by).bind(at)
            .fetch_one(p).await)?)
    }

    /// The live (unrevoked) token with this hash. Its last use is written at most once a
    /// minute: a system polling the API must not take SQLite's write lock on every read.
    pub async fn use_api_token(&self, hash: &[u8; 32], at: i64) -> Result<Option<TokenHolder>> {
        const SQL: &str = "SELECT t.id, t.name, t.cooperative_id, c.code, c.name AS coop_name, \
             t.last_used_at FROM api_tokens t JOIN cooperatives c ON c.id = t.cooperative_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL";
        const TOUCH: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1";
        const MINUTE_MS: i64 = 60_000;
        let found: Option<TokenHolder> = on_pool!(self, p => sqlx::query_as(SQL)
            .bind(hash.as_slice()).fetch_optional(p).await)?;
        if let Some(t) = &found {
            if t.last_used_at.is_none_or(|last| at - last >= MINUTE_MS) {
                on_pool!(self, p => sqlx::query(TOUCH).bind(t.id).bind(at).execute(p).await.map(|_| ()))?;
            }
        }
        Ok(found)
    }

    pub async fn api_tokens_of(&self, cooperative_id: i64) -> Result<Vec<ApiTokenRow>> {
        const SQL: &str =
            "SELECT t.id, t.name, u.name AS created_by, t.created_at, t.last_used_at, \
             t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.created_by \
             WHERE t.cooperative_id = $1 ORDER BY t.id DESC";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    /// Revokes a token of the cooperative; false if it has none such still live.
    pub async fn revoke_api_token(&self, cooperative_id: i64, id: i64, at: i64) -> Result<bool> {
        const SQL: &str = "UPDATE api_tokens SET revoked_at = $3 \
             WHERE cooperative_id = $1 AND id = $2 AND revoked_at IS NULL";
        let done = on_pool!(self, p => sqlx::query(SQL)
            .bind(cooperative_id).bind(id).bind(at).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
