//! The one place a `Cmd` becomes work: loads and actions on tokio, copies to
//! the clipboard; every outcome comes back as a `Msg`. A superseded load is
//! aborted here and cancelled on the server (`pg_cancel_backend`), because
//! dropping a future does not stop the query Postgres is running.

pub use super::reads::Settings;
use super::reads::{acting, load, offline_from_probes, pins_live, pulse, trail};
use crate::store::replica::{self, Standby};
use crate::store::statements::{self, LastStatement, tracking};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::{
    ActRequest, ActResult, Cmd, HoldView, LoadError, Msg, PinsRead, PreviewView, Query, Slot,
};
use crate::clipboard::Clipboard;
use crate::engine::{self, Operator};
use crate::lockkey::LockKey;
use crate::providers;
use crate::providers::settings::Providers;

struct Running {
    id: u64,
    handle: JoinHandle<()>,
    /// The server process running the query, once known.
    pid: Arc<Mutex<Option<i32>>>,
}

/// Where a copy goes when there is no system clipboard: the terminal (OSC 52,
/// which also works over SSH), or a buffer in headless runs.
pub enum CopyOut {
    Terminal,
    Buffer(Vec<u8>),
}

/// A task aborted when its handle is dropped: aborting a load aborts the
/// work it started too.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn wait(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub struct Executor {
    /// The primary: actions, reveals, and the reads they depend on.
    pool: PgPool,
    /// Where loads read: the standby when there is one, else `pool`.
    reads: PgPool,
    standby: Option<Standby>,
    /// Cancels go on their own connection (a busy pool never delays one),
    /// to the server that runs the loads.
    cancels: PgPool,
    clipboard: Clipboard,
    copy_out: CopyOut,
    tx: UnboundedSender<Msg>,
    settings: Settings,
    providers: Arc<Providers>,
    /// The live reads of users' doors, kept 60 s: one for the console.
    pin_cache: crate::pinmap::live::Cache,
    running: HashMap<Slot, Running>,
    /// The profile's history file (none in headless runs: nothing written).
    history: Option<std::path::PathBuf>,
}

impl Executor {
    pub fn new(
        pool: PgPool,
        tx: UnboundedSender<Msg>,
        settings: Settings,
        providers: Arc<Providers>,
        clipboard: Clipboard,
        copy_out: CopyOut,
    ) -> Executor {
        Executor {
            cancels: cancels_for(&pool),
            reads: pool.clone(),
            standby: None,
            pool,
            clipboard,
            copy_out,
            tx,
            settings,
            providers,
            pin_cache: crate::pinmap::live::Cache::default(),
            running: HashMap::new(),
            history: None,
        }
    }

    /// `Cmd::Remember` appends to `path`.
    pub fn with_history(mut self, path: Option<std::path::PathBuf>) -> Executor {
        self.history = path;
        self
    }

    /// Loads read from `standby` (and are cancelled there); after each
    /// write the executor waits for the standby to replay it.
    pub fn with_standby(mut self, standby: Option<Standby>) -> Executor {
        if let Some(s) = &standby {
            self.reads = s.pool.clone();
            self.cancels = cancels_for(&s.pool);
        }
        self.standby = standby;
        self
    }

    /// What copies sent to a buffered terminal (headless runs).
    pub fn terminal_bytes(&mut self) -> Vec<u8> {
        match &mut self.copy_out {
            CopyOut::Terminal => Vec::new(),
            CopyOut::Buffer(b) => std::mem::take(b),
        }
    }

