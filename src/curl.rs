//! A logged provider request as a curl command that is safe to paste: every
//! argument quoted for POSIX shells (a row holding `$(…)`, a backtick or a
//! newline stays text), the URL given with `--url` (a row's `-o/tmp/x` is
//! never an option), and the provider token taken from the operator's
//! environment (`"$TTLOCK_ACCESS_TOKEN"`, `"$DOORDECK_TOKEN"`), never a value
//! — and only when the URL's origin is one of that provider's hosts: a
//! crafted row must not collect the operator's token when pasted.

use serde_json::Value;

/// The environment variable a TTLock curl reads the access token from.
pub const TTLOCK_TOKEN_VAR: &str = "TTLOCK_ACCESS_TOKEN";
/// The environment variable a Doordeck curl reads the auth token from.
pub const DOORDECK_TOKEN_VAR: &str = "DOORDECK_TOKEN";

/// TTLock's documented hosts (PROVIDER-APIS.md §1.1) and the seed's.
const TTLOCK_HOSTS: &[&str] = &[
    "https://euapi.ttlock.com",
    "https://cnapi.ttlock.com",
    "https://api.ttlock.com",
    "https://api.sciener.com",
];
/// Doordeck's documented hosts (PROVIDER-APIS.md §2).
const DOORDECK_HOSTS: &[&str] = &[
    "https://api.doordeck.com",
    "https://api.staging.doordeck.com",
    "https://api.dev.doordeck.com",
];

/// The origins a copy may send each provider's token to: the documented
/// hosts, plus the base URLs this session is configured with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenHosts {
    ttlock: Vec<Origin>,
    doordeck: Vec<Origin>,
}

impl TokenHosts {
    /// The documented hosts and the configured base URLs (one that is not
    /// a plain `scheme://host[:port]` is ignored).
    pub fn with_bases<'a>(
        ttlock: impl IntoIterator<Item = &'a str>,
        doordeck: impl IntoIterator<Item = &'a str>,
    ) -> TokenHosts {
        let mut h = TokenHosts::default();
        h.ttlock.extend(ttlock.into_iter().filter_map(Origin::of));
        h.doordeck
            .extend(doordeck.into_iter().filter_map(Origin::of));
        h
    }

    fn trusts(&self, doordeck: bool, url: &str) -> bool {
        let Some(o) = Origin::of(url) else {
            return false;
        };
        let (documented, configured) = if doordeck {
            (DOORDECK_HOSTS, &self.doordeck)
        } else {
            (TTLOCK_HOSTS, &self.ttlock)
        };
        documented
            .iter()
            .filter_map(|u| Origin::of(u))
            .any(|d| d == o)
            || configured.contains(&o)
    }
}

/// A URL's origin: scheme, host (lowercased), port (the scheme's default
/// when none is written).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// `None` for anything that is not plainly `http(s)://host[:port]`
    /// followed by nothing, a path, a query or a fragment: credentials
    /// (`https://api.ttlock.com@evil.example`), curl's globs, backslashes,
    /// spaces and anything else a host cannot hold are no origin at all.
    fn of(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let hostish = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                (h, p.parse().ok()?)
            }
            Some(_) => return None,
            None => (authority, default),
        };
        if host.is_empty() || !host.chars().all(hostish) {
            return None;
        }
        Some(Origin {
            scheme,
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
        })
    }
}

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

/// A payload value as a form value; a secret becomes a variable
/// (`accessToken` → `$TTLOCK_ACCESS_TOKEN`, `pwd` → `$SECRET_PWD`).
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

/// A copy-as-curl command, and whether the token was left out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    pub text: String,
    /// The URL's origin is none of the provider's hosts: no variable of the
    /// operator's environment is in the command (a comment line says so).
    pub without_token: bool,
}

