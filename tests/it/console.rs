// The console end to end: the real app on the demo world in a real Postgres,
// driven by key presses, its screens compared as text snapshots (fixed size,
// fixed clock, fixed zone).

use std::time::Duration;

use lockdesk::console;
use lockdesk::console::options::{Global, Target};
use lockdesk::console::{headless, screen};
use lockdesk::keys::{Keymap, parse_sequence};

use crate::support::demo_db;

pub fn global() -> Global {
    Global {
        database_url: None,
        profile: None,
        write: false,
        reason: None,
        tz: Some("America/Winnipeg".into()),
        read_url: None,
        read_fallback: false,
    }
}

/// The final screen after replaying `keys` on what `target` opens.
pub async fn screen_with(
    url: &str,
    target: Option<Target>,
    keys: &str,
    size: (u16, u16),
    keymap: Option<Keymap>,
) -> String {
    screen_full(url, target, keys, size, keymap, None).await
}

/// The same, with the provider accounts to use (the simulators').
pub async fn screen_full(
    url: &str,
    target: Option<Target>,
    keys: &str,
    size: (u16, u16),
    keymap: Option<Keymap>,
    providers: Option<lockdesk::providers::settings::ProviderSettings>,
) -> String {
    screen_as(&global(), url, target, keys, size, keymap, providers).await
}

/// The same, with the global options given (e.g. --write).
pub async fn screen_as(
    g: &Global,
    url: &str,
    target: Option<Target>,
    keys: &str,
    size: (u16, u16),
    keymap: Option<Keymap>,
    providers: Option<lockdesk::providers::settings::ProviderSettings>,
) -> String {
    run_as(g, url, target, keys, size, keymap, providers)
        .await
        .0
}

/// The final screen and every copy the keys made (decoded from the OSC 52
/// sequences a terminal would have received).
pub async fn run_as(
    g: &Global,
    url: &str,
    target: Option<Target>,
    keys: &str,
    size: (u16, u16),
    keymap: Option<Keymap>,
    providers: Option<lockdesk::providers::settings::ProviderSettings>,
) -> (String, Vec<String>) {
    let now = Some(lockdesk::demo::world::fixed_now());
    let config = lockdesk::config::Config::default();
    let providers = providers.unwrap_or_default();
    let mut s = console::setup_with(g, url, "demo", target, now, config, providers)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    // The socket path and the user differ per run: keep snapshots stable.
    // A run with a standby keeps its target: it says where reads go.
    if s.standby.is_none() {
        s.app.session_mut().target = "demo · lockdesk_demo".into();
    }
    s.app.set_operator("alice".into());
    if let Some(k) = keymap {
        s.app.set_keymap(k);
    }
    let keys = parse_sequence(keys).unwrap();
    let wait = Duration::from_secs(10);
    let out = headless::run(
        s.app,
        s.pool,
        s.standby,
        s.settings,
        s.providers,
        s.start,
        &keys,
        size,
        wait,
    )
    .await
    .unwrap();
    (screen::to_text(&out.screen), osc52_payloads(&out.copies))
}

/// The texts inside OSC 52 sequences (`ESC ] 52 ; c ; BASE64 BEL`).
pub fn osc52_payloads(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(bytes);
    text.split("\x1b]52;c;")
        .skip(1)
        .filter_map(|part| part.split('\x07').next())
        .map(|b64| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("OSC 52 carries base64");
            String::from_utf8(raw).expect("a copy is UTF-8")
        })
        .collect()
}

pub async fn screen(url: &str, target: Option<Target>, keys: &str) -> String {
    screen_with(url, target, keys, (140, 40), None).await
}

#[tokio::test]
async fn job_queue() {
    let url = demo_db().await;
    insta::assert_snapshot!(screen(&url, None, "").await);
}

#[tokio::test]
async fn job_queue_filtered_to_failed_then_stuck() {
    let url = demo_db().await;
    let failed = screen(&url, None, ":jobs failed<Enter>").await;
    assert!(failed.contains("showing: status=failed"), "{failed}");
    assert!(failed.contains("errcode -3002"), "{failed}");
    let rows: Vec<&str> = failed.lines().filter(|l| l.starts_with('#')).collect();
    // (The demo's incident fills the page with failed jobs.)
    assert!(rows.len() >= 4, "{failed}");
    assert!(rows.iter().all(|r| r.contains(" failed ")), "{failed}");
    let stuck = screen(&url, None, "sss").await;
    assert!(stuck.contains("showing: status=stuck"), "{stuck}");
    insta::assert_snapshot!(stuck);
}

