//! The incident bundle (issue 28 §2): one trace, or each trace of a job, a
//! lock or an error group (newest first, at most `MAX_TRACES`), written as
//! `<name>.md` for a ticket and `<name>.json` keeping the seed-rows shape,
//! both 0600 and never over an existing file. Rows are masked as they are
//! read (`store::traces`); the texts pass through `secrets` once more.

mod render;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::groups::why;
use crate::providers::settings::Providers;
use crate::store::{self, statements, traces::Trace};
use crate::timeline::{self, Summary};

pub use render::{json, markdown};

/// At most this many traces go into one bundle.
pub const MAX_TRACES: usize = 20;

/// A lock's logs read to find its traces.
const LOCK_LOGS: i64 = 2_000;

/// The window a group's jobs are read from (the longest `--since`).
const GROUP_WINDOW_SECS: i64 = 31 * 86_400;

/// A group bundle reads at most this many of its newest jobs (one
/// primary-key read): their traces, newest first, of which `MAX_TRACES`.
const GROUP_JOBS_READ: usize = 1_000;

/// What a bundle is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A correlation id, or a unique prefix of it.
    Trace(String),
    Job(i64),
    Lock(String),
    /// An error group's fingerprint, as `lockdesk groups` prints it.
    Group(String),
}

impl Target {
    /// `job:ID`, `lock:KEY`, `group:FINGERPRINT`, else a correlation id.
    pub fn parse(s: &str) -> Result<Target, String> {
        let s = s.trim();
        if let Some(id) = s.strip_prefix("job:") {
            return id
                .trim()
                .parse()
                .map(Target::Job)
                .map_err(|_| format!("`{id}` is not a job id"));
        }
        if let Some(key) = s.strip_prefix("lock:") {
            return match crate::lockkey::LockKey::parse(key.trim()) {
                Some(_) => Ok(Target::Lock(key.trim().to_string())),
                None => Err(format!("`{key}` is not a lock key (PROVIDER:external_id)")),
            };
        }
        if let Some(fp) = s.strip_prefix("group:") {
            return Ok(Target::Group(fp.trim().to_string()));
        }
        if s.is_empty() {
            return Err("give a correlation id, job:ID, lock:KEY or group:FINGERPRINT".into());
        }
        Ok(Target::Trace(s.to_string()))
    }

    /// `trace e4792295…`, `job #72`, `lock TTLOCK:1`, `group …`.
    pub fn title(&self) -> String {
        match self {
            Target::Trace(id) => format!("trace {id}"),
            Target::Job(id) => format!("job #{id}"),
            Target::Lock(k) => format!("lock {k}"),
            Target::Group(fp) => format!("error group {fp}"),
        }
    }

    /// The files' name: `bundle-<kind>-<id>`, only `[A-Za-z0-9_-]`.
    pub fn file_stem(&self) -> String {
        let (kind, id) = match self {
            Target::Trace(id) => ("trace", id.clone()),
            Target::Job(id) => ("job", id.to_string()),
            Target::Lock(k) => ("lock", k.clone()),
            Target::Group(fp) => ("group", fp.clone()),
        };
        let mut clean = String::new();
        for c in id.chars() {
            let c = if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            };
            if !(c == '-' && clean.ends_with('-')) {
                clean.push(c);
            }
        }
        let clean: String = clean.trim_matches('-').chars().take(60).collect();
        format!("bundle-{kind}-{}", clean.trim_end_matches('-'))
    }
}

/// One trace of the bundle, with what was read from it.
#[derive(Debug, Clone)]
pub struct Part {
    pub trace: Trace,
    pub summary: Summary,
    /// `(job id, why sentence)` for each job of the trace that has one.
    pub whys: Vec<(i64, String)>,
}

/// Everything a bundle holds.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub target: Target,
    /// The database's clock (or the pinned one) when it was read.
    pub now: DateTime<Utc>,
    /// Newest first, at most `MAX_TRACES`.
    pub parts: Vec<Part>,
    /// How many traces the target has in all (more than `parts` when bounded).
    pub total: usize,
    /// The devices of its troubled jobs as probed when it was made.
    pub devices: Vec<DeviceSeen>,
    /// Where the device states come from, or why there are none.
    pub devices_note: String,
}

/// One device's state as the bundle saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSeen {
    pub lock: String,
    /// `gateway G2 offline, last seen 09:12 UTC`, `online, battery 80 %`.
    pub state: String,
    /// `refuse: …`, `fine`, `state unknown: …`.
    pub verdict: String,
    pub at: DateTime<Utc>,
}

/// At most this many devices are probed for a bundle.
pub const MAX_DEVICES: usize = 20;

