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

/// A big trace is held as compact heads (`store::compact`): each one, built
/// back into a row, is the whole row without its payloads — hostile values
/// (NULLs, control and bidi characters, an `infinity` time, deep JSON) and
/// the payload facts the findings read included.
#[tokio::test]
async fn a_big_traces_compact_heads_are_its_rows_without_payloads() {
    const CORR: &str = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, door_id, door_name,
                                       error_message, external_id, reconcile_job_id, request_json, response_json)
         SELECT CASE g % 7 WHEN 0 THEN 'PASSCODE_DELETE_INTENT' WHEN 1 THEN 'RECONCILE_JOB_DONE' ELSE 'PASSCODE_DELETE' END,
                '{CORR}',
                CASE WHEN g = 5 THEN 'infinity'::timestamptz ELSE now() - g * interval '1 ms' END,
                CASE WHEN g % 5 = 0 THEN NULL ELSE 'TTLOCK:' || (28991110 + g % 3) END,
                g % 11 <> 0, CASE WHEN g % 13 = 0 THEN NULL ELSE 'TTLOCK' END, g % 4,
                CASE WHEN g % 6 = 0 THEN E'door \\u202e\\u0007' || g ELSE 'Main entrance' END,
                CASE WHEN g % 11 = 0 THEN 'errcode -3002 #' || g END, '28991110', CASE WHEN g % 2 = 0 THEN 72 END,
                jsonb_build_object('name', 'AB U9 C' || g % 3, 'provider_code_id', g % 2,
                                   'payload', jsonb_build_object('keyboardPwdId', g % 9, 'date', 1770217136181 + g)),
                CASE WHEN g = 9 THEN (SELECT ('[' || repeat('[', 300) || repeat(']', 300) || ']')::jsonb)
                     ELSE jsonb_build_object('summary', jsonb_build_object('removes', g % 2)) END
           FROM generate_series(1, 2500) g"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let whole = lockdesk::store::traces::fetch(&pool, CORR).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let big = lockdesk::store::heads::fetch_on(&mut conn, CORR)
        .await
        .unwrap();
    assert!(matches!(big.logs, lockdesk::store::traces::Logs::Heads(_)));
    assert_eq!(big.logs.len(), 2500);
    assert_eq!(whole.logs.len(), 2500);
    for (w, h) in whole.logs.iter().zip(big.logs.iter()) {
        let mut w = w.into_owned();
        w.detach();
        assert_eq!(*h, w);
    }
}
