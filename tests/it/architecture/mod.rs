// The shape of the code, checked by reading `src/`: no module reaches itself
// through others, no file grows past 600 lines, no SQL outside `store/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
fn module_of(src: &Path, file: &Path) -> Vec<String> {
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
fn code_only(text: &str) -> String {
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

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The code with every `#[cfg(test)]` item removed.
fn without_tests(code: &str) -> String {
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
fn paths(code: &str) -> Vec<(bool, String)> {
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

fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(b, _)| b)
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(tree: &str) -> Vec<String> {
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

struct Graph {
    nodes: BTreeSet<String>,
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

/// Nodes: the modules `lib.rs` declares and the ones below those; a folder
/// that only groups modules (`app::panes`) gives way to its children.
fn graph() -> Graph {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for f in &files {
        let m = module_of(&src, f);
        if m.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("readable source");
        modules.insert(m, without_tests(&code_only(&text)));
    }
    let only_groups = |m: &[String]| {
        modules.get(m).is_some_and(|code| {
            code.lines().map(str::trim).all(|l| {
                l.is_empty()
                    || l.starts_with("#!")
                    || l.starts_with("pub mod ")
                    || l.starts_with("mod ")
                    || l.starts_with("pub use ")
                    || l.starts_with("pub(crate) mod ")
            })
        })
    };
    let node_of = |m: &[String]| -> String {
        let depth = if m.len() >= 3 && only_groups(&m[..2]) {
            3
        } else {
            2
        };
        m[..m.len().min(depth)].join("::")
    };
    let nodes: BTreeSet<String> = modules.keys().map(|m| node_of(m)).collect();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (m, code) in &modules {
        let from = node_of(m);
        for (reexport, p) in paths(code) {
            let mut segs: Vec<&str> = p.split("::").collect();
            let mut base: Vec<String> = m.clone();
            // A file's `super` is its parent module.
            match segs.first() {
                Some(&"crate") => {
                    base.clear();
                    segs.remove(0);
                }
                _ => {
                    while segs.first() == Some(&"super") {
                        base.pop();
                        segs.remove(0);
                    }
                }
            }
            let full: Vec<String> = base
                .into_iter()
                .chain(segs.iter().map(|s| s.to_string()))
                .collect();
            // The longest prefix of the path that is a module.
            let Some(target) = (1..=full.len())
                .rev()
                .map(|n| &full[..n])
                .find(|pre| modules.contains_key(*pre))
            else {
                continue;
            };
            let to = node_of(target);
            let into_own_subtree = to.starts_with(&format!("{from}::"));
            if to == from || (reexport && into_own_subtree) {
                continue;
            }
            let where_ = format!("src/{}: {p}", m.join("/"));
            edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert(where_);
        }
    }
    Graph { nodes, edges }
}

/// A path from `to` back to `from`, if there is one.
fn path_back(g: &Graph, from: &str, to: &str) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![to.to_string()]];
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a non-empty path").clone();
        if last == from {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in g.edges.get(&last).into_iter().flat_map(|e| e.keys()) {
            let mut p = path.clone();
            p.push(next.clone());
            stack.push(p);
        }
    }
    None
}

#[test]
fn no_module_cycles() {
    let g = graph();
    assert!(g.nodes.len() > 20, "only {} modules found", g.nodes.len());
    let mut cycles = Vec::new();
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for (from, tos) in &g.edges {
        for to in tos.keys() {
            if let Some(back) = path_back(&g, from, to) {
                let mut cycle = vec![from.clone()];
                cycle.extend(back);
                // One report per cycle, whichever module it was found from.
                let mut members = cycle[1..].to_vec();
                members.sort();
                if !reported.insert(members) {
                    continue;
                }
                let detail: Vec<String> = cycle
                    .windows(2)
                    .map(|w| format!("  {} → {}  ({})", w[0], w[1], g.edges[&w[0]][&w[1]]))
                    .collect();
                cycles.push(format!("{}\n{}", cycle.join(" → "), detail.join("\n")));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "{} import cycle(s):\n{}",
        cycles.len(),
        cycles.join("\n\n")
    );
}

#[test]
fn no_file_over_600_lines() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 30, "only {} files found", files.len());
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).ok()?.lines().count();
            (n > 600).then(|| {
                format!(
                    "{}: {n} lines",
                    f.strip_prefix(root()).unwrap_or(f).display()
                )
            })
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "files over 600 lines:\n{}",
        long.join("\n")
    );
}

/// A string literal that is a SQL statement, by its first word.
fn is_sql(literal: &str) -> bool {
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
fn literals(text: &str) -> Vec<(usize, String)> {
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

#[test]
fn no_sql_outside_the_store() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap_or(f);
        if rel.starts_with("store") {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("readable source");
        for (line, lit) in literals(&text) {
            if is_sql(&lit) {
                let first: String = lit.trim().chars().take(50).collect();
                found.push(format!("src/{}:{line}: {first}", rel.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL outside src/store/ (name it in store::statements):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_check() {
    // The helpers above must be able to fail.
    assert!(is_sql("SELECT 1"));
    assert!(is_sql("\n  UPDATE reconcile_jobs SET x = 1"));
    assert!(!is_sql("Selected job"));
    assert!(!is_sql("SELECTION"));
    assert_eq!(
        expand("crate::a::{b, c::{d, e}}"),
        vec!["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
    let code = code_only("let s = \"crate::x\"; // crate::y\nuse crate::z::W;");
    let p: Vec<String> = paths(&code).into_iter().map(|p| p.1).collect();
    assert_eq!(p, vec!["crate::z::W"]);
    let t =
        without_tests("use crate::a;\n#[cfg(test)]\nmod tests {\n use crate::b;\n}\nuse crate::c;");
    let p: Vec<String> = paths(&t).into_iter().map(|p| p.1).collect();
    assert_eq!(p, vec!["crate::a", "crate::c"]);
}
