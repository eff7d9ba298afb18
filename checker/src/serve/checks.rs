//! The cluster work behind the API, kept away from the web server.
//!
//! Everything that touches the cluster or the kubeconfig (an exec credential plugin runs as part
//! of building a client) runs on a runtime of its own, so that however it hangs or blocks, the
//! server's runtime keeps answering pages and `/api/health`. Progress file I/O (a lock another
//! checker may hold) runs on blocking threads. Every wait is bounded:
//!
//! - at most [`CLUSTER_SLOTS`] checks talk to the cluster at once;
//! - at most [`MAX_REQUESTS`] API requests wait for the cluster at once (more get 503 `busy` at
//!   once, so that waiting requests never take every connection the server allows);
//! - a check takes at most [`CHECK_TIMEOUT`] (each API call has its own 5 s bound below that);
//! - identical checks running at the same time share one observation of the cluster: the second
//!   request for step N of a lab while that step is being checked waits for that check's result.
//!   (A check is of a step of a lab in a language: the report's texts are in the language of the
//!   page that asked.)
//!
//! Each call names the lab's context (the book may hold several labs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use lab_spec::Lang;
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cluster::Cluster;
use crate::context::{self, Context};
use crate::error::{Error, Result};
use crate::evaluate::StepReport;
use crate::msg;
use crate::progress::{self, LabProgress, ProgressStore, QuizRecord};

/// At most this many checks talk to the cluster at once; more wait their turn.
pub const CLUSTER_SLOTS: usize = 4;
/// At most this many API requests wait for the cluster at once.
pub const MAX_REQUESTS: usize = 64;
/// The longest a check (connect, observe, evaluate, record) may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest a read or write of the progress file may take (its lock waits 5 s at most).
pub const PROGRESS_TIMEOUT: Duration = Duration::from_secs(10);

/// One check's result, shared by every request that waited for it.
#[derive(Debug)]
pub(crate) struct Checked {
    pub report: StepReport,
    pub context: String,
    pub namespace: String,
    pub server: String,
    /// Why the result could not be recorded, if it could not.
    pub warning: Option<String>,
}

type Flight = Shared<BoxFuture<'static, Arc<Result<Checked>>>>;

/// A check in flight: of a step (number) of a lab (id), reported in a language.
type FlightKey = (String, u32, Lang);

pub(crate) struct Checks {
    /// The checks' own runtime; taken out and shut down (without waiting) at the end.
    runtime: Mutex<Option<Runtime>>,
    handle: Handle,
    cluster_slots: Arc<Semaphore>,
    requests: Arc<Semaphore>,
    /// The checks running now, by lab, step and language.
    flights: Arc<Mutex<HashMap<FlightKey, Flight>>>,
}

