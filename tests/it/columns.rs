// Ids, numbers and times in every pane's columns: shown whole and apart
// from their neighbours, whatever their width (8-digit job ids, millisecond
// times in a zone written `+0545`, a Doordeck lock key), while text
// columns give way.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::{Screen, global};
use lockdesk::console::options::Target;
use lockdesk::timefmt::{Clock, Zone, age, relative};

const CORR: &str = "abcdef0123456789abcdef0123456789";
const AT: &str = "2026-12-05 18:44:24.349766+00";
const FUTURE: &str = "2126-12-05 18:44:24.349766+00";
const DOORDECK: &str = "DOORDECK:e086b3e7-892d-403b-ade2-07f09e8e525f";

async fn plant_wide_values(pool: &PgPool) {
    for sql in [
        // A job with 8-digit ids and counts, created a century ahead (its
        // age is 10 characters) and due in the year 9999.
        format!(
            "INSERT INTO reconcile_jobs (id, job_type, user_id, reason, status, attempt_count, correlation_id, created_at, updated_at, next_run_at, payload) \
             VALUES (10000005, 'reconcile_user', 10000009, 'access level changed', 'failed', 12345678, '{CORR}', '{FUTURE}', '{FUTURE}', '9999-12-31 00:00:00+00', '{{}}')"
        ),
        format!(
            "INSERT INTO reconcile_jobs (id, job_type, user_id, reason, status, attempt_count, correlation_id, created_at, updated_at, payload) \
             VALUES (10000006, 'reconcile_user', 9, 'access level changed', 'failed', 1, '{CORR}', '{AT}', '{AT}', '{{}}')"
        ),
        format!(
            "INSERT INTO integration_logs (id, action, correlation_id, created_at, lock_key, ok, provider_type, door_id, door_name, reconcile_job_id, error_message, request_json, response_json) \
             VALUES (10000007, 'PASSCODE_LIST', '{CORR}', '{AT}', 'TTLOCK:28991110', false, 'TTLOCK', 2, 'ttlock', 10000006, 'TTLock errcode -3002: a long explanation of what went wrong at the lock', '{{}}', '{{}}')"
        ),
        format!(
            "INSERT INTO integration_logs (id, action, correlation_id, created_at, lock_key, ok, provider_type, reconcile_job_id, request_json, response_json) \
             VALUES (10000008, 'LOCK_SHARE', '{CORR}', '{AT}', '{DOORDECK}', true, 'DOORDECK', 10000006, '{{}}', '{{}}')"
        ),
        format!(
            "INSERT INTO app_audit (id, created_at, entity_type, entity_id, action, before_json, after_json, correlation_id, actor, source) \
             VALUES (10000009, '{AT}', 'User', 9, 'update', '{{}}', '{{}}', '{CORR}', 'admin:someone.with.a.long.name@nordlicht.example', 'user-access-level route')"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .unwrap();
    }
}

/// `needle` is on some line of `screen` with a space (or the line's edge)
/// on each side: neither cut nor glued to its neighbour.
fn assert_whole(pane: &str, screen: &str, needle: &str) {
    let whole = screen.lines().any(|l| {
        l.match_indices(needle).any(|(i, _)| {
            let before = l[..i].chars().next_back();
            let after = l[i + needle.len()..].chars().next();
            before.is_none_or(|c| c == ' ') && after.is_none_or(|c| c == ' ')
        })
    });
    assert!(
        whole,
        "{pane}: `{needle}` is not shown whole and apart:\n{screen}"
    );
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_str(&format!("{s}00"), "%Y-%m-%d %H:%M:%S%.f%z")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn ids_and_times_are_never_cut_or_glued() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    plant_wide_values(&pool).await;
    // A zone whose abbreviation is an offset (`+0545`): the widest a
    // named zone writes (`--tz local` is the system's zone by name).
    let mut g = global();
    g.tz = Some("Asia/Kathmandu".into());
    let clock = Clock::new(Zone::parse("Asia/Kathmandu").unwrap());
    let now = lockdesk::demo::world::fixed_now();
    let (at, future) = (t(AT), t(FUTURE));
    let full = clock.full(&at, None);
    let short = clock.short(&at, None);
    assert!(full.contains(".349 +0545"), "{full}");
    let size = (140, 40);
    let shot = |target: Option<Target>, keys: &'static str| {
        let (g, url) = (g.clone(), url.clone());
        async move {
            Screen::new(&url)
                .target(target)
                .keys(keys)
                .size(size.0, size.1)
                .global(g.clone())
                .run()
                .await
        }
    };

    let jobs = shot(None, "").await;
    let nine_nine = relative(&t("9999-12-31 00:00:00+00"), &now);
    for id in [
        "#10000005",
        "#10000006",
        "10000009",
        "12345678",
        &age(now - future),
        &nine_nine,
    ] {
        assert_whole("Jobs", &jobs, id);
    }

    let audit = shot(None, "2").await;
    for id in [short.as_str(), "#9", CORR] {
        assert_whole("Audit", &audit, id);
    }

    let lock = shot(
        Some(Target::Lock {
            key: "TTLOCK:28991110".into(),
        }),
        "",
    )
    .await;
    for id in [full.as_str(), "#10000006", CORR] {
        assert_whole("Lock logs", &lock, id);
    }

    let user = shot(Some(Target::User { id: 9 }), "").await;
    for id in [short.as_str(), "#10000006", CORR] {
        assert_whole("User", &user, id);
    }

    let trace = shot(Some(Target::Trace { id: CORR.into() }), "").await;
    for id in [
        full.as_str(),
        "#10000005",
        "#10000006",
        "#10000007",
        "#10000008",
        "12345678",
        "TTLOCK:28991110",
        DOORDECK,
    ] {
        assert_whole("Trace", &trace, id);
    }
}
