// The `hostile_rows` fixture: named odd rows of the four contract tables a
// production broker can hold, each under its own correlation id beside an
// ordinary neighbour, driven through every pane, the export, a snapshot and
// the copies.

use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::{Screen, lockdesk};
use lockdesk::console::options::Target;

/// One odd row: its name, the correlation id it sits under, and the SQL
/// that plants it (`{C}` stands for the id).
struct Hostile {
    name: &'static str,
    corr: &'static str,
    sql: &'static str,
}

const LOG: &str = "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, door_name, request_json, response_json) VALUES ";
const JOB: &str = "INSERT INTO reconcile_jobs (job_type, user_id, status, attempt_count, correlation_id, created_at, updated_at, payload) VALUES ";
const AUDIT: &str = "INSERT INTO app_audit (created_at, entity_type, entity_id, action, before_json, after_json, correlation_id, actor, source) VALUES ";

fn hostile_rows() -> Vec<Hostile> {
    vec![
        Hostile {
            name: "job created at infinity",
            corr: "h0000000000000000000000000000001",
            sql: "J('reconcile_user', 9, 'failed', 1, '{C}', 'infinity', now(), '{}')",
        },
        Hostile {
            name: "job created at -infinity",
            corr: "h0000000000000000000000000000002",
            sql: "J('reconcile_user', 9, 'failed', 1, '{C}', '-infinity', now(), '{}')",
        },
        Hostile {
            name: "job in the year 294000",
            corr: "h0000000000000000000000000000003",
            sql: "J('reconcile_user', 9, 'done', 1, '{C}', '294000-01-01 00:00:00+00', now(), '{}')",
        },
        Hostile {
            name: "job in the year 1, updated in 9999",
            corr: "h0000000000000000000000000000004",
            sql: "J('reconcile_user', 9, 'done', 1, '{C}', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59+00', '{}')",
        },
        Hostile {
            name: "job with NULL type, status and times",
            corr: "h0000000000000000000000000000005",
            sql: "J(NULL, 9, NULL, 1, '{C}', NULL, NULL, NULL)",
        },
        Hostile {
            name: "job with a negative attempt count",
            corr: "h0000000000000000000000000000006",
            sql: "J('reconcile_user', 9, 'failed', -7, '{C}', now(), now(), '{}')",
        },
        Hostile {
            name: "job with a 5 MiB payload",
            corr: "h0000000000000000000000000000007",
            sql: "J('reconcile_user', 9, 'done', 1, '{C}', now(), now(), jsonb_build_object('blob', repeat('x', 5 * 1024 * 1024)))",
        },
        Hostile {
            name: "job with a status nobody documented",
            corr: "h0000000000000000000000000000008",
            sql: "J('reconcile_user', 9, 'paused_by_ops', 1, '{C}', now(), now(), '\"a bare string\"')",
        },
        Hostile {
            name: "log at infinity",
            corr: "h0000000000000000000000000000009",
            sql: "L('PASSCODE_LIST', '{C}', 'infinity', 'TTLOCK:28991110', true, 'TTLOCK', 'Main', '{}', '{}')",
        },
        Hostile {
            name: "log with NULL action and ok",
            corr: "h000000000000000000000000000000a",
            sql: "L(NULL, '{C}', now(), 'TTLOCK:28991110', NULL, 'TTLOCK', NULL, NULL, NULL)",
        },
        Hostile {
            name: "log with a request nested 10,000 deep",
            corr: "h000000000000000000000000000000b",
            sql: "L('PASSCODE_LIST', '{C}', now(), 'TTLOCK:28991110', true, 'TTLOCK', 'Main', (repeat('[', 10000) || '1' || repeat(']', 10000))::jsonb, '{}')",
        },
        Hostile {
            name: "log whose JSON is a bare number, array and null",
            corr: "h000000000000000000000000000000c",
            sql: "L('PASSCODE_LIST', '{C}', now(), 'TTLOCK:28991110', true, 'TTLOCK', 'Main', '42', '[1, \"two\", null]')",
        },
        Hostile {
            name: "log with a bidi override and zero-width space in its door name",
            corr: "h000000000000000000000000000000d",
            sql: "L('PASSCODE_DELETE', '{C}', now(), 'TTLOCK:28991110', false, 'TTLOCK', E'Main \\u202Eedis\\u200B \\u0007', '{}', '{}')",
        },
        Hostile {
            name: "log with CJK and emoji",
            corr: "h000000000000000000000000000000e",
            sql: "L('PASSCODE_ADD', '{C}', now(), 'TTLOCK:28991110', true, 'TTLOCK', '正門 🔑', '{\"keyboardPwdName\": \"鍵 🔑\"}', '{}')",
        },
        Hostile {
            name: "audit row at -infinity",
            corr: "h000000000000000000000000000000f",
            sql: "A('-infinity', 'User', 9, 'update', '{}', '{}', '{C}', 'admin', 'test')",
        },
        Hostile {
            name: "audit row with NULL entity and action",
            corr: "h0000000000000000000000000000010",
            sql: "A(now(), NULL, NULL, NULL, NULL, NULL, '{C}', NULL, NULL)",
        },
        Hostile {
            name: "audit row whose after_json is an array",
            corr: "h0000000000000000000000000000011",
            sql: "A(now(), 'Door', 2, 'update', 'null', '[1, 2, 3]', '{C}', 'admin', 'test')",
        },
        Hostile {
            name: "log under an upper-case id",
            corr: "H0000000000000000000000000000012",
            sql: "L('PASSCODE_LIST', '{C}', now(), 'TTLOCK:28991110', true, 'TTLOCK', 'Main', '{}', '{}')",
        },
        Hostile {
            name: "log under a UUID-style id",
            corr: "3f2504e0-4f89-11d3-9a0c-0305e82c3313",
            sql: "L('PASSCODE_LIST', '{C}', now(), 'TTLOCK:28991110', true, 'TTLOCK', 'Main', '{}', '{}')",
        },
    ]
}

