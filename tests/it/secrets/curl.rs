// Copy-as-curl is safe to paste: quoted words print back exactly in every
// shell, and a sourced curl copy runs nothing but (a shadowed) curl.

use std::process::Command;

use proptest::prelude::*;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::support::rand_suffix;
use crate::support::{Screen, demo_db};

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
            "--url" => {
                url = args[i + 1].clone();
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
    // The hostile Doordeck row's origin is a configured base: it gets the token.
    let hosts = lockdesk::curl::TokenHosts::with_bases([], ["http://127.0.0.1:1"]);
    for l in &logs {
        let Some(req) = &l.request_json else { continue };
        let Some(c) = lockdesk::curl::command(req, l.provider_type.as_deref(), &hosts) else {
            continue;
        };
        assert!(!c.without_token, "{}", c.text);
        script.push_str(&c.text);
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

/// Runs each copy in every shell with `curl` shadowed; returns, per shell,
/// each call's arguments.
fn shadowed_calls(copies: &[String]) -> Vec<(&'static str, Vec<Vec<String>>)> {
    let mut script = String::from(
        "curl() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; printf '\\n--end--\\0'; }\nTTLOCK_ACCESS_TOKEN=tt-operator-token\nDOORDECK_TOKEN=dd-operator-token\nSECRET_PWD=operator-pwd\n",
    );
    for c in copies {
        script.push_str(c);
        script.push('\n');
    }
    shells()
        .into_iter()
        .map(|shell| {
            let (stdout, left) = run_in(shell, &script);
            assert!(left.is_empty(), "{shell} ran more than curl: {left:?}");
            let text = String::from_utf8(stdout).unwrap();
            let calls = text
                .split("\n--end--\0")
                .filter(|c| !c.is_empty())
                .map(|c| {
                    c.split('\0')
                        .filter(|a| !a.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .collect();
            (shell, calls)
        })
        .collect()
}

/// A row's URL decides where a pasted copy sends what it holds: the
/// operator's token goes only to the provider's own hosts (documented, or
/// configured for this session), never to one a crafted row names.
#[test]
fn curl_never_sends_a_token_to_a_foreign_host() {
    use lockdesk::curl::{TokenHosts, command};
    let hosts = TokenHosts::with_bases(["http://127.0.0.1:7001"], ["http://127.0.0.1:7002"]);
    let tt = |url: &str| {
        json!({"method": "POST", "url": url,
               "payload": {"accessToken": "***", "clientId": "6636", "keyboardPwdId": 1, "pwd": "***"}})
    };
    let dd = |url: &str| json!({"method": "PUT", "url": url, "payload": {"x": 1}});
    let foreign_tt = [
        "https://evil.example/v3/keyboardPwd/delete",
        "https://api.ttlock.com.evil.example/v3/keyboardPwd/delete",
        "https://api.ttlock.com@evil.example/v3/keyboardPwd/delete",
        "https://api.ttlock.com:8443/v3/keyboardPwd/delete",
        "http://api.ttlock.com/v3/keyboardPwd/delete",
        "https://{api.ttlock.com,evil.example}/v3/x",
        "http://127.0.0.1:7002/v3/x",
        "-o/tmp/x",
    ];
    let foreign_dd = [
        "https://evil.example/device/abc",
        "https://doordeck.evil.example/device/abc",
        "https://api.doordeck.com@evil.example/device/abc",
        "http://127.0.0.1:7001/device/abc",
    ];
    let own_tt = [
        "https://api.ttlock.com/v3/keyboardPwd/delete",
        "https://euapi.ttlock.com/v3/keyboardPwd/delete",
        "http://127.0.0.1:7001/v3/keyboardPwd/delete",
    ];
    let own_dd = [
        "https://api.doordeck.com/device/abc",
        "http://127.0.0.1:7002/device/abc",
    ];
    let mut copies = Vec::new();
    let mut owns = Vec::new();
    for (req, provider, own) in foreign_tt
        .iter()
        .map(|u| (tt(u), "TTLOCK", false))
        .chain(foreign_dd.iter().map(|u| (dd(u), "DOORDECK", false)))
        .chain(own_tt.iter().map(|u| (tt(u), "TTLOCK", true)))
        .chain(own_dd.iter().map(|u| (dd(u), "DOORDECK", true)))
    {
        let c = command(&req, Some(provider), &hosts).unwrap();
        assert_eq!(c.without_token, !own, "{}", c.text);
        if !own {
            assert!(
                c.text.starts_with("# the URL is not a "),
                "a copy without the token says so: {}",
                c.text
            );
            assert!(!c.text.contains("\"$"), "no variable expanded: {}", c.text);
        }
        copies.push(c.text);
        owns.push((own, provider));
    }
    for (shell, calls) in shadowed_calls(&copies) {
        assert_eq!(calls.len(), copies.len(), "{shell}: one curl per copy");
        for (call, (own, provider)) in calls.iter().zip(&owns) {
            let all = call.join(" ");
            let token = if *provider == "TTLOCK" {
                "tt-operator-token"
            } else {
                "dd-operator-token"
            };
            assert_eq!(all.contains(token), *own, "{shell}: {all}");
            assert!(!all.contains("operator-pwd") || *own, "{shell}: {all}");
        }
    }
}

/// `shell_quote` leaves a word of plain characters bare, `-` included: a
/// row's URL is always the value of `--url`, never an option of its own.
#[test]
fn curl_url_is_never_an_option() {
    use lockdesk::curl::{TokenHosts, command};
    let hosts = TokenHosts::default();
    let urls = [
        "-o/tmp/x",
        "--output=/tmp/x",
        "-K/etc/passwd",
        "-",
        "@/etc/passwd",
    ];
    let mut copies = Vec::new();
    for url in urls {
        for (method, provider) in [("GET", "TTLOCK"), ("POST", "TTLOCK"), ("PUT", "DOORDECK")] {
            let req = json!({"method": method, "url": url, "payload": {"lockId": 1}});
            copies.push(command(&req, Some(provider), &hosts).unwrap().text);
        }
    }
    for (shell, calls) in shadowed_calls(&copies) {
        assert_eq!(calls.len(), copies.len(), "{shell}");
        for (call, want) in calls.iter().zip(urls.iter().flat_map(|u| [u, u, u])) {
            let at = call
                .iter()
                .position(|a| a == want)
                .unwrap_or_else(|| panic!("{shell}: {call:?}"));
            assert!(at > 0 && call[at - 1] == "--url", "{shell}: {call:?}");
            assert_eq!(
                call.iter().filter(|a| a.as_str() == *want).count(),
                1,
                "{shell}: {call:?}"
            );
        }
    }
    // And the real curl, where there is one: it writes no file.
    if Command::new("curl").arg("--version").output().is_ok() {
        let dir = std::env::temp_dir().join(format!("lockdesk-curlopt-{}", rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("x");
        let req = json!({"method": "GET", "url": format!("-o{}", target.display()),
                         "payload": {"lockId": 1}});
        let c = command(&req, Some("TTLOCK"), &hosts).unwrap().text;
        let o = Command::new("timeout")
            .args(["20", "sh", "-c", &c])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            !o.status.success(),
            "curl took no URL: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!target.exists(), "the row's -o became an option");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// In the console: `C` on a row whose URL is not the provider's copies no
/// token, and the status line says so.
#[tokio::test]
async fn the_console_says_when_a_curl_copy_carries_no_token() {
    let db = demo_db().await;
    let pool = PgPool::connect(&db).await.unwrap();
    let corr = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";
    sqlx::query("INSERT INTO integration_logs (action, correlation_id, created_at, lock_key, ok, provider_type, request_json)
                 VALUES ('PASSCODE_LIST', $1, now(), 'TTLOCK:28991110', true, 'TTLOCK', $2)")
        .bind(corr)
        .bind(json!({"method": "GET", "url": "https://api.ttlock.com.evil.example/v3/lock/listKeyboardPwd",
                     "payload": {"accessToken": "***", "lockId": 28991110}}))
        .execute(&pool)
        .await
        .unwrap();
    let (screen, copies) = Screen::new(&db)
        .target(lockdesk::console::options::Target::Trace { id: corr.into() })
        .keys("GC")
        .size(200, 45)
        .run_with_copies()
        .await;
    assert!(screen.contains("without the token"), "{screen}");
    assert_eq!(copies.len(), 1, "{screen}");
    assert!(
        copies[0].starts_with("# the URL is not a TTLock host"),
        "{}",
        copies[0]
    );
    assert!(
        !copies[0].contains("$TTLOCK_ACCESS_TOKEN\""),
        "{}",
        copies[0]
    );
    assert!(
        copies[0].contains("--url https://api.ttlock.com.evil.example/"),
        "{}",
        copies[0]
    );
}
