// Secrets never leave: canaries planted in every secret-bearing place (broker
// rows of every table, the simulators' answers, the config and providers
// files, a URL's password) are looked for in everything lockdesk shows,
// copies, exports and writes. And copy-as-curl is safe to paste.

use std::path::{Path, PathBuf};

use std::time::Duration;

use lockdesk::console::options::Target;
use serde_json::json;
use sqlx::PgPool;

use crate::support::demo_db;
use crate::support::sim_for;
use crate::support::{Screen, global};

mod audit_changed;
mod curl;
mod files;
mod reveal;

use crate::support::{Tmux, lockdesk_cmd, rand_suffix};

pub(crate) const TRACE: &str = "ca9a27ca9a27ca9a27ca9a27ca9a27ca";
const LOCK: &str = "TTLOCK:28991110";

fn canary(table: &str, column: &str, n: u32) -> String {
    format!("LDCANARY-{table}-{column}-{n}")
}

/// Plants a canary in every secret-bearing column of the contract tables
/// and the credentials table; returns them all.
pub(crate) async fn plant_canaries(pool: &PgPool) -> Vec<String> {
    let c = canary;
    let at = lockdesk::demo::world::fixed_now() - chrono::Duration::minutes(3);
    let jwt = format!(
        "eyJhbGciOiJub25lIn0.{}.c2ln",
        c("integration_logs", "response_json", 8)
    );
    let request = json!({
        "method": "GET", "base_host": "https://api.ttlock.com", "path": "/v3/lock/detail",
        "url": format!("https://api.ttlock.com/v3/lock/detail?clientId=6636&accessToken={}", c("integration_logs", "request_json", 1)),
        "payload": {"accessToken": c("integration_logs", "request_json", 2), "clientId": "6636", "lockId": 28991110,
                    "clientSecret": c("integration_logs", "request_json", 3)},
        "headers": {"Authorization": format!("Bearer {}", c("integration_logs", "request_json", 4))},
    });
    let response = json!({
        "lockId": 28991110, "lockData": c("integration_logs", "response_json", 5),
        "aesKeyStr": c("integration_logs", "response_json", 6), "adminPwd": c("integration_logs", "response_json", 7),
        "token": jwt, "noKeyPwd": c("integration_logs", "response_json", 9), "deletePwd": c("integration_logs", "response_json", 10),
        "lockKey": c("integration_logs", "response_json", 11), "keyboardPwd": c("integration_logs", "response_json", 12),
        "inner": json!({"refresh_token": c("integration_logs", "response_json", 13)}).to_string(),
        "pem": format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----", c("integration_logs", "response_json", 14)),
    });
    sqlx::query(
        "INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, external_id, ok, provider_type,
                                       error_message, request_json, response_json, door_name)
         VALUES ('LOCK_DETAIL', $1, $2, $3, '28991110', false, 'TTLOCK', $4, $5, $6, 'Main entrance')",
    )
    .bind(TRACE)
    .bind(at)
    .bind(LOCK)
    .bind(format!(
        "HTTP 401 for https://api.ttlock.com/v3/lock/detail?accessToken={} (password={})",
        c("integration_logs", "error_message", 15),
        c("integration_logs", "error_message", 16)
    ))
    .bind(&request)
    .bind(&response)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO reconcile_jobs (job_type, user_id, reason, status, attempt_count, last_error, correlation_id, payload, created_at, updated_at)
         VALUES ('door_provision', 9, $1, 'failed', 2, $2, $3, $4, $5, $5)",
    )
    .bind(format!("rotate token: {}", c("reconcile_jobs", "reason", 20)))
    .bind(format!(
        "401 from doordeck: Authorization: Bearer {}",
        c("reconcile_jobs", "last_error", 21)
    ))
    .bind(TRACE)
    .bind(json!({"door_id": 2, "access_token": c("reconcile_jobs", "payload", 22),
                 "body": format!("client_id=1&client_secret={}", c("reconcile_jobs", "payload", 23))}))
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO app_audit (created_at, entity_type, entity_id, action, before_json, after_json, correlation_id, actor, source)
         VALUES ($1, 'Credential', 6, 'update', $2, $3, $4, 'alice', 'admin-ui')",
    )
    .bind(at)
    .bind(json!({"user_id": 9, "pin_code": c("app_audit", "before_json", 30)}))
    .bind(json!({"user_id": 9, "pin": c("app_audit", "after_json", 31),
                 "nested": [{"password": c("app_audit", "after_json", 32)}]}))
    .bind(TRACE)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO credentials (user_id, kind, pin_code, status) VALUES (9, 'pin', $1, 'active')",
    )
    .bind(c("credentials", "pin_code", 40))
    .execute(pool)
    .await
    .unwrap();
    let mut all: Vec<String> = (1..=16)
        .map(|n| {
            let col = match n {
                1..=4 => "request_json",
                15 | 16 => "error_message",
                _ => "response_json",
            };
            c("integration_logs", col, n)
        })
        .collect();
    all.extend([
        c("reconcile_jobs", "reason", 20),
        c("reconcile_jobs", "last_error", 21),
        c("reconcile_jobs", "payload", 22),
        c("reconcile_jobs", "payload", 23),
        c("app_audit", "before_json", 30),
        c("app_audit", "after_json", 31),
        c("app_audit", "after_json", 32),
        c("credentials", "pin_code", 40),
    ]);
    all
}

