//! What sits over the pane: the overlays (JSON viewer, diff), the prompt
//! line, the help, a confirmation dialog, and the status line's message.

use crate::app::help::HelpView;
use crate::app::line::LineState;
use crate::app::recent::RecentView;
use crate::app::{Dialog, Level, Overlay, Prompt};

#[derive(Debug, Default)]
pub struct Popups {
    pub(in crate::app) overlays: Vec<Overlay>,
    pub(in crate::app) prompt: Option<Prompt>,
    pub(in crate::app) help: Option<HelpView>,
    /// `:recent`'s picker.
    pub(in crate::app) recent: Option<RecentView>,
    /// The prompt's cursor, completion and history browsing.
    pub(in crate::app) line: LineState,
    /// The profile's `:` history and the places opened lately.
    pub(in crate::app) recall: crate::app::history::Recall,
    pub(in crate::app) dialog: Option<Dialog>,
    /// Set only through `App::say`, which redacts.
    pub(in crate::app) message: Option<(Level, String)>,
    /// The tick the message was said at: an info flash goes a few ticks
    /// later; a warning or an error stays until the next key.
    pub(in crate::app) said_at: u64,
}

/// How many ticks (seconds) an info message shows.
pub const FLASH_TICKS: u64 = 4;

impl Popups {
    /// The overlay on top, the one keys go to.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn help(&self) -> Option<&HelpView> {
        self.help.as_ref()
    }

    pub fn recent(&self) -> Option<&RecentView> {
        self.recent.as_ref()
    }

    /// The prompt's editing state (cursor, suggestion, history search).
    pub fn line(&self) -> &LineState {
        &self.line
    }

    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    pub fn message(&self) -> Option<&(Level, String)> {
        self.message.as_ref()
    }

    /// Esc: closes the topmost popup (dialog, help, overlay); false when
    /// none was open. The message goes too, as it always has.
    pub(in crate::app) fn close_top(&mut self) -> bool {
        if self.dialog.take().is_some() {
            return true;
        }
        if self.help.take().is_some() || self.recent.take().is_some() {
            return true;
        }
        if self.overlays.pop().is_some() {
            return true;
        }
        self.message = None;
        false
    }

    /// A second ticked: an info message said long enough ago goes.
    pub(in crate::app) fn expire(&mut self, ticks: u64) {
        if matches!(self.message, Some((Level::Info, _)))
            && ticks >= self.said_at.saturating_add(FLASH_TICKS)
        {
            self.message = None;
        }
    }

    /// A key was pressed: a warning or an error has been seen.
    pub(in crate::app) fn key_pressed(&mut self) {
        if matches!(self.message, Some((Level::Warn | Level::Error, _))) {
            self.message = None;
        }
    }
}

/// Whether a key's action works while an overlay (JSON, diff, picker) is
/// open: what moves in it, searches it, copies from it or closes it, and
/// `:`. Anything else (a pane switch, a retry, drift, a reload) would act on
/// the pane behind it: held back until Esc.
pub(in crate::app) fn passes_popup(action: crate::keys::Action, top: Option<&Overlay>) -> bool {
    use crate::keys::Action::*;
    // A list popup (the user picker) is searched itself with `/`; over the
    // JSON viewer `/` is its own search, over a diff it would filter the
    // pane behind.
    if action == Filter {
        return matches!(top, Some(Overlay::Picker(_)));
    }
    matches!(
        action,
        Quit | Help
            | Command
            | Back
            | Up
            | Down
            | PageUp
            | PageDown
            | Top
            | Bottom
            | Open
            | Fold
            | UnfoldAll
            | FoldAll
            | Search
            | NextMatch
            | PrevMatch
            | Copy
            | CopyAll
            | CopyCurl
            | CopyMarkdown
            | ToggleUtc
            | ToggleSiteZone
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::PromptKind;

    #[test]
    fn esc_closes_the_help_before_the_overlay_then_the_message() {
        let mut p = Popups {
            help: Some(Default::default()),
            message: Some((Level::Info, "hi".into())),
            ..Popups::default()
        };
        p.overlays.push(Overlay::Json(crate::app::JsonView {
            title: "t".into(),
            doc: crate::jsondoc::JsonDoc::new(&serde_json::Value::Null),
            value: serde_json::Value::Null,
            copy: None,
            reveal: None,
            scroll: Default::default(),
        }));
        assert!(p.close_top() && p.help().is_none() && p.overlay().is_some());
        assert!(p.close_top() && p.overlay().is_none());
        assert!(p.message().is_some());
        assert!(!p.close_top());
        assert!(p.message().is_none());
    }

    #[test]
    fn a_prompt_is_read_as_typed() {
        let p = Popups {
            prompt: Some(Prompt {
                kind: PromptKind::Command,
                text: "jobs".into(),
            }),
            ..Popups::default()
        };
        assert_eq!(p.prompt().map(|p| p.text.as_str()), Some("jobs"));
    }
}