    pub fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Load { slot, id, query } => {
                self.cancel(slot, None);
                let pid = Arc::new(Mutex::new(None));
                let (pool, tx, settings, pid2) = (
                    self.reads.clone(),
                    self.tx.clone(),
                    self.settings,
                    pid.clone(),
                );
                let providers = self.providers.clone();
                let pin_cache = self.pin_cache.clone();
                let primary = self.pool.clone();
                let handle = tokio::spawn(async move {
                    let what = query.what();
                    let trail_load = matches!(query, Query::LockTrail { .. });
                    // Each statement the load sends notes itself here, so
                    // that its failure (even a panic) names the one it was in.
                    let last = LastStatement::default();
                    let noted = last.clone();
                    // The work runs in its own task, so that a panic in it
                    // (a bug, or a row no decoder expected) still answers:
                    // the pane shows the failure instead of loading forever.
                    let mut work = AbortOnDrop(tokio::spawn(tracking(noted, async move {
                        match &query {
                            // Provider calls: no database connection needed.
                            Query::LockTrail { .. } => trail(&providers, &query).await,
                            // On the primary, whatever the loads read from.
                            Query::Acting(of) => {
                                acting(&primary, &providers, of, settings.pinned).await
                            }
                            Query::Pulse { .. } => {
                                pulse(&pool, &providers, &query, settings, &pid2).await
                            }
                            Query::UserPins(_, read) if *read != PinsRead::Broker => {
                                pins_live(&pool, &providers, &pin_cache, &query, settings, &pid2)
                                    .await
                            }
                            _ => load(&pool, &query, settings, &pid2)
                                .await
                                .map(|d| offline_from_probes(&providers, d)),
                        }
                    })));
                    let outcome = (&mut work.0).await;
                    let named = last.get().map_or(String::new(), |s| format!(" ({s})"));
                    let result = match outcome {
                        // A provider's failure already names the provider.
                        Ok(r) if trail_load => r,
                        // A failure names the statement that failed.
                        Ok(r) => r.map_err(|e| LoadError {
                            message: format!("loading {what}{named}: {}", e.message),
                            ..e
                        }),
                        Err(e) => {
                            tracing::error!("loading {what} panicked: {e}");
                            Err(LoadError {
                                message: format!(
                                    "loading {what}{named} failed inside lockdesk (the log file has the details)"
                                ),
                                connection_lost: false,
                            })
                        }
                    };
                    let _ = tx.send(Msg::Loaded {
                        slot,
                        id,
                        result: Box::new(result),
                    });
                });
                self.running.insert(slot, Running { id, handle, pid });
            }
            Cmd::Cancel { slot, id } => self.cancel(slot, Some(id)),
            Cmd::Act { id, op, req } => {
                let (pool, tx, providers, stuck, standby) = (
                    self.pool.clone(),
                    self.tx.clone(),
                    self.providers.clone(),
                    self.settings.stuck_after_secs,
                    self.standby.clone(),
                );
                tokio::spawn(async move {
                    let what = req.what();
                    let writes = req.writes();
                    let primary = pool.clone();
                    // Its own task, so that a panic in it still answers: the
                    // dialog stops "running" and the console says so.
                    let work = AbortOnDrop(tokio::spawn(async move {
                        act(&pool, &providers, &op, req, stuck).await
                    }));
                    let result = match work.wait().await {
                        Ok(r) => r,
                        Err(e) => {
                            tracing::error!("{what} panicked: {e}");
                            ActResult::Failed(format!(
                                "{what} failed inside lockdesk (the log file has the details); check the job and the lock before trying again"
                            ))
                        }
                    };
                    // The console reloads what it shows after an answer:
                    // from a standby, only once the standby has the write.
                    let behind = match (&standby, writes) {
                        (Some(s), true) => replica::after_write(&primary, s).await,
                        _ => None,
                    };
                    let _ = tx.send(Msg::Acted {
                        id,
                        result: Box::new(result),
                    });
                    if let Some(note) = behind {
                        tracing::warn!("{note}");
                        let _ = tx.send(Msg::Warn(note));
                    }
                });
            }
            Cmd::Reveal {
                of,
                reason,
                operator,
                until,
            } => {
                use crate::store::reveal::{NotRevealed, RevealError};
                let (pool, tx) = (self.pool.clone(), self.tx.clone());
                // What the copy can take without a file: a longer value is
                // refused before it is read out (a reveal never goes to a file).
                let max_len = self.clipboard.max_without_file();
                tokio::spawn(async move {
                    let what = of.describe();
                    let rearm = Some((until, reason.clone()));
                    let who = crate::store::reveal::Revealer {
                        operator,
                        os_user: crate::engine::audit::os_user(),
                        reason,
                    };
                    // Supervised and bounded, as actions are: a panic or a
                    // half-open connection still answers (and `q` never
                    // waits on it).
                    let work = AbortOnDrop(tokio::spawn(async move {
                        tokio::time::timeout(
                            REVEAL_WAIT,
                            crate::store::reveal::reveal(&pool, &of, &who, max_len),
                        )
                        .await
                    }));
                    let result = match work.wait().await {
                        Ok(Ok(Ok(t))) => Ok((what, t)),
                        Ok(Ok(Err(RevealError::TooLarge(message)))) => {
                            Err(NotRevealed { message, rearm })
                        }
                        Ok(Ok(Err(e))) => Err(NotRevealed::from(e.message())),
                        Ok(Err(_)) => Err(NotRevealed::from(format!(
                            "revealing {what} got no answer within {} s: nothing was copied (if the database recorded the reveal, app_audit shows it)",
                            REVEAL_WAIT.as_secs()
                        ))),
                        Err(e) => {
                            tracing::error!("revealing {what} panicked: {e}");
                            Err(NotRevealed::from(format!(
                                "revealing {what} failed inside lockdesk (the log file has the details): nothing was copied"
                            )))
                        }
                    };
                    let _ = tx.send(Msg::Revealed(Box::new(result)));
                });
            }
            Cmd::CopyUnmasked { text, what } => {
                let mut stdout = std::io::stdout();
                let out: &mut dyn std::io::Write = match &mut self.copy_out {
                    CopyOut::Terminal => &mut stdout,
                    CopyOut::Buffer(b) => b,
                };
                let said = match self.clipboard.copy_unmasked(&text, Some(out)) {
                    Ok(c) => c.describe(&what),
                    Err(e) => format!("copying {what} failed: {e}"),
                };
                let _ = self.tx.send(Msg::Copied(said));
            }
            Cmd::Copy { text, what } => {
                let mut stdout = std::io::stdout();
                let out: &mut dyn std::io::Write = match &mut self.copy_out {
                    CopyOut::Terminal => &mut stdout,
                    CopyOut::Buffer(b) => b,
                };
                let said = match self.clipboard.copy(&text, Some(out)) {
                    Ok(c) => c.describe(&what),
                    Err(e) => format!("copying {what} failed: {e}"),
                };
                let _ = self.tx.send(Msg::Copied(said));
            }
            Cmd::Remember(entry) => {
                if let Some(path) = &self.history {
                    // Said once: a history that cannot be written is no
                    // reason to stop; the session goes on without it.
                    if let Err(e) = crate::console::history::append(path, &entry) {
                        let _ = self.tx.send(Msg::Warn(format!(
                            "the history could not be written to {} ({e}); it is off for this session",
                            path.display()
                        )));
                        self.history = None;
                    }
                }
            }
            Cmd::Bundle { target } => {
                let (pool, tx) = (self.pool.clone(), self.tx.clone());
                let providers = self.providers.clone();
                let stuck = self.settings.stuck_after_secs;
                tokio::spawn(async move {
                    let _ = tx.send(bundle(&pool, &providers, &target, stuck).await);
                });
            }
            Cmd::Quit => {
                for slot in self.running.keys().copied().collect::<Vec<_>>() {
                    self.cancel(slot, None);
                }
            }
        }
    }

    fn cancel(&mut self, slot: Slot, id: Option<u64>) {
        let Some(r) = self.running.get(&slot) else {
            return;
        };
        if id.is_some_and(|id| id != r.id) {
            return;
        }
        let Some(r) = self.running.remove(&slot) else {
            return;
        };
        if r.handle.is_finished() {
            return;
        }
        r.handle.abort();
        let pid = r.pid.lock().ok().and_then(|p| *p);
        if let Some(pid) = pid {
            let pool = self.cancels.clone();
            tokio::spawn(async move {
                let _ = sqlx::query(statements::session::CANCEL_BACKEND.tagged())
                    .bind(pid)
                    .execute(&pool)
                    .await;
                tracing::debug!(pid, "cancelled a superseded query");
            });
        }
    }
}

