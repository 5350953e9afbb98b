//! Work too long for one request (bulk imports, large label batches): it runs in the
//! background on the server that took the request, while the person watches its progress
//! on a page that refreshes itself. Progress and results live in the database, so with
//! several servers over one PostgreSQL any of them answers the progress page and serves
//! the file; a job whose server stopped (restart, crash) reads as failed with nothing
//! changed (an import is one transaction). Jobs are visible only to the cooperative's
//! members and forgotten a day after they end.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result, Text};
use crate::store::Store;

const KEEP_MS: i64 = 24 * 60 * 60 * 1000;
/// How often a running job writes its progress (the heartbeat).
const BEAT: Duration = Duration::from_millis(500);
/// A running job whose heartbeat is older than this lost its server.
const LOST_MS: i64 = 30_000;
/// Jobs one cooperative may have running at once.
const JOBS_PER_COOPERATIVE: i64 = 2;

/// A file a job produced, to download once it is done.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a finished job produced: how many things, and maybe a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub count: usize,
    pub file: Option<File>,
}

impl From<usize> for Done {
    fn from(count: usize) -> Self {
        Self { count, file: None }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running {
        done: usize,
        total: usize,
    },
    /// How many things it made, and the name of its file, if it made one.
    Finished {
        count: usize,
        file: Option<String>,
    },
    Failed(Text),
}

/// Reports how much of a job is done (cheap: the heartbeat writes it out).
#[derive(Clone, Default)]
pub struct Progress(Arc<AtomicUsize>);

impl Progress {
    pub fn set(&self, done: usize) {
        self.0.store(done, Ordering::Relaxed);
    }
}

/// Starts and reads background jobs.
#[derive(Clone)]
pub struct Jobs {
    store: Store,
}

impl Jobs {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Starts `work` in the background for `cooperative_id`; returns the job's ID, which is
    /// unguessable.
    pub async fn spawn<F, Fut>(&self, cooperative_id: i64, total: usize, work: F) -> Result<String>
    where
        F: FnOnce(Progress) -> Fut,
        Fut: Future<Output = Result<Done>> + Send + 'static,
    {
        let id = crate::accounts::random_token()?[..22].to_owned();
        let now = now_ms();
        // A cooperative runs a few jobs at a time: more would only queue behind the
        // server's render limit while holding memory.
        if self
            .store
            .running_jobs(cooperative_id, now - LOST_MS)
            .await?
            >= JOBS_PER_COOPERATIVE
        {
            return Err(Error::conflict(
                "Hợp tác xã đang có việc chạy nền: đợi việc đó xong rồi làm tiếp.",
                "The cooperative already has work running in the background: wait for it to finish, then try again.",
            ));
        }
        // Sweeping here, where jobs are made, keeps the table small without a timer.
        self.store.delete_jobs_before(now - KEEP_MS).await?;
        self.store
            .insert_job(&id, cooperative_id, total as i64, now)
            .await?;
        let progress = Progress::default();
        let fut = work(progress.clone());
        let (store, job) = (self.store.clone(), id.clone());
        tokio::spawn(async move {
            let work = tokio::spawn(fut);
            tokio::pin!(work);
            let result = loop {
                tokio::select! {
                    r = &mut work => break r.unwrap_or_else(|e| Err(Error::Internal(format!("job task: {e}")))),
                    () = tokio::time::sleep(BEAT) => {
                        let done = progress.0.load(Ordering::Relaxed) as i64;
                        if let Err(e) = store.touch_job(&job, done, now_ms()).await {
                            tracing::warn!(error = %e, job, "job heartbeat failed");
                        }
                    }
                }
            };
            let saved = match result {
                Ok(done) => {
                    let file = done
                        .file
                        .as_ref()
                        .map(|f| (f.name.as_str(), f.content_type.as_str(), f.bytes.as_slice()));
                    store
                        .finish_job(
                            &job,
                            "finished",
                            Some(done.count as i64),
                            None,
                            file,
                            now_ms(),
                        )
                        .await
                }
                Err(e) => {
                    if e.status().is_server_error() {
                        tracing::error!(error = %e, job, "background job failed");
                    }
                    let t = e.public_text();
                    store
                        .finish_job(&job, "failed", None, Some((&t.vi, &t.en)), None, now_ms())
                        .await
                }
            };
            if let Err(e) = saved {
                tracing::error!(error = %e, job, "recording a job's end failed");
            }
        });
        Ok(id)
    }

    /// The job's status, for members of its cooperative; unknown otherwise.
    pub async fn status(&self, actor: &Actor, cooperative_id: i64, id: &str) -> Result<Status> {
        let job = self
            .store
            .job(id)
            .await?
            .filter(|j| j.cooperative_id == cooperative_id)
            .ok_or(Error::NotFound("job"))?;
        actor.require(job.cooperative_id, Action::View)?;
        Ok(match job.state.as_str() {
            "running" if now_ms() - job.updated_at > LOST_MS => Status::Failed(Text::new(
                "Máy chủ đã khởi động lại trong lúc làm việc này; không có gì thay đổi. Hãy làm lại.",
                "The server restarted while doing this; nothing was changed. Please start it again.",
            )),
            "running" => Status::Running {
                done: job.done as usize,
                total: job.total as usize,
            },
            "finished" => Status::Finished {
                count: job.count.unwrap_or_default() as usize,
                file: job.file_name,
            },
            _ => Status::Failed(Text::new(
                job.message_vi.unwrap_or_default(),
                job.message_en.unwrap_or_default(),
            )),
        })
    }

    /// The file a finished job made, for members who may print labels.
    pub async fn file(&self, actor: &Actor, cooperative_id: i64, id: &str) -> Result<File> {
        actor.require(cooperative_id, Action::PrintLabels)?;
        let job = self
            .store
            .job(id)
            .await?
            .filter(|j| j.cooperative_id == cooperative_id && j.state == "finished")
            .ok_or(Error::NotFound("file"))?;
        let (Some(name), Some(content_type)) = (job.file_name, job.file_type) else {
            return Err(Error::NotFound("file"));
        };
        let bytes = self
            .store
            .job_file(id)
            .await?
            .ok_or(Error::NotFound("file"))?;
        Ok(File {
            name,
            content_type,
            bytes,
        })
    }
}
