// The command line as scripts and operators use it: exit statuses, JSON
// output, and messages instead of panics.

use std::process::Command;

use lockdesk::seeds;
use serde_json::Value;

use crate::support::{demo_db, lockdesk, lockdesk_cmd, rand_suffix};

#[tokio::test]
async fn trace_json_prints_the_seed_rows_shape() {
    let url = demo_db().await;
    let out = lockdesk(&["trace", "e4792295", "--json"], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let seed: Value = serde_json::from_str(seeds::SEED_ROWS_JSON).unwrap();
    let logs = got["integration_logs"].as_array().unwrap();
    assert_eq!(logs.len(), 5);
    for l in logs {
        let want = seed["integration_logs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"] == l["id"])
            .unwrap();
        assert_eq!(l, want);
    }
    let job = &got["reconcile_jobs"][0];
    for (k, v) in seed["reconcile_jobs"][0].as_object().unwrap() {
        assert_eq!(&job[k], v, "{k}");
    }
    assert_eq!(
        got["app_audit"][0]["after_json"],
        seed["app_audit"][0]["after_json"]
    );
}

#[tokio::test]
async fn trace_json_exits_2_when_nothing_or_several_match() {
    let url = demo_db().await;
    let out = lockdesk(&["trace", "ffffffff", "--json"], Some(&url));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no trace matches"));
    let out = lockdesk(&["trace", "zz!", "--json"], Some(&url));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_url_or_unreachable_server_is_a_message_not_a_panic() {
    let out = lockdesk(
        &[
            "--database-url",
            "postgresql://nobody@127.0.0.1:1/x",
            "job",
            "72",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Could not reach the database server"), "{err}");
    assert!(!err.contains("panicked"));
    let out = lockdesk(
        &["trace", "e479", "--json", "--database-url", "mysql://x"],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("postgresql://user:password@host"), "{err}");
    let out = lockdesk(&["snapshot"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No database given"), "{err}");
}

/// A host that accepts the connection and never answers (a half-dead
/// tunnel): lockdesk gives up after its 5 s connect timeout, saying so,
/// instead of hanging for the kernel's minutes.
#[test]
fn a_server_that_never_answers_is_given_up_after_5_seconds() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgresql://nobody@127.0.0.1:{port}/x");
    let started = std::time::Instant::now();
    let out = lockdesk(&["--database-url", &url, "job", "72"], None);
    let took = started.elapsed();
    drop(silent);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Could not reach the database server"), "{err}");
    assert!(err.contains("no answer within 5 seconds"), "{err}");
    // Bounded, not timed: the timeout fired rather than the process hanging.
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
}

#[tokio::test]
async fn snapshot_prints_the_screen_and_global_options_go_anywhere() {
    let url = demo_db().await;
    let out = lockdesk(
        &[
            "snapshot",
            "--size",
            "100x30",
            "--now",
            "2026-11-20T15:30:00Z",
            "--tz",
            "UTC",
            "trace",
            "e4792295",
            "--database-url",
            &url,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Trace e4792295b2f441f0b205e154984e92fc"),
        "{text}"
    );
    assert!(text.contains("2026-02-04 14:58:54.000 UTC"), "{text}");
    assert_eq!(text.lines().count(), 30);
    let out = lockdesk(
        &[
            "--database-url",
            &url,
            "snapshot",
            "--color",
            "--size",
            "80x20",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\x1b["), "colour escapes");
}

#[test]
fn a_dumb_terminal_gets_a_message_and_a_failing_exit() {
    let out = Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .args(["--database-url", "postgresql://127.0.0.1:1/nowhere"])
        .env("TERM", "dumb")
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TERM=dumb"), "{err}");
    assert!(err.contains("lockdesk snapshot"), "{err}");
    assert!(out.stdout.is_empty(), "nothing drawn");
}

#[tokio::test]
async fn no_color_means_no_colour_codes_and_the_selection_in_reverse_video() {
    let url = demo_db().await;
    let mut c = Command::new(env!("CARGO_BIN_EXE_lockdesk"));
    let out = c
        .args([
            "snapshot",
            "--color",
            "--size",
            "100x20",
            "--now",
            "2026-11-20T15:30:00Z",
            "--tz",
            "UTC",
        ])
        .env("DATABASE_URL", &url)
        .env("NO_COLOR", "1")
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Every SGR sequence resets colours to the default (39/49), none sets one.
    for seq in text.split("\x1b[").skip(1) {
        let codes = seq.split('m').next().unwrap_or("");
        for code in codes.split(';') {
            let n: u32 = code.parse().unwrap_or(0);
            assert!(
                !(30..=38).contains(&n) && !(40..=48).contains(&n) && !(90..=107).contains(&n),
                "a colour code {code} in `{codes}`"
            );
        }
    }
    assert!(
        text.contains(";7m") || text.contains(";7;"),
        "the selection is in reverse video"
    );
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    // `lockdesk info | head -0`: the reader is gone before the first line.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .arg("info")
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}

#[tokio::test]
async fn info_lists_every_path_and_themes_come_from_files_by_name() {
    let url = demo_db().await;
    let home = std::env::temp_dir().join(format!("lockdesk-themes-{}", rand_suffix()));
    std::fs::create_dir_all(home.join("config/themes")).unwrap();
    let info = lockdesk_cmd(&home).arg("info").output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    for line in [
        format!(
            "config file:  {}",
            home.join("config/config.toml").display()
        ),
        format!(
            "keymap file:  {}",
            home.join("config/keymap.toml").display()
        ),
        format!("themes:       {}", home.join("config/themes").display()),
        format!(
            "log file:     {}",
            home.join("state/lockdesk/lockdesk.log").display()
        ),
        format!(
            "bundles:      {}",
            home.join("state/lockdesk/bundles").display()
        ),
    ] {
        assert!(info.contains(&line), "{line} in {info}");
    }
    // A theme file's error names its file and line, as the keymap's do.
    let file = home.join("config/themes/mine.toml");
    std::fs::write(&file, "base = \"light\"\nfialed = \"red\"\n").unwrap();
    let run = |args: &[&str], no_color: bool| {
        let mut c = lockdesk_cmd(&home);
        c.args([
            "--database-url",
            &url,
            "snapshot",
            "--color",
            "--now",
            "2026-11-20T15:30:00Z",
        ])
        .args(args);
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        c.output().unwrap()
    };
    let bad = run(&["--theme", "mine"], false);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        err.contains(&format!(
            "{}:2: unknown style name `fialed`",
            file.display()
        )),
        "{err}"
    );
    let none = run(&["--theme", "sepia"], false);
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(err.contains("there is no theme `sepia`"), "{err}");
    // The file's style lands on its base; NO_COLOR wins over any theme.
    std::fs::write(&file, "base = \"light\"\nbrand = \"#123456 on #abcdef\"\n").unwrap();
    let good = String::from_utf8_lossy(&run(&["--theme", "mine"], false).stdout).to_string();
    assert!(good.contains("38;2;18;52;86;48;2;171;205;239"), "{good}");
    assert!(
        good.contains("48;2;0;70;160"),
        "the light base's READ-ONLY: {good}"
    );
    let plain = String::from_utf8_lossy(&run(&["--theme", "mine"], true).stdout).to_string();
    assert!(
        plain.contains("lockdesk") && !plain.contains("38;2;"),
        "{plain}"
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[tokio::test]
async fn user_json_takes_now_so_its_schedule_verdicts_are_reproducible() {
    let url = demo_db().await;
    // Someone whose level opens doors on business hours only (Mon-Fri
    // 07:00-19:00 in Winnipeg).
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (user,): (i64,) = sqlx::query_as(
        "SELECT user_id FROM user_access_levels WHERE access_level_id = 2 AND status = 'active' ORDER BY user_id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let user = user.to_string();
    let at = |now: &str| {
        let out = lockdesk(&["user", &user, "--json", "--now", now], Some(&url));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    // The hours verdict of each of her doors: "outside hours" or null.
    let outside = |out: &[u8]| -> Vec<Value> {
        let v: Value = serde_json::from_slice(out).unwrap();
        v["doors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["expected"]["outside_hours"].clone())
            .collect()
    };
    // Saturday 21:00 in Winnipeg: her business-hours doors not now.
    let saturday_night = at("2026-11-22T03:00:00Z");
    let v: Value = serde_json::from_slice(&saturday_night).unwrap();
    assert_eq!(v["read_at"], "2026-11-22T03:00:00.000Z", "{v}");
    let verdicts = outside(&saturday_night);
    assert!(verdicts.iter().any(Value::is_string), "{verdicts:?}");
    // The same clock, the same verdicts and ages, byte for byte.
    assert_eq!(saturday_night, at("2026-11-22T03:00:00Z"));
    // Wednesday noon there: every door open to her.
    let verdicts = outside(&at("2026-11-18T18:00:00Z"));
    assert!(
        !verdicts.is_empty() && verdicts.iter().all(Value::is_null),
        "{verdicts:?}"
    );
    // Only with --json (the console has its own clock), and a time in words.
    let out = lockdesk(
        &["user", &user, "--now", "2026-11-22T03:00:00Z"],
        Some(&url),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = lockdesk(&["user", &user, "--json", "--now", "yesterday"], Some(&url));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not an RFC 3339 time"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_tz_rule_or_a_tz_not_understood_is_said_in_the_header() {
    let url = demo_db().await;
    let snapshot = |tz: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_lockdesk"))
            .args(["snapshot", "--size", "200x30", "trace", "e4792295"])
            .args(["--database-url", &url])
            .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
            .env("TZ", tz)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // A POSIX rule: its offsets and abbreviations, named as written.
    let s = snapshot("EST5EDT,M3.2.0,M11.1.0");
    assert!(s.contains("times in EST5EDT,M3.2.0,M11.1.0"), "{s}");
    assert!(s.contains("2026-02-04 09:58:54.000 EST"), "{s}");
    // Neither a zone nor a rule: UTC, as libc reads it, and said.
    let s = snapshot("nowhere!");
    assert!(
        s.contains("times in UTC (TZ=nowhere! not understood)"),
        "{s}"
    );
    assert!(s.contains("2026-02-04 14:58:54.000 UTC"), "{s}");
    // A zone file's path is that zone.
    let s = snapshot(":/usr/share/zoneinfo/America/Chicago");
    assert!(s.contains("times in America/Chicago"), "{s}");
    assert!(s.contains("2026-02-04 08:58:54.000 CST"), "{s}");
}
