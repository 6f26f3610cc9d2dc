//! A troubled job's error fingerprint: provider, action, the provider's own
//! error code and the message with every varying part replaced, so that one
//! gateway's outage is one line. Pure; also the providers' documented meanings.

use std::fmt;

use crate::providers::{doordeck, ttlock::codes};

/// A provider's own error code: TTLock's `errcode`, or an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Errcode(i64),
    Http(u16),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Errcode(c) => write!(f, "errcode {c}"),
            Code::Http(s) => write!(f, "HTTP {s}"),
        }
    }
}

/// What the provider documents a code to mean; `None` when it documents
/// nothing for it (the meaning tables' fallbacks are not meanings).
pub fn meaning(provider: Option<&str>, code: Code) -> Option<&'static str> {
    let m = match (provider.map(str::to_ascii_uppercase).as_deref(), code) {
        (_, Code::Errcode(c)) => codes::meaning(c),
        (Some("TTLOCK"), Code::Http(s)) => codes::http_meaning(s),
        (_, Code::Http(s)) => doordeck::meaning(s),
    };
    (!matches!(
        m,
        "undocumented error code" | "the server refused the request"
    ))
    .then_some(m)
}

/// The code an error text names (`TTLock errcode -3002: …`, `HTTP 503: …`,
/// `{"errcode": 10004}`, `"http_status": 503`), if any.
pub fn code_in(text: &str) -> Option<Code> {
    code_at(text).map(|(c, _)| c)
}

/// The provider an error text names, when it names one.
fn provider_in(text: &str) -> Option<&'static str> {
    let lower = text.get(..text.len().min(200)).unwrap_or("").to_lowercase();
    if lower.contains("ttlock") || lower.contains("errcode") {
        Some("TTLOCK")
    } else if lower.contains("doordeck") {
        Some("DOORDECK")
    } else {
        None
    }
}

/// An error text with the provider's documented meaning of its code after
/// it, unless the text already says it: for every place that shows an error.
pub fn explained(provider: Option<&str>, text: &str) -> String {
    let Some(code) = code_in(text) else {
        return text.to_string();
    };
    match meaning(provider.or(provider_in(text)), code) {
        Some(m) if !text.to_lowercase().contains(&m.to_lowercase()) => {
            format!("{text} ({code}: {m})")
        }
        _ => text.to_string(),
    }
}

/// The code and the byte offset just after it.
fn code_at(text: &str) -> Option<(Code, usize)> {
    let lower = text
        .get(..text.len().min(4096))
        .unwrap_or("")
        .to_lowercase();
    let number_after = |from: usize, signed: bool| -> Option<(i64, usize)> {
        let rest = lower.get(from..)?;
        let skip = rest
            .find(|c: char| !matches!(c, ' ' | '"' | ':' | '=' | '\''))
            .unwrap_or(rest.len());
        let rest = &rest[skip..];
        let neg = signed && rest.starts_with('-');
        let digits: String = rest[usize::from(neg)..]
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        let n: i64 = digits.parse().ok()?;
        Some((
            if neg { -n } else { n },
            from + skip + usize::from(neg) + digits.len(),
        ))
    };
    if let Some(p) = lower.find("errcode") {
        if let Some((n, end)) = number_after(p + "errcode".len(), true) {
            if n != 0 {
                return Some((Code::Errcode(n), end));
            }
        }
    }
    for key in ["http_status", "http "] {
        if let Some(p) = lower.find(key) {
            if let Some((n, end)) = number_after(p + key.len(), false) {
                if let Ok(s) = u16::try_from(n) {
                    if (400..600).contains(&s) {
                        return Some((Code::Http(s), end));
                    }
                }
            }
        }
    }
    None
}

/// The facts of one failed step a fingerprint is made of, as the groups
/// statement reads them (payloads reduced to the few values needed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedStep {
    pub provider: Option<String>,
    pub action: Option<String>,
    pub error: Option<String>,
    /// The response's `errcode` (TTLock).
    pub errcode: Option<i64>,
    /// The response's `http_status` (Doordeck, or any HTTP failure).
    pub http_status: Option<i64>,
    /// The response's own message (`errmsg`, `body.message`).
    pub provider_message: Option<String>,
    pub lock_key: Option<String>,
    pub door_name: Option<String>,
}

