//! What sits over the pane: the overlays (JSON viewer, diff), the prompt
//! line, the help, a confirmation dialog, and the status line's message.

use crate::app::{Dialog, Level, Overlay, Prompt};

#[derive(Debug, Default)]
pub struct Popups {
    pub(in crate::app) overlays: Vec<Overlay>,
    pub(in crate::app) prompt: Option<Prompt>,
    pub(in crate::app) help: bool,
    pub(in crate::app) dialog: Option<Dialog>,
    /// Set only through `App::say`, which redacts.
    pub(in crate::app) message: Option<(Level, String)>,
}

impl Popups {
    /// The overlay on top, the one keys go to.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn help(&self) -> bool {
        self.help
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
        if std::mem::take(&mut self.help) {
            return true;
        }
        if self.overlays.pop().is_some() {
            return true;
        }
        self.message = None;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::PromptKind;

    #[test]
    fn esc_closes_the_help_before_the_overlay_then_the_message() {
        let mut p = Popups {
            help: true,
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
        assert!(p.close_top() && !p.help() && p.overlay().is_some());
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
