// The private cluster never outlives the process that started it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lockdesk::demo::cluster::Cluster;

fn wait_until_gone(dir: &std::path::Path, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if !dir.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    !dir.exists()
}

#[test]
fn dropping_a_cluster_stops_it_and_removes_its_files() {
    let c = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
    let dir = c.socket_dir().to_path_buf();
    assert!(dir.join("data").join("postmaster.pid").exists());
    drop(c);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

/// Runs `lockdesk demo --no-tui`, reads its DATABASE_URL, kills it with
/// `signal`, and checks the cluster directory disappears.
fn demo_is_removed_after(signal: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockdesk"))
        .args(["demo", "--no-tui"])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("export DATABASE_URL='postgresql://"),
        "{line}"
    );
    let dir = PathBuf::from(
        line.split("host=")
            .nth(1)
            .unwrap()
            .trim()
            .trim_end_matches('\''),
    );
    assert!(dir.exists());
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    child.wait().unwrap();
    assert!(
        wait_until_gone(&dir, Duration::from_secs(15)),
        "{} survived kill {signal}",
        dir.display()
    );
}

#[test]
fn the_demo_removes_its_cluster_on_ctrl_c() {
    demo_is_removed_after("-INT");
}

#[test]
fn the_watchdog_removes_the_cluster_when_the_demo_is_killed() {
    demo_is_removed_after("-KILL");
}