/// Plants every hostile row, each beside an ordinary `NEIGHBOUR_OK` log.
async fn plant_hostile_rows(pool: &PgPool) {
    for (table, column) in [
        ("reconcile_jobs", "job_type"),
        ("reconcile_jobs", "status"),
        ("reconcile_jobs", "created_at"),
        ("reconcile_jobs", "updated_at"),
        ("integration_logs", "action"),
        ("integration_logs", "ok"),
        ("app_audit", "entity_type"),
        ("app_audit", "action"),
        ("doors", "name"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL, ALTER COLUMN {column} DROP DEFAULT"
        )))
        .execute(pool)
        .await
        .unwrap();
    }
    for h in hostile_rows() {
        let (prefix, body) = h.sql.split_at(1);
        let head = match prefix {
            "J" => JOB,
            "L" => LOG,
            _ => AUDIT,
        };
        let sql = format!("{head}{}", body.replace("{C}", h.corr));
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", h.name));
        let neighbour = format!(
            "{LOG}('NEIGHBOUR_OK', '{}', now(), 'TTLOCK:28991110', true, 'TTLOCK', 'Main', '{{}}', '{{}}')",
            h.corr
        );
        sqlx::query(sqlx::AssertSqlSafe(neighbour))
            .execute(pool)
            .await
            .unwrap();
    }
    // A door with no name (the console loads every door at start).
    sqlx::query("UPDATE doors SET name = NULL WHERE id = 3")
        .execute(pool)
        .await
        .unwrap();
}

fn broken(screen: &str) -> bool {
    screen.contains("failed inside lockdesk")
        || screen.contains("the query failed")
        || screen.contains("Loading")
}

