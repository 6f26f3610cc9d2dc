//! The one place a `Cmd` becomes work: loads and actions on tokio, copies to
//! the clipboard; every outcome comes back as a `Msg`. A superseded load is
//! aborted here and cancelled on the server (`pg_cancel_backend`), because
//! dropping a future does not stop the query Postgres is running.

use crate::app::JobsLoad;
use crate::store::statements;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::{
    ActRequest, ActResult, Cmd, Data, LoadError, Msg, PAGE, PreviewView, Query, Slot, TraceResult,
};
use crate::clipboard::Clipboard;
use crate::engine::{self, Operator};
use crate::lockkey::LockKey;
use crate::providers::settings::Providers;
use crate::providers::{self, ProviderError};
use crate::store::{queries, traces};

/// What the queries need to know about the session.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub stuck_after_secs: i64,
    pub broker_tables: bool,
    /// The database has the recommended `app_audit_user_ref_idx`: the user
    /// pane also finds audit rows of deleted access levels and credentials.
    pub user_ref_index: bool,
}

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
    pool: PgPool,
    /// Cancels go on their own connection: a busy pool never delays one.
    cancels: PgPool,
    clipboard: Clipboard,
    copy_out: CopyOut,
    tx: UnboundedSender<Msg>,
    settings: Settings,
    providers: Arc<Providers>,
    running: HashMap<Slot, Running>,
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
        let cancels = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect_lazy_with((*pool.connect_options()).clone());
        Executor {
            pool,
            cancels,
            clipboard,
            copy_out,
            tx,
            settings,
            providers,
            running: HashMap::new(),
        }
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
                    self.pool.clone(),
                    self.tx.clone(),
                    self.settings,
                    pid.clone(),
                );
                let providers = self.providers.clone();
                let handle = tokio::spawn(async move {
                    let what = query.what();
                    let statements = statements_of(&query);
                    let trail_load = matches!(query, Query::LockTrail { .. });
                    // The work runs in its own task, so that a panic in it
                    // (a bug, or a row no decoder expected) still answers:
                    // the pane shows the failure instead of loading forever.
                    let mut work = AbortOnDrop(tokio::spawn(async move {
                        match &query {
                            // Provider calls: no database connection needed.
                            Query::LockTrail { .. } => (trail(&providers, &query).await, None),
                            _ => {
                                crate::store::statements::tracking(load(
                                    &pool, &query, settings, &pid2,
                                ))
                                .await
                            }
                        }
                    }));
                    let result = match (&mut work.0).await {
                        // A provider's failure already names the provider.
                        Ok((r, _)) if trail_load => r,
                        // A failure names the statement that failed.
                        Ok((r, last)) => r.map_err(|e| LoadError {
                            message: format!(
                                "loading {what} ({}): {}",
                                last.unwrap_or(statements),
                                e.message
                            ),
                            ..e
                        }),
                        Err(e) => {
                            tracing::error!("loading {what} panicked: {e}");
                            Err(LoadError {
                                message: format!(
                                    "loading {what} ({statements}) failed inside lockdesk (the log file has the details)"
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
                let (pool, tx, providers, stuck) = (
                    self.pool.clone(),
                    self.tx.clone(),
                    self.providers.clone(),
                    self.settings.stuck_after_secs,
                );
                tokio::spawn(async move {
                    let what = req.what();
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
                    let _ = tx.send(Msg::Acted {
                        id,
                        result: Box::new(result),
                    });
                });
            }
            Cmd::Reveal {
                of,
                reason,
                operator,
            } => {
                let (pool, tx) = (self.pool.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let who = crate::store::reveal::Revealer {
                        operator,
                        os_user: crate::engine::audit::os_user(),
                        reason,
                    };
                    let result = crate::store::reveal::reveal(&pool, &of, &who)
                        .await
                        .map(|t| (of.describe(), t));
                    let _ = tx.send(Msg::Revealed(Box::new(result)));
                });
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

/// A load's connection: back to the pool when the load ends (answered or
/// failed), closed when the load is aborted (superseded), so that the
/// server-side cancel sent for it can only ever hit this load's own query.
struct LoadConn {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    done: bool,
}

impl Drop for LoadConn {
    fn drop(&mut self) {
        if !self.done {
            self.conn.close_on_drop();
        }
    }
}

fn error(e: sqlx::Error) -> LoadError {
    let connection_lost = matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_)
    ) || matches!(&e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("08") || c == "57P01"));
    let message = match &e {
        // Our own cancel (a superseded load) is not a timeout: say which.
        sqlx::Error::Database(d)
            if d.code().as_deref() == Some("57014") && d.message().contains("user request") =>
        {
            "cancelled (superseded)".to_string()
        }
        sqlx::Error::Database(d) if d.code().as_deref() == Some("57014") => format!(
            "the query took longer than the statement timeout ({} s) and was cancelled",
            crate::store::STATEMENT_TIMEOUT.as_secs()
        ),
        sqlx::Error::Database(d) => format!("the database refused the query: {}", d.message()),
        // Every connection is busy (an action holds some): the database is
        // there, this console is waiting for itself.
        sqlx::Error::PoolTimedOut => {
            "every database connection of this console is busy (an action may be running): the load gave up waiting; try again when it is done".to_string()
        }
        _ if connection_lost => format!("the database cannot be reached ({e}); retrying"),
        other => format!("the query failed: {other}"),
    };
    tracing::warn!("{message}");
    LoadError {
        message,
        connection_lost,
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
            status,
            updated,
        } => ActResult::Job(engine::retry_job(pool, op, job, &status, updated).await),
        ActRequest::Cancel { job, status } => {
            ActResult::Job(engine::cancel_job(pool, op, job, &status).await)
        }
        ActRequest::CountRetryable { filter, now } => ActResult::Count(
            engine::retryable(pool, &filter, now, stuck_after_secs)
                .await
                .map_err(|e| e.0),
        ),
        ActRequest::RetryAll { jobs } => {
            let (mut done, mut changed) = (0, 0);
            let total = jobs.len();
            for (n, (job, status, updated)) in jobs.into_iter().enumerate() {
                if engine::stop::requested() {
                    return ActResult::RetriedAll(Err(format!(
                        "stopped by operator after {n} of {total} ({done} re-enqueued)"
                    )));
                }
                match engine::retry_job(pool, op, job, &status, updated).await {
                    Ok(engine::JobChange::Done { .. }) => done += 1,
                    Ok(engine::JobChange::Changed { .. }) => changed += 1,
                    Err(e) => {
                        return ActResult::RetriedAll(Err(format!(
                            "{e} (after {done} re-enqueued)"
                        )));
                    }
                }
            }
            ActResult::RetriedAll(Ok((done, changed)))
        }
        ActRequest::DriftPreview { door, mode, now } => ActResult::Preview(match engine::preview(
            pool, providers, door, mode, now,
        )
        .await
        {
            Ok(p) => {
                p.calls.iter().for_each(providers::log_look);
                // A run that died between a change and its log: write the
                // missing outcome from this re-list (write mode), send nothing.
                let mut interrupted: Vec<String> = p
                    .interrupted
                    .iter()
                    .map(engine::interrupted::Interrupted::describe)
                    .collect();
                if !p.interrupted.is_empty() {
                    let note = if op.write {
                        match engine::interrupted::settle(pool, op, &p.interrupted).await {
                            Ok(n) => format!(
                                "{n} missing outcome(s) written from this listing; nothing was sent again"
                            ),
                            Err(e) => format!("writing the missing outcomes failed: {}", e.0),
                        }
                    } else {
                        "read-only: the missing outcomes are written by the next preview in write mode".into()
                    };
                    interrupted.push(note);
                }
                Ok(PreviewView {
                    door_id: p.door.id,
                    door_name: p.door.name.clone(),
                    lock_key: LockKey::new(&p.door.provider, &p.door.external_id).to_string(),
                    plan: p.plan,
                    reachable: p.reachable,
                    interrupted,
                })
            }
            Err(e) => Err(e.0),
        }),
        ActRequest::DriftRun { door, mode, plan } => {
            match engine::enforce(pool, providers, op, door, mode, Some(&plan), None).await {
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

fn provider_error(provider: &str, e: &ProviderError) -> LoadError {
    LoadError {
        message: format!("{provider}: {e}"),
        connection_lost: false,
    }
}

/// The lock's own audit trail and clock, from its provider.
async fn trail(providers: &Providers, query: &Query) -> Result<Data, LoadError> {
    let Query::LockTrail {
        provider,
        customer,
        external_id,
        from,
        to,
    } = query
    else {
        return Err(LoadError {
            message: "not a trail query".into(),
            connection_lost: false,
        });
    };
    let client = providers
        .client(*customer, provider)
        .map_err(|e| provider_error(provider, &e))?;
    let events = client.audit_trail(external_id, *from, *to).await;
    events.calls.iter().for_each(providers::log_look);
    let events = events.result.map_err(|e| provider_error(provider, &e))?;
    let read_at = chrono::Utc::now();
    let clock = client.lock_time(external_id).await;
    clock.calls.iter().for_each(providers::log_look);
    // A lock whose clock cannot be read still shows its trail.
    let clock = clock.result.ok().flatten().map(|t| (t, read_at));
    Ok(Data::LockTrail(events, clock))
}

/// The statements a load runs (names from `store::statements`), for the
/// message that says which failed.
fn statements_of(query: &Query) -> &'static str {
    match query {
        Query::Jobs { .. } => "jobs::page",
        Query::JobCounts(_) => "jobs::counts",
        Query::Job(_) => "jobs::by_id",
        Query::Audit { before: None } => "audit::page_first",
        Query::Audit { .. } => "audit::page_before",
        Query::LockLogs(_) => "logs::of_lock",
        Query::LockTrail { .. } => "no statement: a provider call",
        Query::User(_) => {
            "users::user, users::access, users::credentials, users::doors, jobs::of_user, users::traces"
        }
        Query::Trace(_) => {
            "traces::resolve_exact, traces::resolve_prefix, traces::audit_of, traces::jobs_of, traces::log_count_of, traces::logs_of or traces::log_heads_of"
        }
        Query::LogPayloads(_) => "traces::logs_by_ids_within or traces::logs_by_ids",
        Query::Doors => "doors::every_with_sites or doors::every",
    }
}

async fn load(
    pool: &PgPool,
    query: &Query,
    settings: Settings,
    pid: &Mutex<Option<i32>>,
) -> Result<Data, LoadError> {
    let mut guard = LoadConn {
        conn: pool.acquire().await.map_err(error)?,
        done: false,
    };
    let (backend,): (i32,) = sqlx::query_as(statements::session::BACKEND_PID.tagged())
        .fetch_one(&mut *guard.conn)
        .await
        .map_err(error)?;
    if let Ok(mut p) = pid.lock() {
        *p = Some(backend);
    }
    let c = &mut *guard.conn;
    let data = match query {
        Query::Jobs {
            filter,
            page,
            now,
            limit,
            mode: JobsLoad::Refresh,
            known,
        } => Data::JobsRefreshed(
            queries::jobs_refresh(
                c,
                filter,
                *now,
                settings.stuck_after_secs,
                *page,
                *limit,
                known,
            )
            .await
            .map_err(error)?,
        ),
        Query::Jobs {
            filter,
            page,
            now,
            limit,
            ..
        } => Data::Jobs(
            queries::jobs_page(c, filter, *now, settings.stuck_after_secs, *page, *limit)
                .await
                .map_err(error)?,
        ),
        Query::JobCounts(pinned) => Data::JobCounts(
            queries::job_counts(c, *pinned, settings.stuck_after_secs)
                .await
                .map_err(error)?,
        ),
        Query::Job(id) => Data::Job(*id, queries::job(c, *id).await.map_err(error)?),
        Query::Audit { before } => {
            Data::Audit(queries::audit_page(c, *before, PAGE).await.map_err(error)?)
        }
        Query::LockLogs(key) => Data::Lock(queries::lock_logs(c, key, 500).await.map_err(error)?),
        Query::User(id) => Data::User(
            queries::user(c, *id, settings.broker_tables, settings.user_ref_index)
                .await
                .map_err(error)?,
        ),
        Query::LockTrail { .. } => {
            return Err(LoadError {
                message: "the provider trail is not a database query".into(),
                connection_lost: false,
            });
        }
        Query::LogPayloads(page) => Data::LogPayloads(
            crate::store::heads::read_page(c, page)
                .await
                .map_err(error)?,
        ),
        Query::Doors => Data::Doors(
            queries::doors(c, settings.broker_tables)
                .await
                .map_err(error)?,
        ),
        Query::Trace(q) => Data::Trace(match traces::resolve(&mut *c, q).await {
            Err(e @ traces::ResolveError::NotAnId(_)) => TraceResult::Invalid(e.to_string()),
            Err(traces::ResolveError::Db(e)) => return Err(error(e)),
            Ok(traces::Resolved::None) => TraceResult::NotFound(q.clone()),
            Ok(traces::Resolved::Many(ids)) => TraceResult::Ambiguous(q.clone(), ids),
            Ok(traces::Resolved::One(id)) => {
                TraceResult::Found(crate::store::heads::fetch_on(c, &id).await.map_err(error)?)
            }
        }),
    };
    guard.done = true;
    Ok(data)
}