/// The devices of the bundle's troubled jobs (the locks of each job's last
/// run's failed calls), probed once each through the console's probes
/// (kept 60 s, 4 at a time per account, 2 s each), at most `MAX_DEVICES`.
/// Decided at bundle time rather than from the session's earlier probes:
/// the CLI has none, and the ticket wants the state when it was filed.
async fn devices_seen(
    pool: &PgPool,
    providers: Option<&Providers>,
    parts: &[Part],
    now: DateTime<Utc>,
) -> Result<(Vec<DeviceSeen>, String), BundleError> {
    let Some(providers) = providers else {
        return Ok((
            Vec::new(),
            "Not probed: no provider clients in this run.".into(),
        ));
    };
    let jobs: Vec<i64> = parts
        .iter()
        .flat_map(|p| p.whys.iter().map(|(j, _)| *j))
        .collect();
    if jobs.is_empty() {
        return Ok((Vec::new(), "No troubled job: no device was probed.".into()));
    }
    let mut conn = pool.acquire().await?;
    let mut all: Vec<crate::engine::health::Device> = Vec::new();
    for d in crate::engine::acting::job_devices(&mut conn, &jobs)
        .await?
        .into_values()
        .flatten()
    {
        if !all.iter().any(|a| a.lock == d.lock) {
            all.push(d);
        }
    }
    drop(conn);
    let found = all.len();
    all.truncate(MAX_DEVICES);
    if all.is_empty() {
        return Ok((
            Vec::new(),
            "The troubled jobs name no lock (device unknown): none was probed.".into(),
        ));
    }
    let checks = crate::engine::health::check(providers, &all, now).await;
    let seen = checks
        .iter()
        .map(|c| DeviceSeen {
            lock: c.device.lock.clone(),
            state: crate::secrets::free_text(&crate::engine::health::state_words(&c.probe))
                .into_owned(),
            verdict: crate::secrets::free_text(&match &c.verdict {
                crate::engine::health::Verdict::Fine => "fine".to_string(),
                crate::engine::health::Verdict::Refuse(r) => format!("refused: {r}"),
                crate::engine::health::Verdict::StateUnknown(w) => format!("state unknown: {w}"),
            })
            .into_owned(),
            at: c.probe.at,
        })
        .collect();
    let note = if found > MAX_DEVICES {
        format!(
            "The locks of its troubled jobs, probed when the bundle was made: the first {MAX_DEVICES} of {found}."
        )
    } else {
        "The locks of its troubled jobs, probed when the bundle was made (one attempt, 2 s each)."
            .into()
    };
    Ok((seen, note))
}

/// Why a bundle could not be made, in words.
#[derive(Debug)]
pub enum BundleError {
    NotFound(String),
    Db(sqlx::Error),
    Io(std::io::Error),
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleError::NotFound(s) => f.write_str(s),
            BundleError::Db(e) => write!(f, "reading the bundle: {e}"),
            BundleError::Io(e) => write!(f, "writing the bundle: {e}"),
        }
    }
}

impl std::error::Error for BundleError {}

impl From<sqlx::Error> for BundleError {
    fn from(e: sqlx::Error) -> Self {
        BundleError::Db(e)
    }
}

impl From<std::io::Error> for BundleError {
    fn from(e: std::io::Error) -> Self {
        BundleError::Io(e)
    }
}

/// The correlation ids of a target, newest first (deduplicated).
async fn correlation_ids(
    pool: &PgPool,
    target: &Target,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
) -> Result<Vec<String>, BundleError> {
    let mut conn = pool.acquire().await?;
    let mut ids: Vec<String> = Vec::new();
    let mut push = |c: Option<String>| {
        if let Some(c) = c {
            if !ids.contains(&c) {
                ids.push(c);
            }
        }
    };
    match target {
        Target::Trace(id) => match store::traces::resolve(&mut conn, id).await {
            Ok(store::traces::Resolved::One(full)) => push(Some(full)),
            Ok(store::traces::Resolved::None) => {
                return Err(BundleError::NotFound(format!("no trace matches `{id}`")));
            }
            Ok(store::traces::Resolved::Many(many)) => {
                return Err(BundleError::NotFound(format!(
                    "`{id}` matches several traces ({}); give more of the id",
                    many.join(", ")
                )));
            }
            Err(store::traces::ResolveError::Db(e)) => return Err(e.into()),
            Err(e) => return Err(BundleError::NotFound(e.to_string())),
        },
        Target::Job(id) => push(job_correlation(&mut conn, *id).await?),
        Target::Lock(key) => {
            let logs = store::queries::lock_logs(&mut conn, key, LOCK_LOGS).await?;
            for l in logs {
                push(l.correlation_id);
            }
        }
        Target::Group(fp) => {
            let t =
                store::groups::troubled(&mut conn, GROUP_WINDOW_SECS, stuck_after_secs, Some(now))
                    .await?;
            let mut jobs: Vec<_> = t
                .jobs
                .iter()
                .filter(|j| j.fingerprint().to_string() == *fp)
                .collect();
            jobs.sort_by_key(|j| std::cmp::Reverse(j.failed_at()));
            // The members' rows in one primary-key read, bounded: the
            // newest `GROUP_JOBS_READ` (each trace names its own jobs).
            let ids: Vec<i64> = jobs.iter().take(GROUP_JOBS_READ).map(|j| j.id).collect();
            for j in store::queue::jobs_by_ids(&mut conn, &ids).await? {
                push(j.correlation_id);
            }
        }
    }
    if ids.is_empty() {
        return Err(BundleError::NotFound(format!(
            "{} has no traces to bundle",
            target.title()
        )));
    }
    Ok(ids)
}

