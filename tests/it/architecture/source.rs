// Reading `src/` as the shape checks need it: the files, their module
// paths, the code without comments, literals or tests, and the paths it names.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src/` (`src/app/panes/jobs.rs` → `app::panes::jobs`).
pub fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("a file under src/");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        parts.pop();
    }
    parts
}

/// The source with comments, string and char literals blanked out, so that
/// only code is searched. Newlines are kept (line numbers stay right).
pub fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < b.len() && !(b[i] == '*' && b.get(i + 1) == Some(&'/')) {
                if b[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !ident_char(b.get(i.wrapping_sub(1)))
        {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if b[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                if b.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1b}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

pub fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The code with every `#[cfg(test)]` item removed.
pub fn without_tests(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item ends at its first `;` before any `{`, or at the `}` that
        // closes its first `{`.
        let semi = after.find(';');
        let brace = after.find('{');
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (Some(s), None) => s + 1,
            (_, Some(b)) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (k, ch) in after[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, None) => after.len(),
        };
        // Keep the line count.
        out.extend(after[..end].chars().filter(|&c| c == '\n'));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Paths written in the code that start at `crate::` or `super::`, each
/// expanded into the full paths it names (use-trees included).
pub fn paths(code: &str) -> Vec<(bool, String)> {
    let mut found = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = |w: &str| {
            let n = w.len();
            chars.len() >= i + n
                && chars[i..i + n].iter().copied().eq(w.chars())
                && !ident_char(chars.get(i.wrapping_sub(1)))
                && (i == 0 || chars[i - 1] != ':')
        };
        if starts("crate::") || starts("super::") {
            // Read one path, with a brace tree if any.
            let mut j = i;
            let mut depth = 0i32;
            while j < chars.len() {
                let ch = chars[j];
                if ch == '{' {
                    depth += 1;
                } else if ch == '}' {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                } else if depth == 0 && !(ident_char(Some(&ch)) || ch == ':') {
                    break;
                }
                j += 1;
            }
            let text: String = chars[i..j].iter().filter(|c| !c.is_whitespace()).collect();
            // Is this path in a `pub use` (a re-export)?
            let line_start = code[..char_to_byte(code, i)]
                .rfind('\n')
                .map_or(0, |p| p + 1);
            let line = code[line_start..char_to_byte(code, i)].trim();
            let reexport = line.starts_with("pub use") || line.starts_with("pub(crate) use");
            for p in expand(&text) {
                found.push((reexport, p));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

pub fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(b, _)| b)
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
pub fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.trim_end_matches(':').to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// A string literal that is a SQL statement, by its first word.
pub fn is_sql(literal: &str) -> bool {
    let t = literal.trim_start();
    let first: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let rest = &t[first.len()..];
    matches!(
        first.as_str(),
        "SELECT"
            | "INSERT"
            | "UPDATE"
            | "DELETE"
            | "WITH"
            | "CREATE"
            | "ALTER"
            | "DROP"
            | "COPY"
            | "TRUNCATE"
            | "ANALYZE"
            | "VACUUM"
            | "BEGIN"
            | "COMMIT"
            | "ROLLBACK"
            | "SET"
            | "EXPLAIN"
    ) && rest.starts_with(|c: char| c.is_whitespace())
}

/// Every string literal of a Rust file, with its line.
pub fn literals(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line = 1;
    let src: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if c == '\n' {
            line += 1;
        }
        if c == '/' && src.get(i + 1) == Some(&'/') {
            while i < src.len() && src[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '\'' {
            // Skip char literals so that '"' is not a string.
            if src.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < src.len() && src[i] != '\'' {
                    i += 1;
                }
            } else if src.get(i + 2) == Some(&'\'') {
                i += 2;
            }
            i += 1;
            continue;
        }
        if c == '"' {
            let start_line = line;
            let mut s = String::new();
            i += 1;
            while i < src.len() && src[i] != '"' {
                if src[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = src.get(i) {
                    if ch == '\n' {
                        line += 1;
                    }
                    s.push(ch);
                }
                i += 1;
            }
            out.push((start_line, s));
        }
        i += 1;
    }
    out
}
