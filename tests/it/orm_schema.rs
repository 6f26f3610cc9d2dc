// A broker typed as an ORM types it: `timestamp without time zone`, `json`,
// `integer` ids and `varchar` text on every table. `db check` accepts it, so
// every pane, the export and every action must work on it, and read the
// same times as on the contract's types.

use chrono::{DateTime, Utc};
use lockdesk::console::options::Target;
use lockdesk::engine::plan::Mode;
use lockdesk::engine::{self, Enforced, JobChange, Operator};
use lockdesk::providers::settings::Providers;
use lockdesk::store::queue::JobFilter;
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::support::Screen;
use crate::support::demo_db;
use crate::support::lockdesk;
use crate::support::sim_for;

/// Retypes every column of the broker's tables as an ORM would: each
/// timestamptz as timestamp without time zone (the session zone is UTC, so
/// the stored instants are kept), jsonb as json, bigint as integer, text as
/// varchar. The indexes on them (expression and pattern-ops ones too) are
/// rebuilt by Postgres; there are no views or partitions in the demo world.
/// The statistics are gathered again after (the queue's estimates read them).
const RETYPE: &str = r"
DO $$
DECLARE
    t record;
    c record;
    alters text;
BEGIN
    FOR t IN SELECT table_name FROM information_schema.tables
              WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'lockdesk%'
    LOOP
        alters := NULL;
        FOR c IN SELECT column_name, data_type FROM information_schema.columns
                  WHERE table_schema = 'public' AND table_name = t.table_name
        LOOP
            alters := concat_ws(', ', alters, CASE c.data_type
                WHEN 'timestamp with time zone' THEN format('ALTER COLUMN %I TYPE timestamp without time zone', c.column_name)
                WHEN 'jsonb' THEN format('ALTER COLUMN %I TYPE json', c.column_name)
                WHEN 'bigint' THEN format('ALTER COLUMN %I TYPE integer', c.column_name)
                WHEN 'text' THEN format('ALTER COLUMN %I TYPE varchar', c.column_name)
            END);
        END LOOP;
        IF alters IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I %s', t.table_name, alters);
        END IF;
    END LOOP;
END $$";

/// The demo world twice: as migrated, and retyped as an ORM would.
async fn original_and_orm_copy() -> (String, String) {
    let (original, orm) = (demo_db().await, demo_db().await);
    let mut c = PgConnection::connect(&orm).await.unwrap();
    c.execute("SET TimeZone = 'UTC'").await.unwrap();
    c.execute(RETYPE).await.unwrap();
    // Retyping drops the columns' statistics (the queue's estimates).
    c.execute("ANALYZE").await.unwrap();
    let left: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name NOT LIKE 'lockdesk%'
            AND data_type IN ('timestamp with time zone', 'jsonb', 'bigint', 'text')",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(
        left.is_empty(),
        "columns left with contract types: {left:?}"
    );
    c.close().await.unwrap();
    (original, orm)
}

fn operator() -> Operator {
    Operator {
        name: "alice".into(),
        reason: Some("INC-23".into()),
        write: true,
        source: "console",
    }
}