/// Plants canaries in the simulators' answers and accounts: the TTLock
/// account's secret and password, a lock record's code, a Doordeck event.
fn plant_canaries_in_sim(sim: &lockdesk::sim::Sim) -> Vec<String> {
    let mut st = lockdesk::sim::state(&sim.state);
    let secret = canary("sim", "client_secret", 50);
    let password = canary("sim", "password", 51);
    for a in st.tt_accounts.iter_mut() {
        a.client_secret = secret.clone();
        a.password = password.clone();
    }
    let dd_password = canary("sim", "doordeck_password", 52);
    for a in st.dd_accounts.iter_mut() {
        a.password = dd_password.clone();
    }
    let code = canary("sim", "keyboardPwd", 53);
    // At the headless runs' fixed clock, so the lock pane's window holds it.
    let now = lockdesk::demo::world::fixed_now().timestamp_millis();
    if let Some(l) = st.tt_locks.get_mut(&28991110) {
        l.records.push(json!({"recordId": 9_999_999_999_i64, "lockId": 28991110, "recordType": 4, "recordTypeFromLock": 4,
            "success": 1, "username": "AB U9 C6", "keyboardPwd": code, "lockDate": now - 60_000, "serverDate": now - 59_000}));
    }
    let event_token = canary("sim", "doordeck_event", 54);
    for d in st.dd_devices.values_mut() {
        d.events.push(json!({"timestamp": now / 1000 - 60, "type": "DOOR_UNLOCK", "user": null, "email": null,
            "displayName": null, "message": format!("unlocked with Authorization: Bearer {event_token}")}));
    }
    vec![secret, password, dd_password, code, event_token]
}

/// Passcodes typed into the TTLock app on door 2's lock, named like people
/// name them: one enforced away (ultra_strict: an intent, an outcome, a plan,
/// a pin state), one left as unknown (standard) and still there for the
/// tours. No row lockdesk wrote holds a name or a PIN of theirs.
async fn enforce_strays(db: &str, sim: &lockdesk::sim::Sim) -> Vec<String> {
    use lockdesk::engine::plan::Mode;
    let pool = PgPool::connect(db).await.unwrap();
    let providers = lockdesk::providers::settings::Providers::new(sim.provider_settings());
    let op = lockdesk::engine::Operator {
        name: "alice".into(),
        reason: Some("INC-24".into()),
        write: true,
        source: "console",
    };
    let strays = [
        (71_234_567, "cleaner 4821", "48214821", Mode::UltraStrict),
        (71_234_568, "plumber 7716", "77167716", Mode::Standard),
    ];
    for (id, name, pin, mode) in strays {
        lockdesk::sim::state(&sim.state)
            .tt_locks
            .get_mut(&28991110)
            .unwrap()
            .passcodes
            .push(crate::drift::stray(id, name, pin));
        let r = lockdesk::engine::enforce(&pool, &providers, &op, 2, mode, None, None).await;
        assert!(
            matches!(r, Ok(lockdesk::engine::Enforced::Done { .. })),
            "{r:?}"
        );
    }
    let secrets: Vec<String> = strays
        .iter()
        .flat_map(|(_, name, pin, _)| [name.to_string(), pin.to_string()])
        .collect();
    let rows = crate::drift::written_rows(&pool).await;
    assert!(
        rows.iter()
            .any(|r| r.contains("71234567") && r.contains("DELETE_PIN_INTENT"))
    );
    for r in rows {
        assert!(!secrets.iter().any(|s| r.contains(s.as_str())), "{r}");
    }
    pool.close().await;
    secrets
}

