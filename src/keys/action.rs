//! The vocabulary keymaps bind keys to. A keymap file is just
//! `key = "action"` per context; the names here are its only valid values.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // global
    Quit,
    Help,
    Command,
    Back,
    NextPane,
    PrevPane,
    PaneJobs,
    PaneAudit,
    PaneLocks,
    PaneUser,
    PaneTrace,
    PanePulse,
    ToggleUtc,
    ToggleSiteZone,
    Filter,
    Refresh,
    // lists
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    // job queue
    CycleStatus,
    ClearFilters,
    ErrorGroups,
    // JSON viewer
    Fold,
    UnfoldAll,
    FoldAll,
    Search,
    NextMatch,
    PrevMatch,
    // trace
    NextSection,
    PrevSection,
    ShowRequest,
    ShowResponse,
    // user
    LiveDoor,
    LiveDoors,
    // actions on production
    Retry,
    CancelJob,
    RetryAll,
    Drift,
    ToggleMode,
    Enqueue,
    // copies
    Copy,
    CopyAll,
    CopyCurl,
    CopyMarkdown,
    Bundle,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::Command,
        Action::Back,
        Action::NextPane,
        Action::PrevPane,
        Action::PaneJobs,
        Action::PaneAudit,
        Action::PaneLocks,
        Action::PaneUser,
        Action::PaneTrace,
        Action::PanePulse,
        Action::ToggleUtc,
        Action::ToggleSiteZone,
        Action::Filter,
        Action::Refresh,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::CycleStatus,
        Action::ClearFilters,
        Action::ErrorGroups,
        Action::Fold,
        Action::UnfoldAll,
        Action::FoldAll,
        Action::Search,
        Action::NextMatch,
        Action::PrevMatch,
        Action::NextSection,
        Action::PrevSection,
        Action::ShowRequest,
        Action::ShowResponse,
        Action::LiveDoor,
        Action::LiveDoors,
        Action::Retry,
        Action::CancelJob,
        Action::RetryAll,
        Action::Drift,
        Action::ToggleMode,
        Action::Enqueue,
        Action::Copy,
        Action::CopyAll,
        Action::CopyCurl,
        Action::CopyMarkdown,
        Action::Bundle,
    ];

    /// The name used in keymap files.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }

    /// What the action does, for the help overlay and the README.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit lockdesk",
            Action::Help => "show or hide this help",
            Action::Command => "command line (:trace, :job, :user, :door, :lock, :jobs)",
            Action::Back => "go back (close a popup, clear a filter, previous view)",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::PaneJobs => "job queue",
            Action::PaneAudit => "audit changes",
            Action::PaneLocks => "per-lock logs",
            Action::PaneUser => "user",
            Action::PaneTrace => "trace (correlation detail)",
            Action::PanePulse => "pulse (what is happening now)",
            Action::ToggleUtc => "times in UTC / display zone",
            Action::ToggleSiteZone => "times in the site's own zone",
            Action::Filter => "filter the list as you type",
            Action::Refresh => "reload now",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::Open => "open / drill down",
            Action::CycleStatus => {
                "next status filter (all, queued, running, stuck, failed, dead, done, cancelled)"
            }
            Action::ClearFilters => "clear every filter",
            Action::ErrorGroups => {
                "error groups ⇄ the job list (on a group: Enter its jobs, R retry, y JSON)"
            }
            Action::Fold => "fold / unfold the node under the cursor",
            Action::UnfoldAll => "unfold everything",
            Action::FoldAll => "fold everything below the top level",
            Action::Search => "search in the JSON",
            Action::NextMatch => "next match",
            Action::PrevMatch => "previous match",
            Action::NextSection => "next section",
            Action::PrevSection => "previous section",
            Action::ShowRequest => "open the request JSON",
            Action::ShowResponse => "open the response JSON",
            Action::LiveDoor => {
                "read the selected door's lock live (its list and records; kept 60 s)"
            }
            Action::LiveDoors => {
                "read all of the user's doors live (at most 4 calls at a time per account)"
            }
            Action::Retry => "retry the job (failed, dead; stuck after a typed confirmation)",
            Action::CancelJob => "cancel the job (queued or failed)",
            Action::RetryAll => {
                "retry every failed or dead job matching the filter (typed confirmation)"
            }
            Action::Drift => {
                "drift enforcement on the lock: plan first, then run after typing the door's name"
            }
            Action::ToggleMode => "switch the drift mode (standard / ultra_strict)",
            Action::Enqueue => "leave the drift enforcement to the worker instead",
            Action::Copy => "copy the selected raw JSON",
            Action::CopyAll => "copy the whole trace (or document) as JSON",
            Action::CopyCurl => "copy the selected request as a curl command",
            Action::CopyMarkdown => "copy the job or trace as Markdown for a ticket",
            Action::Bundle => {
                "write an incident bundle (Markdown and JSON) of the trace, job, lock or group under the cursor"
            }
        }
    }
}

/// The families of actions, each handled by one function of the console's
/// dispatcher (`App::act` routes on this; `app::dispatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionGroup {
    /// Quitting, help, the prompts, Back and Refresh: the console as a whole.
    Global,
    /// Choosing a pane.
    Panes,
    /// Which zone times are shown in.
    Clock,
    /// Moving in a list and opening what is selected.
    Navigation,
    /// The job queue's filters and its error groups.
    JobQueue,
    /// The JSON viewer's folds and matches.
    Json,
    /// The trace's sections and payloads.
    Trace,
    /// Reading a user's doors live.
    User,
    /// Changes on production (retry, cancel, drift and its dialog).
    Changes,
    /// The clipboard and incident bundles.
    Copies,
}

impl Action {
    /// The group whose function in the dispatcher handles this action.
    pub fn group(self) -> ActionGroup {
        use Action::*;
        match self {
            Quit | Help | Command | Filter | Search | Back | Refresh => ActionGroup::Global,
            NextPane | PrevPane | PaneJobs | PaneAudit | PaneLocks | PaneUser | PaneTrace
            | PanePulse => ActionGroup::Panes,
            ToggleUtc | ToggleSiteZone => ActionGroup::Clock,
            Up | Down | PageUp | PageDown | Top | Bottom | Open => ActionGroup::Navigation,
            CycleStatus | ClearFilters | ErrorGroups => ActionGroup::JobQueue,
            Fold | UnfoldAll | FoldAll | NextMatch | PrevMatch => ActionGroup::Json,
            NextSection | PrevSection | ShowRequest | ShowResponse => ActionGroup::Trace,
            LiveDoor | LiveDoors => ActionGroup::User,
            Retry | CancelJob | RetryAll | Drift | ToggleMode | Enqueue => ActionGroup::Changes,
            Copy | CopyAll | CopyCurl | CopyMarkdown | Bundle => ActionGroup::Copies,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(&a.name()), Some(*a), "{a:?}");
        }
        assert_eq!(Action::NextPane.name(), "next_pane");
        assert_eq!(Action::from_name("explode"), None);
    }
}
