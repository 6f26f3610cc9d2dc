//! Every colour and style the console draws with, named by what it means.
//! `DARK` is the palette; `PLAIN` is NO_COLOR's (no-color.org): no colours.

use ratatui::style::{Color, Modifier, Style};

use crate::app::App;
use crate::store::traces::JobStatus;

/// Declares `Theme` with one `Style` per meaning, and the map from a theme
/// to its colourless twin (so the two can never list different names).
macro_rules! theme {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Theme {
            $($(#[$doc])* pub $name: Style,)*
        }

        impl Theme {
            const fn without_colours(&self) -> Theme {
                Theme { $($name: without_colours(self.$name),)* }
            }
        }
    };
}

theme! {
    /// The selected row.
    selection,
    /// What is there for context: labels, counts, ids, "loading…".
    dim,
    /// A pane's or popup's heading.
    section,
    /// A heading inside a list (the trace's sections).
    subsection,
    /// A name the eye should find: a job id, a lock key.
    strong,
    /// The column titles over a table.
    column_heads,
    /// It worked: `ok`, a `done` job, an add, a finished run.
    ok,
    /// The same, as a mark that leads a line (`+`, a trace's outcome).
    ok_mark,
    /// It failed: a `failed` job, an error, a delete.
    failed,
    /// The same, as a mark that leads a line, and an error on the status line.
    failed_mark,
    /// A row whose call failed (a background under the whole line).
    failed_row,
    /// A `dead` job: it will not be tried again.
    dead,
    /// A job running without an update for too long.
    stuck,
    /// A `running` job.
    running,
    /// A `queued` job.
    queued,
    /// A `cancelled` job.
    cancelled,
    /// Look twice: an intent sent, a filter on, a clock off, a warning.
    warning,
    /// The same, as a mark that leads a line.
    warning_mark,
    /// Something on the lock the broker does not know (`?` in a plan).
    unknown,
    /// What the broker recorded (the lock pane's source column).
    broker,
    /// What a provider's cloud recorded, and a provider's name.
    provider,
    /// A provider's heading in the trace.
    provider_heading,
    /// A popup's frame.
    border,
    /// A confirmation's frame.
    dialog_border,
    /// The "database connection lost" banner.
    banner,
    /// The mode label when changes are allowed.
    mode_write,
    /// The mode label when they are not.
    mode_read,
    /// The product's name in the status bar.
    brand,
    /// The current pane's tab.
    tab_current,
    /// A key in the hints line.
    key_hint,
    /// A key in the help.
    key,
    /// An informational status line.
    info,
    /// A JSON object key, and a path in a diff.
    json_key,
    /// A JSON string.
    json_string,
    /// A JSON number.
    json_number,
    /// A JSON `true`/`false`.
    json_bool,
    /// A JSON `null`.
    json_null,
    /// A folded JSON value's summary.
    json_folded,
    /// A JSON line that matches the search.
    json_match,
    /// A provider call in the trace's waterfall (its bar, tick or cell).
    call,
    /// A gap between two steps of a trace longer than a minute (`▲`).
    long_gap,
}

const DIM: Style = Style::new().fg(Color::DarkGray);

/// The palette lockdesk has always drawn with.
pub const DARK: Theme = Theme {
    selection: Style::new()
        .bg(Color::Rgb(40, 60, 90))
        .add_modifier(Modifier::BOLD),
    dim: DIM,
    section: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    subsection: Style::new()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    strong: Style::new().add_modifier(Modifier::BOLD),
    column_heads: DIM.add_modifier(Modifier::BOLD),
    ok: Style::new().fg(Color::Green),
    ok_mark: Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
    failed: Style::new().fg(Color::Red),
    failed_mark: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    failed_row: Style::new().bg(Color::Rgb(60, 20, 20)),
    dead: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    stuck: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    running: Style::new().fg(Color::Yellow),
    queued: Style::new().fg(Color::Blue),
    cancelled: DIM,
    warning: Style::new().fg(Color::Yellow),
    warning_mark: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
    unknown: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    broker: Style::new().fg(Color::Cyan),
    provider: Style::new().fg(Color::Magenta),
    provider_heading: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    border: Style::new().fg(Color::Cyan),
    dialog_border: Style::new().fg(Color::Yellow),
    banner: Style::new()
        .bg(Color::Red)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    mode_write: Style::new()
        .bg(Color::Red)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    mode_read: Style::new()
        .bg(Color::Blue)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    brand: Style::new()
        .bg(Color::Cyan)
        .fg(Color::Black)
        .add_modifier(Modifier::BOLD),
    tab_current: Style::new()
        .fg(Color::Black)
        .bg(Color::White)
        .add_modifier(Modifier::BOLD),
    key_hint: Style::new().fg(Color::Black).bg(Color::DarkGray),
    key: Style::new().fg(Color::Yellow),
    info: Style::new().fg(Color::Cyan),
    json_key: Style::new().fg(Color::Cyan),
    json_string: Style::new().fg(Color::Green),
    json_number: Style::new().fg(Color::Yellow),
    json_bool: Style::new().fg(Color::Magenta),
    json_null: DIM,
    json_folded: DIM.add_modifier(Modifier::ITALIC),
    json_match: Style::new().bg(Color::Rgb(80, 70, 0)),
    call: Style::new().fg(Color::Green),
    long_gap: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
};

/// NO_COLOR: every colour goes; what a background marked (the selection,
/// a banner, a failed row) is shown in reverse video instead.
pub const PLAIN: Theme = DARK.without_colours();

const fn without_colours(s: Style) -> Style {
    let mut out = s;
    if matches!(s.bg, Some(c) if !matches!(c, Color::Reset)) {
        out.add_modifier = out.add_modifier.union(Modifier::REVERSED);
    }
    out.fg = None;
    out.bg = None;
    out
}

static DARK_THEME: Theme = DARK;
static PLAIN_THEME: Theme = PLAIN;

/// The theme this console draws with.
pub fn of(app: &App) -> &'static Theme {
    match app.theme() {
        crate::app::ThemeName::Dark => &DARK_THEME,
        crate::app::ThemeName::Plain => &PLAIN_THEME,
    }
}

impl Theme {
    /// A job's status as it is written (unknown ones keep the plain style).
    pub fn status(&self, status: &str) -> Style {
        self.job_status(&JobStatus::from(status))
    }

    pub fn job_status(&self, status: &JobStatus) -> Style {
        match status {
            JobStatus::Failed => self.failed,
            JobStatus::Dead => self.dead,
            JobStatus::Running => self.running,
            JobStatus::Queued => self.queued,
            JobStatus::Done => self.ok,
            JobStatus::Cancelled => self.cancelled,
            JobStatus::Other(_) => Style::new(),
        }
    }
}

/// What NO_COLOR drew before it was a theme: every cell's colours dropped,
/// reverse video where a background was. `PLAIN` must draw the same.
#[cfg(test)]
pub(crate) fn monochrome(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}
