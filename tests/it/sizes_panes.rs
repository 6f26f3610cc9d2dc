// Screens fit the terminal (issue 30 §3): the Audit and Lock logs panes at
// four sizes. Their columns give way by priority, as the queue's do — the
// time, the id and the kind of row never, ids and times never cut — and
// the free width goes to the text columns. The status bar keeps every
// pane's tab in view, the current one by its name.

use lockdesk::console::options::Target;

use crate::support::{Screen, demo_db};

/// The Audit pane (key 2) and door 2's Lock logs pane at `w`×`h`.
async fn panes(w: u16, h: u16) -> (String, String) {
    let url = demo_db().await;
    let audit = Screen::new(&url).keys("2").size(w, h).run().await;
    let lock = Screen::new(&url)
        .target(Target::Door { id: "2".into() })
        .size(w, h)
        .run()
        .await;
    (audit, lock)
}

/// The column heads' line, starting with `first`.
fn heads<'a>(s: &'a str, first: &str) -> &'a str {
    s.lines().find(|l| l.starts_with(first)).unwrap_or("")
}

/// Every pane's tab is on the status bar: the current by its name, the
/// others at least by their number; and the target is cut once at most.
fn tabs_in_view(s: &str, current: &str) {
    let top = s.lines().next().unwrap_or("");
    // (The line's trailing spaces are trimmed: one is put back.)
    let tabs = format!("{} ", top.split_once('│').map_or("", |t| t.1));
    assert!(tabs.contains(current), "{current} in {top}");
    for n in 1..=6 {
        assert!(tabs.contains(&format!(" {n} ")), "tab {n} in {top}");
    }
    assert!(!top.contains("……"), "{top}");
}

fn audit_keeps(s: &str, cols: &[&str]) {
    let h = heads(s, "TIME ");
    for col in ["TIME", "ENTITY", "ACTION"].iter().chain(cols) {
        assert!(h.contains(col), "{col} in {h}\n{s}");
    }
    tabs_in_view(s, "2 Audit");
}

fn lock_keeps(s: &str, cols: &[&str]) {
    let h = heads(s, "TIME ");
    for col in ["TIME", "WHAT", "RESULT", "JOB"].iter().chain(cols) {
        assert!(h.contains(col), "{col} in {h}\n{s}");
    }
    // A job's id is never cut.
    assert!(
        s.lines()
            .any(|l| l.split_whitespace().any(|w| w == "#1859")),
        "{s}"
    );
    tabs_in_view(s, "3 Lock logs");
}

#[tokio::test]
async fn audit_and_lock_logs_at_60x20() {
    let (audit, lock) = panes(60, 20).await;
    audit_keeps(&audit, &[]);
    lock_keeps(&lock, &[]);
    insta::assert_snapshot!("audit_at_60x20", audit);
    insta::assert_snapshot!("lock_logs_at_60x20", lock);
}

#[tokio::test]
async fn audit_and_lock_logs_at_100x30() {
    let (audit, lock) = panes(100, 30).await;
    audit_keeps(&audit, &["ACTOR", "CHANGED"]);
    lock_keeps(&lock, &["ERROR", "SOURCE"]);
    insta::assert_snapshot!("audit_at_100x30", audit);
    insta::assert_snapshot!("lock_logs_at_100x30", lock);
}

#[tokio::test]
async fn audit_and_lock_logs_at_160x45() {
    let (audit, lock) = panes(160, 45).await;
    audit_keeps(&audit, &["ACTOR", "CHANGED", "SOURCE", "CORRELATION"]);
    lock_keeps(&lock, &["ERROR", "SOURCE", "CORRELATION"]);
    insta::assert_snapshot!("audit_at_160x45", audit);
    insta::assert_snapshot!("lock_logs_at_160x45", lock);
}

#[tokio::test]
async fn audit_and_lock_logs_at_220x60() {
    let (audit, lock) = panes(220, 60).await;
    audit_keeps(&audit, &["ACTOR", "CHANGED", "SOURCE", "CORRELATION"]);
    lock_keeps(&lock, &["ERROR", "SOURCE", "CORRELATION"]);
    // The free width goes to the text: an actor's address is not cut.
    assert!(!heads(&audit, "TIME ").is_empty());
    assert!(audit.contains("admin:jana@nordlicht."), "{audit}");
    assert!(!audit.contains("jana@nordlicht.…"), "{audit}");
    insta::assert_snapshot!("audit_at_220x60", audit);
    insta::assert_snapshot!("lock_logs_at_220x60", lock);
}
