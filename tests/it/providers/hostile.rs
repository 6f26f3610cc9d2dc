// A misbehaving cloud on loopback (real HTTP, raw responses): the clients
// end each case in a clear error, bounded in time and memory, never a panic.

use std::time::{Duration, Instant};

use lockdesk::providers::doordeck::{DoordeckAccount, DoordeckClient};
use lockdesk::providers::listing::{MAX_LIST_BYTES, MAX_LIST_PAGES};
use lockdesk::providers::ttlock::{TtLockAccount, TtLockClient};
use lockdesk::providers::{MAX_BODY, Provider, ProviderError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does for one request.
enum Reply {
    Json(String),
    /// Headers and the first bytes of a body, then nothing (a stalled peer).
    Stall,
}

fn ok_token(expires_in: &str) -> Reply {
    Reply::Json(format!(
        r#"{{"access_token":"tok","refresh_token":"ref","uid":1,"expires_in":{expires_in}}}"#
    ))
}

/// Serves `answer(path)` to every request; returns the base URL.
async fn cloud(answer: fn(&str) -> Reply) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut got = Vec::new();
                // The request head is enough to route; bodies here are small.
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n) = sock.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&got).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                match answer(&path) {
                    Reply::Json(body) => {
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(resp.as_bytes()).await;
                    }
                    Reply::Stall => {
                        let _ = sock
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{\"list\":")
                            .await;
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn ttlock(base: String, timeout: Duration) -> TtLockClient {
    TtLockClient::new(
        TtLockAccount {
            base_url: base,
            client_id: "c".into(),
            client_secret: "s".into(),
            username: "u".into(),
            password: "p".into(),
        },
        timeout,
    )
}

fn passcodes(n: usize, pages: &str) -> Reply {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"keyboardPwdId":{i},"keyboardPwdName":"AB U{i} C{i}"}}"#))
        .collect();
    Reply::Json(format!(
        r#"{{"list":[{}],"pages":{pages},"pageNo":1}}"#,
        items.join(",")
    ))
}

#[tokio::test]
async fn a_token_lifetime_too_large_to_add_is_taken_as_the_documented_one() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("100000000000000")
        } else {
            passcodes(2, "1")
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(5));
    let out = c.list_access("28991110").await;
    assert_eq!(out.result.expect("the list").items.len(), 2);
}

#[tokio::test]
async fn a_page_count_that_never_ends_is_an_error_not_a_loop() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("7776000")
        } else {
            passcodes(1, "9223372036854775807")
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(5));
    let started = Instant::now();
    let out = c.list_access("28991110").await;
    match out.result {
        Err(ProviderError::OverBound(m)) => {
            assert!(m.contains(&format!("at most {MAX_LIST_PAGES}")), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(out.calls.len() <= 2, "{} calls", out.calls.len());
    assert!(started.elapsed() < Duration::from_secs(5));
    let trail = c
        .audit_trail(
            "28991110",
            chrono::Utc::now() - chrono::Duration::days(1),
            chrono::Utc::now(),
        )
        .await;
    assert!(matches!(trail.result, Err(ProviderError::Decode(_))));
}

#[tokio::test]
async fn a_body_past_the_cap_is_not_read_whole() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("7776000")
        } else {
            // About 7 MiB of passcodes.
            passcodes(100_000, "1")
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(10));
    match c.list_access("28991110").await.result {
        Err(ProviderError::Decode(m)) => {
            assert!(
                m.contains(&format!("larger than {} MiB", MAX_BODY >> 20)),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_stalled_answer_times_out_on_time() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("7776000")
        } else {
            Reply::Stall
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(2));
    let started = Instant::now();
    let out = c.list_access("28991110").await;
    assert!(
        matches!(out.result, Err(ProviderError::Timeout { seconds: 2 })),
        "{:?}",
        out.result
    );
    // A read is retried at most a few times; each try is bounded.
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stalled_or_huge_doordeck_login_is_a_clear_error() {
    let stalled = cloud(|_| Reply::Stall).await;
    let c = DoordeckClient::new(
        DoordeckAccount {
            base_url: stalled,
            email: "a@b".into(),
            password: "pw".into(),
        },
        Duration::from_secs(2),
    );
    let started = Instant::now();
    let out = c.list_access("3f2504e0-4f89-11d3-9a0c-0305e82c3301").await;
    assert!(
        matches!(out.result, Err(ProviderError::Timeout { .. })),
        "{:?}",
        out.result
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    let huge =
        cloud(|_| Reply::Json(format!(r#"{{"authToken":"{}"}}"#, "x".repeat(5 << 20)))).await;
    let c = DoordeckClient::new(
        DoordeckAccount {
            base_url: huge,
            email: "a@b".into(),
            password: "pw".into(),
        },
        Duration::from_secs(5),
    );
    let out = c.list_access("3f2504e0-4f89-11d3-9a0c-0305e82c3301").await;
    assert!(
        matches!(out.result, Err(ProviderError::Decode(_))),
        "{:?}",
        out.result
    );
}

#[tokio::test]
async fn a_200_that_is_not_json_is_a_clear_error() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("7776000")
        } else {
            Reply::Json("<html>maintenance</html>".into())
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(5));
    match c.list_access("28991110").await.result {
        Err(e) => assert_eq!(e.to_string(), "unexpected answer: not JSON (HTTP 200)"),
        Ok(v) => panic!("{v:?}"),
    }
}

#[tokio::test]
async fn an_answer_nested_a_million_deep_is_collapsed_not_a_crash() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("7776000")
        } else {
            let deep = format!("{}0{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
            Reply::Json(format!(
                r#"{{"list":[{{"keyboardPwdId":1,"deep":{deep}}}],"pages":1}}"#
            ))
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(10));
    let out = c.list_access("28991110").await;
    assert_eq!(out.result.expect("the list").items.len(), 1);
}

#[tokio::test]
async fn a_listing_past_16_mib_is_refused_after_the_page_that_passes_it() {
    let base = cloud(|path| {
        if path.starts_with("/oauth2/token") {
            ok_token("7776000")
        } else {
            // 200 codes of about 19 KB each: 3.7 MiB a page, 5 pages claimed.
            let name = "n".repeat(19 * 1024);
            let no: i64 = path
                .split("pageNo=")
                .nth(1)
                .and_then(|r| r.split('&').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let items: Vec<String> = (0..200)
                .map(|i| {
                    format!(
                        r#"{{"keyboardPwdId":{},"keyboardPwdName":"{name}"}}"#,
                        no * 1000 + i
                    )
                })
                .collect();
            Reply::Json(format!(
                r#"{{"list":[{}],"pageNo":{no},"pages":5,"total":1000}}"#,
                items.join(",")
            ))
        }
    })
    .await;
    let c = ttlock(base, Duration::from_secs(10));
    let out = c.list_access("28991110").await;
    match out.result {
        Err(ProviderError::OverBound(m)) => {
            assert!(m.contains(&format!("{} MiB", MAX_LIST_BYTES >> 20)), "{m}")
        }
        other => panic!("{:?}", other.map(|l| l.items.len())),
    }
    let lists = out
        .calls
        .iter()
        .filter(|c| c.action == "PASSCODE_LIST")
        .count();
    assert_eq!(
        lists, 5,
        "the fifth page passes 16 MiB and nothing after it is asked for"
    );
    // Past the first 200 codes the log keeps ids and names only.
    assert!(
        out.calls[1].response["list"][0]
            .get("keyboardPwdName")
            .is_some()
    );
    assert!(out.calls[1].response["lockdesk_compacted"].is_object());
}