async fn job_correlation(
    conn: &mut sqlx::PgConnection,
    id: i64,
) -> Result<Option<String>, BundleError> {
    let row = sqlx::query(statements::jobs::BY_ID.marked())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok(store::traces::job_row(&r)?.correlation_id),
        None => Err(BundleError::NotFound(format!("no job has the id {id}"))),
    }
}

/// The database's clock.
async fn db_now(pool: &PgPool) -> Result<DateTime<Utc>, sqlx::Error> {
    let (t,): (DateTime<Utc>,) = sqlx::query_as(statements::session::NOW.marked())
        .fetch_one(pool)
        .await?;
    Ok(t)
}

/// Reads a bundle: the target's traces (newest first, bounded), their
/// sections, findings and why sentences. `pinned_now` fixes the clock.
pub async fn gather(
    pool: &PgPool,
    providers: Option<&Providers>,
    target: &Target,
    stuck_after_secs: i64,
    pinned_now: Option<DateTime<Utc>>,
) -> Result<Bundle, BundleError> {
    let now = match pinned_now {
        Some(t) => t,
        None => db_now(pool).await?,
    };
    let ids = correlation_ids(pool, target, now, stuck_after_secs).await?;
    let total = ids.len();
    let stuck_after = Duration::seconds(stuck_after_secs.max(0));
    let mut parts = Vec::new();
    for id in ids.iter().take(MAX_TRACES) {
        let trace = store::traces::fetch(pool, id).await?;
        let summary = timeline::summarize(&trace, &now, stuck_after);
        let cx = why::Context {
            now,
            stuck_after,
            typical: None,
            lock_held: None,
        };
        let whys = trace
            .jobs
            .iter()
            .filter_map(|j| {
                let logs: Vec<_> = trace
                    .logs
                    .iter()
                    .filter(|l| l.reconcile_job_id == Some(j.id))
                    .map(std::borrow::Cow::into_owned)
                    .collect();
                why::why(j, &logs, &cx).map(|w| (j.id, w))
            })
            .collect();
        parts.push(Part {
            trace,
            summary,
            whys,
        });
    }
    // Newest first, by the trace's last time.
    parts.sort_by_key(|p| std::cmp::Reverse(p.summary.last));
    let (devices, devices_note) = devices_seen(pool, providers, &parts, now).await?;
    Ok(Bundle {
        target: target.clone(),
        now,
        parts,
        total,
        devices,
        devices_note,
    })
}

/// Writes `<stem>.md` and `<stem>.json` into `dir`, 0600, never over an
/// existing file: `<stem>-2`, `<stem>-3`… Returns both paths.
pub fn write(dir: &Path, bundle: &Bundle) -> Result<(PathBuf, PathBuf), BundleError> {
    let stem = bundle.target.file_stem();
    let md = markdown(bundle);
    let js = json(bundle);
    for n in 1..1000 {
        let name = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}-{n}")
        };
        let (m, j) = (
            dir.join(format!("{name}.md")),
            dir.join(format!("{name}.json")),
        );
        if m.exists() || j.exists() {
            continue;
        }
        match crate::files::write_private_new(&m, &md) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            r => r?,
        }
        match crate::files::write_private_new(&j, &js) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let _ = std::fs::remove_file(&m);
                continue;
            }
            r => r?,
        }
        return Ok((m, j));
    }
    Err(BundleError::Io(std::io::Error::other(
        "every bundle name up to -999 is taken",
    )))
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn targets_parse_by_their_prefix() {
        assert_eq!(
            Target::parse("e4792295"),
            Ok(Target::Trace("e4792295".into()))
        );
        assert_eq!(Target::parse("job:72"), Ok(Target::Job(72)));
        assert!(Target::parse("job:x").is_err());
        assert_eq!(
            Target::parse("lock:TTLOCK:28991110"),
            Ok(Target::Lock("TTLOCK:28991110".into()))
        );
        assert!(Target::parse("lock:nothing").is_err());
        assert_eq!(
            Target::parse("group:TTLOCK UNLOCK -3003"),
            Ok(Target::Group("TTLOCK UNLOCK -3003".into()))
        );
        assert!(Target::parse("  ").is_err());
    }

    #[test]
    fn file_stems_are_plain_names() {
        assert_eq!(Target::Job(72).file_stem(), "bundle-job-72");
        assert_eq!(
            Target::Lock("TTLOCK:28991110".into()).file_stem(),
            "bundle-lock-TTLOCK-28991110"
        );
        let g = Target::Group("TTLOCK UNLOCK -3003 (../gateway offline)".into()).file_stem();
        assert_eq!(g, "bundle-group-TTLOCK-UNLOCK-3003-gateway-offline");
        let long = Target::Group("x".repeat(500)).file_stem();
        assert!(long.len() <= 80, "{long}");
    }
}
