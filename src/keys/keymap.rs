// Key bindings: parse keymap files (a small TOML subset: `[context]` and
// `"key" = "action"`), merge a user file over the embedded defaults, and look
// keys up per context. Every error names the file and line.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::keys::Action;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// Where a binding applies. Lookups try the view's own context first, then
/// `list` for scrollable views, then `global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    Global,
    List,
    Jobs,
    Trace,
    Json,
    Dialog,
}

impl Context {
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::List,
        Context::Jobs,
        Context::Trace,
        Context::Json,
        Context::Dialog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Jobs => "jobs",
            Context::Trace => "trace",
            Context::Json => "json",
            Context::Dialog => "dialog",
        }
    }

    fn from_name(s: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == s)
    }
}

/// A key with its modifiers, normalised so that `G` and `Shift+g` agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// `KeyCode` with an order, so bindings list in a stable order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCodeOrd {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        let code = match e.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if e.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeOrd::BackTab,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::F(n) => KeyCodeOrd::F(n),
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        })
    }

    pub fn to_event(self) -> KeyEvent {
        let code = match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::Enter => KeyCode::Enter,
            KeyCodeOrd::Esc => KeyCode::Esc,
            KeyCodeOrd::Tab => KeyCode::Tab,
            KeyCodeOrd::BackTab => KeyCode::BackTab,
            KeyCodeOrd::Backspace => KeyCode::Backspace,
            KeyCodeOrd::Delete => KeyCode::Delete,
            KeyCodeOrd::Up => KeyCode::Up,
            KeyCodeOrd::Down => KeyCode::Down,
            KeyCodeOrd::Left => KeyCode::Left,
            KeyCodeOrd::Right => KeyCode::Right,
            KeyCodeOrd::PageUp => KeyCode::PageUp,
            KeyCodeOrd::PageDown => KeyCode::PageDown,
            KeyCodeOrd::Home => KeyCode::Home,
            KeyCodeOrd::End => KeyCode::End,
            KeyCodeOrd::F(n) => KeyCode::F(n),
        };
        let mut mods = KeyModifiers::NONE;
        if self.ctrl {
            mods |= KeyModifiers::CONTROL;
        }
        if self.alt {
            mods |= KeyModifiers::ALT;
        }
        KeyEvent::new(code, mods)
    }

    /// Parses one key in keymap notation: `q`, `?`, `<Enter>`, `<C-c>`, `<S-Tab>`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Key {
                code: KeyCodeOrd::Char(c),
                ctrl: false,
                alt: false,
            });
        }
        let inner = s
            .strip_prefix('<')
            .and_then(|r| r.strip_suffix('>'))
            .ok_or_else(|| format!("`{s}` is not a key: write one character, or a name in angle brackets such as <Enter> or <C-c>"))?;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        let mut rest = inner;
        while rest.len() > 2 && rest.as_bytes()[1] == b'-' {
            match &rest[..1] {
                "C" | "c" => ctrl = true,
                "A" | "a" | "M" | "m" => alt = true,
                "S" | "s" => shift = true,
                m => return Err(format!("`{s}`: unknown modifier `{m}` (use C-, A- or S-)")),
            }
            rest = &rest[2..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "cr" | "return" => KeyCodeOrd::Enter,
            "esc" | "escape" => KeyCodeOrd::Esc,
            "tab" if shift => KeyCodeOrd::BackTab,
            "tab" => KeyCodeOrd::Tab,
            "backtab" => KeyCodeOrd::BackTab,
            "bs" | "backspace" => KeyCodeOrd::Backspace,
            "del" | "delete" => KeyCodeOrd::Delete,
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "pageup" | "pgup" => KeyCodeOrd::PageUp,
            "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "space" => KeyCodeOrd::Char(' '),
            "lt" => KeyCodeOrd::Char('<'),
            "gt" => KeyCodeOrd::Char('>'),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCodeOrd::F(f[1..].parse().unwrap_or(1))
            }
            _ if rest.chars().count() == 1 => {
                let c = rest.chars().next().unwrap_or(' ');
                KeyCodeOrd::Char(if shift { c.to_ascii_uppercase() } else { c })
            }
            _ => return Err(format!("`{s}`: unknown key name `{rest}`")),
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key in keymap notation, for help and hints.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCodeOrd::Char(' ') => "Space".to_string(),
            KeyCodeOrd::Char('<') => "lt".to_string(),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::Enter => "Enter".into(),
            KeyCodeOrd::Esc => "Esc".into(),
            KeyCodeOrd::Tab => "Tab".into(),
            KeyCodeOrd::BackTab => "S-Tab".into(),
            KeyCodeOrd::Backspace => "BS".into(),
            KeyCodeOrd::Delete => "Del".into(),
            KeyCodeOrd::Up => "Up".into(),
            KeyCodeOrd::Down => "Down".into(),
            KeyCodeOrd::Left => "Left".into(),
            KeyCodeOrd::Right => "Right".into(),
            KeyCodeOrd::PageUp => "PageUp".into(),
            KeyCodeOrd::PageDown => "PageDown".into(),
            KeyCodeOrd::Home => "Home".into(),
            KeyCodeOrd::End => "End".into(),
            KeyCodeOrd::F(n) => format!("F{n}"),
        };
        let plain_char = matches!(self.code, KeyCodeOrd::Char(c) if c != ' ' && c != '<');
        if !self.ctrl && !self.alt && plain_char {
            return base;
        }
        let mut s = String::from("<");
        if self.ctrl {
            s.push_str("C-");
        }
        if self.alt {
            s.push_str("A-");
        }
        s.push_str(&base);
        s.push('>');
        s
    }
}

