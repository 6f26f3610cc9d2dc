// The incident bundle end to end (issue 28 §2): `lockdesk bundle` on a seed
// trace after a console retry on its job, on the demo's outage group, and
// the `-2` of a second run; the Markdown parsed as a ticket would show it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use lockdesk::engine::{self, JobChange, Operator};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag};
use serde_json::Value;
use sqlx::PgPool;

use crate::support::{demo_db, lockdesk};

const SEED: &str = "e4792295b2f441f0b205e154984e92fc";
const NOW: &str = "2026-11-20T15:30:00Z";

/// Runs `lockdesk bundle <target> --out <dir> --now NOW`: the two paths.
fn bundle(url: &str, target: &str, dir: &Path) -> (PathBuf, PathBuf) {
    let out = lockdesk(
        &[
            "bundle",
            target,
            "--out",
            dir.to_str().unwrap(),
            "--now",
            NOW,
        ],
        Some(url),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let paths: Vec<PathBuf> = stdout.lines().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 2, "{stdout}");
    for p in &paths {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    (paths[0].clone(), paths[1].clone())
}

/// What the Markdown is, as a parser reads it: heading texts (with their
/// level), how many tables, and the fenced code blocks' languages.
struct Parsed {
    headings: Vec<(HeadingLevel, String)>,
    tables: usize,
    fences: Vec<String>,
}

fn parse(md: &str) -> Parsed {
    let mut p = Parsed {
        headings: Vec::new(),
        tables: 0,
        fences: Vec::new(),
    };
    let mut heading: Option<(HeadingLevel, String)> = None;
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(pulldown_cmark::TagEnd::Heading(_)) => {
                p.headings.extend(heading.take());
            }
            Event::Start(Tag::Table(_)) => p.tables += 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                p.fences.push(lang.to_string())
            }
            _ => {}
        }
    }
    p
}

fn private_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockdesk-bundle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The seed trace's job, made failed if the seed left it done, then retried
/// by a console with a reason: its id.
async fn retried_job(pool: &PgPool) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM reconcile_jobs WHERE correlation_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(SEED)
    .fetch_one(pool)
    .await
    .unwrap();
    let (updated,): (DateTime<Utc>,) = sqlx::query_as(
        "UPDATE reconcile_jobs SET status = 'failed', last_error = 'TTLock -3003 gateway offline'
         WHERE id = $1 RETURNING updated_at",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    let op = Operator {
        name: "lockdesk/bundle-test".into(),
        reason: Some("INC-4711 retry after the gateway came back".into()),
        write: true,
        source: "console",
    };
    let r = engine::retry_job(pool, &op, id, "failed", updated).await;
    assert!(matches!(r, Ok(JobChange::Done { .. })), "{r:?}");
    id
}

