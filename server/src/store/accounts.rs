//! Accounts, memberships, sessions, invitations and login throttling.

use super::{on_pool, InviteRow, MemberRow, MembershipRow, Store, UserInsert, UserRow};
use crate::accounts::throttle;
use crate::error::{Error, Result};

const USER_COLUMNS: &str = "id, phone, email, name, password_hash, is_admin";

fn taken(e: Error) -> Error {
    if e.is_unique_violation() {
        Error::conflict(
            "Đã có tài khoản với số điện thoại hoặc email này. Hãy đăng nhập.",
            "An account with this phone number or email already exists. Log in instead.",
        )
    } else {
        e
    }
}

impl Store {
    pub async fn insert_user(&self, u: &UserInsert) -> Result<i64> {
        const SQL: &str = "INSERT INTO users (phone, email, name, password_hash, created_at) \
                           VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let r: Result<i64> = on_pool!(self, p => sqlx::query_scalar(SQL)
            .bind(&u.phone).bind(&u.email).bind(&u.name).bind(&u.password_hash).bind(u.created_at)
            .fetch_one(p).await.map_err(Error::from));
        r.map_err(taken)
    }

    /// The account with this normalised phone number or email.
    pub async fn user_by_identifier(&self, identifier: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE phone = $1 OR email = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(identifier).fetch_optional(p).await)?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn set_admin(&self, user_id: i64, is_admin: bool) -> Result<()> {
        on_pool!(self, p => sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1")
            .bind(user_id).bind(is_admin).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Sets a new password and ends every session of the account but `keep`.
    pub async fn set_password(&self, user_id: i64, hash: &str, keep: Option<&[u8]>) -> Result<()> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id).bind(hash).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id).bind(keep.unwrap_or_default()).execute(&mut *tx).await?;
            tx.commit().await
        }.await)?;
        Ok(())
    }

    pub async fn insert_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, p => async {
            // Expired sessions are swept here, where sessions are made, not by a timer.
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash).bind(user_id).bind(now).bind(expires_at).execute(p).await.map(|_| ())
        }.await)?;
        Ok(())
    }

    /// The account a live session belongs to.
    pub async fn session_user(&self, token_hash: &[u8], now: i64) -> Result<Option<UserRow>> {
        const SQL: &str = "SELECT u.id, u.phone, u.email, u.name, u.password_hash, u.is_admin \
            FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(token_hash).bind(now).fetch_optional(p).await)?,
        )
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn memberships_of(&self, user_id: i64) -> Result<Vec<MembershipRow>> {
        const SQL: &str = "SELECT m.cooperative_id, c.code, c.name, m.role \
            FROM memberships m JOIN cooperatives c ON c.id = m.cooperative_id WHERE m.user_id = $1 ORDER BY c.name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(user_id).fetch_all(p).await)?)
    }

    pub async fn members_of(&self, cooperative_id: i64) -> Result<Vec<MemberRow>> {
        const SQL: &str = "SELECT u.id AS user_id, u.name, u.phone, u.email, m.role, \
              (u.password_hash IS NULL) AS pending \
            FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.cooperative_id = $1 ORDER BY m.role, u.name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    pub async fn insert_membership(
        &self,
        user_id: i64,
        cooperative_id: i64,
        role: &str,
        now: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO memberships (user_id, cooperative_id, role, created_at) VALUES ($1, $2, $3, $4)";
        let r: Result<()> = on_pool!(self, p => sqlx::query(SQL)
            .bind(user_id).bind(cooperative_id).bind(role).bind(now).execute(p).await.map(|_| ()).map_err(Error::from));
        r.map_err(|e| {
            if e.is_unique_violation() {
                Error::conflict(
                    "Người này đã là thành viên",
                    "This person is already a member",
                )
            } else {
                e
            }
        })
    }

    /// Creates a member who has no account yet (no password) with their membership and
    /// invitation, in one transaction.
    pub async fn insert_invited_member(
        &self,
        u: &UserInsert,
        cooperative_id: i64,
        role: &str,
        invite: (&[u8], i64, i64),
    ) -> Result<i64> {
        let (code_hash, created_by, expires_at) = invite;
        let r: Result<i64> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO users (phone, email, name, password_hash, created_at) VALUES ($1, $2, $3, NULL, $4) RETURNING id")
                .bind(&u.phone).bind(&u.email).bind(&u.name).bind(u.created_at).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO memberships (user_id, cooperative_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id).bind(cooperative_id).bind(role).bind(u.created_at).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO invites (code_hash, user_id, cooperative_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(code_hash).bind(id).bind(cooperative_id).bind(created_by).bind(u.created_at).bind(expires_at)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        r.map_err(taken)
    }

    pub async fn insert_invite(
        &self,
        code_hash: &[u8],
        user_id: i64,
        cooperative_id: i64,
        created_by: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, p => sqlx::query("INSERT INTO invites (code_hash, user_id, cooperative_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(code_hash).bind(user_id).bind(cooperative_id).bind(created_by).bind(now).bind(expires_at).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Uses an invitation: if it is unused, unexpired and for `user_id`, marks it used and
    /// sets the password, in one transaction (so two tabs cannot both use it).
    pub async fn redeem_invite(
        &self,
        code_hash: &[u8],
        user_id: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<InviteRow>> {
        Ok(on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let used = sqlx::query("UPDATE invites SET used_at = $3 WHERE code_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3")
                .bind(code_hash).bind(user_id).bind(now).execute(&mut *tx).await?;
            if used.rows_affected() != 1 {
                return Ok::<_, sqlx::Error>(None);
            }
            let row: InviteRow = sqlx::query_as("SELECT user_id, cooperative_id, expires_at FROM invites WHERE code_hash = $1")
                .bind(code_hash).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id).bind(password_hash).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(row))
        }.await)?)
    }

    /// Seconds the identifier is still locked for, if it is.
    pub async fn login_locked_until(&self, identifier: &str) -> Result<i64> {
        Ok(on_pool!(self, p => sqlx::query_scalar("SELECT locked_until FROM login_failures WHERE identifier = $1")
            .bind(identifier).fetch_optional(p).await)?
        .unwrap_or(0))
    }

    /// Counts a failed login atomically (concurrent failures all count) and returns the
    /// time until which the identifier is now locked (0 if it is not).
    pub async fn record_login_failure(&self, identifier: &str, now: i64) -> Result<i64> {
        const COUNT: &str = "INSERT INTO login_failures (identifier, failures, first_at, locked_until) \
            VALUES ($1, 1, $2, 0) ON CONFLICT (identifier) DO UPDATE SET \
              failures = CASE WHEN login_failures.first_at < $3 THEN 1 ELSE login_failures.failures + 1 END, \
              first_at = CASE WHEN login_failures.first_at < $3 THEN $2 ELSE login_failures.first_at END \
            RETURNING failures";
        let window_start = now - throttle::WINDOW_MS;
        let failures: i64 = on_pool!(self, p => sqlx::query_scalar(COUNT)
            .bind(identifier).bind(now).bind(window_start).fetch_one(p).await)?;
        let lock = throttle::lock_ms(failures);
        if lock == 0 {
            return Ok(0);
        }
        let until = now + lock;
        // Concurrent failures finish in any order: a lock only ever grows.
        on_pool!(self, p => sqlx::query("UPDATE login_failures SET locked_until = CASE WHEN locked_until < $2 THEN $2 ELSE locked_until END WHERE identifier = $1")
            .bind(identifier).bind(until).execute(p).await.map(|_| ()))?;
        Ok(until)
    }

    pub async fn clear_login_failures(&self, identifier: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM login_failures WHERE identifier = $1").bind(identifier).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}