/// Parses a sequence in keymap notation, e.g. `:trace e4792295<Enter>jj<Enter>y`.
pub fn parse_sequence(s: &str) -> Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let token = &rest[..=end];
                // `<` followed by text that is not a key name is a literal `<`.
                if let Ok(k) = Key::parse(token) {
                    keys.push(k);
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        }
        keys.push(Key {
            code: KeyCodeOrd::Char(c),
            ctrl: false,
            alt: false,
        });
        rest = &rest[c.len_utf8()..];
    }
    Ok(keys)
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
    let mut context = None;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            context = Some(Context::from_name(name).ok_or_else(|| {
                err(
                    n,
                    format!(
                        "unknown context [{name}]; the contexts are {}",
                        Context::ALL
                            .iter()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?);
            continue;
        }
        let ctx = context.ok_or_else(|| err(n, "a binding before any [context] header".into()))?;
        let (k, v) = split_assignment(line).ok_or_else(|| {
            err(
                n,
                format!("expected `\"key\" = \"action\"`, found `{line}`"),
            )
        })?;
        let key_text = unquote(k).ok_or_else(|| err(n, format!("bad key `{k}`")))?;
        let action_text = unquote(v).ok_or_else(|| {
            err(
                n,
                format!("the action must be a quoted string, found `{v}`"),
            )
        })?;
        let key = Key::parse(&key_text).map_err(|m| err(n, m))?;
        let action = if action_text == "none" {
            None
        } else {
            Some(Action::from_name(&action_text).ok_or_else(|| {
                err(n, format!("unknown action `{action_text}` (see `lockdesk info` or keymaps/default.toml for the list)"))
            })?)
        };
        out.push(Entry {
            line: n,
            context: ctx,
            key,
            action,
        });
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_str && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
        escaped = false;
    }
    line
}

/// Splits `k = v` at the first `=` outside quotes.
fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_str && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_str = !in_str,
            '=' if !in_str => return Some((line[..i].trim(), line[i + 1..].trim())),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// A TOML basic string (`"..."` with `\"` and `\\`), or a bare key.
fn unquote(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next()? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    _ => return None,
                }
            } else {
                out.push(c);
            }
        }
        return Some(out);
    }
    (!s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then(|| s.to_string())
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
