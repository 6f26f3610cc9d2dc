//! The prompt line edits like a shell's: a cursor (Left/Right, Ctrl-A/E,
//! Home/End), Ctrl-U, Ctrl-W, Ctrl-K, Delete; on the `:` line also Tab
//! (complete), Up/Down (the profile's earlier commands) and Ctrl-R
//! (search them).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::{App, Cmd, Prompt, PromptKind};

/// The editing state of the open prompt.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineState {
    /// The cursor, in characters from the end (0: at the end), so that a
    /// prompt whose text is set elsewhere keeps a valid cursor.
    pub back: usize,
    /// Tab pressed again with several choices: the next one.
    tab: Option<TabCycle>,
    /// Up/Down: which earlier command is shown, and the line typed before.
    browse: Option<(usize, String)>,
    /// Ctrl-R: what is searched, the command found, the line before.
    pub search: Option<HistorySearch>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct TabCycle {
    start: usize,
    choices: Vec<String>,
    at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySearch {
    pub query: String,
    /// The index of the command found in the history.
    pub found: Option<usize>,
    draft: String,
}

/// The byte index of the cursor `back` characters from the end of `text`.
pub fn cursor_at(text: &str, back: usize) -> usize {
    let n = text.chars().count();
    let keep = n.saturating_sub(back);
    text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i)
}

