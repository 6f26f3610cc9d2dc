// A read replica, for real: a primary and a streaming hot standby started
// from the same server binaries (`pg_basebackup -R`), both logging every
// statement. The console reads from the standby and writes on the primary;
// each tagged statement in each server's log says where it ran.

use std::time::Duration;

use lockdesk::console::options::{Global, Target};
use lockdesk::demo::cluster::Cluster;
use sqlx::PgPool;

use crate::support::{Screen, global};

const LOGGING: &[&str] = &[
    "log_statement=all",
    "log_line_prefix='%m [%p] db=%d app=%a '",
];

struct Pair {
    primary: Cluster,
    standby: Cluster,
}

impl Pair {
    fn primary_url(&self) -> String {
        self.primary.url("lockdesk_demo")
    }

    fn standby_url(&self) -> String {
        self.standby.url("lockdesk_demo")
    }

    /// `--read-url` the standby, with --write and a reason when asked.
    fn global(&self, write: bool) -> Global {
        Global {
            write,
            reason: write.then(|| "INC-16".to_string()),
            read_url: Some(self.standby_url()),
            ..global()
        }
    }

    /// The tagged statements lockdesk ran on each server, by name.
    fn ran(&self) -> (Vec<String>, Vec<String>) {
        (tags(&self.primary), tags(&self.standby))
    }
}

