//! One key with its modifiers, in the keymap notation (`q`, `<C-c>`,
//! `<S-Tab>`): parsed, printed, and turned into crossterm's event.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