impl App {
    /// A key while a prompt is open: it edits the line; Enter submits, Esc
    /// closes. Nothing typed here reaches the keymap.
    pub(crate) fn prompt_key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        let Some(p) = self.popups.prompt.as_mut() else {
            return Vec::new();
        };
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let command = p.kind == PromptKind::Command;
        let line = &mut self.popups.line;
        if !matches!(ev.code, KeyCode::Tab) {
            line.tab = None;
        }
        // Ctrl-R's search takes the keys until it ends.
        if line.search.is_some() {
            return self.history_search_key(ev);
        }
        let at = cursor_at(&p.text, line.back);
        let mut edited = true;
        match ev.code {
            KeyCode::Esc => {
                let kind = p.kind.clone();
                self.popups.prompt = None;
                self.popups.line = LineState::default();
                if kind == PromptKind::Filter {
                    self.set_text_filter(String::new());
                }
                return Vec::new();
            }
            KeyCode::Char('c') if ctrl => {
                self.popups.prompt = None;
                self.popups.line = LineState::default();
                return Vec::new();
            }
            KeyCode::Enter => {
                let p = self.popups.prompt.take().unwrap_or(Prompt {
                    kind: PromptKind::Command,
                    text: String::new(),
                });
                self.popups.line = LineState::default();
                if command && crate::app::parse_command(p.text.trim()).is_ok() {
                    self.remember_command(&p.text);
                }
                return self.submit(p);
            }
            KeyCode::Left => {
                line.back = (line.back + 1).min(p.text.chars().count());
                edited = false;
            }
            KeyCode::Right => {
                line.back = line.back.saturating_sub(1);
                edited = false;
            }
            KeyCode::Home | KeyCode::Char('a') if ctrl || ev.code == KeyCode::Home => {
                line.back = p.text.chars().count();
                edited = false;
            }
            KeyCode::End | KeyCode::Char('e') if ctrl || ev.code == KeyCode::End => {
                line.back = 0;
                edited = false;
            }
            KeyCode::Backspace => {
                if let Some((i, _)) = p.text[..at].char_indices().next_back() {
                    p.text.replace_range(i..at, "");
                }
            }
            KeyCode::Delete => {
                if let Some(c) = p.text[at..].chars().next() {
                    p.text.replace_range(at..at + c.len_utf8(), "");
                    line.back = line.back.saturating_sub(1);
                }
            }
            KeyCode::Char('u') if ctrl => p.text.replace_range(..at, ""),
            KeyCode::Char('k') if ctrl => {
                p.text.truncate(at);
                line.back = 0;
            }
            KeyCode::Char('w') if ctrl => {
                // The word before the cursor and the spaces after it.
                let head = p.text[..at].trim_end();
                let from = head.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                p.text.replace_range(from..at, "");
            }
            KeyCode::Char('r') if ctrl && command => {
                line.search = Some(HistorySearch {
                    query: String::new(),
                    found: None,
                    draft: p.text.clone(),
                });
                return Vec::new();
            }
            KeyCode::Tab if command => {
                self.complete_line();
                return Vec::new();
            }
            KeyCode::Up | KeyCode::Down if command => {
                self.browse_history(ev.code == KeyCode::Up);
                return Vec::new();
            }
            KeyCode::Char(c) if !ctrl => p.text.insert(at, c),
            _ => edited = false,
        }
        if edited {
            let (kind, text) = (p.kind.clone(), p.text.clone());
            self.prompt_changed(&kind, text);
        }
        Vec::new()
    }

    /// Tab: the word before the cursor completed as far as the choices
    /// agree; again with several choices, each choice in turn.
    fn complete_line(&mut self) {
        let Some(p) = self.popups.prompt.as_ref() else {
            return;
        };
        // Tab completes at the end of the line.
        let text = p.text.clone();
        let (start, choices, at) = match self.popups.line.tab.take() {
            Some(t) => {
                let at = (t.at + 1) % t.choices.len().max(1);
                (t.start, t.choices, at)
            }
            None => {
                let c = self.complete(&text);
                let word = text.get(c.start..).unwrap_or("");
                let common = c.common();
                match c.choices.len() {
                    0 => return,
                    1 => {
                        let only = format!("{} ", c.choices[0]);
                        self.set_line(format!("{}{only}", &text[..c.start]));
                        return;
                    }
                    _ if common.len() > word.len() => {
                        self.set_line(format!("{}{common}", &text[..c.start]));
                        return;
                    }
                    _ => (c.start, c.choices, 0),
                }
            }
        };
        let Some(choice) = choices.get(at) else {
            return;
        };
        let base = text.get(..start).unwrap_or_default();
        self.set_line(format!("{base}{choice}"));
        self.popups.line.tab = Some(TabCycle { start, choices, at });
    }

    fn set_line(&mut self, text: String) {
        if let Some(p) = self.popups.prompt.as_mut() {
            p.text = text;
        }
        self.popups.line.back = 0;
    }

    /// Up (older) or Down (newer) through the profile's earlier commands;
    /// past the newest, the line as it was typed.
    fn browse_history(&mut self, older: bool) {
        let n = self.popups.recall.history.commands.len();
        let current = self.popups.prompt.as_ref().map(|p| p.text.clone());
        let line = &mut self.popups.line;
        let next = match (line.browse.take(), older) {
            (None, true) if n > 0 => Some((n - 1, current.unwrap_or_default())),
            (None, _) => None,
            (Some((i, draft)), true) => Some((i.saturating_sub(1), draft)),
            (Some((i, draft)), false) if i + 1 < n => Some((i + 1, draft)),
            (Some((_, draft)), false) => {
                self.set_line(draft);
                return;
            }
        };
        if let Some((i, draft)) = next {
            let text = self.popups.recall.history.commands.get(i).cloned();
            self.popups.line.browse = Some((i, draft));
            if let Some(t) = text {
                self.set_line(t);
            }
        }
    }

    /// A key during Ctrl-R: typing narrows, Ctrl-R again finds an older
    /// one, Enter runs the one found, Esc puts the line back; any other key
    /// keeps the one found on the line to edit.
    fn history_search_key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let Some(mut s) = self.popups.line.search.take() else {
            return Vec::new();
        };
        let commands = &self.popups.recall.history.commands;
        let find = |q: &str, below: usize| {
            let q = q.to_lowercase();
            (0..below)
                .rev()
                .find(|i| commands[*i].to_lowercase().contains(&q))
        };
        match ev.code {
            KeyCode::Char('r') if ctrl => {
                let below = s.found.unwrap_or(commands.len());
                s.found = find(&s.query, below).or(s.found);
            }
            KeyCode::Char('g' | 'c') if ctrl => {
                let draft = s.draft;
                self.set_line(draft);
                return Vec::new();
            }
            KeyCode::Esc => {
                let draft = s.draft;
                self.set_line(draft);
                return Vec::new();
            }
            KeyCode::Backspace => {
                s.query.pop();
                s.found = find(&s.query, commands.len());
            }
            KeyCode::Char(c) if !ctrl => {
                s.query.push(c);
                s.found = find(&s.query, commands.len());
            }
            code => {
                let found = s.found.and_then(|i| commands.get(i)).cloned();
                if let Some(f) = found {
                    self.set_line(f);
                }
                if code == KeyCode::Enter {
                    return self.prompt_key(ev);
                }
                return Vec::new();
            }
        }
        self.popups.line.search = Some(s);
        Vec::new()
    }
}