fn tags(c: &Cluster) -> Vec<String> {
    let log = std::fs::read_to_string(c.log_path()).unwrap_or_default();
    let mut out: Vec<String> = log
        .lines()
        .filter(|l| l.contains("db=lockdesk_demo"))
        .filter_map(|l| l.split("/* lockdesk:").nth(1))
        .filter_map(|t| t.split(" */").next())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A primary holding the demo world, and a standby that has replayed it.
async fn pair() -> Pair {
    let primary = tokio::task::spawn_blocking(|| Cluster::start_with(LOGGING))
        .await
        .unwrap()
        .expect("a primary");
    let admin = PgPool::connect(&primary.url("postgres")).await.unwrap();
    sqlx::query("CREATE DATABASE lockdesk_demo")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let pool = PgPool::connect(&primary.url("lockdesk_demo"))
        .await
        .unwrap();
    lockdesk::store::migrate::run(&pool, false).await.unwrap();
    lockdesk::demo::load_world(&pool, lockdesk::demo::world::fixed_now())
        .await
        .unwrap();
    pool.close().await;
    let standby = tokio::task::spawn_blocking(move || {
        let s = Cluster::standby_of(&primary, LOGGING);
        (primary, s)
    })
    .await
    .unwrap();
    let (primary, standby) = (standby.0, standby.1.expect("a standby"));
    Pair { primary, standby }
}

/// A write on the primary (one row rewritten as it is).
async fn touch(primary: &PgPool) {
    sqlx::query("UPDATE doors SET name = name WHERE id = (SELECT min(id) FROM doors)")
        .execute(primary)
        .await
        .unwrap();
}

/// Waits until the standby has replayed all the primary has written.
async fn caught_up(primary: &PgPool, standby: &PgPool) {
    let position: String = sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text")
        .fetch_one(primary)
        .await
        .unwrap();
    let seen =
        lockdesk::store::replica::wait_for(standby, &position, Duration::from_secs(10)).await;
    assert_eq!(seen, lockdesk::store::replica::Replay::Seen);
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|t| t == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_standby_writes_to_the_primary() {
    let p = pair().await;
    let url = p.primary_url();
    let read = p.global(false);
    // Every pane, read-only.
    for (target, keys) in [
        (None, ""),
        (None, "2"),
        (
            Some(Target::Lock {
                key: "TTLOCK:28991110".into(),
            }),
            "",
        ),
        (Some(Target::User { id: 9 }), ""),
        (
            Some(Target::Trace {
                id: "e4792295".into(),
            }),
            "",
        ),
    ] {
        let s = Screen::new(&url)
            .target(target)
            .keys(keys)
            .size(160, 40)
            .global(read.clone())
            .run()
            .await;
        assert!(
            s.contains("· reads "),
            "the header says where reads go: {s}"
        );
    }
    // A retry and an enforcement, in write mode.
    let write = p.global(true);
    let s = Screen::new(&url)
        .keys(":jobs failed<Enter>r")
        .size(160, 40)
        .global(write.clone())
        .run()
        .await;
    assert!(s.contains("is now queued"), "{s}");
    assert!(
        s.contains("queued"),
        "the queue, read from the standby after the retry, shows it: {s}"
    );
    // Retry-all's count and list feed a write: the primary's (the dialog opened,
    // nothing typed, so nothing retried).
    let s = Screen::new(&url)
        .keys(":jobs dead<Enter>R")
        .size(160, 40)
        .global(write.clone())
        .run()
        .await;
    assert!(s.contains("dead"), "{s}");
    let sim = crate::support::sim_for(&url).await;
    let s = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .keys("d<Tab>ttlock<Enter>")
        .size(160, 40)
        .global(write.clone())
        .providers(sim.provider_settings())
        .run()
        .await;
    assert!(s.contains("1 deleted, 0 added"), "{s}");

    // The command line reads there too: `trace --json`, `snapshot`; `info`
    // names both servers.
    let standby_url = p.standby_url();
    let args = ["--read-url", standby_url.as_str()];
    for cmd in [
        &["trace", "e4792295", "--json"][..],
        &["snapshot", "--size", "120x30", "user", "9"][..],
        &["info"][..],
    ] {
        let out = crate::support::lockdesk(&[&args[..], cmd].concat(), Some(&url));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if cmd == ["info"] {
            assert!(
                text.contains("writes:") && text.contains("reads:"),
                "{text}"
            );
            assert!(text.contains("(a standby)"), "{text}");
        }
    }

    let (primary, standby) = p.ran();
    // What only shows was read on the standby, and only there.
    for read in [
        "jobs::page",
        "jobs::counts",
        "audit::page_first",
        "logs::of_lock",
        "users::user",
        "traces::audit_of",
        "traces::log_count_of",
        "traces::resolve_prefix",
        "traces::logs_of",
        "session::standby_lag",
    ] {
        assert!(
            has(&standby, read),
            "{read} not on the standby: {standby:?}"
        );
        assert!(
            !has(&primary, read),
            "{read} ran on the primary: {primary:?}"
        );
    }
    // Writes, and the reads a write depends on, on the primary only.
    for write in [
        "jobs::retry",
        "jobs::retryable",
        "drift::enforce_try_lock",
        "drift::expected_pins",
        "logs::insert",
        "session::current_lsn",
    ] {
        assert!(
            has(&primary, write),
            "{write} not on the primary: {primary:?}"
        );
        assert!(
            !has(&standby, write),
            "{write} ran on the standby: {standby:?}"
        );
    }
    // And the console waited for the standby to replay each write.
    assert!(has(&standby, "session::replayed_to"), "{standby:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_is_shown_and_own_writes_are_seen() {
    let p = pair().await;
    let url = p.primary_url();
    let standby = PgPool::connect(&p.standby_url()).await.unwrap();
    let primary = PgPool::connect(&url).await.unwrap();
    // A standby in service has replayed transactions (their age is its lag):
    // one written and seen before replay pauses.
    touch(&primary).await;
    caught_up(&primary, &standby).await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&standby)
        .await
        .unwrap();
    // Something the standby has received but not replayed, a while ago.
    touch(&primary).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (job,): (i64,) = sqlx::query_as(
        "SELECT id FROM reconcile_jobs WHERE status = 'failed' ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .fetch_one(&primary)
    .await
    .unwrap();
    // The retry lands on the primary; the standby, paused, does not have it:
    // the console says so instead of showing the job still failed as if
    // nothing happened.
    let s = Screen::new(&url)
        .target(Target::Job { id: job })
        .keys("r")
        .size(160, 40)
        .global(p.global(true))
        .run()
        .await;
    assert!(s.contains("s behind"), "the lag is shown: {s}");
    assert!(s.contains("has not replayed it"), "{s}");
    let (status,): (String,) = sqlx::query_as("SELECT status FROM reconcile_jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&primary)
        .await
        .unwrap();
    assert_eq!(status, "queued", "the retry is on the primary");
    // Replay resumes: the standby catches up and the console shows the
    // retry, with no lag in the header.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby)
        .await
        .unwrap();
    caught_up(&primary, &standby).await;
    let s = Screen::new(&url)
        .target(Target::Job { id: job })
        .size(160, 40)
        .global(p.global(false))
        .run()
        .await;
    assert!(!s.contains("s behind"), "{s}");
    let row = s
        .lines()
        .find(|l| l.contains(&format!("#{job}")) || l.contains(&format!(" {job} ")))
        .unwrap_or_default()
        .to_string();
    assert!(row.contains("queued"), "the job shows queued: {row}\n{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_standby_is_said_and_only_a_fallback_reads_the_primary() {
    let url = crate::support::demo_db().await;
    let gone = "postgres://lockdesk@127.0.0.1:1/lockdesk_demo?connect_timeout=2";
    let g = Global {
        read_url: Some(gone.into()),
        ..global()
    };
    let config = lockdesk::config::Config::default();
    let refused = lockdesk::console::setup_with(
        &g,
        &url,
        "demo",
        None,
        None,
        config.clone(),
        Default::default(),
    )
    .await
    .err()
    .expect("no standby, no fallback: refused");
    let said = format!("{refused:#}");
    assert!(said.contains("cannot be reached"), "{said}");
    assert!(said.contains("--read-fallback"), "says what to do: {said}");
    assert!(
        !said.contains("lockdesk@"),
        "no user or password in it: {said}"
    );
    let g = Global {
        read_fallback: true,
        ..g
    };
    let s = Screen::new(&url)
        .size(160, 40)
        .global(g.clone())
        .run()
        .await;
    assert!(s.contains("reading from the primary"), "{s}");
    assert!(s.contains("#1936"), "the queue, from the primary: {s}");
}

/// A console reading from the standby, set up now (while the primary is
/// up); `run_ticks` runs it later.
async fn console_over(p: &Pair) -> lockdesk::console::Setup {
    lockdesk::console::setup_with(
        &p.global(false),
        &p.primary_url(),
        "demo",
        None,
        None,
        lockdesk::config::Config::default(),
        Default::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}"))
}

/// Runs a console headless for a counts period of ticks of the real clock;
/// the last screen.
async fn run_ticks(s: lockdesk::console::Setup) -> String {
    use lockdesk::app::{COUNTS_EVERY, Msg};
    // The start loads the counts; a whole counts period of ticks polls them
    // again, as a running console does.
    let msgs = (0..COUNTS_EVERY)
        .map(|_| Msg::Tick(chrono::Utc::now()))
        .collect();
    let out = lockdesk::console::headless::run_msgs(
        s.app,
        s.pool,
        s.standby,
        s.settings,
        s.providers,
        s.start,
        msgs,
        (160, 40),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    lockdesk::console::screen::to_text(&out.screen)
}

/// Waits (at most 30 s) until the standby's WAL receiver is, or is no
/// longer, connected and streaming.
async fn streaming(standby: &PgPool, want: bool) {
    for _ in 0..300 {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming' AND sender_host IS NOT NULL",
        )
        .fetch_one(standby)
        .await
        .unwrap();
        if (n > 0) == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the standby's receiver never became streaming={want}");
}

/// The queue's header line.
fn counts_line(s: &str) -> String {
    s.lines()
        .find(|l| l.contains(" Job queue "))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_that_stopped_receiving_says_so() {
    let mut p = pair().await;
    let standby = PgPool::connect(&p.standby_url()).await.unwrap();
    let primary = PgPool::connect(&p.primary_url()).await.unwrap();
    touch(&primary).await;
    caught_up(&primary, &standby).await;
    streaming(&standby, true).await;

    // Receiving: exact counts, no word of it.
    let s = run_ticks(console_over(&p).await).await;
    let counts = counts_line(&s);
    assert!(!s.contains("not receiving"), "{s}");
    assert!(counts.contains("queued 2 ·"), "exact: {counts}");

    // The link to the primary is cut (the standby pointed at nothing), then
    // restored: the header says so while it lasts, and goes back to normal.
    let (conninfo,): (String,) = sqlx::query_as("SHOW primary_conninfo")
        .fetch_one(&standby)
        .await
        .unwrap();
    let set = |c: String| {
        let standby = standby.clone();
        async move {
            let c = c.replace('\'', "''");
            // The test's own value, quoted: no injection to audit.
            let sql = format!("ALTER SYSTEM SET primary_conninfo = '{c}'");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&standby)
                .await
                .unwrap();
            sqlx::query("SELECT pg_reload_conf()")
                .execute(&standby)
                .await
                .unwrap();
        }
    };
    set("host=/nonexistent port=1 connect_timeout=1".into()).await;
    streaming(&standby, false).await;
    let s = run_ticks(console_over(&p).await).await;
    assert!(s.contains("standby not receiving since "), "{s}");
    assert!(s.contains("marked ~"), "said why, once: {s}");
    set(conninfo).await;
    streaming(&standby, true).await;
    let s = run_ticks(console_over(&p).await).await;
    assert!(!s.contains("not receiving"), "{s}");
    assert!(counts_line(&s).contains("queued 2 ·"), "{s}");

    // The primary stops under a running console: the counts poll after it
    // says the standby receives nothing, and no count claims to be exact.
    let console = console_over(&p).await;
    primary.close().await;
    p.primary.stop();
    streaming(&standby, false).await;
    let s = run_ticks(console).await;
    let header = s.lines().next().unwrap_or_default();
    assert!(
        header.contains("standby not receiving since "),
        "the header says so: {s}"
    );
    assert!(!header.contains("s behind"), "{header}");
    let counts = counts_line(&s);
    for status in ["queued", "running", "failed", "dead", "done", "cancelled"] {
        assert!(
            counts.contains(&format!("{status} ~")),
            "{status} is not presented as exact: {counts}"
        );
    }
    assert!(s.contains("marked ~"), "{s}");
}
