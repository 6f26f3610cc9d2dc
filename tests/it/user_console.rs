// Issue 27 in the console: "user 9 says her PIN stopped working" answered
// by a handful of keys on the demo world — `:user` by name or credential
// (several matches: a picker), her PIN door by door under the why sentence,
// and `l`/`L` reading her doors live, bounded and cached, from the
// simulators. Self-contained: its own headless runner.

use std::time::Duration;

use lockdesk::console::options::Target;
use lockdesk::providers::settings::ProviderSettings;

use crate::support::{Screen, demo_db, sim_for};

/// The last screen after `keys`, on what `target` opens, at `size`.
async fn run(
    url: &str,
    target: Option<Target>,
    keys: &str,
    size: (u16, u16),
    providers: Option<ProviderSettings>,
) -> String {
    let mut screen = Screen::new(url)
        .target(target)
        .keys(keys)
        .size(size.0, size.1)
        .wait(Duration::from_secs(20));
    if let Some(p) = providers {
        screen = screen.providers(p);
    }
    screen.run().await
}

#[tokio::test]
async fn user_by_credential_then_live_shows_door_2_a_stray_with_its_jobs_and_why() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    // `:user AB U9 C6`, then `L` (all her doors live), then `j` onto door 2.
    let s = run(
        &url,
        None,
        ":user AB U9 C6<Enter>Lj",
        (160, 45),
        Some(sim.provider_settings()),
    )
    .await;
    assert!(s.contains("User 9 Maya Okafor"), "{s}");
    assert!(
        s.contains("Maya's PIN AB U9 C6 is a stray on door 2 (ttlock)"),
        "{s}"
    );
    assert!(s.contains("Her PIN door by door"), "{s}");
    let row2 = s
        .lines()
        .find(|l| l.trim_start().starts_with("#2 "))
        .unwrap_or_else(|| panic!("no row for door 2:\n{s}"));
    assert!(
        row2.contains("stray") && row2.contains("yes · live"),
        "{row2}"
    );
    // Door 2 in full: job #104's delete and job #72's two, with their traces.
    assert!(s.contains("Door #2 ttlock  TTLOCK:28991110  stray"), "{s}");
    assert!(s.contains("job #104"), "{s}");
    let by_72 = s
        .lines()
        .filter(|l| l.contains("job #72 ") && l.contains("trace "))
        .count();
    assert_eq!(by_72, 2, "{s}");
    assert!(s.contains("e4792295b2f441f0b205e154984e92fc"), "{s}");
    assert!(s.contains("her doors read live"), "{s}");
    // Never a PIN in full.
    assert!(!s.contains("48201111"), "{s}");
    // Enter on door 2 opens its last change's trace (job #104's).
    let s = run(
        &url,
        Some(Target::User { id: 9 }),
        "j<Enter>",
        (160, 45),
        None,
    )
    .await;
    assert!(s.contains("c2165f3f"), "{s}");
}

#[tokio::test]
async fn user_by_an_ambiguous_name_opens_a_picker() {
    let url = demo_db().await;
    let s = run(&url, None, ":user maya<Enter>", (140, 40), None).await;
    assert!(
        s.contains("`maya`: ") && s.contains("Enter opens one"),
        "{s}"
    );
    assert!(s.contains("Maya Okafor") && s.contains("#9 "), "{s}");
    assert!(
        s.contains("USER") && s.contains("EMAIL") && s.contains("SITE"),
        "{s}"
    );
    // Esc closes it, and nothing opened.
    let s = run(&url, None, ":user maya<Enter><Esc>", (140, 40), None).await;
    assert!(
        !s.contains("Enter opens one") && !s.contains("User 9"),
        "{s}"
    );
    // Enter on the row of user 9 opens her.
    let first = run(&url, None, ":user maya<Enter>", (140, 40), None).await;
    let rows: Vec<&str> = first
        .lines()
        .filter(|l| l.contains("Maya"))
        .filter(|l| l.contains('#'))
        .collect();
    let at = rows
        .iter()
        .position(|l| l.contains("Maya Okafor"))
        .unwrap_or_else(|| panic!("{first}"));
    let keys = format!(":user maya<Enter>{}<Enter>", "j".repeat(at));
    let s = run(&url, None, &keys, (140, 40), None).await;
    assert!(s.contains("User 9 Maya Okafor"), "{s}");
    // None: said, and how the query was read.
    let s = run(&url, None, ":user nobody-at-all<Enter>", (140, 40), None).await;
    assert!(s.contains("no user matches `nobody-at-all`"), "{s}");
}

