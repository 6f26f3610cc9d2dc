//! Key bindings: parse keymap files (`[context]` sections of `"key" =
//! "action"`, read with the toml crate), merge a user file over the embedded
//! defaults, and look keys up per context. Every error names file and line.

use std::collections::BTreeMap;
use std::fmt;

use crate::keys::Action;
use crate::keys::key::Key;
use crate::tomlfile;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// Where a binding applies. Lookups try the view's own context first, then
/// `list` for scrollable views, then `global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    Global,
    List,
    Jobs,
    Trace,
    User,
    Json,
    Dialog,
}

impl Context {
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::List,
        Context::Jobs,
        Context::Trace,
        Context::User,
        Context::Json,
        Context::Dialog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Jobs => "jobs",
            Context::Trace => "trace",
            Context::User => "user",
            Context::Json => "json",
            Context::Dialog => "dialog",
        }
    }

    fn from_name(s: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == s)
    }
}

/// The keys of each action in one context, in help order.
pub type ActionKeys = Vec<(Action, Vec<Key>)>;

/// A keymap error, with the file and line it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for KeymapError {}

/// The bindings: per context, key → action. `None` unbinds a default.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: BTreeMap<Context, BTreeMap<Key, Action>>,
}

/// One parsed line: where it was, and what it binds.
struct Entry {
    line: usize,
    context: Context,
    key: Key,
    action: Option<Action>,
}