#[tokio::test]
async fn every_pane_opens_every_hostile_row() {
    let rows = hostile_rows();
    assert!(rows.len() >= 15);
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_hostile_rows(&pool).await;

    // The panes that show many rows at once: the queue, the audit, the lock
    // of the hostile logs, the user of the hostile jobs. Each opens, and the
    // demo's own rows are still there beside the odd ones.
    let size = (180, 50);
    let queue = Screen::new(&url).size(size.0, size.1).run().await;
    assert!(
        !broken(&queue) && queue.contains("reconcile_user"),
        "{queue}"
    );
    let audit = Screen::new(&url).keys("2").size(size.0, size.1).run().await;
    assert!(
        !broken(&audit) && audit.contains("UserAccessLevel"),
        "{audit}"
    );
    let lock = Screen::new(&url)
        .target(Target::Lock {
            key: "TTLOCK:28991110".into(),
        })
        .size(size.0, size.1)
        .run()
        .await;
    assert!(!broken(&lock) && lock.contains("NEIGHBOUR_OK"), "{lock}");
    let user = Screen::new(&url)
        .target(Target::User { id: 9 })
        .size(size.0, size.1)
        .run()
        .await;
    assert!(!broken(&user), "{user}");
    assert!(
        !lock.contains('\u{202E}') && !lock.contains('\u{200B}'),
        "{lock}"
    );

    // Each row's own trace, with every copy key, the export and a snapshot.
    for h in &rows {
        let t = Screen::new(&url)
            .target(Target::Trace { id: h.corr.into() })
            .keys("yYCM")
            .size(size.0, size.1)
            .run()
            .await;
        assert!(!broken(&t), "{}: {t}", h.name);
        assert!(
            t.contains("NEIGHBOUR_OK"),
            "{}: the neighbour is shown: {t}",
            h.name
        );
        assert!(!t.contains('\u{202E}'), "{}: {t}", h.name);
        if h.name.contains("bidi") {
            // Every odd character shows escaped, the bell too (ratatui
            // alone would drop it without a trace).
            for shown in ["\\u{202E}", "\\u{200B}", "\\u{0007}"] {
                assert!(t.contains(shown), "{}: {shown} in {t}", h.name);
            }
        }
        let out = lockdesk(&["trace", h.corr, "--json"], Some(&url));
        assert!(
            out.status.success(),
            "{}: {}",
            h.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let v = lockdesk::jsontext::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", h.name));
        let logs = v.value["integration_logs"].as_array().map_or(0, Vec::len);
        assert!(logs >= 1, "{}: the neighbour is exported", h.name);
        let shot = lockdesk(
            &["snapshot", "--size", "120x30", "trace", h.corr],
            Some(&url),
        );
        assert!(
            shot.status.success(),
            "{}: {}",
            h.name,
            String::from_utf8_lossy(&shot.stderr)
        );
        assert!(
            !broken(&String::from_utf8_lossy(&shot.stdout)),
            "{}",
            h.name
        );
    }
}

/// `trace --json` streams its rows; the bytes are exactly the whole
/// document's, for the demo's traces and for every hostile row (collapsed
/// JSON written as stored, NULLs, infinities, control characters).
#[tokio::test]
async fn trace_json_streams_the_whole_documents_bytes() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_hostile_rows(&pool).await;
    let mut ids: Vec<String> = hostile_rows().iter().map(|h| h.corr.to_string()).collect();
    let demo: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT correlation_id FROM integration_logs WHERE correlation_id IS NOT NULL ORDER BY 1 LIMIT 60",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    ids.extend(demo.into_iter().map(|(c,)| c));
    ids.push("no-such-trace".into());
    for id in ids {
        let whole = format!(
            "{}\n",
            lockdesk::store::traces::fetch(&pool, &id)
                .await
                .unwrap()
                .to_json_text()
        );
        let mut streamed = Vec::new();
        lockdesk::store::export::write_trace(&pool, &id, &mut streamed)
            .await
            .unwrap();
        let streamed = String::from_utf8(streamed).unwrap();
        assert!(
            streamed == whole,
            "{id}:\n--- streamed\n{streamed}\n--- whole\n{whole}"
        );
    }
}
