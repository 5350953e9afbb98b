//! What people are told: notifications in the app, mail waiting to go out, and the new
//! diary entries adopters have not been told of yet.

use super::{on_pool, Store};
use crate::error::Result;

/// A notification as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub topic: String,
    pub text_vi: String,
    pub text_en: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MailRow {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Something to tell one person, and the mail that says it (if they have an address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub user_id: i64,
    pub topic: &'static str,
    pub text_vi: String,
    pub text_en: String,
    pub link: String,
    /// The same dedupe key twice tells once.
    pub dedupe: String,
    pub mail: Option<(String, String, String)>,
}

/// A diary entry on an adopted tree that its adopter was not told of yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UntoldEntry {
    pub order_id: i64,
    pub buyer_id: i64,
    pub buyer_email: Option<String>,
    pub tree_code: String,
    pub coop_code: String,
    pub tree_name: Option<String>,
    pub seq: i64,
    pub bytes: Vec<u8>,
}

impl Store {
    /// Tells someone something, once per dedupe key: the notification and its mail in one
    /// transaction. `false` if it was told before.
    pub async fn notify(&self, n: &Notice, at: i64) -> Result<bool> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "INSERT INTO notifications (user_id, topic, text_vi, text_en, link, dedupe, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe) DO NOTHING",
            )
            .bind(n.user_id).bind(n.topic).bind(&n.text_vi).bind(&n.text_en).bind(&n.link)
            .bind(&n.dedupe).bind(at).execute(&mut *tx).await?.rows_affected();
            if done == 1 {
                if let Some((to, subject, body)) = &n.mail {
                    sqlx::query("INSERT INTO mail_outbox (to_addr, subject, body, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(to).bind(subject).bind(body).bind(at).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(done == 1)
        }.await)
    }

    /// A person's notifications, newest first.
    pub async fn notifications_of(&self, user_id: i64, limit: i64) -> Result<Vec<NotificationRow>> {
        const SQL: &str = "SELECT id, topic, text_vi, text_en, link, created_at, read_at \
             FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(user_id).bind(limit).fetch_all(p).await)?)
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL";
        Ok(on_pool!(self, p => sqlx::query_scalar(SQL).bind(user_id).fetch_one(p).await)?)
    }

    pub async fn mark_notifications_read(&self, user_id: i64, at: i64) -> Result<()> {
        const SQL: &str =
            "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL";
        on_pool!(self, p => sqlx::query(SQL).bind(user_id).bind(at).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Mail not sent yet, oldest first, skipping what failed too often.
    pub async fn unsent_mail(&self, limit: i64, max_attempts: i64) -> Result<Vec<MailRow>> {
        const SQL: &str = "SELECT id, to_addr, subject, body, created_at, sent_at, attempts, \
             last_error FROM mail_outbox WHERE sent_at IS NULL AND attempts < $2 ORDER BY id LIMIT $1";
        Ok(
            on_pool!(self, p => sqlx::query_as(SQL).bind(limit).bind(max_attempts).fetch_all(p).await)?,
        )
    }

    /// The outbox as an admin reads it, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<MailRow>> {
        const SQL: &str = "SELECT id, to_addr, subject, body, created_at, sent_at, attempts, \
             last_error FROM mail_outbox ORDER BY id DESC LIMIT $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await)?)
    }

    /// Marks a mail sent, or counts a failed attempt with why.
    pub async fn mail_attempted(&self, id: i64, error: Option<&str>, at: i64) -> Result<()> {
        const SQL: &str = "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, \
             sent_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END WHERE id = $1";
        on_pool!(self, p => sqlx::query(SQL).bind(id).bind(error).bind(at).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Diary entries on adopted trees made after the adoption was paid and after what its
    /// adopter was last told of, by order then chain position.
    pub async fn untold_entries(&self, limit: i64) -> Result<Vec<UntoldEntry>> {
        const SQL: &str = "SELECT o.id AS order_id, o.buyer_id, u.email AS buyer_email, \
             t.code AS tree_code, c.code AS coop_code, o.tree_name, e.seq, e.bytes \
             FROM orders o JOIN offers f ON f.id = o.offer_id JOIN trees t ON t.id = f.tree_id \
             JOIN cooperatives c ON c.id = f.cooperative_id JOIN users u ON u.id = o.buyer_id \
             JOIN ledger_entries e ON e.cooperative_id = f.cooperative_id \
                  AND e.subject = 'tree:' || t.code AND e.seq > o.told_seq \
                  AND e.received_at >= o.paid_at AND e.kind <> 40 \
             WHERE o.state = 'paid' ORDER BY o.id, e.seq LIMIT $1";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(limit).fetch_all(p).await)?)
    }

    /// Remembers that an order's adopter was told of everything up to `seq`.
    pub async fn told_up_to(&self, order_id: i64, seq: i64) -> Result<()> {
        const SQL: &str = "UPDATE orders SET told_seq = $2 WHERE id = $1 AND told_seq < $2";
        on_pool!(self, p => sqlx::query(SQL).bind(order_id).bind(seq).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}