#[tokio::test]
async fn user_9_door_by_door_at_160x45() {
    let url = demo_db().await;
    let s = run(&url, Some(Target::User { id: 9 }), "", (160, 45), None).await;
    assert!(s.contains("Her PIN door by door"), "{s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn user_9_door_by_door_at_100x30() {
    let url = demo_db().await;
    let s = run(&url, Some(Target::User { id: 9 }), "", (100, 30), None).await;
    // Ids and times are never cut, even narrow.
    assert!(s.contains("2026-02-05"), "{s}");
    insta::assert_snapshot!(s);
}

#[tokio::test]
async fn live_refresh_through_the_console_is_bounded_and_cached() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    for k in ["TTLOCK:28991110", "TTLOCK:28991111"] {
        sim.set_fault(
            k,
            Some(lockdesk::sim::Fault::Slow(Duration::from_millis(100))),
        );
    }
    let count = || {
        let st = lockdesk::sim::state(&sim.state);
        (st.requests, st.max_in_flight)
    };
    let user9 = || Some(Target::User { id: 9 });
    let (r0, _) = count();
    run(&url, user9(), "L", (140, 40), Some(sim.provider_settings())).await;
    let (r1, most) = count();
    let once = r1 - r0;
    assert!(once > 0, "L called no provider");
    // Two accounts (TTLock customer 1, Doordeck customer 2): at most 4 each.
    assert!(
        most <= 2 * lockdesk::pinmap::live::PER_ACCOUNT as u64,
        "{most} at once"
    );
    // A second L in the same console within 60 s: answered from its cache.
    run(
        &url,
        user9(),
        "LL",
        (140, 40),
        Some(sim.provider_settings()),
    )
    .await;
    let (r2, _) = count();
    assert_eq!(r2 - r1, once, "the second L called again");
    // One door reads one lock: fewer calls than all of them.
    run(
        &url,
        user9(),
        "jl",
        (140, 40),
        Some(sim.provider_settings()),
    )
    .await;
    let (r3, _) = count();
    assert!(r3 - r2 > 0 && r3 - r2 < once, "{} vs {once}", r3 - r2);
    // Ctrl-R reads the broker's rows only: no provider call.
    run(
        &url,
        user9(),
        "<C-r>",
        (140, 40),
        Some(sim.provider_settings()),
    )
    .await;
    assert_eq!(count().0, r3, "Ctrl-R called a provider");
}

#[tokio::test]
async fn user_live_refresh_on_a_pinned_clock_shows_her_last_use_at_door_2() {
    let url = demo_db().await;
    let sim = sim_for(&url).await;
    let now = lockdesk::demo::world::fixed_now();
    // The data (what `lockdesk user 9 --json` prints, here after a live read):
    // the pane's now is the pinned clock, so the week of the lock's records
    // read live ends at the time the console shows, not the server's.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut c = pool.acquire().await.unwrap();
    let (mut u, who) = lockdesk::store::pins::user_pins(&mut c, 9, Some(now))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.now, now);
    let p = crate::support::sim::providers(&sim, Duration::from_secs(10));
    let cache = lockdesk::pinmap::live::Cache::default();
    lockdesk::pinmap::live::refresh(&p, &cache, &mut u, &who, Some(2)).await;
    let v = lockdesk::pinmap::json::to_json(&u);
    let d2 = v["doors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["door_id"] == 2)
        .unwrap()
        .clone();
    assert_eq!(d2["last_use"]["read"], true, "{d2}");
    // Her last successful unlock there, from the lock's own records: the
    // day before the demo's now (outside a week of the server's clock).
    assert_eq!(
        d2["last_use"]["success"], "2026-11-19T06:00:45.000Z",
        "{d2}"
    );
    let why = v["why"].as_str().unwrap();
    assert!(why.contains("it opened the door on 2026-11-19"), "{why}");
    // The same door on the screen: `l` on door 2 reads it live.
    let s = run(
        &url,
        Some(Target::User { id: 9 }),
        "jl",
        (160, 45),
        Some(sim.provider_settings()),
    )
    .await;
    let row2 = s
        .lines()
        .find(|l| l.trim_start().starts_with("#2 "))
        .unwrap_or_else(|| panic!("no row for door 2:\n{s}"));
    assert!(row2.contains("ok 2026-11-19 00:00"), "{row2}");
    assert!(
        s.contains("last use     ok 2026-11-19 00:00:45.000 CST"),
        "{s}"
    );
    assert!(s.contains("it opened the door on 2026-11-19"), "{s}");
}