/// What a troubled job's errors have in common with others of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint {
    /// `TTLOCK`, `DOORDECK`, `ACCESS_BROKER`; empty for the job-type fallback.
    pub provider: String,
    /// The failed step's action, or the job type for the fallback.
    pub action: String,
    pub code: Option<Code>,
    /// The message normalised (`normalise`).
    pub message: String,
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.provider.is_empty() {
            write!(f, "{} ", self.provider)?;
        }
        f.write_str(&self.action)?;
        if let Some(c) = self.code {
            write!(f, " {c}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl Fingerprint {
    /// From a job's last failed log row.
    pub fn of_step(step: &FailedStep) -> Fingerprint {
        let provider = step
            .provider
            .as_deref()
            .map(|p| p.trim().to_ascii_uppercase())
            .unwrap_or_default();
        let text = step
            .error
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .or(step.provider_message.as_deref())
            .unwrap_or("");
        let code = match (step.errcode, step.http_status) {
            (Some(c), _) if c != 0 => Some(Code::Errcode(c)),
            (_, Some(s)) if (400..600).contains(&s) => u16::try_from(s).ok().map(Code::Http),
            _ => code_in(text),
        };
        let names: Vec<&str> = [step.door_name.as_deref(), step.lock_key.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        Fingerprint {
            provider: if provider.is_empty() {
                provider_in(text).unwrap_or("UNKNOWN").into()
            } else {
                provider
            },
            action: clean_word(step.action.as_deref().unwrap_or("UNKNOWN")),
            code,
            message: normalise(after_code(text), &names),
        }
    }

    /// The fallback: the job type and its `last_error`.
    pub fn of_job(job_type: &str, last_error: Option<&str>) -> Fingerprint {
        let text = last_error.unwrap_or("");
        Fingerprint {
            provider: String::new(),
            action: clean_word(job_type),
            code: code_in(text),
            message: normalise(after_code(text), &[]),
        }
    }

    /// The provider's documented meaning of the code, if it has one.
    pub fn meaning(&self) -> Option<&'static str> {
        let provider = (!self.provider.is_empty()).then_some(self.provider.as_str());
        self.code.and_then(|c| meaning(provider, c))
    }
}

/// An action or job type as one short word (a hostile one cannot break a line).
fn clean_word(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The part of an error text after its code's prefix (`TTLock errcode
/// -3002: gateway offline` → `gateway offline`); the whole text otherwise.
fn after_code(text: &str) -> &str {
    let Some((_, end)) = code_at(text) else {
        return text;
    };
    if end > 60 {
        return text;
    }
    match text.get(end..) {
        Some(rest) if rest.trim_start().starts_with(':') => {
            rest.trim_start().trim_start_matches(':')
        }
        _ => text,
    }
}

/// At most this many bytes of a message are read (a row may hold 5 MiB).
const READ_AT_MOST: usize = 4096;
/// At most this many characters of a normalised message are kept.
const KEEP_AT_MOST: usize = 160;

/// A message with everything that varies between jobs of one cause replaced
/// by a placeholder: the given names (door, lock), lock keys, UUIDs, times,
/// hex ids, emails and numbers; secrets masked first, control characters
/// gone, spaces collapsed, lower case.
pub fn normalise(text: &str, names: &[&str]) -> String {
    let mut end = text.len().min(READ_AT_MOST);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let redacted = crate::secrets::free_text(&text[..end]).into_owned();
    let mut s: String = redacted
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    for name in names {
        let name = name.trim();
        if name.chars().count() >= 3 && !name.ends_with(":unknown") {
            let tag = if name.contains(':') {
                "<lock>"
            } else {
                "<door>"
            };
            s = s.replace(name, tag);
        }
    }
    let words: Vec<String> = s.split_whitespace().map(word).collect();
    let mut out = words.join(" ").to_lowercase();
    if out.chars().count() > KEEP_AT_MOST {
        out = out.chars().take(KEEP_AT_MOST).collect();
    }
    out.trim().to_string()
}

/// One whitespace-separated word, its varying parts replaced.
fn word(w: &str) -> String {
    let core =
        w.trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')' | ',' | ';' | '[' | ']'));
    if core.contains('@') && core.contains('.') && !core.starts_with('@') {
        return w.replace(core, "<email>");
    }
    if let Some((p, _)) = core.split_once(':') {
        if matches!(
            p.to_ascii_uppercase().as_str(),
            "TTLOCK" | "DOORDECK" | "SCHLAGE" | "SEAM"
        ) && core.len() > p.len() + 1
        {
            return w.replace(core, "<lock>");
        }
    }
    let mut out = String::new();
    let chars: Vec<char> = w.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() && c != '-' {
            out.push(c);
            i += 1;
            continue;
        }
        // A run of letters, digits and dashes: one token to classify.
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | '.' | ':' | '+'))
        {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        out.push_str(&token_class(&token));
    }
    out
}

