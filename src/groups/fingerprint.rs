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
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
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
#[path = "fingerprint_tests.rs"]
mod tests;