/// A job's status and the update time the panes show for it.
async fn seen(pool: &PgPool, id: i64) -> (String, DateTime<Utc>) {
    sqlx::query_as("SELECT status::text, updated_at::timestamptz FROM reconcile_jobs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn a_job(pool: &PgPool, status: &str) -> i64 {
    sqlx::query_scalar("SELECT id::int8 FROM reconcile_jobs WHERE status = $1 ORDER BY id LIMIT 1")
        .bind(status)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_action_works_on_a_schema_typed_by_an_orm() {
    let (original, orm) = original_and_orm_copy().await;

    // The contract check accepts it.
    let pool = PgPool::connect_with(lockdesk::store::options(&orm).unwrap())
        .await
        .unwrap();
    let report = lockdesk::store::schema::check(&pool).await.unwrap();
    assert!(report.is_usable(), "{report:?}");

    // Every pane opens, and reads what it reads on the contract's types,
    // times included (to the second, in the console's zone).
    let panes: [(&str, Option<Target>, &str); 9] = [
        ("jobs", None, ""),
        ("failed jobs", None, ":jobs failed<Enter>"),
        ("job 72", Some(Target::Job { id: 72 }), "<Enter>"),
        ("trace", None, ":trace e4792295<Enter>"),
        (
            "enforce plan",
            Some(Target::Trace {
                id: "c2165f3f".into(),
            }),
            "G<Enter>",
        ),
        ("door 2", None, ":door 2<Enter>"),
        (
            "lock",
            Some(Target::Lock {
                key: "TTLOCK:28991110".into(),
            }),
            "",
        ),
        ("user 9", None, ":user 9<Enter>"),
        ("audit", None, "2"),
    ];
    for (name, target, keys) in panes {
        let want = Screen::new(&original)
            .target(target.clone())
            .keys(keys)
            .run()
            .await;
        let got = Screen::new(&orm).target(target).keys(keys).run().await;
        assert_eq!(got, want, "{name} differs on the ORM's types");
    }

    // trace --json writes the same bytes.
    for corr in ["e4792295", "c2165f3f"] {
        let [want, got] = [&original, &orm].map(|u| lockdesk(&["trace", corr, "--json"], Some(u)));
        assert!(
            got.status.success(),
            "{}",
            String::from_utf8_lossy(&got.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "trace {corr} --json"
        );
    }
    let t = lockdesk::store::traces::fetch(&pool, "e4792295b2f441f0b205e154984e92fc")
        .await
        .unwrap();
    let o = PgPool::connect(&original).await.unwrap();
    let w = lockdesk::store::traces::fetch(&o, "e4792295b2f441f0b205e154984e92fc")
        .await
        .unwrap();
    let times = |t: &lockdesk::store::traces::Trace| {
        let jobs = t.jobs.iter().map(|j| (j.created_at, j.updated_at));
        let logs = t.logs.iter().map(|l| (l.created_at, l.created_at));
        jobs.chain(logs).collect::<Vec<_>>()
    };
    assert_eq!(times(&t), times(&w), "times to the microsecond");
    assert!(!times(&t).is_empty());

    // A retry and a cancel.
    let op = operator();
    let failed = a_job(&pool, "failed").await;
    let (status, updated) = seen(&pool, failed).await;
    let r = engine::retry_job(&pool, &op, failed, &status, updated).await;
    assert_eq!(
        r,
        Ok(JobChange::Done {
            job: failed,
            status: "queued".into()
        })
    );
    let base: Option<i32> = sqlx::query_scalar(
        "SELECT (payload::jsonb->>'retry_base_attempts')::int4 FROM reconcile_jobs WHERE id = $1",
    )
    .bind(failed)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(base.is_some(), "the retry gave the job a fresh budget");
    // What it wrote is stored as UTC: the job's time, its log's and its
    // audit row's read back within a minute of the server's clock.
    let skew: f64 = sqlx::query_scalar(
        "SELECT greatest(
                (SELECT abs(extract(epoch FROM updated_at::timestamptz - now())) FROM reconcile_jobs WHERE id = $1),
                (SELECT max(abs(extract(epoch FROM created_at::timestamptz - now()))) FROM integration_logs
                  WHERE reconcile_job_id = $1 AND request_json::jsonb->>'operator' = 'alice'),
                (SELECT max(abs(extract(epoch FROM created_at::timestamptz - now()))) FROM app_audit
                  WHERE entity_id = $1 AND action = 'retry'))::float8",
    )
    .bind(failed)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(skew < 60.0, "written {skew} s away from the server's clock");
    let queued = a_job(&pool, "queued").await;
    let (_, queued_at) = seen(&pool, queued).await;
    let r = engine::cancel_job(&pool, &op, queued, "queued", queued_at).await;
    assert_eq!(
        r,
        Ok(JobChange::Done {
            job: queued,
            status: "cancelled".into()
        })
    );

    // Retry-all: the list, then each.
    let now = lockdesk::demo::world::fixed_now();
    let (list, more) = engine::retryable(&pool, &JobFilter::default(), now, 900)
        .await
        .unwrap();
    assert!(!list.is_empty() && !more, "{list:?}");
    for (job, status, updated) in list {
        let r = engine::retry_job(&pool, &op, job, &status, updated).await;
        assert_eq!(
            r,
            Ok(JobChange::Done {
                job,
                status: "queued".into()
            })
        );
    }

    // An enforcement on door 2, against the simulators.
    let sim = sim_for(&original).await;
    let providers = Providers::new(sim.provider_settings());
    let preview = engine::preview(&pool, &providers, 2, Mode::UltraStrict, Utc::now())
        .await
        .unwrap();
    let plan = preview.plan.unwrap();
    assert_eq!(plan.deletes.len(), 1, "{plan:?}");
    let done = engine::enforce(
        &pool,
        &providers,
        &op,
        2,
        Mode::UltraStrict,
        Some(&plan),
        None,
    )
    .await
    .unwrap();
    let Enforced::Done {
        correlation_id,
        deletes_ok,
        failures,
        ..
    } = done
    else {
        panic!("the plan did not change: {done:?}")
    };
    assert_eq!((deletes_ok, failures.len()), (1, 0), "{failures:?}");
    let (job_status,): (String,) =
        sqlx::query_as("SELECT status::text FROM reconcile_jobs WHERE correlation_id = $1")
            .bind(&correlation_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(job_status, "done");

    // Its settle: the outcome of the delete lost, as if the run had died
    // after the call; the next preview finds it and writes it.
    sqlx::query("DELETE FROM integration_logs WHERE correlation_id = $1 AND action = 'DRIFT_ENFORCE_DELETE_PIN'")
        .bind(&correlation_id)
        .execute(&pool)
        .await
        .unwrap();
    let preview = engine::preview(&pool, &providers, 2, Mode::UltraStrict, Utc::now())
        .await
        .unwrap();
    assert_eq!(preview.interrupted.len(), 1, "{:?}", preview.interrupted);
    assert!(preview.interrupted[0].applied);
    let lock = lockdesk::lockkey::LockKey::new("TTLOCK", "28991110");
    let n = engine::interrupted::settle(&pool, &op, &lock, &preview.interrupted).await;
    assert_eq!(n, Ok(1));

    // A reveal, recorded in app_audit before the copy.
    let who = lockdesk::store::reveal::Revealer {
        operator: "alice".into(),
        os_user: "alice".into(),
        reason: "INC-23".into(),
    };
    for of in [
        lockdesk::store::reveal::RevealOf::Job(72),
        lockdesk::store::reveal::RevealOf::LogColumn(1384, "request_json"),
    ] {
        let r = lockdesk::store::reveal::reveal(&pool, &of, &who, None).await;
        assert!(r.is_ok(), "{of:?}: {r:?}");
    }

    // An enforcement that adds: door 1's lock lost one of its PINs.
    let removed = {
        let mut st = lockdesk::sim::state(&sim.state);
        st.tt_locks
            .get_mut(&28_990_137)
            .unwrap()
            .passcodes
            .remove(0)
    };
    sqlx::query(
        "UPDATE lock_pin_states SET state = 'deleted' WHERE door_id = 1 AND vendor_pin_id = $1",
    )
    .bind(removed["keyboardPwdId"].to_string())
    .execute(&pool)
    .await
    .unwrap();
    let done = engine::enforce(&pool, &providers, &op, 1, Mode::Standard, None, None)
        .await
        .unwrap();
    let Enforced::Done {
        adds_ok, failures, ..
    } = done
    else {
        panic!("the plan did not change: {done:?}")
    };
    assert_eq!((adds_ok, failures.len()), (1, 0), "{failures:?}");

    // An enforcement left to the worker.
    let id = engine::enqueue_drift(&pool, &op, 2, Mode::Standard)
        .await
        .unwrap();
    assert_eq!(seen(&pool, id).await.0, "queued");
}