#[tokio::test]
async fn bundle_of_a_seed_trace() {
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let canaries = crate::secrets::plant_canaries(&pool).await;
    assert!(!canaries.is_empty());
    let job = retried_job(&pool).await;
    let dir = private_dir("seed");

    let (md_path, json_path) = bundle(&url, "e4792295", &dir);
    assert_eq!(
        md_path.file_name().unwrap().to_str().unwrap(),
        format!("bundle-trace-e4792295.md")
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    let js = std::fs::read_to_string(&json_path).unwrap();
    // The canaries' own trace too: its planted secrets stay masked.
    let (md2, json2) = bundle(&url, crate::secrets::TRACE, &dir);
    let planted =
        std::fs::read_to_string(&md2).unwrap() + &std::fs::read_to_string(&json2).unwrap();
    for text in [&md, &js, &planted] {
        for c in &canaries {
            assert!(!text.contains(c.as_str()), "canary {c} in a bundle");
        }
    }
    assert!(
        planted.contains("LOCK_DETAIL"),
        "the planted log is bundled"
    );

    let parsed = parse(&md);
    let names: Vec<&str> = parsed.headings.iter().map(|h| h.1.as_str()).collect();
    for section in [
        "What changed",
        "What the system decided",
        "What was sent to locks",
        "Full timeline",
        "Findings",
        "Console actions",
        "Requests and responses",
    ] {
        assert!(
            names.contains(&section),
            "no {section} heading in {names:?}"
        );
    }
    assert_eq!(
        parsed.headings[0].0,
        HeadingLevel::H1,
        "{:?}",
        parsed.headings
    );
    assert!(
        names.iter().any(|h| h.contains(SEED)),
        "a heading names the trace: {names:?}"
    );
    assert!(parsed.tables >= 3, "{} tables", parsed.tables);
    assert!(
        !parsed.fences.is_empty() && parsed.fences.iter().all(|l| l == "json"),
        "{:?}",
        parsed.fences
    );
    assert!(md.contains("```json\n"));

    // The console's retry: time, actor, reason and outcome.
    let actions = md.split("### Console actions").nth(1).unwrap();
    let actions = actions.split("###").next().unwrap();
    let row = actions
        .lines()
        .find(|l| l.contains(&format!("ReconcileJob #{job}")))
        .unwrap_or_else(|| panic!("no retry of job #{job} in {actions}"));
    assert!(row.contains("lockdesk/bundle-test"), "{row}");
    assert!(
        row.contains("INC-4711 retry after the gateway came back"),
        "{row}"
    );
    assert!(row.contains("queued"), "{row}");

    // The JSON: the seed-rows shape for the trace, and the same action.
    let doc: Value = serde_json::from_str(&js).unwrap();
    let t = &doc["traces"][0];
    assert_eq!(t["correlation_id"], SEED);
    for table in ["app_audit", "reconcile_jobs", "integration_logs"] {
        assert!(t["rows"][table].is_array(), "no {table} in {t}");
    }
    let acts = t["console_actions"].as_array().unwrap();
    assert!(
        acts.iter().any(
            |a| a["reason"] == "INC-4711 retry after the gateway came back"
                && a["outcome"] == "queued"
                && a["at"].is_string()
        ),
        "{acts:?}"
    );

    // A second run never overwrites: `-2`.
    let (again_md, again_json) = bundle(&url, "e4792295", &dir);
    assert!(
        again_md.ends_with("bundle-trace-e4792295-2.md"),
        "{}",
        again_md.display()
    );
    assert!(
        again_json.ends_with("bundle-trace-e4792295-2.json"),
        "{}",
        again_json.display()
    );
    assert_eq!(std::fs::read_to_string(&md_path).unwrap(), md);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bundle_of_the_outage_group() {
    let url = demo_db().await;
    let out = lockdesk(&["groups", "--json", "--now", NOW], Some(&url));
    assert!(out.status.success());
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    // The outage: the biggest group.
    let outage = groups
        .iter()
        .max_by_key(|g| g["count"].as_u64().unwrap_or(0))
        .unwrap();
    let fp = outage["fingerprint"].as_str().unwrap();
    let count = outage["count"].as_u64().unwrap() as usize;
    let dir = private_dir("group");

    let (md_path, json_path) = bundle(&url, &format!("group:{fp}"), &dir);
    assert!(
        md_path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("bundle-group-"),
        "{}",
        md_path.display()
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let shown = doc["traces"].as_array().unwrap().len();
    assert!(
        (1..=lockdesk::bundle::MAX_TRACES).contains(&shown),
        "{shown}"
    );
    assert_eq!(doc["traces_shown"], shown);
    if count > lockdesk::bundle::MAX_TRACES {
        assert!(md.contains("**Bounded:**"), "a bounded bundle says so");
        assert!(doc["bounded"].is_string());
    }
    // Newest first.
    let lasts: Vec<String> = doc["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let logs = t["rows"]["integration_logs"].as_array().unwrap();
            logs.iter()
                .filter_map(|l| l["created_at"].as_str())
                .max()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let mut sorted = lasts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(lasts, sorted);
    let parsed = parse(&md);
    assert_eq!(
        parsed
            .headings
            .iter()
            .filter(|h| h.0 == HeadingLevel::H2)
            .count(),
        // One per trace, and the device states seen.
        shown + 1
    );
    assert!(parsed.tables >= shown);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn b_in_the_console_writes_a_bundle_into_the_state_folder() {
    let url = demo_db().await;
    let home = private_dir("console");
    let out = crate::support::lockdesk_cmd(&home)
        .env("DATABASE_URL", &url)
        .args([
            "snapshot", "--size", "200x40", "--keys", "b", "trace", "e4792295",
        ])
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(screen.contains("bundle of trace"), "{screen}");
    let dir = home.join("state").join("lockdesk").join("bundles");
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let md = dir.join(format!("bundle-trace-{SEED}.md"));
    let mode = std::fs::metadata(&md).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(dir.join(format!("bundle-trace-{SEED}.json")).exists());
    std::fs::remove_dir_all(&home).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_includes_device_states() {
    use lockdesk::providers::settings::Providers;
    let url = demo_db().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let sim = crate::support::sim_for(&url).await;
    let out = lockdesk(&["groups", "--json", "--now", NOW], Some(&url));
    assert!(out.status.success());
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let outage = groups
        .iter()
        .max_by_key(|g| g["count"].as_u64().unwrap_or(0))
        .unwrap();
    let fp = outage["fingerprint"].as_str().unwrap();
    let target = lockdesk::bundle::Target::parse(&format!("group:{fp}")).unwrap();
    let now: DateTime<Utc> = NOW.parse().unwrap();
    // The newest outage job's lock is offline now.
    let b = lockdesk::bundle::gather(&pool, None, &target, 900, Some(now))
        .await
        .unwrap();
    assert!(b.devices.is_empty() && b.devices_note.starts_with("Not probed"));
    let newest = b.parts[0].whys[0].0;
    let mut conn = pool.acquire().await.unwrap();
    let lock = engine::acting::job_devices(&mut conn, &[newest])
        .await
        .unwrap()
        .remove(&newest)
        .unwrap()[0]
        .lock
        .clone();
    drop(conn);
    sim.set_fault(&lock, Some(lockdesk::sim::Fault::GatewayOffline));
    let providers = Providers::new(sim.provider_settings());
    let b = lockdesk::bundle::gather(&pool, Some(&providers), &target, 900, Some(now))
        .await
        .unwrap();
    assert!(!b.devices.is_empty() && b.devices.len() <= lockdesk::bundle::MAX_DEVICES);
    let seen = b
        .devices
        .iter()
        .find(|d| d.lock == lock)
        .expect("its lock was probed");
    assert!(
        seen.verdict.starts_with("refused:") && seen.verdict.contains("offline"),
        "{seen:?}"
    );
    let md = lockdesk::bundle::markdown(&b);
    assert!(md.contains("## Device states seen"), "{md}");
    assert!(md.contains(&format!("| {lock} |")), "{md}");
    let doc: Value = serde_json::from_str(&lockdesk::bundle::json(&b)).unwrap();
    let devices = doc["device_states"]["devices"].as_array().unwrap();
    assert!(devices.iter().any(|d| d["lock"] == lock.as_str()), "{doc}");
    sim.set_fault(&lock, None);
}
