//! Background jobs' progress and results.

use super::{on_pool, JobRow, Store};
use crate::error::Result;

const COLUMNS: &str = "id, cooperative_id, total, done, state, count, message_vi, message_en, \
    file_name, file_type, created_at, updated_at";

impl Store {
    pub async fn insert_job(
        &self,
        id: &str,
        cooperative_id: i64,
        total: i64,
        now: i64,
    ) -> Result<()> {
        on_pool!(self, p => sqlx::query("INSERT INTO jobs (id, cooperative_id, total, state, created_at, updated_at) \
                VALUES ($1, $2, $3, 'running', $4, $4)")
            .bind(id).bind(cooperative_id).bind(total).bind(now).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The heartbeat of a running job, with how much is done.
    pub async fn touch_job(&self, id: &str, done: i64, now: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query("UPDATE jobs SET done = $2, updated_at = $3 WHERE id = $1 AND state = 'running'")
            .bind(id).bind(done).bind(now).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Records a job's end: what it made (and its file), or why it failed.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_job(
        &self,
        id: &str,
        state: &str,
        count: Option<i64>,
        message: Option<(&str, &str)>,
        file: Option<(&str, &str, &[u8])>,
        now: i64,
    ) -> Result<()> {
        let (vi, en) = message.unzip();
        let (name, kind, bytes) = match file {
            Some((n, k, b)) => (Some(n), Some(k), Some(b)),
            None => (None, None, None),
        };
        on_pool!(self, p => sqlx::query("UPDATE jobs SET state = $2, count = $3, message_vi = $4, message_en = $5, \
                file_name = $6, file_type = $7, file = $8, done = total, updated_at = $9 WHERE id = $1")
            .bind(id).bind(state).bind(count).bind(vi).bind(en).bind(name).bind(kind).bind(bytes).bind(now)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?)
    }

    pub async fn job_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT file FROM jobs WHERE id = $1")
            .bind(id).fetch_optional(p).await)?
            .flatten(),
        )
    }

    /// A cooperative's jobs still running (heartbeat after `alive_after`).
    pub async fn running_jobs(&self, cooperative_id: i64, alive_after: i64) -> Result<i64> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE cooperative_id = $1 AND state = 'running' AND updated_at > $2")
            .bind(cooperative_id).bind(alive_after).fetch_one(p).await)?)
    }

    /// How many jobs are in each state.
    pub async fn jobs_by_state(&self) -> Result<Vec<(String, i64)>> {
        Ok(
            on_pool!(self, p => sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
            .fetch_all(p).await)?,
        )
    }

    /// Forgets jobs that ended (or lost their server) before `before`.
    pub async fn delete_jobs_before(&self, before: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM jobs WHERE updated_at < $1")
            .bind(before).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}
