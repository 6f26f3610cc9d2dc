//! A logged provider request as a curl command that is safe to paste: every
//! argument quoted for POSIX shells (a row holding `$(…)`, a backtick or a
//! newline stays text), the provider token taken from the operator's
//! environment (`"$TTLOCK_ACCESS_TOKEN"`, `"$DOORDECK_TOKEN"`), never a value.

use serde_json::Value;

/// The environment variable a TTLock curl reads the access token from.
pub const TTLOCK_TOKEN_VAR: &str = "TTLOCK_ACCESS_TOKEN";
/// The environment variable a Doordeck curl reads the auth token from.
pub const DOORDECK_TOKEN_VAR: &str = "DOORDECK_TOKEN";

/// `s` as one word for sh, bash and zsh: bare when it holds only characters
/// no shell treats specially, else in single quotes (a `'` written `'\''`).
pub fn shell_quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One argument: quoted literal text with `"$VAR"` expansions between.
fn word(parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) if t.is_empty() => {}
            Part::Text(t) => out.push_str(&shell_quote(t)),
            Part::Var(v) => out.push_str(&format!("\"${v}\"")),
        }
    }
    if out.is_empty() { "''".into() } else { out }
}

enum Part {
    Text(String),
    Var(String),
}

/// A payload value as a form value; `None` for a secret, which becomes a
/// variable (`accessToken` → `$TTLOCK_ACCESS_TOKEN`, `pwd` → `$SECRET_PWD`).
fn form_value(key: &str, v: &Value) -> Part {
    if key.eq_ignore_ascii_case("accesstoken") {
        return Part::Var(TTLOCK_TOKEN_VAR.into());
    }
    match v {
        Value::String(s) if s.starts_with(crate::secrets::MASK) => Part::Var(format!(
            "SECRET_{}",
            key.chars()
                .map(|c| if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                })
                .collect::<String>()
        )),
        Value::String(s) => Part::Text(s.clone()),
        other => Part::Text(other.to_string()),
    }
}

/// The curl command of a logged request (`method`, `url`, `payload`), or
/// `None` when the row holds no request lockdesk can replay.
pub fn command(request: &Value, provider: Option<&str>) -> Option<String> {
    let method = request.get("method")?.as_str()?;
    let url = request.get("url")?.as_str()?;
    let payload = request.get("payload").cloned().unwrap_or(Value::Null);
    let doordeck =
        provider.is_some_and(|p| p.eq_ignore_ascii_case("DOORDECK")) || url.contains("doordeck");
    // The first line says what is called; then one option per line.
    let mut head = vec!["curl".to_string()];
    let mut opts: Vec<(&str, String)> = Vec::new();
    if doordeck {
        head.extend(["-X".into(), shell_quote(method), shell_quote(url)]);
        opts.push((
            "-H",
            word(&[
                Part::Text("Authorization: Bearer ".into()),
                Part::Var(DOORDECK_TOKEN_VAR.into()),
            ]),
        ));
        opts.push((
            "-H",
            shell_quote("Accept: application/vnd.doordeck.api-v2+json"),
        ));
        if !payload.is_null() && method != "GET" {
            opts.push(("--data", shell_quote(&payload.to_string())));
        }
    } else {
        // TTLock: a read sends its parameters as a query string (`-G` has
        // curl build and encode it), a change as a form body.
        if method.eq_ignore_ascii_case("GET") {
            head.push("-G".into());
        } else {
            head.extend(["-X".into(), shell_quote(method)]);
        }
        head.push(shell_quote(url));
        if let Some(m) = payload.as_object() {
            for (k, v) in m {
                opts.push((
                    "--data-urlencode",
                    word(&[Part::Text(format!("{k}=")), form_value(k, v)]),
                ));
            }
        }
    }
    let mut out = head.join(" ");
    for (opt, value) in opts {
        out.push_str(&format!(" \\\n  {opt} {value}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_token_comes_from_the_environment_and_values_are_quoted() {
        let req = json!({"method": "POST", "url": "https://api.ttlock.com/v3/keyboardPwd/delete",
            "payload": {"accessToken": "***", "clientId": "6636", "deleteType": 2, "keyboardPwdId": 50957532, "note": "it's $(id)"}});
        let c = command(&req, Some("TTLOCK")).unwrap();
        assert!(
            c.starts_with("curl -X POST https://api.ttlock.com/v3/keyboardPwd/delete \\\n"),
            "{c}"
        );
        assert!(
            c.contains("--data-urlencode accessToken=\"$TTLOCK_ACCESS_TOKEN\""),
            "{c}"
        );
        assert!(c.contains("--data-urlencode keyboardPwdId=50957532"), "{c}");
        assert!(c.contains(r"--data-urlencode note='it'\''s $(id)'"), "{c}");
        let get = json!({"method": "GET", "url": "https://api.ttlock.com/v3/lock/listKeyboardPwd",
            "payload": {"accessToken": "***", "lockId": 28991110}});
        let c = command(&get, Some("TTLOCK")).unwrap();
        assert!(
            c.starts_with("curl -G https://api.ttlock.com/v3/lock/listKeyboardPwd \\\n"),
            "{c}"
        );
        assert!(c.contains("accessToken=\"$TTLOCK_ACCESS_TOKEN\""), "{c}");
        let dd = json!({"method": "GET", "url": "http://127.0.0.1:9/device/abc"});
        let c = command(&dd, Some("DOORDECK")).unwrap();
        assert!(
            c.contains("-H 'Authorization: Bearer '\"$DOORDECK_TOKEN\""),
            "{c}"
        );
    }

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(shell_quote("lockId=28991110"), "lockId=28991110");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("'"), r"''\'''");
    }
}
