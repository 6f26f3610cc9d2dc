// Guard rails around production: demo-only operations refuse any database
// the demo did not create, and write mode always has a reason.

use lockdesk::console::options::Global;

use crate::support::demo_db;
use crate::support::lockdesk;
use crate::support::{Screen, global};

#[tokio::test]
async fn demo_seed_refuses_a_database_that_is_not_a_demo() {
    // A database that is not a demo (here: the broker's world, migrated but
    // never marked) is refused, with or without --force, and left as it was.
    let broker = crate::support::demo_db().await;
    let pool = sqlx::PgPool::connect(&broker).await.unwrap();
    let count = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM integration_logs")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = count(pool.clone()).await;
    let out = lockdesk(&["demo", "seed", "--logs", "100"], Some(&broker));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let db = broker.split('/').nth(3).unwrap().split('?').next().unwrap();
    assert!(err.contains("Refusing `demo seed` on"), "{err}");
    assert!(err.contains(db), "the message names the database: {err}");
    assert!(err.contains("there is no override"), "{err}");
    let out = lockdesk(&["demo", "seed", "--logs", "100", "--force"], Some(&broker));
    assert!(!out.status.success(), "--force does not override");
    assert_eq!(count(pool.clone()).await, before, "nothing was written");
    // An empty database is seeded and marked; seeding it again is allowed.
    let empty = crate::support::blank_db().await;
    for _ in 0..2 {
        let out = lockdesk(&["demo", "seed", "--logs", "100"], Some(&empty));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn write_without_a_reason_asks_for_one_first() {
    let url = demo_db().await;
    let g = Global {
        write: true,
        reason: None,
        ..global()
    };
    let asked = Screen::new(&url).global(g.clone()).run().await;
    assert!(
        asked.contains("why are you writing? (recorded with every change)"),
        "{asked}"
    );
    assert!(
        asked.contains("READ-ONLY"),
        "no write before the reason: {asked}"
    );
    let given = Screen::new(&url)
        .keys("INC-9 lock 2 PIN<Enter>")
        .global(g.clone())
        .run()
        .await;
    assert!(
        given.contains("write mode: every change is audited as alice (INC-9 lock 2 PIN)"),
        "{given}"
    );
    assert!(given.contains(" WRITE "), "{given}");
    let skipped = Screen::new(&url)
        .keys("<Enter>")
        .global(g.clone())
        .run()
        .await;
    assert!(
        skipped.contains("no reason given: the session stays read-only"),
        "{skipped}"
    );
}

/// A demo's exports left in a shell, then `lockdesk --profile prod`: the
/// profile's own providers stand, the header says where calls go, and the
/// status line says what was ignored. With DATABASE_URL (no profile) the
/// same exports do count: that is how the demo is used.
#[tokio::test]
async fn demo_exports_never_redirect_a_named_profile() {
    let url = demo_db().await;
    let dir = lockdesk::files::fresh_private_dir("lockdesk-guards").unwrap();
    let prod_providers = dir.join("prod-providers.toml");
    lockdesk::files::write_private(
        &prod_providers,
        "[customers.1]\nttlock_client_id = \"c\"\nttlock_base_url = \"https://euapi.ttlock.com\"\n",
    )
    .unwrap();
    let sim_providers = dir.join("sim-providers.toml");
    lockdesk::files::write_private(
        &sim_providers,
        "[customers.1]\nttlock_client_id = \"c\"\nttlock_base_url = \"http://127.0.0.1:4100\"\n",
    )
    .unwrap();
    let config = format!(
        "[profiles.prod]\ndatabase_url = \"{url}\"\nproviders_file = \"{}\"\n",
        prod_providers.display()
    );
    lockdesk::files::write_private(&dir.join("config.toml"), &config).unwrap();
    let run = |args: &[&str], database_url: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lockdesk"));
        c.args(args)
            .env_remove("DATABASE_URL")
            .env("LOCKDESK_CONFIG_DIR", &dir)
            .env("LOCKDESK_TTLOCK_BASE_URL", "http://127.0.0.1:4100")
            .env("LOCKDESK_PROVIDERS_FILE", &sim_providers)
            .env("TZ", "UTC");
        if let Some(u) = database_url {
            c.env("DATABASE_URL", u);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let prod = run(&["--profile", "prod", "snapshot", "--size", "160x30"], None);
    assert!(prod.contains("calls → euapi.ttlock.com ·"), "{prod}");
    assert!(
        prod.contains("ignored LOCKDESK_TTLOCK_BASE_URL, LOCKDESK_PROVIDERS_FILE"),
        "{prod}"
    );
    let demo = run(&["snapshot", "--size", "160x30"], Some(&url));
    assert!(demo.contains("calls → local simulator ·"), "{demo}");
    assert!(!demo.contains("ignored LOCKDESK_"), "{demo}");
    let _ = std::fs::remove_dir_all(&dir);
}
