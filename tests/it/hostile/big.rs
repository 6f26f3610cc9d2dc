// Traces too big for a terminal: 20000 logs and a 5 MiB payload, and a value
// nested 10000 deep — each opens, copies (to a private file when OSC 52
// cannot take it) and exports whole.

use crate::support::Screen;
use crate::support::demo_db;
use lockdesk::console::options::Target;
use sqlx::PgPool;

const BIG: &str = "b16b16b16b16b16b16b16b16b16b16b1";

#[tokio::test]
async fn a_trace_of_20000_logs_and_a_5_mib_payload_opens() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, request_json, response_json)
         SELECT 'PASSCODE_LIST', '{BIG}', now() - g * interval '1 ms', 'TTLOCK:28991110', g % 97 <> 0, 'TTLOCK',
                jsonb_build_object('lockId', 28991110, 'pageNo', g), '{{\"errcode\": 0}}'
           FROM generate_series(1, 20000) g"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reconcile_jobs (job_type, user_id, status, attempt_count, correlation_id, payload, created_at, updated_at)
         VALUES ('reconcile_user', 9, 'done', 1, '{BIG}', jsonb_build_object('blob', repeat('x', 5 * 1024 * 1024)), now(), now())"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let t = Screen::new(&url)
        .target(Target::Trace { id: BIG.into() })
        .size(160, 40)
        .run()
        .await;
    assert!(t.contains("20000 logs"), "{t}");
    assert!(t.contains("job #"), "{t}");
    assert!(!t.contains("Loading trace"), "{t}");
    // Its logs come without payloads; the last one's page is read when it
    // is selected, and Enter shows its request whole.
    let last = Screen::new(&url)
        .target(Target::Trace { id: BIG.into() })
        .keys("G<Enter>")
        .size(160, 40)
        .run()
        .await;
    assert!(last.contains("PASSCODE_LIST"), "{last}");
    assert!(last.contains("\"pageNo\": 1"), "{last}");
    // The job with the 5 MiB payload opens in the JSON viewer and copies.
    let j = Screen::new(&url)
        .target(Target::Trace { id: BIG.into() })
        .keys("<Enter>y")
        .size(160, 40)
        .run()
        .await;
    assert!(j.contains("\"blob\""), "{j}");
    // Too large for OSC 52: it goes to a private file, and the status line says where.
    assert!(
        j.contains("is too large for the terminal clipboard: written to"),
        "{j}"
    );
}

/// How many bytes the status line says a copy sent through OSC 52.
fn osc52_bytes(screen: &str) -> usize {
    screen
        .split("OSC 52, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a copy through OSC 52: {screen}"))
}

const DEEP: &str = "dee9dee9dee9dee9dee9dee9dee9dee9";

#[tokio::test]
async fn a_value_nested_10000_deep_opens_copies_and_exports_whole() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, request_json, response_json)
         VALUES ('PASSCODE_LIST', '{DEEP}', now() - interval '1 s', 'TTLOCK:28991110', true, 'TTLOCK',
                 (repeat('[', 10000) || '1' || repeat(']', 10000))::jsonb, '{{\"errcode\": 0}}'),
                ('PASSCODE_DELETE', '{DEEP}', now(), 'TTLOCK:28991110', true, 'TTLOCK', '{{\"keyboardPwdId\": 1}}', '{{\"errcode\": 0}}')"
    )))
    .execute(&pool)
    .await
    .unwrap();
    // Before, the whole trace read "recursion limit exceeded".
    let t = Screen::new(&url)
        .target(Target::Trace { id: DEEP.into() })
        .size(160, 40)
        .run()
        .await;
    assert!(
        t.contains("its request_json is nested 10000 levels deep"),
        "{t}"
    );
    assert!(t.contains("PASSCODE_DELETE"), "the neighbour: {t}");
    // The popup shows it collapsed; the copy takes it whole (20001 bytes of
    // it), and Enter on the collapsed line shows the raw text.
    let c = Screen::new(&url)
        .target(Target::Trace { id: DEEP.into() })
        .keys("Gk<Enter>y")
        .size(160, 40)
        .run()
        .await;
    assert!(c.contains("log #"), "{c}");
    let bytes = osc52_bytes(&c);
    assert!(bytes > 20_001, "{bytes} bytes copied");
    // The same from the pane itself, without opening the popup.
    let p = Screen::new(&url)
        .target(Target::Trace { id: DEEP.into() })
        .keys("Gky")
        .size(160, 40)
        .run()
        .await;
    let bytes = osc52_bytes(&p);
    assert!(bytes > 20_001, "{bytes} bytes copied from the pane");
    let r = Screen::new(&url)
        .target(Target::Trace { id: DEEP.into() })
        .keys("Gk<Enter>/levels deeper<Enter><Enter>")
        .size(160, 40)
        .run()
        .await;
    assert!(r.contains("· raw text"), "{r}");
    // The export has it whole, as Postgres stored it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .args(["trace", DEEP, "--json"])
        .env("DATABASE_URL", &url)
        .env("LOCKDESK_CONFIG_DIR", "/nonexistent-lockdesk-config")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let raw = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(text.contains(&raw), "the export holds the value whole");
    let parsed = lockdesk::jsontext::parse(&text).expect("the export is JSON");
    assert!(parsed.collapsed_depth.is_some());
}