/// A token (letters, digits, `-.:+`) with its varying parts replaced.
fn token_class(t: &str) -> String {
    let trail: String = t
        .chars()
        .rev()
        .take_while(|c| matches!(c, '.' | ':' | '-' | '+'))
        .collect();
    let core = &t[..t.len() - trail.len()];
    let trail: String = trail.chars().rev().collect();
    if core.is_empty() {
        return t.to_string();
    }
    let is_hex = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = core.split('-').collect();
    let uuid = parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| is_hex(p));
    if uuid {
        return format!("<uuid>{trail}");
    }
    let b = core.as_bytes();
    let date =
        b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    let clock = b.len() >= 5
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2] == b':'
        && b[3..5].iter().all(u8::is_ascii_digit);
    if date || clock {
        return format!("<time>{trail}");
    }
    if (core.starts_with("0x") || core.starts_with("0X")) && is_hex(&core[2..]) {
        return format!("<hex>{trail}");
    }
    if core.len() >= 8
        && is_hex(core)
        && core.chars().any(|c| c.is_ascii_digit())
        && core.chars().any(|c| c.is_ascii_alphabetic())
    {
        return format!("<hex>{trail}");
    }
    // Digit runs inside the token (a sign before a leading one included).
    let mut out = String::new();
    let mut digits = false;
    let chars: Vec<char> = core.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let sign = c == '-' && i == 0 && chars.get(1).is_some_and(char::is_ascii_digit);
        let continues =
            digits && (c == '.' || c == ',') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || sign || continues {
            if !digits {
                out.push_str("<n>");
                digits = true;
            }
        } else {
            digits = false;
            out.push(c);
        }
    }
    out + &trail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(provider: &str, action: &str, error: &str) -> FailedStep {
        FailedStep {
            provider: Some(provider.into()),
            action: Some(action.into()),
            error: Some(error.into()),
            ..FailedStep::default()
        }
    }

    #[test]
    fn fingerprint_cases() {
        let t = |action: &str, error: &str| step("TTLOCK", action, error);
        let d = |action: &str, error: &str| step("DOORDECK", action, error);
        let cases: Vec<(FailedStep, &str)> = vec![
            // TTLock's errcodes, as the broker's client and the demo write them.
            (
                t("PASSCODE_ADD", "TTLock errcode -3002: gateway offline"),
                "TTLOCK PASSCODE_ADD errcode -3002: gateway offline",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode -3003: gateway busy, try later",
                ),
                "TTLOCK PASSCODE_ADD errcode -3003: gateway busy, try later",
            ),
            (
                t("PASSCODE_DELETE", "TTLock errcode -3002: gateway offline"),
                "TTLOCK PASSCODE_DELETE errcode -3002: gateway offline",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode 10004: invalid grant: token invalid, expired or revoked",
                ),
                "TTLOCK PASSCODE_ADD errcode 10004: invalid grant: token invalid, expired or revoked",
            ),
            (
                t(
                    "PASSCODE_LIST",
                    "TTLock errcode 10003: token does not exist",
                ),
                "TTLOCK PASSCODE_LIST errcode 10003: token does not exist",
            ),
            (
                t("PASSCODE_ADD", "TTLock errcode -3036: lock offline"),
                "TTLOCK PASSCODE_ADD errcode -3036: lock offline",
            ),
            (
                t("PASSCODE_ADD", "TTLock errcode -3037: lock busy"),
                "TTLOCK PASSCODE_ADD errcode -3037: lock busy",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode -2012: no gateway near the lock",
                ),
                "TTLOCK PASSCODE_ADD errcode -2012: no gateway near the lock",
            ),
            (
                t(
                    "PASSCODE_LIST",
                    "TTLock errcode 30006: exceeds the restrictions of API call number",
                ),
                "TTLOCK PASSCODE_LIST errcode 30006: exceeds the restrictions of api call number",
            ),
            (
                t(
                    "PASSCODE_LIST",
                    "TTLock errcode 30007: monthly API quota exceeded",
                ),
                "TTLOCK PASSCODE_LIST errcode 30007: monthly api quota exceeded",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode -3009: custom passcode storage full",
                ),
                "TTLOCK PASSCODE_ADD errcode -3009: custom passcode storage full",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode -3007: the same passcode already exists",
                ),
                "TTLOCK PASSCODE_ADD errcode -3007: the same passcode already exists",
            ),
            (
                t(
                    "PASSCODE_DELETE",
                    "TTLock errcode -2009: passcode does not exist",
                ),
                "TTLOCK PASSCODE_DELETE errcode -2009: passcode does not exist",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode 80000: date must be current time",
                ),
                "TTLOCK PASSCODE_ADD errcode 80000: date must be current time",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode 90000: internal server error",
                ),
                "TTLOCK PASSCODE_ADD errcode 90000: internal server error",
            ),
            (
                t("PASSCODE_ADD", "TTLock errcode -3: invalid parameter"),
                "TTLOCK PASSCODE_ADD errcode -3: invalid parameter",
            ),
            // Doordeck's statuses, near misses kept apart.
            (
                d("LOCK_SHARE", "Doordeck HTTP 503: device offline"),
                "DOORDECK LOCK_SHARE HTTP 503: device offline",
            ),
            (
                d("LOCK_SHARE", "Doordeck HTTP 502: bad gateway"),
                "DOORDECK LOCK_SHARE HTTP 502: bad gateway",
            ),
            (
                d("LOCK_REVOKE", "HTTP 504: the device did not answer in time"),
                "DOORDECK LOCK_REVOKE HTTP 504: the device did not answer in time",
            ),
            (
                d(
                    "LOCK_SHARE",
                    "HTTP 401: unauthorized (bad or expired token)",
                ),
                "DOORDECK LOCK_SHARE HTTP 401: unauthorized (bad or expired token)",
            ),
            (
                d("LOCK_SHARE", "HTTP 429: too many requests"),
                "DOORDECK LOCK_SHARE HTTP 429: too many requests",
            ),
            (
                d(
                    "LOCK_SHARE",
                    "HTTP 409: conflict: the request id (jti) was already used",
                ),
                "DOORDECK LOCK_SHARE HTTP 409: conflict: the request id (jti) was already used",
            ),
            // What varies between jobs of one cause is replaced.
            (
                t(
                    "PASSCODE_ADD",
                    "TTLock errcode -3002: gateway offline (lock 28991110, since 2026-11-20T15:30:00Z)",
                ),
                "TTLOCK PASSCODE_ADD errcode -3002: gateway offline (lock <n>, since <time>)",
            ),
            (
                d(
                    "LOCK_SHARE",
                    "Doordeck HTTP 503: device 6b1c2f0e-5d3a-4c8e-9f10-2a3b4c5d6e7f offline",
                ),
                "DOORDECK LOCK_SHARE HTTP 503: device <uuid> offline",
            ),
            (
                FailedStep {
                    door_name: Some("Front entrance".into()),
                    lock_key: Some("TTLOCK:28990137".into()),
                    ..t(
                        "PASSCODE_ADD",
                        "Front entrance (TTLOCK:28990137): gateway offline at 09:14:02",
                    )
                },
                "TTLOCK PASSCODE_ADD: <door> (<lock>): gateway offline at <time>",
            ),
            (
                t(
                    "PASSCODE_ADD",
                    "AB U9 C6 rejected by lock 0x1f2e3d4c, trace e4792295b2f441f0b205e154984e92fc",
                ),
                "TTLOCK PASSCODE_ADD: ab u<n> c<n> rejected by lock <hex>, trace <hex>",
            ),
            // Only the response says what happened.
            (
                FailedStep {
                    error: None,
                    errcode: Some(-3002),
                    provider_message: Some("gateway offline".into()),
                    ..t("PASSCODE_ADD", "")
                },
                "TTLOCK PASSCODE_ADD errcode -3002: gateway offline",
            ),
            (
                FailedStep {
                    error: None,
                    http_status: Some(503),
                    provider_message: Some("Device offline".into()),
                    ..d("LOCK_SHARE", "")
                },
                "DOORDECK LOCK_SHARE HTTP 503: device offline",
            ),
            // A broker step with no provider code.
            (
                step(
                    "ACCESS_BROKER",
                    "DOOR_PROVISION",
                    "door 17 has no integration device",
                ),
                "ACCESS_BROKER DOOR_PROVISION: door <n> has no integration device",
            ),
        ];
        assert!(cases.len() >= 25, "{}", cases.len());
        for (s, want) in &cases {
            assert_eq!(Fingerprint::of_step(s).to_string(), *want, "{s:?}");
        }
        // The fallback: the job type and its last_error.
        let fb = |ty: &str, e: &str| Fingerprint::of_job(ty, Some(e)).to_string();
        assert_eq!(
            fb("reconcile_user", "TTLock errcode -3002: gateway offline"),
            "reconcile_user errcode -3002: gateway offline"
        );
        assert_eq!(
            fb(
                "drift_enforce_lock_truth",
                "worker died: connection reset after 30s (corr e4792295b2f441f0b205e154984e92fc)"
            ),
            "drift_enforce_lock_truth: worker died: connection reset after <n>s (corr <hex>)"
        );
        assert_eq!(
            Fingerprint::of_job("reconcile_user", None).to_string(),
            "reconcile_user"
        );
        // Near misses never group; the same cause on other locks and times does.
        let fp = |s: &FailedStep| Fingerprint::of_step(s);
        assert_ne!(fp(&cases[0].0), fp(&cases[1].0), "-3002 vs -3003");
        assert_ne!(fp(&cases[16].0), fp(&cases[17].0), "503 vs 502");
        assert_ne!(fp(&cases[0].0), fp(&cases[2].0), "add vs delete");
        assert_eq!(
            fp(&t(
                "PASSCODE_ADD",
                "TTLock errcode -3002: gateway offline (lock 28990411, since 2026-11-20T13:02:59Z)"
            )),
            fp(&cases[22].0)
        );
        assert_eq!(
            fp(&cases[0].0),
            fp(&cases[26].0),
            "the response's errcode alone"
        );
        assert_eq!(
            fp(&cases[16].0),
            fp(&cases[27].0),
            "the response's status alone"
        );
    }

    #[test]
    fn hostile_messages_are_bounded_masked_and_one_line() {
        let huge = format!("TTLock errcode -3002: {}", "x\u{7}\n".repeat(2_000_000));
        let f = Fingerprint::of_step(&step("TTLOCK", "PASSCODE_ADD\n\u{1b}[2J", &huge));
        let text = f.to_string();
        assert!(text.chars().count() < 300, "{}", text.len());
        assert!(!text.chars().any(char::is_control), "{text:?}");
        let secret = Fingerprint::of_step(&step(
            "TTLOCK",
            "PASSCODE_ADD",
            "failed: accessToken=3f9a7c1d2e8b4455 rejected",
        ));
        assert!(!secret.to_string().contains("3f9a7c1d2e8b4455"), "{secret}");
        // A code prefix near a multi-byte character does not split it.
        let f = Fingerprint::of_job(
            "reconcile_user",
            Some("HTTP 503ü: Gerät offline — Büro 1.OG"),
        );
        assert_eq!(f.code, Some(Code::Http(503)));
    }

    #[test]
    fn meanings_come_from_the_providers_tables() {
        assert_eq!(
            meaning(Some("TTLOCK"), Code::Errcode(-3002)),
            Some("gateway offline")
        );
        assert_eq!(
            meaning(Some("TTLOCK"), Code::Errcode(-3003)),
            Some("gateway busy, try later")
        );
        assert_eq!(
            meaning(Some("DOORDECK"), Code::Http(503)),
            Some("device offline")
        );
        assert_eq!(meaning(Some("DOORDECK"), Code::Http(418)), None);
        assert_eq!(meaning(None, Code::Errcode(123_456)), None);
        assert_eq!(
            explained(
                None,
                "TTLock errcode 30006: exceeds the restrictions of API call number"
            ),
            "TTLock errcode 30006: exceeds the restrictions of API call number (errcode 30006: API call rate limit exceeded)"
        );
        assert_eq!(
            explained(None, "TTLock errcode -3002: gateway offline"),
            "TTLock errcode -3002: gateway offline"
        );
        assert_eq!(
            explained(Some("DOORDECK"), "HTTP 503"),
            "HTTP 503 (HTTP 503: device offline)"
        );
        assert_eq!(explained(None, "nothing to say"), "nothing to say");
    }
}
