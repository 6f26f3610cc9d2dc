// Copy-as-curl is safe to paste: quoted words print back exactly in every
// shell, and a sourced curl copy runs nothing but (a shadowed) curl.

use std::process::Command;

use proptest::prelude::*;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::rand_suffix;
use crate::support::demo_db;

/// Runs `script` in `shell` in an empty folder; returns its stdout and what
/// the folder holds afterwards.
fn run_in(shell: &str, script: &str) -> (Vec<u8>, Vec<String>) {
    let dir = std::env::temp_dir().join(format!(
        "lockdesk-curl-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let o = Command::new(shell)
        .arg("-c")
        .arg(script)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (o.stdout, left)
}

fn shells() -> Vec<&'static str> {
    ["sh", "bash", "zsh"]
        .into_iter()
        .filter(|s| Command::new(s).arg("-c").arg("true").output().is_ok())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse::<u32>().ok()).map_or(40, |n| (n / 250).max(1))
    ))]

    /// For any strings (a batch of them per run of each shell), the quoted
    /// word prints back exactly.
    #[test]
    fn shell_quote_round_trips_in_every_shell(words in prop::collection::vec("[^\\x00]{0,40}", 1..250)) {
        let script: String = words
            .iter()
            .map(|w| format!("printf '%s\\0' {}\n", lockdesk::curl::shell_quote(w)))
            .collect();
        for shell in shells() {
            let (stdout, _) = run_in(shell, &script);
            let got: Vec<String> = String::from_utf8(stdout).unwrap().split('\0').map(str::to_string).collect();
            prop_assert_eq!(&got[..got.len() - 1], &words[..], "{}", shell);
        }
    }
}

/// What a shadowed `curl` recorded, read back into method, URL and fields.
fn replayed(args: &[String]) -> (String, String, Vec<(String, String)>, Vec<String>) {
    let mut method = String::new();
    let mut url = String::new();
    let mut fields = Vec::new();
    let mut headers = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-G" => method = "GET".into(),
            "-X" => {
                method = args[i + 1].clone();
                i += 1;
            }
            "-H" => {
                headers.push(args[i + 1].clone());
                i += 1;
            }
            "--data-urlencode" | "--data" => {
                let (k, v) = args[i + 1].split_once('=').unwrap_or((&args[i + 1], ""));
                fields.push((k.to_string(), v.to_string()));
                i += 1;
            }
            other => url = other.to_string(),
        }
        i += 1;
    }
    (method, url, fields, headers)
}

#[tokio::test]
async fn every_curl_copy_runs_nothing_but_curl() {
    let db = demo_db().await;
    let pool = PgPool::connect(&db).await.unwrap();
    let evil = "'$(touch X)'`touch Y`\n$(touch Z);touch W";
    let hostile = json!({"method": format!("POST{evil}"), "url": format!("https://api.ttlock.com/v3/lock/x?a={evil}"),
        "payload": {"accessToken": "***", "keyboardPwdName": evil, "n": 1, evil: "v", "pwd": "***"}});
    let hostile_dd = json!({"method": "PUT", "url": format!("http://127.0.0.1:1/device/{evil}"), "payload": {"x": evil}});
    for (req, provider) in [(&hostile, "TTLOCK"), (&hostile_dd, "DOORDECK")] {
        sqlx::query("INSERT INTO integration_logs (action, correlation_id, created_at, ok, provider_type, request_json) VALUES ('X', 'evilcurl', now(), true, $1, $2)")
            .bind(provider)
            .bind(req)
            .execute(&pool)
            .await
            .unwrap();
    }
    let mut logs = Vec::new();
    for corr in [
        lockdesk::seeds::TRACE_USER_ACCESS,
        lockdesk::seeds::TRACE_DOOR_PROVISION,
        "evilcurl",
    ] {
        logs.extend(
            lockdesk::store::traces::fetch(&pool, corr)
                .await
                .unwrap()
                .logs,
        );
    }
    let mut script = String::from(
        "curl() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; printf '\\n--end--\\0'; }\nTTLOCK_ACCESS_TOKEN='tt tok'\nDOORDECK_TOKEN=dd-tok\nSECRET_PWD=p\n",
    );
    let mut want = Vec::new();
    for l in &logs {
        let Some(req) = &l.request_json else { continue };
        let Some(c) = lockdesk::curl::command(req, l.provider_type.as_deref()) else {
            continue;
        };
        script.push_str(&c);
        script.push('\n');
        want.push((req.clone(), l.provider_type.clone()));
    }
    assert!(want.len() >= 6, "curl copies: {}", want.len());
    for shell in shells() {
        let (stdout, left) = run_in(shell, &script);
        assert!(left.is_empty(), "{shell} ran more than curl: {left:?}");
        let text = String::from_utf8(stdout).unwrap();
        let calls: Vec<Vec<String>> = text
            .split("\n--end--\0")
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.split('\0')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        assert_eq!(calls.len(), want.len(), "{shell}: one curl per copy");
        for (call, (req, provider)) in calls.iter().zip(&want) {
            let (method, url, fields, headers) = replayed(call);
            assert_eq!(method, req["method"].as_str().unwrap(), "{shell}");
            assert_eq!(url, req["url"].as_str().unwrap(), "{shell}");
            if provider.as_deref() == Some("DOORDECK") {
                assert!(
                    headers.contains(&"Authorization: Bearer dd-tok".to_string()),
                    "{shell}: {headers:?}"
                );
                continue;
            }
            let payload = req["payload"].as_object().cloned().unwrap_or_default();
            let expected: Vec<(String, String)> = payload
                .iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("accessToken", _) => "tt tok".to_string(),
                        ("pwd", _) => "p".to_string(),
                        (_, Value::String(s)) if s.starts_with("***") => String::new(),
                        (_, Value::String(s)) => s.clone(),
                        (_, other) => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect();
            assert_eq!(fields, expected, "{shell}");
        }
    }
}
