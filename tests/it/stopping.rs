// Stopping mid-apply: Ctrl-C, SIGTERM or SIGHUP while an enforcement runs
// in the real console (in tmux) lets the call in flight finish and be logged,
// skips the rest, marks the job "stopped by operator after N of M", restores
// the terminal and exits 0.

use std::time::{Duration, Instant};

use lockdesk::sim::Fault;
use sqlx::PgPool;

use crate::support::Tmux;
use crate::support::demo_db;
use crate::support::sim_for;

const LOCK: &str = "TTLOCK:28991110";

enum Stop {
    Key,
    Signal(&'static str),
    /// The same signal twice: the second does not wait for the call.
    Twice(&'static str),
}

async fn stop_mid_apply(stop: Stop) {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = sim_for(&url).await;
    {
        // A stray code besides the revoked one: the plan deletes two.
        let mut st = lockdesk::sim::state(&sim.state);
        let lock = st.tt_locks.get_mut(&28_991_110).unwrap();
        let mut stray = lock.passcodes[0].clone();
        stray["keyboardPwdId"] = serde_json::json!(77_000_001);
        stray["keyboardPwdName"] = serde_json::json!("STRAY 1");
        stray["keyboardPwd"] = serde_json::json!("9911");
        lock.passcodes.push(stray);
    }
    // Twice: the call in flight outlasts the test's patience.
    let slow = if matches!(stop, Stop::Twice(_)) {
        60
    } else {
        3
    };
    sim.set_fault(LOCK, Some(Fault::SlowAnswer(Duration::from_secs(slow))));
    let home = std::env::temp_dir().join(format!(
        "lockdesk-stop-{}-{}",
        std::process::id(),
        crate::support::rand_suffix()
    ));
    std::fs::create_dir_all(home.join("config")).unwrap();
    lockdesk::files::write_private(
        &home.join("config/providers.toml"),
        &sim.provider_settings().to_file_text(),
    )
    .unwrap();
    let args = format!(
        "--database-url {} --write --reason INC-5",
        lockdesk::curl::shell_quote(&url)
    );
    let t = Tmux::start_keeping_status(&home, (160, 45), &args);
    t.wait_for("Jobs");
    t.keys(&[":", "door 2", "Enter"]);
    t.wait_for(LOCK);
    t.keys(&["d"]);
    t.wait_for("Type the door's name");
    t.keys(&["Tab", "ttlock", "Enter"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while lockdesk::sim::state(&sim.state).tt_deletes == 0 {
        assert!(
            Instant::now() < deadline,
            "the run never sent a delete:\n{}",
            t.screen()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let twice = matches!(stop, Stop::Twice(_));
    match stop {
        Stop::Key => t.keys(&["C-c"]),
        Stop::Signal(sig) | Stop::Twice(sig) => {
            // lockdesk is the shell's child in the pane.
            let sh = t.run(&["display", "-p", "#{pane_pid}"]).trim().to_string();
            let pid = std::fs::read_to_string(format!("/proc/{sh}/task/{sh}/children"))
                .unwrap()
                .trim()
                .to_string();
            assert!(!pid.is_empty(), "lockdesk runs in the pane");
            let ok = std::process::Command::new("kill")
                .args([&format!("-{sig}"), &pid])
                .status()
                .unwrap();
            assert!(ok.success());
            if twice {
                t.wait_for("stopping");
                let again = std::process::Command::new("kill")
                    .args([&format!("-{sig}"), &pid])
                    .status()
                    .unwrap();
                assert!(again.success());
            }
        }
    }
    // It exits 0 once the call in flight is logged (twice: at once, long
    // before the 60 s answer).
    let deadline = Instant::now() + Duration::from_secs(if twice { 20 } else { 30 });
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(home.join("exit")) {
            if s.ends_with('\n') {
                break s;
            }
        }
        assert!(Instant::now() < deadline, "still running:\n{}", t.screen());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.trim(), "0", "exit status");
    if twice {
        // Gone at once, with the delete still unanswered: its intent is the
        // record, and the job is left running (shown "interrupted"; the next
        // preview settles it, as kill_between_call_and_log shows).
        assert!(
            lockdesk::sim::state(&sim.state).tt_deletes == 1,
            "one delete sent"
        );
        let (status, intents, outcomes): (String, i64, i64) = sqlx::query_as(
            "SELECT j.status,
                    (SELECT count(*) FROM integration_logs l WHERE l.reconcile_job_id = j.id AND l.action = 'DRIFT_ENFORCE_DELETE_PIN_INTENT'),
                    (SELECT count(*) FROM integration_logs l WHERE l.reconcile_job_id = j.id AND l.action = 'DRIFT_ENFORCE_DELETE_PIN')
               FROM reconcile_jobs j WHERE j.job_type = 'drift_enforce_lock_truth' ORDER BY j.id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((status.as_str(), intents, outcomes), ("running", 1, 0));
        drop(t);
        let _ = std::fs::remove_dir_all(&home);
        return;
    }
    assert_eq!(
        lockdesk::sim::state(&sim.state).tt_deletes,
        1,
        "the rest was skipped"
    );
    let (status, error, corr): (String, Option<String>, String) = sqlx::query_as(
        "SELECT status, last_error, correlation_id FROM reconcile_jobs WHERE job_type = 'drift_enforce_lock_truth' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "failed");
    assert_eq!(error.as_deref(), Some("stopped by operator after 1 of 2"));
    let outcomes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM integration_logs WHERE correlation_id = $1 AND action = 'DRIFT_ENFORCE_DELETE_PIN'",
    )
    .bind(&corr)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(outcomes, 1, "the call in flight was logged");
    drop(t);
    let _ = std::fs::remove_dir_all(&home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_apply_stops_after_the_call_in_flight() {
    stop_mid_apply(Stop::Key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_apply_stops_after_the_call_in_flight() {
    stop_mid_apply(Stop::Signal("TERM")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_mid_apply_stops_after_the_call_in_flight() {
    stop_mid_apply(Stop::Signal("HUP")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_exits_at_once() {
    stop_mid_apply(Stop::Twice("TERM")).await;
}
