// The README's simulator section: its setup and each curl example run in
// bash against simulators on the demo world, with the credentials taken
// from a providers file written exactly as the demo writes it; and every
// endpoint of docs/providers.md has an example there.

use std::process::Command;

use serde_json::Value;

use super::DOC;
use crate::support::demo_db;
use crate::support::sim_for;

const README: &str = include_str!("../../../README.md");

/// (setup, [(comment, command)]) from the README's marked block.
fn examples() -> (String, Vec<(String, String)>) {
    let block = README
        .split("<!-- sim-curl:begin -->")
        .nth(1)
        .and_then(|r| r.split("<!-- sim-curl:end -->").next())
        .expect("the README's sim-curl block");
    let body = block
        .trim()
        .trim_start_matches("```sh")
        .trim_end_matches("```");
    let (setup, rest) = body
        .split_once("\n\n")
        .expect("setup, a blank line, examples");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in rest.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(c) = line.strip_prefix("# ") {
            out.push((c.to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    (setup.to_string(), out)
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
}

#[test]
fn sim_endpoint_readme_lists_every_documented_endpoint() {
    let (_, ex) = examples();
    let headings: Vec<&str> = DOC
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .map(|h| h.split(" — ").next().unwrap_or(h).trim())
        .collect();
    assert!(headings.len() >= 30, "{headings:?}");
    for h in &headings {
        assert!(
            ex.iter()
                .any(|(c, cmd)| c.starts_with(h) && cmd.contains("curl ")),
            "no README example for `{h}`"
        );
    }
    for path in lockdesk::sim::ttlock::ENDPOINTS {
        assert!(
            headings.iter().any(|h| h.ends_with(path)),
            "{path} undocumented"
        );
    }
}

#[tokio::test]
async fn sim_endpoint_readme_examples_run() {
    if !tool("curl") || !tool("jq") || !tool("bash") {
        // CI installs them (.ci/run) and says so: there, a skip would hide
        // a README that no longer works.
        assert!(
            std::env::var_os("LOCKDESK_REQUIRE_TOOLS").is_none(),
            "the README's examples need bash, curl and jq, and LOCKDESK_REQUIRE_TOOLS is set"
        );
        eprintln!("skipped: the README's examples need bash, curl and jq");
        return;
    }
    let sim = sim_for(&demo_db().await).await;
    let dir = lockdesk::files::fresh_private_dir("lockdesk-readme-test").unwrap();
    let file = dir.join("providers.toml");
    lockdesk::files::write_private(&file, &sim.provider_settings().to_file_text()).unwrap();
    let (setup, ex) = examples();
    let mut failures = Vec::new();
    for (comment, cmd) in &ex {
        let script = format!("set -euo pipefail\n{setup}\n{cmd}");
        let (tt, dd, pf) = (
            sim.ttlock_url.clone(),
            sim.doordeck_url.clone(),
            file.clone(),
        );
        let out = tokio::task::spawn_blocking(move || {
            Command::new("bash")
                .arg("-c")
                .arg(script)
                .env("LOCKDESK_PROVIDERS_FILE", pf)
                .env("LOCKDESK_TTLOCK_BASE_URL", tt)
                .env("LOCKDESK_DOORDECK_BASE_URL", dd)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let parsed: Option<Value> = if text.is_empty() {
            Some(Value::Null)
        } else {
            serde_json::from_str(&text).ok()
        };
        let errcode = parsed
            .as_ref()
            .and_then(|v| v.get("errcode"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if !out.status.success() || parsed.is_none() || errcode != 0 {
            failures.push(format!(
                "# {comment}\n{cmd}→ {} {text}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