/// The curl command of a logged request (`method`, `url`, `payload`), or
/// `None` when the row holds no request lockdesk can replay. The token and
/// every other secret variable are used only when the URL's origin is one
/// of `hosts` for the provider; otherwise secrets stay `***`.
pub fn command(request: &Value, provider: Option<&str>, hosts: &TokenHosts) -> Option<Curl> {
    let method = request.get("method")?.as_str()?;
    let url = request.get("url")?.as_str()?;
    let payload = request.get("payload").cloned().unwrap_or(Value::Null);
    let doordeck =
        provider.is_some_and(|p| p.eq_ignore_ascii_case("DOORDECK")) || url.contains("doordeck");
    let trusted = hosts.trusts(doordeck, url);
    // Outside the provider's hosts no variable is expanded: a secret stays
    // the mask it was logged as.
    let var = |p: Part| match p {
        Part::Var(_) if !trusted => Part::Text(crate::secrets::MASK.into()),
        p => p,
    };
    // The first line says what is called; then one option per line.
    let mut head = vec!["curl".to_string()];
    let mut opts: Vec<(&str, String)> = Vec::new();
    let url_opt = format!("--url {}", shell_quote(url));
    if doordeck {
        head.extend(["-X".into(), shell_quote(method), url_opt]);
        if trusted {
            opts.push((
                "-H",
                word(&[
                    Part::Text("Authorization: Bearer ".into()),
                    Part::Var(DOORDECK_TOKEN_VAR.into()),
                ]),
            ));
        }
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
        head.push(url_opt);
        if let Some(m) = payload.as_object() {
            for (k, v) in m {
                opts.push((
                    "--data-urlencode",
                    word(&[Part::Text(format!("{k}=")), var(form_value(k, v))]),
                ));
            }
        }
    }
    let mut out = String::new();
    if !trusted {
        let (name, token) = if doordeck {
            ("Doordeck", DOORDECK_TOKEN_VAR)
        } else {
            ("TTLock", TTLOCK_TOKEN_VAR)
        };
        out.push_str(&format!(
            "# the URL is not a {name} host lockdesk knows: copied without ${token}\n"
        ));
    }
    out.push_str(&head.join(" "));
    for (opt, value) in opts {
        out.push_str(&format!(" \\\n  {opt} {value}"));
    }
    Some(Curl {
        text: out,
        without_token: !trusted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_token_comes_from_the_environment_and_values_are_quoted() {
        let req = json!({"method": "POST", "url": "https://api.ttlock.com/v3/keyboardPwd/delete",
            "payload": {"accessToken": "***", "clientId": "6636", "deleteType": 2, "keyboardPwdId": 50957532, "note": "it's $(id)"}});
        let hosts = TokenHosts::default();
        let c = command(&req, Some("TTLOCK"), &hosts).unwrap().text;
        assert!(
            c.starts_with("curl -X POST --url https://api.ttlock.com/v3/keyboardPwd/delete \\\n"),
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
        let c = command(&get, Some("TTLOCK"), &hosts).unwrap().text;
        assert!(
            c.starts_with("curl -G --url https://api.ttlock.com/v3/lock/listKeyboardPwd \\\n"),
            "{c}"
        );
        assert!(c.contains("accessToken=\"$TTLOCK_ACCESS_TOKEN\""), "{c}");
        let dd = json!({"method": "GET", "url": "http://127.0.0.1:9/device/abc"});
        let local = TokenHosts::with_bases([], ["http://127.0.0.1:9"]);
        let c = command(&dd, Some("DOORDECK"), &local).unwrap().text;
        assert!(
            c.contains("-H 'Authorization: Bearer '\"$DOORDECK_TOKEN\""),
            "{c}"
        );
    }

    #[test]
    fn origins_are_the_scheme_host_and_port_and_nothing_looser() {
        let hosts = TokenHosts::with_bases(["http://127.0.0.1:7001"], ["http://127.0.0.1:7002/"]);
        let tt = |u: &str| hosts.trusts(false, u);
        for ok in [
            "https://api.ttlock.com/v3/lock/list",
            "https://EUAPI.ttlock.com:443/v3/x?y=1",
            "https://cnapi.ttlock.com",
            "http://127.0.0.1:7001/v3/lock/list",
        ] {
            assert!(tt(ok), "{ok}");
        }
        for bad in [
            "https://api.ttlock.com.evil.example/v3",
            "https://api.ttlock.com@evil.example/v3",
            "https://user:pw@api.ttlock.com/v3",
            "http://api.ttlock.com/v3",
            "https://api.ttlock.com:8443/v3",
            "https://api.ttlock.com:/v3",
            "https://{api.ttlock.com,evil.example}/v3",
            "https://evil.example\\@api.ttlock.com/v3",
            "https://evil.example/https://api.ttlock.com",
            "-o/tmp/x",
            "api.ttlock.com/v3",
            "ftp://api.ttlock.com/v3",
            "http://127.0.0.1:7002/v3",
            "https://api.doordeck.com/device/x",
            "",
        ] {
            assert!(!tt(bad), "{bad}");
        }
        assert!(hosts.trusts(true, "https://api.doordeck.com/device/x"));
        assert!(hosts.trusts(true, "https://api.staging.doordeck.com/x"));
        assert!(hosts.trusts(true, "http://127.0.0.1:7002/device/x"));
        assert!(!hosts.trusts(true, "http://127.0.0.1:7001/device/x"));
    }

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(shell_quote("lockId=28991110"), "lockId=28991110");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("'"), r"''\'''");
    }
}
