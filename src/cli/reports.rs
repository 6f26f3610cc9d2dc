//! The read-only reports the command line prints without a console: the
//! error groups of a window (`groups`) and one job with its why (`job --json`).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::PgPool;

use crate::groups::incident;
use crate::store;

/// The longest window `--since` takes.
pub const MAX_SINCE_SECS: i64 = 31 * 86_400;

/// `--now`: an RFC 3339 time.
pub fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{s}` is not an RFC 3339 time, e.g. 2026-11-20T15:30:00Z"))
}

/// `--since`: `90m`, `24h`, `7d` or `3600s`, at most 31 days.
pub fn parse_since(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a duration: give e.g. 90m, 24h or 7d (at most 31d)");
    let unit = s.chars().last().ok_or_else(bad)?;
    let per = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let n: i64 = s[..s.len() - 1].parse().map_err(|_| bad())?;
    match n.checked_mul(per) {
        Some(secs) if secs > 0 && secs <= MAX_SINCE_SECS => Ok(secs),
        _ => Err(bad()),
    }
}

fn at(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "?".into(),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// `lockdesk groups`: the troubled jobs of the window, one line per cause.
pub async fn groups(
    pool: &PgPool,
    since_secs: i64,
    stuck_after_secs: i64,
    json: bool,
    pinned_now: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let t = store::groups::troubled(&mut conn, since_secs, stuck_after_secs, pinned_now).await?;
    drop(conn);
    let now = t.now.unwrap_or(DateTime::<Utc>::MIN_UTC);
    let groups = incident::build(&t.jobs, now, Duration::seconds(since_secs));
    if json {
        let all: Vec<serde_json::Value> = groups.iter().map(incident::Group::to_json).collect();
        let text = serde_json::to_string_pretty(&all)?;
        crate::output::write_stdout(&format!("{text}\n"));
        if t.capped {
            eprintln!(
                "note: the first {} troubled jobs of the window were read (the cap); older ones are not in these groups",
                store::groups::CAP
            );
        }
        return Ok(());
    }
    let mut out = format!(
        "{} troubled job{} in {} group{} over the last {} (by the database's clock, {}){}\n",
        t.jobs.len(),
        if t.jobs.len() == 1 { "" } else { "s" },
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
        crate::timefmt::span(Duration::seconds(since_secs)),
        at(t.now),
        if t.capped {
            format!(
                "; the cap of {} was reached, older jobs are left out",
                store::groups::CAP
            )
        } else {
            String::new()
        }
    );
    for s in incident::storms(&groups) {
        out.push_str(&format!(
            "RETRY STORM: {} jobs failed within {} min ({} – {}): {}\n",
            s.jobs,
            incident::STORM_MINUTES,
            at(Some(s.from)),
            at(Some(s.to)),
            s.fingerprint
        ));
    }
    for g in &groups {
        let statuses: Vec<String> = g.statuses.iter().map(|(k, v)| format!("{v} {k}")).collect();
        out.push_str(&format!(
            "\n{:>6}  {}{}\n        {} – {}; {} lock{}, {} site{}; {}; e.g. job #{}\n        per hour: {}\n",
            g.count,
            g.fingerprint,
            g.meaning.map_or_else(String::new, |m| format!("  ({m})")),
            at(g.first_seen),
            at(g.last_seen),
            g.locks.len(),
            if g.locks.len() == 1 { "" } else { "s" },
            g.sites.len(),
            if g.sites.len() == 1 { "" } else { "s" },
            statuses.join(", "),
            g.sample_job_id,
            g.per_hour.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
        ));
    }
    crate::output::write_stdout(&crate::secrets::free_text(&out));
    Ok(())
}

/// `lockdesk job <id> --json`: the job, its attempts (one per START…DONE or
/// FAILED run, with its calls), its errors with their documented meanings,
/// its fingerprint, why it is where it is, and its trace's findings.
/// `primary_url` is asked only whether a drift run's lock is held (pg_locks
/// is the primary's).
pub async fn job_json(
    pool: &PgPool,
    primary_url: &str,
    id: i64,
    stuck_after_secs: i64,
    pinned_now: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    use crate::groups::{fingerprint, why};
    use crate::store::statements;
    let mut conn = pool.acquire().await?;
    let row = sqlx::query(statements::jobs::BY_ID.marked())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Err(super::Exit(2, format!("no job has the id {id}")).into());
    };
    let job = store::traces::job_row(&row)?;
    let now = match pinned_now {
        Some(t) => t,
        None => {
            let (t,): (DateTime<Utc>,) = sqlx::query_as(statements::session::NOW.marked())
                .fetch_one(&mut *conn)
                .await?;
            t
        }
    };
    let stuck_after = Duration::seconds(stuck_after_secs.max(0));
    let typical = if job.status == "running" {
        let (median, _) = store::groups::typical_duration(&mut conn, &job.job_type).await?;
        median.and_then(|m| Duration::try_milliseconds((m * 1000.0) as i64))
    } else {
        None
    };
    drop(conn);
    let trace = match job.correlation_id.as_deref() {
        Some(c) => store::traces::fetch(pool, c).await?,
        None => store::traces::Trace::default(),
    };
    let logs: Vec<store::traces::LogRow> = trace
        .logs
        .iter()
        .filter(|l| l.reconcile_job_id == Some(id))
        .map(std::borrow::Cow::into_owned)
        .collect();
    let lock = logs
        .iter()
        .rev()
        .filter_map(|l| l.lock_key.as_deref())
        .filter_map(crate::lockkey::LockKey::parse)
        .find(crate::lockkey::LockKey::is_provider_lock);
    let lock_held = match (
        &lock,
        job.job_type == statements::drift::JOB_TYPE,
        job.status == "running",
    ) {
        (Some(k), true, true) => {
            let primary = store::open(primary_url).await?;
            let key = crate::engine::runs::advisory_key(&k.provider, &k.external_id);
            let holder: Option<(Option<String>, Option<String>)> =
                sqlx::query_as(statements::drift::ENFORCE_HOLDER.marked())
                    .bind(key)
                    .fetch_optional(&primary.pool)
                    .await?;
            Some(holder.is_some())
        }
        _ => None,
    };
    let cx = why::Context {
        now,
        stuck_after,
        typical,
        lock_held,
    };
    let sentence = why::why(&job, &logs, &cx);
    let runs = why::attempts(&logs);
    let failed_step = runs
        .iter()
        .rev()
        .find_map(why::Attempt::failure)
        .or_else(|| logs.iter().rev().find(|l| crate::intents::failed(l)));
    let fp = match failed_step {
        Some(l) => fingerprint::Fingerprint::of_step(&why::step_of(l)),
        None => fingerprint::Fingerprint::of_job(&job.job_type, job.last_error.as_deref()),
    };
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let call = |l: &store::traces::LogRow| {
        serde_json::json!({
            "id": l.id, "action": l.action, "provider": l.provider_type, "lock_key": l.lock_key,
            "door_name": l.door_name, "ok": l.ok, "created_at": time(l.created_at),
            "error": l.error_message.as_deref().map(|e| fingerprint::explained(l.provider_type.as_deref(), e)),
        })
    };
    let attempts: Vec<serde_json::Value> = runs
        .iter()
        .enumerate()
        .map(|(n, a)| {
            serde_json::json!({
                "attempt": n + 1,
                "started_at": a.start.map(|l| time(l.created_at)),
                "ended_at": a.end.map(|l| time(l.created_at)),
                "outcome": match a.end {
                    Some(e) if e.action.ends_with("_JOB_DONE") => "done",
                    Some(_) => "failed",
                    None if a.failed() => "failed",
                    None => "no end logged",
                },
                "error": a.failure().and_then(|l| l.error_message.as_deref())
                    .map(|e| fingerprint::explained(a.failure().and_then(|l| l.provider_type.as_deref()), e)),
                "calls": a.calls.iter().map(|l| call(l)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let errors: Vec<serde_json::Value> = logs
        .iter()
        .filter(|l| crate::intents::failed(l))
        .map(|l| {
            let f = fingerprint::Fingerprint::of_step(&why::step_of(l));
            serde_json::json!({
                "log_id": l.id, "action": l.action, "provider": l.provider_type,
                "created_at": time(l.created_at), "error": l.error_message,
                "code": f.code.map(|c| c.to_string()), "meaning": f.meaning(),
            })
        })
        .collect();
    let troubled = job.status.is_retryable() || sentence.is_some();
    let findings = crate::timeline::summarize(&trace, &now, stuck_after).anomalies;
    let doc = serde_json::json!({
        "job": serde_json::from_str::<serde_json::Value>(&job.to_json_text()).unwrap_or(serde_json::Value::Null),
        "attempts": attempts,
        "errors": errors,
        "fingerprint": troubled.then(|| fp.to_string()),
        "meaning": if troubled { fp.meaning() } else { None },
        "why": sentence,
        "findings": findings,
    });
    let text = serde_json::to_string_pretty(&doc)?;
    crate::output::write_stdout(&format!("{}\n", crate::secrets::json_text(&text)));
    Ok(())
}

/// `lockdesk bundle <target> [--out DIR]`: writes the bundle's two files
/// into `out` (or the current folder) and prints their paths.
/// Read from the standby when there is one.
pub async fn bundle(
    g: &super::Global,
    target: &str,
    out: Option<std::path::PathBuf>,
    pinned_now: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    use crate::bundle::{self, BundleError};
    let target = bundle::Target::parse(target).map_err(|e| super::Exit(2, e))?;
    let db = super::open_reads(g).await?;
    let stuck = super::stuck_after_secs()?;
    // The device states seen are probed with the profile's provider
    // clients; without them the bundle says it probed nothing.
    let providers = crate::config::Config::load().ok().and_then(|config| {
        let env_url = std::env::var("DATABASE_URL").ok();
        let profile = config.named_profile(
            g.database_url.as_deref(),
            g.profile.as_deref(),
            env_url.as_deref(),
        );
        crate::providers::settings::ProviderSettings::load(
            profile,
            crate::providers::settings::EnvOverrides::from_env(),
        )
        .ok()
        .map(|(p, _)| crate::providers::settings::Providers::new(p))
    });
    let b = match bundle::gather(&db.pool, providers.as_ref(), &target, stuck, pinned_now).await {
        Err(BundleError::NotFound(e)) => return Err(super::Exit(2, e).into()),
        r => r?,
    };
    let dir = match out {
        Some(d) => d,
        None => std::env::current_dir()?,
    };
    let (md, json) = bundle::write(&dir, &b)?;
    crate::output::write_stdout(&format!("{}\n{}\n", md.display(), json.display()));
    Ok(())
}