fn parse_file(file: &str, text: &str) -> Result<Vec<Entry>, KeymapError> {
    let err = |line: usize, message: String| KeymapError {
        file: file.to_string(),
        line,
        message,
    };
    let line_at = |span: std::ops::Range<usize>| tomlfile::line_of(text, span.start);
    let (doc, errors) = toml::de::DeTable::parse_recoverable(text);
    if let Some(e) = errors.first() {
        let line = e.span().map_or(1, &line_at);
        if e.message().contains("duplicate key") {
            if let Some(m) = duplicate(text, doc.get_ref(), e, line) {
                return Err(err(line, m));
            }
        }
        return Err(err(line, tomlfile::message(e)));
    }
    let mut out = Vec::new();
    for (name, section) in doc.get_ref() {
        let n = line_at(name.span());
        let Some(table) = section.get_ref().as_table() else {
            return Err(err(n, "a binding before any [context] header".into()));
        };
        let context = Context::from_name(name.get_ref()).ok_or_else(|| {
            err(
                n,
                format!(
                    "unknown context [{}]; the contexts are {}",
                    name.get_ref(),
                    Context::ALL
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        for (k, v) in table {
            let n = line_at(k.span());
            let action_text = v.get_ref().as_str().ok_or_else(|| {
                err(
                    n,
                    "the action must be a quoted string, e.g. \"quit\"".into(),
                )
            })?;
            let key = Key::parse(k.get_ref()).map_err(|m| err(n, m))?;
            let action = if action_text == "none" {
                None
            } else {
                Some(Action::from_name(action_text).ok_or_else(|| {
                    err(n, format!("unknown action `{action_text}` (see `lockdesk info` or keymaps/default.toml for the list)"))
                })?)
            };
            out.push(Entry {
                line: n,
                context,
                key,
                action,
            });
        }
    }
    // In file order, so that "first on line N" names the earlier one.
    out.sort_by_key(|e| e.line);
    Ok(out)
}

/// The message for a key written twice in one section, which TOML itself
/// refuses: it names the key and the line of its first binding.
fn duplicate(
    text: &str,
    doc: &toml::de::DeTable<'_>,
    e: &toml::de::Error,
    line: usize,
) -> Option<String> {
    let raw = text.get(e.span()?)?;
    let key: std::collections::BTreeMap<String, i64> =
        toml::from_str(&format!("{raw} = 0")).ok()?;
    let key = key.into_keys().next()?;
    let (first, context) = doc
        .iter()
        .filter_map(|(name, section)| {
            let table = section.get_ref().as_table()?;
            let (k, _) = table.iter().find(|(k, _)| *k.get_ref() == key)?;
            let first = tomlfile::line_of(text, k.span().start);
            (first < line).then(|| (first, name.get_ref().to_string()))
        })
        .max()?;
    let label = Key::parse(&key).map_or(key, |k| k.label());
    Some(format!(
        "`{label}` is bound twice in [{context}] (first on line {first})"
    ))
}

impl Keymap {
    /// Parses one complete keymap (two actions on one key in one context is an error).
    pub fn parse(file: &str, text: &str) -> Result<Keymap, KeymapError> {
        let mut km = Keymap::default();
        let mut seen: BTreeMap<(Context, Key), usize> = BTreeMap::new();
        for e in parse_file(file, text)? {
            if let Some(first) = seen.insert((e.context, e.key), e.line) {
                return Err(KeymapError {
                    file: file.to_string(),
                    line: e.line,
                    message: format!(
                        "`{}` is bound twice in [{}] (first on line {first})",
                        e.key.label(),
                        e.context.name()
                    ),
                });
            }
            if let Some(a) = e.action {
                km.bindings.entry(e.context).or_default().insert(e.key, a);
            }
        }
        Ok(km)
    }

    /// The embedded defaults. They are compiled in and parse-tested, so a
    /// failure here is a build defect, not a run-time condition.
    pub fn defaults() -> Keymap {
        Keymap::parse("keymaps/default.toml", DEFAULT_KEYMAP)
            .expect("keymaps/default.toml parses (tested)")
    }

    /// Applies a user file over this keymap: each of its lines replaces the
    /// binding of that key in that context (`"none"` removes it).
    pub fn overlay(mut self, file: &str, text: &str) -> Result<Keymap, KeymapError> {
        // Validates the file on its own first (duplicates are errors there too).
        Keymap::parse(file, text)?;
        for e in parse_file(file, text)? {
            let ctx = self.bindings.entry(e.context).or_default();
            match e.action {
                Some(a) => {
                    ctx.insert(e.key, a);
                }
                None => {
                    ctx.remove(&e.key);
                }
            }
        }
        Ok(self)
    }

    /// The action for a key in a chain of contexts, most specific first.
    pub fn lookup(&self, chain: &[Context], key: Key) -> Option<Action> {
        chain
            .iter()
            .find_map(|c| self.bindings.get(c).and_then(|b| b.get(&key)).copied())
    }

    /// The keys bound to an action in a chain of contexts (for hints).
    pub fn keys_for(&self, chain: &[Context], action: Action) -> Vec<Key> {
        let mut keys = Vec::new();
        for c in chain {
            if let Some(b) = self.bindings.get(c) {
                for (k, a) in b {
                    // A key shadowed by a more specific context does not count.
                    if *a == action && self.lookup(chain, *k) == Some(action) && !keys.contains(k) {
                        keys.push(*k);
                    }
                }
            }
        }
        keys
    }

    /// Every binding, context by context (for the help overlay and README).
    pub fn all(&self) -> Vec<(Context, ActionKeys)> {
        let mut out = Vec::new();
        for c in Context::ALL {
            let Some(b) = self.bindings.get(c) else {
                continue;
            };
            let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
            for (k, a) in b {
                by_action.entry(*a).or_default().push(*k);
            }
            let mut list: Vec<(Action, Vec<Key>)> = by_action.into_iter().collect();
            list.sort_by_key(|(a, _)| Action::ALL.iter().position(|x| x == a));
            out.push((*c, list));
        }
        out
    }
}

/// The keys table of the README, generated from a keymap so that they never
/// disagree (a test compares them).
pub fn markdown_table(km: &Keymap) -> String {
    let mut out = String::from("| where | keys | action |\n|---|---|---|\n");
    for (ctx, actions) in km.all() {
        for (action, keys) in actions {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{}`", k.label())).collect();
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                ctx.name(),
                keys.join(" "),
                action.describe()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::parse_sequence;

    #[test]
    fn the_readme_keys_table_is_the_default_keymap() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("<!-- keys:start -->")
            .expect("README has the keys table markers");
        let end = readme
            .find("<!-- keys:end -->")
            .expect("README has the keys table markers");
        let table = readme[start + "<!-- keys:start -->".len()..end].trim();
        assert_eq!(
            table,
            markdown_table(&Keymap::defaults()).trim(),
            "README keys table differs from keymaps/default.toml: regenerate it with `lockdesk info --keys-markdown`"
        );
    }

    #[test]
    fn every_keymap_file_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/keymaps");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let name = path.display().to_string();
                Keymap::defaults()
                    .overlay(&name, &text)
                    .unwrap_or_else(|e| panic!("{e}"));
                Keymap::parse(&name, &text).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
        assert!(n >= 3, "default, vim and emacs keymaps");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Keymap::parse(
            "mine.toml",
            "[global]\n\"q\" = \"quit\"\n\"x\" = \"explode\"\n",
        )
        .unwrap_err();
        assert_eq!(e.file, "mine.toml");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("unknown action `explode`"));
        let e = Keymap::parse(
            "mine.toml",
            "[global]\n\"q\" = \"quit\"\n\"q\" = \"help\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "mine.toml:3: `q` is bound twice in [global] (first on line 2)"
        );
        let e = Keymap::parse("mine.toml", "[global]\n\"<Hyper-q>\" = \"quit\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = Keymap::parse("mine.toml", "\"q\" = \"quit\"\n").unwrap_err();
        assert!(e.message.contains("before any [context]"));
        let e = Keymap::parse("mine.toml", "[nowhere]\n").unwrap_err();
        assert!(e.message.contains("unknown context"));
    }

    #[test]
    fn a_user_file_overrides_single_bindings() {
        let km = Keymap::defaults()
            .overlay(
                "user.toml",
                "[jobs]\n\"x\" = \"cycle_status\"\n[global]\n\"q\" = \"none\"\n",
            )
            .unwrap();
        let x = Key::parse("x").unwrap();
        assert_eq!(
            km.lookup(&[Context::Jobs, Context::List, Context::Global], x),
            Some(Action::CycleStatus)
        );
        assert_eq!(
            km.lookup(&[Context::Global], Key::parse("q").unwrap()),
            None
        );
        // Everything else is still the default.
        assert_eq!(
            km.lookup(&[Context::Global], Key::parse("?").unwrap()),
            Some(Action::Help)
        );
    }

    #[test]
    fn key_notation_round_trips() {
        for s in [
            "q",
            "G",
            "?",
            "<Enter>",
            "<C-c>",
            "<S-Tab>",
            "<Space>",
            "<PageDown>",
            "<F5>",
            "<A-x>",
        ] {
            let k = Key::parse(s).unwrap();
            assert_eq!(Key::parse(&k.label()).unwrap(), k, "{s}");
        }
        let seq = parse_sequence(":trace e47<Enter>jj<C-c>").unwrap();
        assert_eq!(seq.len(), 14);
        assert_eq!(seq[10], Key::parse("<Enter>").unwrap());
        assert!(seq[13].ctrl);
    }
}
