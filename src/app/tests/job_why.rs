//! The job detail's why line for a stuck or interrupted job: its sentence
//! needs the job's logs, read with the job detail (never on the queue's
//! 2-second refresh), and is said once they are loaded.

use chrono::Duration;
use serde_json::json;

use super::*;
use crate::store::traces::LogRow;

fn log(id: i64, action: &str, ok: bool, mins_ago: i64) -> LogRow {
    LogRow {
        id,
        action: action.into(),
        correlation_id: Some("e4792295b2f441f0b205e154984e92fc".into()),
        created_at: crate::demo::world::fixed_now() - Duration::minutes(mins_ago),
        debug_session_id: None,
        door_id: Some(2),
        door_name: Some("Main entrance".into()),
        error_message: None,
        external_id: Some("28991110".into()),
        lock_key: Some("TTLOCK:28991110".into()),
        ok,
        provider_type: Some("TTLOCK".into()),
        reconcile_job_id: Some(104),
        request_json: Some(json!({"name": "AB U9 C6", "provider_code_id": "50957532"})),
        response_json: None,
        odd: Vec::new(),
        raw_json: Vec::new(),
        facts: crate::store::facts::LogFacts::of(
            Some(&json!({"name": "AB U9 C6", "provider_code_id": "50957532"})),
            None,
        ),
        detached: false,
    }
}

/// Opens job `j` (as `:job N` does) and answers its load and its logs' load.
fn open(j: JobRow, logs: Vec<LogRow>) -> App {
    let mut a = with_jobs(vec![j.clone()]);
    let cmds = a.go(Loc::Job(j.id), true);
    assert!(
        loads(&cmds).contains(&(Slot::JobLogs, Query::JobLogs(j.id))),
        "{cmds:?}"
    );
    let id = load_id(&cmds, Slot::JobLogs);
    answer(&mut a, Slot::JobLogs, id, Ok(Data::JobLogs(j.id, logs)));
    a
}

#[test]
fn a_stuck_jobs_detail_says_why_from_its_logs() {
    let mut j = job(104, "running");
    j.job_type = "drift_enforce_lock_truth".into();
    j.created_at = crate::demo::world::fixed_now() - Duration::hours(3);
    j.updated_at = j.created_at;
    // Before its logs are read, nothing is said of a running job.
    let a = with_jobs(vec![j.clone()]);
    assert_eq!(a.job_why(&j), None);
    let a = open(
        j.clone(),
        vec![log(1, "DRIFT_ENFORCE_JOB_START", true, 180)],
    );
    let why = a.job_why(&j).expect("a sentence");
    assert!(
        why.starts_with("Stuck: drift enforcement started 3 h ago"),
        "{why}"
    );
    assert!(why.contains("TTLOCK:28991110"), "{why}");
    assert!(why.contains("no log for 3 h"), "{why}");
    // Another job's logs say nothing of this one.
    let mut other = j.clone();
    other.id = 105;
    assert_eq!(a.job_why(&other), None);
}

#[test]
fn an_interrupted_jobs_detail_names_the_change_with_no_outcome() {
    let mut j = job(104, "failed");
    j.interrupted = true;
    j.last_error = Some("worker lost".into());
    let a = open(
        j.clone(),
        vec![
            log(1, "DRIFT_ENFORCE_JOB_START", true, 30),
            log(2, "DRIFT_ENFORCE_DELETE_PIN_INTENT", false, 29),
        ],
    );
    let why = a.job_why(&j).expect("a sentence");
    assert!(
        why.starts_with("Interrupted after a change was sent to the provider: DRIFT_ENFORCE_DELETE_PIN_INTENT (log #2)"),
        "{why}"
    );
}

#[test]
fn the_queues_refresh_never_reads_a_jobs_logs() {
    let mut a = open(job(104, "running"), Vec::new());
    let mut cmds = Vec::new();
    for _ in 0..3 {
        cmds.extend(a.update(Msg::Tick(a.now())));
    }
    assert!(
        loads(&cmds).iter().all(|(s, _)| *s != Slot::JobLogs),
        "{cmds:?}"
    );
    // Ctrl-R reads them again, with who else is acting.
    let cmds = press(&mut a, "<C-r>");
    assert!(
        loads(&cmds).contains(&(Slot::JobLogs, Query::JobLogs(104))),
        "{cmds:?}"
    );
}