#[tokio::test]
async fn job_command_opens_the_queue_on_that_job() {
    let url = demo_db().await;
    let s = screen(&url, Some(Target::Job { id: 72 }), "").await;
    assert!(
        s.contains("job #72  reconcile_user  user 9  access level changed"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn seed_trace_e4792295_shows_its_five_logs_in_order() {
    let url = demo_db().await;
    let s = screen(&url, None, ":trace e4792295<Enter>").await;
    let timeline = s
        .split("4 — Timeline")
        .nth(1)
        .expect("the timeline section");
    let expected = [
        ("08:58:54 CST", "RECONCILE_ENQUEUED", "log #1380"),
        ("08:58:54 CST", "RECONCILE_JOB_START", "log #1381"),
        ("08:58:58 CST", "PASSCODE_DELETE", "log #1384"),
        ("08:59:00 CST", "PASSCODE_DELETE", "log #1387"),
        ("08:59:00 CST", "RECONCILE_JOB_DONE", "log #1390"),
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
    let s = screen(
        &url,
        Some(Target::Trace {
            id: "c2165f3f".into(),
        }),
        "G<Enter>/enforce_plan<Enter>",
    )
    .await;
    assert!(s.contains("log #1663 DRIFT_ENFORCE_JOB_DONE"), "{s}");
    assert!(s.contains("\"enforce_plan\": {"), "{s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn job_enter_drills_into_its_trace_and_esc_comes_back() {
    let url = demo_db().await;
    let s = screen(&url, Some(Target::Job { id: 104 }), "<Enter>").await;
    assert!(s.contains("Trace c2165f3f52364e4db32d169654f4648f"), "{s}");
    let back = screen(&url, Some(Target::Job { id: 104 }), "<Enter><Esc>").await;
    assert!(
        back.contains("job #104  drift_enforce_lock_truth"),
        "{back}"
    );
}

#[tokio::test]
async fn audit_row_opens_a_field_diff() {
    let url = demo_db().await;
    let list = screen(&url, None, "2").await;
    insta::assert_snapshot!("audit_list", list);
    let diff = screen(
        &url,
        Some(Target::Trace {
            id: "c2165f3f".into(),
        }),
        "<Enter>",
    )
    .await;
    assert!(diff.contains("+ device_type: \"TTLOCK\""), "{diff}");
    insta::assert_snapshot!("audit_diff", diff);
}

#[tokio::test]
async fn per_lock_logs_of_door_2() {
    let url = demo_db().await;
    let s = screen(&url, Some(Target::Door { id: "2".into() }), "").await;
    assert!(
        s.contains("TTLOCK:28991110") && s.contains("door #2 ttlock"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    let by_name = screen(&url, None, ":door ttlock<Enter>").await;
    assert!(by_name.contains("Lock TTLOCK:28991110"), "{by_name}");
}

#[tokio::test]
async fn per_lock_pane_merges_the_providers_own_audit_trail() {
    let url = demo_db().await;
    let sim = crate::providers::sim_for(&url).await;
    let s = screen_full(
        &url,
        Some(Target::Door { id: "2".into() }),
        "",
        (140, 40),
        None,
        Some(sim.provider_settings()),
    )
    .await;
    assert!(s.contains("TTLOCK events (last 7 days)"), "{s}");
    assert!(
        s.contains("ttlock    unlock by passcode") && s.contains("broker    PASSCODE_LIST"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // A provider that is down never blocks the pane: the broker part shows.
    sim.set_fault("TTLOCK:28991110", Some(lockdesk::sim::Fault::ServerError));
    let s = screen_full(
        &url,
        Some(Target::Door { id: "2".into() }),
        "",
        (140, 20),
        None,
        Some(sim.provider_settings()),
    )
    .await;
    assert!(
        s.contains("TTLOCK audit trail unavailable: TTLOCK: HTTP 500"),
        "{s}"
    );
    assert!(s.contains("broker    PASSCODE_DELETE"), "{s}");
    // The lock whose clock runs four minutes fast is pointed out.
    let s = screen_full(
        &url,
        Some(Target::Door { id: "3".into() }),
        "",
        (160, 12),
        None,
        Some(sim.provider_settings()),
    )
    .await;
    assert!(
        s.contains("the lock's clock is 3m5") || s.contains("the lock's clock is 4m0"),
        "{s}"
    );
}

#[tokio::test]
async fn user_9_shows_access_masked_credentials_and_traces() {
    let url = demo_db().await;
    let s = screen(&url, Some(Target::User { id: 9 }), "").await;
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
    let s = screen_with(&url, None, "?", (140, 60), None).await;
    assert!(
        s.contains("cycle_status") || s.contains("next status filter"),
        "{s}"
    );
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
    let s = screen_with(&url, None, "x", (140, 40), Some(km.clone())).await;
    assert!(s.contains("showing: status=queued"), "{s}");
    let s = screen_with(&url, None, "s", (140, 40), Some(km)).await;
    assert!(
        s.contains("showing: all jobs"),
        "the unbound key does nothing: {s}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_message() {
    let url = demo_db().await;
    let s = screen(&url, None, ":trace zz<Enter>").await;
    assert!(s.contains("`zz` is not a correlation id"), "{s}");
    let s = screen(&url, None, ":trace ffffffff<Enter>").await;
    assert!(s.contains("no trace matches `ffffffff`"), "{s}");
    let s = screen(&url, None, ":job seventy<Enter>").await;
    assert!(s.contains(":job needs a number"), "{s}");
    let s = screen(&url, None, ":door nowhere<Enter>").await;
    assert!(s.contains("no door named like `nowhere`"), "{s}");
    let s = screen(&url, None, ":explode<Enter>").await;
    assert!(s.contains("unknown command `:explode`"), "{s}");
    let s = screen(&url, None, ":job 999999<Enter>").await;
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
    let s = screen(&url, None, ":trace abcdef01<Enter>Q").await;
    assert!(s.contains("\"big\": 9007199254740993"), "{s}");
    assert!(s.contains("\"huge\": 1000000000000000000000000"), "{s}");
    assert!(s.contains("\"date\": 1770217136181"), "{s}");
}

fn writer() -> Global {
    Global {
        write: true,
        reason: Some("INC-1234".into()),
        ..global()
    }
}

#[tokio::test]
async fn r_retries_a_failed_job_in_write_mode_and_is_refused_read_only() {
    let url = demo_db().await;
    // Read-only: the console refuses before sending (Postgres would too).
    let read_only = screen(&url, None, ":jobs failed<Enter>r").await;
    assert!(
        read_only.contains("read-only session: nothing was sent. Type :write 15m REASON"),
        "{read_only}"
    );
    let s = screen_as(
        &writer(),
        &url,
        None,
        ":jobs failed<Enter>r",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(s.contains(" WRITE "), "{s}");
    assert!(s.contains("is now queued"), "{s}");
    // A done job: the key explains why it does nothing.
    let s = screen_as(
        &writer(),
        &url,
        Some(Target::Job { id: 72 }),
        "r",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(s.contains("job #72 is done: nothing to retry"), "{s}");
    // A stuck job asks for a typed confirmation first.
    let s = screen_as(
        &writer(),
        &url,
        None,
        ":jobs stuck<Enter>r",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(s.contains("A worker may still be running it"), "{s}");
    let s = screen_as(
        &writer(),
        &url,
        None,
        ":jobs stuck<Enter>rretry<Enter>",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(s.contains("is now queued"), "{s}");
}

#[tokio::test]
async fn retry_all_shows_how_many_and_wants_that_number_typed() {
    let url = demo_db().await;
    let s = screen_as(
        &writer(),
        &url,
        None,
        ":jobs failed<Enter>R",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(s.contains("316 jobs will be re-enqueued"), "{s}");
    let s = screen_as(
        &writer(),
        &url,
        None,
        ":jobs failed<Enter>R315<Enter>",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(
        s.contains("Type 316 and press Enter"),
        "a wrong count does nothing: {s}"
    );
    let s = screen_as(
        &writer(),
        &url,
        None,
        ":jobs failed<Enter>R316<Enter>",
        (140, 40),
        None,
        None,
    )
    .await;
    assert!(
        s.contains("316 jobs re-enqueued; 0 had changed meanwhile"),
        "{s}"
    );
}

#[tokio::test]
async fn drift_on_door_2_shows_the_plan_then_runs_after_the_name_is_typed() {
    let url = demo_db().await;
    let sim = crate::providers::sim_for(&url).await;
    let p = || Some(sim.provider_settings());
    let plan = screen_as(
        &writer(),
        &url,
        Some(Target::Door { id: "2".into() }),
        "d",
        (140, 40),
        None,
        p(),
    )
    .await;
    assert!(plan.contains("mode standard"), "{plan}");
    assert!(
        plan.contains("! AB U9 C6  #50957532  blocked by grace"),
        "{plan}"
    );
    insta::assert_snapshot!("drift_plan_standard", plan);
    let ultra = screen_as(
        &writer(),
        &url,
        Some(Target::Door { id: "2".into() }),
        "d<Tab>",
        (140, 40),
        None,
        p(),
    )
    .await;
    assert!(
        ultra.contains("- AB U9 C6  #50957532  credential_revoked_or_missing  grace bypassed"),
        "{ultra}"
    );
    let wrong = screen_as(
        &writer(),
        &url,
        Some(Target::Door { id: "2".into() }),
        "d<Tab>front<Enter>",
        (140, 40),
        None,
        p(),
    )
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
    let run = screen_as(
        &writer(),
        &url,
        Some(Target::Door { id: "2".into() }),
        "d<Tab>ttlock<Enter>",
        (140, 40),
        None,
        p(),
    )
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
    let s = screen(&url, None, ":trace e4792295<Enter>y").await;
    assert!(
        s.contains("copied audit row #") && s.contains("(OSC 52,"),
        "{s}"
    );
    let s = screen(&url, None, ":trace e4792295<Enter>GC").await;
    assert!(
        s.contains("copied log #1390 as curl") || s.contains("nothing to copy"),
        "{s}"
    );
    let s = screen(&url, None, ":trace e4792295<Enter>M").await;
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
