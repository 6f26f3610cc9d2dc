// The shape of the code, checked by reading `src/`: no module reaches itself
// through others, no file grows past 600 lines (no test file past 500), no
// SQL outside `store/`, pane logic in its pane, colours from the theme.

mod source;

use std::collections::{BTreeMap, BTreeSet};

use source::{
    code_only, expand, is_sql, literals, module_of, paths, root, rust_files, without_tests,
};

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

/// Tests are read as often as the code: a long test file becomes a folder of
/// named parts (issue 25).
#[test]
fn no_test_file_over_500_lines() {
    let mut files = Vec::new();
    rust_files(&root().join("tests"), &mut files);
    assert!(files.len() > 30, "only {} files found", files.len());
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).ok()?.lines().count();
            (n > 500).then(|| {
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
        "test files over 500 lines:\n{}",
        long.join("\n")
    );
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

#[test]
fn colours_come_from_the_theme() {
    let ui = root().join("src/ui");
    let mut files = Vec::new();
    rust_files(&ui, &mut files);
    assert!(files.len() > 5, "only {} files found", files.len());
    let mut found = Vec::new();
    for f in &files {
        if f.file_name().is_some_and(|n| n == "theme.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("readable source");
        for (n, line) in code_only(&text).lines().enumerate() {
            if line.contains("Color::") {
                let rel = f.strip_prefix(root()).unwrap_or(f);
                found.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "colours outside src/ui/theme.rs (name them in the Theme):\n{}",
        found.join("\n")
    );
}

/// Whether a line branches on the pane: a `match` or `matches!` on it, or
/// `==`/`!=` with a pane on either side.
fn branches_on_pane(line: &str) -> bool {
    let names_pane = |s: &str| {
        s.contains("Pane::")
            || s.match_indices("pane").any(|(i, _)| {
                let before = s[..i].chars().next_back();
                let after = s[i + 4..].chars().next();
                !source::ident_char(before.as_ref()) && !source::ident_char(after.as_ref())
            })
    };
    if let Some(i) = line
        .find("match ")
        .filter(|&i| !source::ident_char(line[..i].chars().next_back().as_ref()))
    {
        let scrutinee = line[i + 6..].split('{').next().unwrap_or("");
        if names_pane(scrutinee) {
            return true;
        }
    }
    if let Some(i) = line.find("matches!(") {
        let first = line[i + 9..].split(',').next().unwrap_or("");
        if names_pane(first) {
            return true;
        }
    }
    (line.contains("==") || line.contains("!=")) && names_pane(line)
}

#[test]
fn pane_logic_stays_in_its_pane() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap_or(f);
        if rel.starts_with("app/panes") {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("readable source");
        for (n, line) in without_tests(&code_only(&text)).lines().enumerate() {
            if branches_on_pane(line) {
                found.push(format!("src/{}:{}: {}", rel.display(), n + 1, line.trim()));
            }
        }
    }
    // Today: drawing the pane and marking it in the header (ui/mod.rs).
    assert!(
        found.len() <= 3,
        "{} branches on the pane outside src/app/panes/ (at most 3; give the pane the answer):\n{}",
        found.len(),
        found.join("\n")
    );
    assert!(branches_on_pane("        match self.pane {"));
    assert!(branches_on_pane("if self.pane != Pane::Jobs {"));
    assert!(branches_on_pane(
        "matches!(app.pane(), Pane::Jobs | Pane::Audit)"
    ));
    assert!(!branches_on_pane("self.pane = Pane::Jobs;"));
    assert!(!branches_on_pane("match self.panes.jobs.window_start {"));
}