impl Checks {
    pub fn new() -> Result<Checks> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("checker-checks")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Input(msg!("无法启动检查的运行时：{e}", "cannot start the checks' runtime: {e}"))
            })?;
        Ok(Checks {
            handle: runtime.handle().clone(),
            runtime: Mutex::new(Some(runtime)),
            cluster_slots: Arc::new(Semaphore::new(CLUSTER_SLOTS)),
            requests: Arc::new(Semaphore::new(MAX_REQUESTS)),
            flights: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// A place among the requests that wait for the cluster, or `None` when all are taken.
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        self.requests.clone().try_acquire_owned().ok()
    }

    /// Checks a step of the context's lab, with the report in the context's language: joins the
    /// check of the same step in the same language already running, or starts one.
    pub async fn check(&self, ctx: &Arc<Context>, step: u32) -> Arc<Result<Checked>> {
        let key = (ctx.spec.id.clone(), step, ctx.lang);
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            match flights.get(&key) {
                Some(flight) => flight.clone(),
                None => {
                    let flight = self.start(ctx.clone(), key.clone());
                    flights.insert(key, flight.clone());
                    flight
                }
            }
        };
        flight.await
    }

    fn start(&self, ctx: Arc<Context>, key: FlightKey) -> Flight {
        let (slots, flights) = (self.cluster_slots.clone(), self.flights.clone());
        let task = self.handle.spawn(async move {
            let result = within(CHECK_TIMEOUT, check_and_record(&ctx, &slots, key.1)).await;
            flights.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
            result
        });
        async move { Arc::new(task.await.unwrap_or_else(|e| Err(stopped(e)))) }.boxed().shared()
    }

    /// The current context's cluster, in the lab's namespace (reads the kubeconfig, may run a
    /// credential plugin).
    pub async fn connect(&self, ctx: &Arc<Context>) -> Result<Cluster> {
        let ctx = ctx.clone();
        self.on_runtime(async move { Cluster::connect(&ctx.target).await }).await
    }

    /// The lab's pods, as `checker status` lists them.
    pub async fn pods(&self, ctx: &Arc<Context>) -> Result<(Cluster, Vec<Pod>)> {
        let (ctx, slots) = (ctx.clone(), self.cluster_slots.clone());
        self.on_runtime(async move {
            let _slot = slots.acquire_owned().await.map_err(|_| shutting_down())?;
            let cluster = Cluster::connect(&ctx.target).await?;
            let pods = cluster.list_pods(&ctx.spec.pods()).await?;
            Ok((cluster, pods))
        })
        .await
    }

    /// The recorded progress of the lab on the current context, read on a blocking thread.
    pub async fn progress(&self, ctx: &Context, cluster: &Cluster) -> Result<LabProgress> {
        let key = ctx.progress_key(cluster);
        blocking(move || {
            let loaded = ProgressStore::from_env()?.load(&key)?;
            if let Some(warning) = loaded.warning {
                crate::i18n::warn(warning);
            }
            Ok(loaded.progress)
        })
        .await
    }

    /// The quiz and self-ratings kept for `lab`, read on a blocking thread.
    pub async fn quiz(&self, lab: &str) -> Result<Option<QuizRecord>> {
        let lab = lab.to_string();
        blocking(move || {
            let (quiz, warning) = ProgressStore::from_env()?.load_quiz(&lab)?;
            if let Some(warning) = warning {
                crate::i18n::warn(warning);
            }
            Ok(quiz)
        })
        .await
    }

    /// Keeps `record` as the quiz and self-ratings of `lab` (validated), on a blocking thread.
    pub async fn record_quiz(&self, lab: &str, record: QuizRecord) -> Result<()> {
        let lab = lab.to_string();
        blocking(move || {
            if let Some(warning) = ProgressStore::from_env()?.record_quiz(&lab, record)? {
                crate::i18n::warn(warning);
            }
            Ok(())
        })
        .await
    }

    /// Runs `work` on the checks' runtime until it ends or the runtime stops (the class
    /// dashboard's follower).
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        drop(self.handle.spawn(work));
    }

    async fn on_runtime<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        let task = self.handle.spawn(within(CHECK_TIMEOUT, work));
        task.await.unwrap_or_else(|e| Err(stopped(e)))
    }

    /// Stops the checks' runtime without waiting for checks that hang.
    pub fn shutdown(&self) {
        if let Some(runtime) = self.runtime.lock().unwrap_or_else(PoisonError::into_inner).take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Checks {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn check_and_record(ctx: &Context, slots: &Semaphore, step: u32) -> Result<Checked> {
    let (checked, cluster) = {
        let _slot = slots.acquire().await.map_err(|_| shutting_down())?;
        let step = ctx.step(step)?;
        let cluster = Cluster::connect(&ctx.target).await?;
        let checked = context::check_step(ctx, &cluster, step).await?;
        (checked, cluster)
    };
    let key = progress::key(&ctx.spec.id, &cluster.context, &cluster.namespace);
    // A pass keeps what was observed (evaluated again in both languages: pure and quick).
    let pass = context::pass_record(ctx, &checked);
    let report = checked.report;
    let (number, verdict) = (report.step, report.verdict);
    let recorded = blocking(move || {
        let warning = ProgressStore::from_env()?.record(&key, number, verdict, Timestamp::now(), pass)?;
        if let Some(warning) = warning {
            crate::i18n::warn(warning);
        }
        Ok(())
    })
    .await;
    Ok(Checked {
        warning: recorded.err().map(|e| e.text(ctx.lang).to_string()),
        context: cluster.context,
        namespace: cluster.namespace,
        server: cluster.server,
        report,
    })
}

/// Runs file I/O on a blocking thread, for at most [`PROGRESS_TIMEOUT`].
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    match tokio::time::timeout(PROGRESS_TIMEOUT, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(stopped(e)),
        Err(_) => {
            let secs = PROGRESS_TIMEOUT.as_secs();
            Err(Error::Input(msg!(
                "进度文件在 {secs} 秒内没有读写完成",
                "the progress file could not be read or written within {secs}s"
            )))
        }
    }
}

async fn within<T>(limit: Duration, work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        let secs = limit.as_secs();
        Err(Error::Unreachable(msg!("检查在 {secs} 秒内没有完成", "the check did not finish within {secs}s")))
    })
}

fn stopped(e: tokio::task::JoinError) -> Error {
    Error::Unreachable(msg!("检查中止了：{e}", "the check stopped: {e}"))
}

fn shutting_down() -> Error {
    Error::Unreachable(msg!("服务器正在停止", "the server is stopping"))
}
