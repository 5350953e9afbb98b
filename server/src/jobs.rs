//! Work too long for one request (bulk imports, large label batches): it runs in the background while the
//! person watches its progress on a page that refreshes itself. Jobs live in this
//! server's memory, are visible only to the cooperative's members, and are forgotten an
//! hour after they finish.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result, Text};

const KEEP_MS: i64 = 60 * 60 * 1000;

/// A file a job produced, to download once it is done.
#[derive(Debug, PartialEq)]
pub struct File {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// What a finished job produced: how many things, and maybe a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub count: usize,
    pub file: Option<Arc<File>>,
}

impl From<usize> for Done {
    fn from(count: usize) -> Self {
        Self { count, file: None }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running { done: usize, total: usize },
    Finished(Done),
    Failed(Text),
}

struct Job {
    cooperative_id: i64,
    total: usize,
    done: AtomicUsize,
    outcome: Mutex<Option<(i64, Result<Done, Text>)>>,
}

/// Reports how much of a job is done.
#[derive(Clone)]
pub struct Progress(Arc<Job>);

impl Progress {
    pub fn set(&self, done: usize) {
        self.0.done.store(done, Ordering::Relaxed);
    }
}

#[derive(Clone, Default)]
pub struct Jobs {
    jobs: Arc<Mutex<HashMap<String, Arc<Job>>>>,
}

fn poisoned() -> Error {
    Error::Internal("the job table lock is poisoned".into())
}

impl Jobs {
    /// Starts `work` in the background for `cooperative_id`; returns the job's ID, which is
    /// unguessable.
    pub fn spawn<F, Fut>(&self, cooperative_id: i64, total: usize, work: F) -> Result<String>
    where
        F: FnOnce(Progress) -> Fut,
        Fut: Future<Output = Result<Done>> + Send + 'static,
    {
        let id = crate::accounts::random_token()?[..22].to_owned();
        let job = Arc::new(Job {
            cooperative_id,
            total,
            done: AtomicUsize::new(0),
            outcome: Mutex::new(None),
        });
        {
            let mut jobs = self.jobs.lock().map_err(|_| poisoned())?;
            let now = now_ms();
            jobs.retain(|_, j| {
                j.outcome
                    .lock()
                    .map(|o| o.as_ref().is_none_or(|(at, _)| now - at < KEEP_MS))
                    .unwrap_or(false)
            });
            jobs.insert(id.clone(), job.clone());
        }
        let fut = work(Progress(job.clone()));
        tokio::spawn(async move {
            let result = fut.await.map_err(|e| {
                if e.status().is_server_error() {
                    tracing::error!(error = %e, "background job failed");
                }
                e.public_text()
            });
            if let Ok(mut o) = job.outcome.lock() {
                *o = Some((now_ms(), result));
            }
        });
        Ok(id)
    }

    /// The job's status, for members of its cooperative; unknown otherwise.
    pub fn status(&self, actor: &Actor, cooperative_id: i64, id: &str) -> Result<Status> {
        let job = self
            .jobs
            .lock()
            .map_err(|_| poisoned())?
            .get(id)
            .cloned()
            .filter(|j| j.cooperative_id == cooperative_id)
            .ok_or(Error::NotFound("job"))?;
        actor.require(job.cooperative_id, Action::View)?;
        let outcome = job.outcome.lock().map_err(|_| poisoned())?;
        Ok(match outcome.as_ref() {
            None => Status::Running {
                done: job.done.load(Ordering::Relaxed),
                total: job.total,
            },
            Some((_, Ok(done))) => Status::Finished(done.clone()),
            Some((_, Err(text))) => Status::Failed(text.clone()),
        })
    }
}