/// The longest a reveal may take (read, record, commit) before the console
/// stops waiting for it.
const REVEAL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A one-connection pool for cancels, to the server `pool` connects to.
fn cancels_for(pool: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// A checked action's answer: sent (`ok`), held (the refusal dialog, with
/// the request to send again on `override`), or refused in words (`err`).
fn gated<T>(
    r: Result<engine::Gated<T>, engine::Refused>,
    req: &ActRequest,
    ok: impl FnOnce(T) -> ActResult,
    err: impl FnOnce(Result<T, engine::Refused>) -> ActResult,
) -> ActResult {
    match r {
        Ok(engine::Gated::Sent { result, .. }) => ok(result),
        Ok(engine::Gated::Held(h)) => ActResult::Held(HoldView::of(h, req)),
        Err(e) => err(Err(e)),
    }
}

/// Runs one action through the engine.
async fn act(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    req: ActRequest,
    stuck_after_secs: i64,
) -> ActResult {
    match req {
        ActRequest::Retry {
            job,
            ref status,
            updated,
            overriding,
        } => gated(
            engine::retry_checked(pool, providers, op, job, status, updated, overriding).await,
            &req,
            |r| ActResult::Job(Ok(r)),
            ActResult::Job,
        ),
        ActRequest::Cancel {
            job,
            status,
            updated,
        } => ActResult::Job(engine::cancel_job(pool, op, job, &status, updated).await),
        ActRequest::CountRetryable { filter, now } => ActResult::Count(
            engine::retryable(pool, &filter, now, stuck_after_secs)
                .await
                .map_err(|e| e.0),
        ),
        ActRequest::RetryAll { jobs } => {
            match engine::gate::retry_all_checked(pool, providers, op, jobs).await {
                engine::gate::RetriedAll::Done(r) => ActResult::RetriedAll(r),
                engine::gate::RetriedAll::Skipped { sum, skipped } => {
                    ActResult::RetriedAllSkipped(sum, skipped)
                }
            }
        }
        ActRequest::RetryGroup {
            guards, overriding, ..
        } => ActResult::RetriedGroup(
            engine::retry_listed_checked(pool, providers, op, &guards, overriding).await,
        ),
        ActRequest::DriftPreview { door, mode, now } => ActResult::Preview(match engine::preview(
            pool, providers, door, mode, now,
        )
        .await
        {
            Ok(p) => {
                p.calls.iter().for_each(providers::log_look);
                // A run that died between a change and its log: the engine
                // writes the missing outcome from this re-list (write mode).
                let lock = LockKey::new(&p.door.provider, &p.door.external_id);
                let interrupted =
                    engine::interrupted::settle_listed(pool, op, &lock, &p.interrupted).await;
                Ok(PreviewView {
                    door_id: p.door.id,
                    door_name: p.door.name.clone(),
                    lock_key: lock.to_string(),
                    plan: p.plan,
                    reachable: p.reachable,
                    interrupted,
                    facts: p.facts,
                })
            }
            Err(e) => Err(e.0),
        }),
        ActRequest::DriftRun {
            door,
            mode,
            ref plan,
            overriding,
        } => {
            let run =
                engine::enforce_checked(pool, providers, op, door, mode, Some(plan), overriding)
                    .await;
            let run = match run {
                Ok(engine::Gated::Held(h)) => return ActResult::Held(HoldView::of(h, &req)),
                other => other.and_then(engine::Gated::into_result),
            };
            match run {
                Ok(engine::Enforced::Done {
                    job,
                    adds_ok,
                    deletes_ok,
                    failures,
                    remaining,
                    ..
                }) => {
                    let mut msg = format!("job #{job}: {deletes_ok} deleted, {adds_ok} added");
                    if !failures.is_empty() {
                        msg.push_str(&format!(
                            "; {} failed: {}",
                            failures.len(),
                            failures.join("; ")
                        ));
                    }
                    ActResult::Enforced(Ok((msg, remaining.map(|r| *r))))
                }
                Ok(engine::Enforced::PlanChanged { new_plan, .. }) => {
                    ActResult::PlanChanged(new_plan)
                }
                Err(e) => ActResult::Enforced(Err(e.0)),
            }
        }
        ActRequest::DriftEnqueue { door, mode } => ActResult::Enqueued(
            engine::enqueue_drift(pool, op, door, mode)
                .await
                .map_err(|e| e.0),
        ),
    }
}

/// `b`'s bundle, written into `<state>/bundles/` (0700): where it went, or why not.
async fn bundle(
    pool: &sqlx::PgPool,
    providers: &Providers,
    target: &crate::bundle::Target,
    stuck: i64,
) -> Msg {
    let what = target.title();
    let dir = match crate::logging::state_dir().map(|d| d.join("bundles")) {
        Ok(d) => d,
        Err(e) => return Msg::Bundled(Err(format!("no folder for the bundle of {what}: {e}"))),
    };
    if let Err(e) = crate::files::private_dir(&dir) {
        let d = dir.display();
        return Msg::Bundled(Err(format!("no folder for the bundle at {d}: {e}")));
    }
    let written = match crate::bundle::gather(pool, Some(providers), target, stuck, None).await {
        Ok(b) => crate::bundle::write(&dir, &b),
        Err(e) => Err(e),
    };
    Msg::Bundled(match written {
        Ok((md, json)) => Ok(format!(
            "bundle of {what} written: {} and {}",
            md.display(),
            json.display()
        )),
        Err(e) => Err(format!("the bundle of {what} was not written: {e}")),
    })
}
