//! Accounts, memberships, sessions, invitations and login throttling.

use super::{on_pool, InvitationRow, MemberRow, MembershipRow, Store, UserInsert, UserRow};
use crate::accounts::throttle;
use crate::error::{Error, Result};

const USER_COLUMNS: &str = "id, phone, email, name, password_hash, is_admin";

const INSERT_MEMBERSHIP: &str =
    "INSERT INTO memberships (user_id, cooperative_id, role, created_at, alias) \
    VALUES ($1, $2, $3, $4, $5)";

const INVITATION: &str =
    "SELECT i.id, i.cooperative_id, c.code AS coop_code, c.name AS coop_name, \
    i.phone, i.name, i.role, i.created_at, i.expires_at, i.closed_at \
    FROM invitations i JOIN cooperatives c ON c.id = i.cooperative_id";

fn already_member(e: Error) -> Error {
    if e.is_unique_violation() {
        Error::conflict(
            "Bạn đã là thành viên của hợp tác xã này",
            "You are already a member of this cooperative",
        )
    } else {
        e
    }
}

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

    /// Moves a session's end to `until` if that is at least a day later than it is now: a
    /// session in use does not expire (one write a day at most).
    pub async fn extend_session(&self, token_hash: &[u8], until: i64) -> Result<()> {
        const SQL: &str = "UPDATE sessions SET expires_at = $2                            WHERE token_hash = $1 AND expires_at < $2 - 86400000";
        on_pool!(self, p => sqlx::query(SQL).bind(token_hash).bind(until).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn memberships_of(&self, user_id: i64) -> Result<Vec<MembershipRow>> {
        const SQL: &str = "SELECT m.cooperative_id, c.code, c.name, m.role, m.alias \
            FROM memberships m JOIN cooperatives c ON c.id = m.cooperative_id WHERE m.user_id = $1 ORDER BY c.name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(user_id).fetch_all(p).await)?)
    }

    pub async fn members_of(&self, cooperative_id: i64) -> Result<Vec<MemberRow>> {
        const SQL: &str = "SELECT u.id AS user_id, u.name, u.phone, u.email, m.role \
            FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.cooperative_id = $1 ORDER BY m.role, u.name";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(cooperative_id).fetch_all(p).await)?)
    }

    pub async fn is_member_by_phone(&self, cooperative_id: i64, phone: &str) -> Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
            WHERE m.cooperative_id = $1 AND u.phone = $2";
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(SQL).bind(cooperative_id).bind(phone).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Ends a membership, refusing to remove the cooperative's last manager; both in one
    /// transaction so two managers removing each other cannot leave none.
    pub async fn delete_membership(&self, cooperative_id: i64, user_id: i64) -> Result<()> {
        #[derive(Debug)]
        enum Outcome {
            Done,
            NotMember,
            LastManager,
        }
        let outcome = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            // Touch the cooperative's row first: concurrent removals in one cooperative
            // queue behind it (PostgreSQL) or behind the write lock (SQLite).
            sqlx::query("UPDATE cooperatives SET log_size = log_size WHERE id = $1")
                .bind(cooperative_id).execute(&mut *tx).await?;
            let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE cooperative_id = $1 AND user_id = $2")
                .bind(cooperative_id).bind(user_id).fetch_optional(&mut *tx).await?;
            let Some(role) = role else { return Ok::<_, sqlx::Error>(Outcome::NotMember) };
            if role == "manager" {
                let managers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE cooperative_id = $1 AND role = 'manager'")
                    .bind(cooperative_id).fetch_one(&mut *tx).await?;
                if managers <= 1 {
                    return Ok(Outcome::LastManager);
                }
            }
            sqlx::query("DELETE FROM memberships WHERE cooperative_id = $1 AND user_id = $2")
                .bind(cooperative_id).bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Outcome::Done)
        }.await)?;
        match outcome {
            Outcome::Done => Ok(()),
            Outcome::NotMember => Err(Error::NotFound("member")),
            Outcome::LastManager => Err(Error::conflict(
                "Không thể xoá người quản lý cuối cùng: hãy mời một người quản lý khác trước.",
                "The last manager cannot be removed: invite another manager first.",
            )),
        }
    }

    /// Opens an invitation, closing any open one for the same number and cooperative (a
    /// reissued code replaces the old one), in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_invitation(
        &self,
        cooperative_id: i64,
        phone: &str,
        name: &str,
        role: &str,
        code_hash: &[u8],
        created_by: Option<i64>,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        Ok(on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE invitations SET closed_at = $3 WHERE cooperative_id = $1 AND phone = $2 AND closed_at IS NULL")
                .bind(cooperative_id).bind(phone).bind(now).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO invitations (cooperative_id, phone, name, role, code_hash, created_by, created_at, expires_at) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(cooperative_id).bind(phone).bind(name).bind(role).bind(code_hash).bind(created_by).bind(now).bind(expires_at)
                .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }.await)?)
    }

    /// Open invitations of a cooperative (expired ones included: the page offers a new code).
    pub async fn open_invitations(&self, cooperative_id: i64) -> Result<Vec<InvitationRow>> {
        let sql = format!("{INVITATION} WHERE i.cooperative_id = $1 AND i.closed_at IS NULL ORDER BY i.created_at");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(cooperative_id).fetch_all(p).await)?)
    }

    pub async fn invitation_by_code(&self, code_hash: &[u8]) -> Result<Option<InvitationRow>> {
        let sql = format!("{INVITATION} WHERE i.code_hash = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(code_hash).fetch_optional(p).await)?)
    }

    /// Closes an open invitation; false if there was none with that id in the cooperative.
    pub async fn close_invitation(&self, cooperative_id: i64, id: i64, now: i64) -> Result<bool> {
        let done = on_pool!(self, p => sqlx::query("UPDATE invitations SET closed_at = $3 WHERE id = $2 AND cooperative_id = $1 AND closed_at IS NULL")
            .bind(cooperative_id).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Accepts the open, unexpired invitation with this code made out to `phone`: closes
    /// it and grants its role to `user_id`, in one transaction (a code works once, even
    /// from two tabs at once). `None` when no such invitation is open.
    pub async fn accept_invitation(
        &self,
        code_hash: &[u8],
        phone: &str,
        user_id: i64,
        now: i64,
        alias: &str,
    ) -> Result<Option<InvitationRow>> {
        let sql = format!("{INVITATION} WHERE i.code_hash = $1");
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let closed = sqlx::query("UPDATE invitations SET closed_at = $4, accepted_by = $3 \
                WHERE code_hash = $1 AND phone = $2 AND closed_at IS NULL AND expires_at > $4")
                .bind(code_hash).bind(phone).bind(user_id).bind(now).execute(&mut *tx).await?;
            if closed.rows_affected() != 1 {
                return Ok(None);
            }
            let row: InvitationRow = sqlx::query_as(&sql).bind(code_hash).fetch_one(&mut *tx).await?;
            sqlx::query(INSERT_MEMBERSHIP)
                .bind(user_id).bind(row.cooperative_id).bind(&row.role).bind(now).bind(alias)
                .execute(&mut *tx).await.map_err(|e| already_member(e.into()))?;
            tx.commit().await?;
            Ok(Some(row))
        }.await)
    }

    /// A new reset code for an account; its earlier unused codes stop working.
    pub async fn insert_password_reset(
        &self,
        code_hash: &[u8],
        user_id: i64,
        created_by: Option<i64>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id).bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO password_resets (code_hash, user_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(code_hash).bind(user_id).bind(created_by).bind(now).bind(expires_at).execute(&mut *tx).await?;
            tx.commit().await
        }.await)?;
        Ok(())
    }

    /// Who issued a valid (unused, unexpired) reset code of `user_id`: `Some(None)` for the
    /// command-line operator, `None` when there is no such code.
    pub async fn password_reset_issuer(
        &self,
        code_hash: &[u8],
        user_id: i64,
        now: i64,
    ) -> Result<Option<Option<i64>>> {
        const SQL: &str = "SELECT created_by FROM password_resets \
            WHERE code_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3";
        Ok(
            on_pool!(self, p => sqlx::query_scalar(SQL).bind(code_hash).bind(user_id).bind(now).fetch_optional(p).await)?,
        )
    }

    /// Uses a reset code of `user_id`: marks it used, sets the password and ends every
    /// session of the account, in one transaction. False if the code is not valid.
    pub async fn redeem_password_reset(
        &self,
        code_hash: &[u8],
        user_id: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let used = sqlx::query("UPDATE password_resets SET used_at = $3 WHERE code_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3")
                .bind(code_hash).bind(user_id).bind(now).execute(&mut *tx).await?;
            if used.rows_affected() != 1 {
                return Ok::<_, sqlx::Error>(false);
            }
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id).bind(password_hash).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
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
    pub async fn record_login_failure(&self, identifier: &str, now: i64, free: i64) -> Result<i64> {
        const COUNT: &str = "INSERT INTO login_failures (identifier, failures, first_at, locked_until) \
            VALUES ($1, 1, $2, 0) ON CONFLICT (identifier) DO UPDATE SET \
              failures = CASE WHEN login_failures.first_at < $3 THEN 1 ELSE login_failures.failures + 1 END, \
              first_at = CASE WHEN login_failures.first_at < $3 THEN $2 ELSE login_failures.first_at END \
            RETURNING failures";
        let window_start = now - throttle::WINDOW_MS;
        let failures: i64 = on_pool!(self, p => sqlx::query_scalar(COUNT)
            .bind(identifier).bind(now).bind(window_start).fetch_one(p).await)?;
        let lock = throttle::lock_ms(failures, free);
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