/// The tokens the simulators issued (the answers of their token calls).
fn issued_tokens(sim: &lockdesk::sim::Sim) -> Vec<String> {
    let st = lockdesk::sim::state(&sim.state);
    st.tt_tokens
        .keys()
        .chain(st.tt_refresh.keys())
        .chain(st.dd_tokens.keys())
        .chain(st.dd_refresh.keys())
        .cloned()
        .collect()
}

/// Every place a secret could leave through, as text, by where it came from.
#[derive(Default)]
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn add(&mut self, place: impl Into<String>, text: impl Into<String>) {
        self.0.push((place.into(), text.into()));
    }

    fn add_files_under(&mut self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                self.add_files_under(&p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                self.add(p.display().to_string(), String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// Fails naming each output a secret was found in.
    fn assert_none_of(&self, secrets: &[String]) {
        let mut hits = Vec::new();
        for (place, text) in &self.0 {
            for s in secrets {
                if text.contains(s.as_str()) {
                    hits.push(format!("{s} in {place}"));
                }
            }
        }
        assert!(
            hits.is_empty(),
            "secrets left through:\n{}",
            hits.join("\n")
        );
    }
}

/// The keys that drive one pane through every copy and popup.
fn tour(rows: usize) -> String {
    let mut k = String::from("yYCM");
    for _ in 0..rows {
        k.push_str("jyCM<Enter>y<Esc>");
    }
    k
}

fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    format!("{scheme}://{user}:{password}@{rest}")
}

/// A private home for one run: config (a profile whose URL has a password,
/// the simulators' accounts in the providers file, both 0600) and state.
fn home_with(url: &str, providers_text: &str) -> PathBuf {
    let home = std::env::temp_dir().join(format!(
        "lockdesk-secrets-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let config = home.join("config");
    std::fs::create_dir_all(&config).unwrap();
    let providers = config.join("providers.toml");
    lockdesk::files::write_private(&providers, providers_text).unwrap();
    lockdesk::files::write_private(
        &config.join("config.toml"),
        &format!(
            "default_profile = \"canary\"\noperator = \"alice\"\n\n[profiles.canary]\ndatabase_url = \"{url}\"\nproviders_file = \"{}\"\n",
            providers.display()
        ),
    )
    .unwrap();
    home
}

// Several threads: the simulators must answer while this thread waits for
// a lockdesk process or for tmux.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_secrets_never_leave() {
    let db = demo_db().await;
    let pool = PgPool::connect(&db).await.unwrap();
    let mut secrets = plant_canaries(&pool).await;
    pool.close().await;
    let sim = sim_for(&db).await;
    secrets.extend(plant_canaries_in_sim(&sim));
    secrets.extend(enforce_strays(&db, &sim).await);
    let url_password = canary("config", "database_url", 60);
    let url = with_password(&db, &url_password);
    secrets.push(url_password.clone());
    let mut out = Outputs::default();

    // Headless: every pane, every copy key and popup, with the simulators.
    let g = global();
    let tours: Vec<(Option<Target>, String)> = vec![
        (Some(Target::Trace { id: TRACE.into() }), tour(8)),
        (Some(Target::Trace { id: TRACE.into() }), "QyRy".into()),
        (None, tour(3)),
        (Some(Target::Lock { key: LOCK.into() }), tour(12)),
        (Some(Target::Lock { key: LOCK.into() }), "d".into()),
        (Some(Target::User { id: 9 }), tour(6)),
        (None, format!(":audit<Enter>{}", tour(4))),
        (None, ":jobs failed<Enter>yM<Enter>y".into()),
    ];
    for (target, keys) in &tours {
        let (screen, copies) = Screen::new(&url)
            .target(target.clone())
            .keys(keys)
            .size(160, 45)
            .global(g.clone())
            .providers(sim.provider_settings())
            .run_with_copies()
            .await;
        out.add(format!("headless screen after {keys}"), screen);
        for c in copies {
            out.add(format!("headless copy in {keys}"), c);
        }
    }
    // The simulators' answers reached the copies, masked.
    assert!(
        out.0
            .iter()
            .any(|(_, t)| t.contains(r#""keyboardPwd": "***53""#)),
        "the lock record planted in the simulator was copied"
    );
    let copied: usize = out.0.iter().filter(|(p, _)| p.contains("copy")).count();
    assert!(copied >= 20, "the tours copied: {copied}");

    // The command line: exports and snapshots of every pane, and an error
    // that quotes the URL, from a home whose files hold the secrets.
    let home = home_with(&url, &sim.provider_settings().to_file_text());
    let runs: Vec<Vec<String>> = vec![
        vec!["trace".into(), TRACE.into(), "--json".into()],
        vec![
            "snapshot".into(),
            "--keys".into(),
            tour(3),
            "trace".into(),
            TRACE.into(),
        ],
        vec![
            "snapshot".into(),
            "--keys".into(),
            tour(6),
            "lock".into(),
            LOCK.into(),
        ],
        vec![
            "snapshot".into(),
            "--keys".into(),
            tour(3),
            "user".into(),
            "9".into(),
        ],
        vec!["snapshot".into(), "--keys".into(), ":audit<Enter>yM".into()],
        vec![
            "snapshot".into(),
            "--keys".into(),
            "yM".into(),
            "job".into(),
            "1".into(),
        ],
        vec!["info".into()],
        vec![
            "--database-url".into(),
            format!("postgresql://lockdesk:{url_password}@127.0.0.1:1/broker"),
            "trace".into(),
            TRACE.into(),
            "--json".into(),
        ],
    ];
    for args in &runs {
        let o = lockdesk_cmd(&home).args(args).output().unwrap();
        out.add(
            format!("stdout of {args:?}"),
            String::from_utf8_lossy(&o.stdout),
        );
        out.add(
            format!("stderr of {args:?}"),
            String::from_utf8_lossy(&o.stderr),
        );
    }
    let export = &out
        .0
        .iter()
        .find(|(p, _)| p.starts_with("stdout of [\"trace\""))
        .unwrap()
        .1;
    assert!(
        export.contains("\"lockData\": \"***\""),
        "the export ran: {export}"
    );

    // A real terminal: the console in tmux, its copies caught as OSC 52.
    let t = Tmux::start(&home, (160, 45), "");
    out.add("tmux first screen", t.wait_for("Jobs"));
    t.keys(&[":", &format!("trace {TRACE}"), "Enter"]);
    out.add("tmux trace", t.wait_for("LOCK_DETAIL"));
    for k in [
        "y", "Y", "C", "M", "j", "y", "C", "j", "y", "Enter", "y", "Escape", "j", "Enter", "y",
        "Escape",
    ] {
        t.keys(&[k]);
        out.add(format!("tmux after {k}"), t.screen());
    }
    t.keys(&[":", &format!("lock {LOCK}"), "Enter"]);
    out.add("tmux lock", t.wait_for("LOCK_DETAIL"));
    for k in ["y", "C", "j", "y", "Enter", "y", "Escape", "d"] {
        t.keys(&[k]);
        out.add(format!("tmux lock after {k}"), t.screen());
    }
    std::thread::sleep(Duration::from_millis(500));
    let buffers = t.buffers();
    assert!(
        buffers.len() >= 5,
        "tmux caught the copies: {}",
        buffers.len()
    );
    for b in buffers {
        out.add("tmux paste buffer", b);
    }
    t.keys(&["Escape", "q"]);
    drop(t);

    // Everything lockdesk wrote: the log, copies too large for OSC 52.
    out.add_files_under(&home.join("state"));
    assert!(
        std::fs::read_to_string(home.join("state/lockdesk/lockdesk.log")).is_ok(),
        "the runs wrote a log"
    );
    secrets.extend(issued_tokens(&sim));
    out.assert_none_of(&secrets);
    let _ = std::fs::remove_dir_all(&home);
}
