// The console end to end: the real app on the demo world in a real Postgres,
// driven by key presses, its screens compared as text snapshots (fixed size,
// fixed clock, fixed zone).

use lockdesk::console::options::Target;
use lockdesk::keys::Keymap;

use crate::support::{Screen, demo_db, writer};

#[tokio::test]
async fn job_queue() {
    let url = demo_db().await;
    insta::assert_snapshot!(Screen::new(&url).run().await);
}

#[tokio::test]
async fn job_queue_filtered_to_failed_then_stuck() {
    let url = demo_db().await;
    let failed = Screen::new(&url).keys(":jobs failed<Enter>").run().await;
    assert!(failed.contains("showing: status=failed"), "{failed}");
    assert!(failed.contains("errcode -3002"), "{failed}");
    let rows: Vec<&str> = failed.lines().filter(|l| l.starts_with('#')).collect();
    // (The demo's incident fills the page with failed jobs.)
    assert!(rows.len() >= 4, "{failed}");
    assert!(rows.iter().all(|r| r.contains(" failed ")), "{failed}");
    let stuck = Screen::new(&url).keys("sss").run().await;
    assert!(stuck.contains("showing: status=stuck"), "{stuck}");
    insta::assert_snapshot!(stuck);
}

#[tokio::test]
async fn job_command_opens_the_queue_on_that_job() {
    let url = demo_db().await;
    let s = Screen::new(&url).target(Target::Job { id: 72 }).run().await;
    assert!(
        s.contains("job #72  reconcile_user  user 9  access level changed"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn seed_trace_e4792295_shows_its_five_logs_in_order() {
    let url = demo_db().await;
    let s = Screen::new(&url).keys(":trace e4792295<Enter>").run().await;
    let timeline = s
        .split("4 — Timeline")
        .nth(1)
        .expect("the timeline section");
    let expected = [
        ("08:58:54.000 CST", "RECONCILE_ENQUEUED", "log #1380"),
        ("08:58:54.000 CST", "RECONCILE_JOB_START", "log #1381"),
        ("08:58:58.000 CST", "PASSCODE_DELETE", "log #1384"),
        ("08:59:00.000 CST", "PASSCODE_DELETE", "log #1387"),
        ("08:59:00.000 CST", "RECONCILE_JOB_DONE", "log #1390"),
    ];
    let lines: Vec<&str> = timeline.lines().filter(|l| l.contains("log #")).collect();
    assert_eq!(lines.len(), 5, "{timeline}");
    for (line, (time, action, id)) in lines.iter().zip(expected) {
        assert!(
            line.contains(time) && line.contains(action) && line.contains(id),
            "{line}"
        );
    }
    // The anomaly the web page never pointed out.
    assert!(s.contains("job #72 sent PASSCODE_DELETE for 50957532 on TTLOCK:28991110 2 times"));
    assert!(s.contains("job #72 reports adds_updates: 1 but 0 add calls are logged"));
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn seed_trace_c2165f3f_reaches_the_enforce_plan() {
    let url = demo_db().await;
    // Last timeline entry is DRIFT_ENFORCE_JOB_DONE: G goes there, Enter opens it,
    // and a search jumps to the enforce plan.
    let s = Screen::new(&url)
        .target(Target::Trace {
            id: "c2165f3f".into(),
        })
        .keys("G<Enter>/enforce_plan<Enter>")
        .run()
        .await;
    assert!(s.contains("log #1663 DRIFT_ENFORCE_JOB_DONE"), "{s}");
    assert!(s.contains("\"enforce_plan\": {"), "{s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn job_enter_drills_into_its_trace_and_esc_comes_back() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .target(Target::Job { id: 104 })
        .keys("<Enter>")
        .run()
        .await;
    assert!(s.contains("Trace c2165f3f52364e4db32d169654f4648f"), "{s}");
    let back = Screen::new(&url)
        .target(Target::Job { id: 104 })
        .keys("<Enter><Esc>")
        .run()
        .await;
    assert!(
        back.contains("job #104  drift_enforce_lock_truth"),
        "{back}"
    );
}

#[tokio::test]
async fn audit_row_opens_a_field_diff() {
    let url = demo_db().await;
    let list = Screen::new(&url).keys("2").run().await;
    insta::assert_snapshot!("audit_list", list);
    let diff = Screen::new(&url)
        .target(Target::Trace {
            id: "c2165f3f".into(),
        })
        .keys("<Enter>")
        .run()
        .await;
    assert!(diff.contains("+ device_type: \"TTLOCK\""), "{diff}");
    insta::assert_snapshot!("audit_diff", diff);
}

#[tokio::test]
async fn per_lock_logs_of_door_2() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .run()
        .await;
    assert!(
        s.contains("TTLOCK:28991110") && s.contains("door #2 ttlock"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    let by_name = Screen::new(&url).keys(":door ttlock<Enter>").run().await;
    assert!(by_name.contains("Lock TTLOCK:28991110"), "{by_name}");
}

/// Some line of `screen` reads `words` (one space between them), whatever
/// the widths its columns were given.
fn row_reads(screen: &str, words: &str) -> bool {
    screen.lines().any(|l| {
        l.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(words)
    })
}

#[tokio::test]
async fn per_lock_pane_merges_the_providers_own_audit_trail() {
    let url = demo_db().await;
    let sim = crate::support::sim_for(&url).await;
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(s.contains("TTLOCK events (last 7 days)"), "{s}");
    assert!(
        row_reads(&s, "ttlock unlock by passcode") && row_reads(&s, "broker PASSCODE_LIST"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // A provider that is down never blocks the pane: the broker part shows.
    sim.set_fault("TTLOCK:28991110", Some(lockdesk::sim::Fault::ServerError));
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .size(140, 20)
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(
        s.contains("TTLOCK audit trail unavailable: TTLOCK: HTTP 500"),
        "{s}"
    );
    assert!(row_reads(&s, "broker PASSCODE_DELETE"), "{s}");
    // The lock whose clock runs four minutes fast is pointed out.
    let s = Screen::new(&url)
        .target(Target::Door { id: "3".into() })
        .size(160, 12)
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(
        s.contains("the lock's clock is 3m5") || s.contains("the lock's clock is 4m0"),
        "{s}"
    );
}

#[tokio::test]
async fn user_9_shows_access_masked_credentials_and_traces() {
    let url = demo_db().await;
    let s = Screen::new(&url).target(Target::User { id: 9 }).run().await;
    assert!(s.contains("AB U9 C6") && s.contains("***11 "), "{s}");
    assert!(
        !s.contains("***1111"),
        "at most 2 digits of a PIN show: {s}"
    );
    assert!(!s.contains("48201111"), "a full PIN reached the screen");
    assert!(s.contains("e4792295b2f441f0b205e154984e92fc"));
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn help_overlay_comes_from_the_keymap() {
    let url = demo_db().await;
    let s = Screen::new(&url).keys("?").size(140, 60).run().await;
    assert!(
        s.contains("cycle_status") || s.contains("next status filter"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn help_scrolled_to_its_end_lists_every_command() {
    let url = demo_db().await;
    // `G` scrolls the help, not the queue behind it; `q` would close it.
    let s = Screen::new(&url).keys("?G").size(120, 40).run().await;
    for c in [
        ":write 15m REASON",
        ":reveal 10m REASON",
        ":readonly",
        ":recent",
    ] {
        assert!(s.contains(c), "{c} is not in the help's end: {s}");
    }
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn a_user_keymap_rebinding_drives_the_app() {
    let url = demo_db().await;
    let km = Keymap::defaults()
        .overlay(
            "user-keymap.toml",
            "[jobs]\n\"x\" = \"cycle_status\"\n\"s\" = \"none\"\n",
        )
        .unwrap();
    let s = Screen::new(&url).keys("x").keymap(km.clone()).run().await;
    assert!(s.contains("showing: status=queued"), "{s}");
    let s = Screen::new(&url).keys("s").keymap(km).run().await;
    assert!(
        s.contains("showing: all jobs"),
        "the unbound key does nothing: {s}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_message() {
    let url = demo_db().await;
    let s = Screen::new(&url).keys(":trace zz<Enter>").run().await;
    assert!(s.contains("`zz` is not a correlation id"), "{s}");
    let s = Screen::new(&url).keys(":trace ffffffff<Enter>").run().await;
    assert!(s.contains("no trace matches `ffffffff`"), "{s}");
    let s = Screen::new(&url).keys(":job seventy<Enter>").run().await;
    assert!(s.contains(":job needs a number"), "{s}");
    let s = Screen::new(&url).keys(":door nowhere<Enter>").run().await;
    assert!(s.contains("no door named like `nowhere`"), "{s}");
    let s = Screen::new(&url).keys(":explode<Enter>").run().await;
    assert!(s.contains("unknown command `:explode`"), "{s}");
    let s = Screen::new(&url).keys(":job 999999<Enter>").run().await;
    assert!(s.contains("there is no job #999999"), "{s}");
}

#[tokio::test]
async fn numbers_in_json_are_shown_exactly() {
    let url = demo_db().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, request_json, response_json)
         VALUES ('PASSCODE_LIST', 'abcdef0123456789abcdef0123456789', '2026-11-20T15:00:00Z', 'TTLOCK:28991110', true, 'TTLOCK',
                 '{\"big\": 9007199254740993, \"huge\": 1000000000000000000000000, \"date\": 1770217136181}'::jsonb, null)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let s = Screen::new(&url)
        .keys(":trace abcdef01<Enter>Q")
        .run()
        .await;
    assert!(s.contains("\"big\": 9007199254740993"), "{s}");
    assert!(s.contains("\"huge\": 1000000000000000000000000"), "{s}");
    assert!(s.contains("\"date\": 1770217136181"), "{s}");
}

#[tokio::test]
async fn r_retries_a_failed_job_in_write_mode_and_is_refused_read_only() {
    let url = demo_db().await;
    // Read-only: the console refuses before sending (Postgres would too).
    let read_only = Screen::new(&url).keys(":jobs failed<Enter>r").run().await;
    assert!(
        read_only.contains("read-only session: nothing was sent. Type :write 15m REASON"),
        "{read_only}"
    );
    let s = Screen::new(&url)
        .keys(":jobs failed<Enter>r")
        .global(writer())
        .run()
        .await;
    assert!(s.contains(" WRITE "), "{s}");
    assert!(s.contains("is now queued"), "{s}");
    // A done job: the key explains why it does nothing.
    let s = Screen::new(&url)
        .target(Target::Job { id: 72 })
        .keys("r")
        .global(writer())
        .run()
        .await;
    assert!(s.contains("job #72 is done: nothing to retry"), "{s}");
    // A stuck job asks for a typed confirmation first.
    let s = Screen::new(&url)
        .keys(":jobs stuck<Enter>r")
        .global(writer())
        .run()
        .await;
    assert!(s.contains("A worker may still be running it"), "{s}");
    let s = Screen::new(&url)
        .keys(":jobs stuck<Enter>rretry<Enter>")
        .global(writer())
        .run()
        .await;
    assert!(s.contains("is now queued"), "{s}");
}

#[tokio::test]
async fn retry_all_shows_how_many_and_wants_that_number_typed() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .keys(":jobs failed<Enter>R")
        .global(writer())
        .run()
        .await;
    assert!(s.contains("316 jobs will be re-enqueued"), "{s}");
    let s = Screen::new(&url)
        .keys(":jobs failed<Enter>R315<Enter>")
        .global(writer())
        .run()
        .await;
    assert!(
        s.contains("Type 316 and press Enter"),
        "a wrong count does nothing: {s}"
    );
    let s = Screen::new(&url)
        .keys(":jobs failed<Enter>R316<Enter>")
        .global(writer())
        .run()
        .await;
    assert!(
        s.contains("316 jobs re-enqueued; 0 had changed meanwhile"),
        "{s}"
    );
}

#[tokio::test]
async fn drift_on_door_2_shows_the_plan_then_runs_after_the_name_is_typed() {
    let url = demo_db().await;
    let sim = crate::support::sim_for(&url).await;
    let plan = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("d")
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(plan.contains("mode standard"), "{plan}");
    assert!(
        plan.contains("! AB U9 C6  #50957532  blocked by grace"),
        "{plan}"
    );
    insta::assert_snapshot!("drift_plan_standard", plan);
    let ultra = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("d<Tab>")
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    // The delete in words: the credential, the user behind it, the door.
    assert!(
        ultra.contains(
            "- #50957532  AB U9 C6 — user 9, no access level of hers opens door 2 (ttlock); her newest access change: app_audit #"
        ),
        "{ultra}"
    );
    assert!(
        ultra.contains("by admin:olivia@acme.example  grace bypassed"),
        "{ultra}"
    );
    let wrong = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("d<Tab>front<Enter>")
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(
        wrong.contains("type the door's name, ttlock, to run the plan"),
        "{wrong}"
    );
    assert_eq!(
        lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
            .passcodes
            .len(),
        1,
        "nothing ran"
    );
    let run = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("d<Tab>ttlock<Enter>")
        .global(writer())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(run.contains("1 deleted, 0 added"), "{run}");
    assert!(run.contains("no drift"), "what remains is shown: {run}");
    assert!(
        lockdesk::sim::state(&sim.state).tt_locks[&28_991_110]
            .passcodes
            .is_empty()
    );
}

#[tokio::test]
async fn y_copies_the_selected_json_through_osc52_when_headless() {
    let url = demo_db().await;
    let s = Screen::new(&url)
        .keys(":trace e4792295<Enter>y")
        .run()
        .await;
    assert!(
        s.contains("copied audit row #") && s.contains("(OSC 52,"),
        "{s}"
    );
    let s = Screen::new(&url)
        .keys(":trace e4792295<Enter>GC")
        .run()
        .await;
    assert!(
        s.contains("copied log #1390 as curl") || s.contains("no curl command for log #1390"),
        "{s}"
    );
    let s = Screen::new(&url)
        .keys(":trace e4792295<Enter>M")
        .run()
        .await;
    assert!(s.contains("copied the trace as Markdown"), "{s}");
}

#[test]
fn every_action_has_a_documented_default_key() {
    let km = Keymap::defaults();
    let bound: Vec<lockdesk::keys::Action> = km
        .all()
        .into_iter()
        .flat_map(|(_, a)| a.into_iter().map(|(x, _)| x))
        .collect();
    for a in lockdesk::keys::Action::ALL {
        assert!(
            bound.contains(a),
            "{a:?} has no key in keymaps/default.toml"
        );
    }
}

mod conventions;
mod glance;
mod pictures;
