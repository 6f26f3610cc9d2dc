//! Every colour and style the console draws with, named by what it means.
//! `DARK` is the default palette, `LIGHT` for light terminals,
//! `HIGH_CONTRAST` for poor eyes and projectors; `PLAIN` is NO_COLOR's
//! (no-color.org): no colours. A user's theme file replaces single styles
//! by name (`theme_file`), over one of these.

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
            /// Every style's name, as a theme file writes it.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name),)*];

            const fn without_colours(&self) -> Theme {
                Theme { $($name: without_colours(self.$name),)* }
            }

            /// Replaces the style called `name`; false when there is none.
            pub fn set(&mut self, name: &str, style: Style) -> bool {
                match name {
                    $(stringify!($name) => self.$name = style,)*
                    _ => return false,
                }
                true
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
    /// A row of a trace or user that matches `/` (underlined as well, so
    /// that NO_COLOR's reverse video still tells it from the selection).
    search_match,
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
    search_match: Style::new()
        .bg(Color::Rgb(80, 70, 0))
        .add_modifier(Modifier::UNDERLINED),
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

/// For light terminals: dark text, pale backgrounds, no yellow on white.
pub const LIGHT: Theme = Theme {
    selection: Style::new()
        .bg(Color::Rgb(198, 218, 245))
        .add_modifier(Modifier::BOLD),
    dim: Style::new().fg(Color::Rgb(110, 110, 110)),
    section: Style::new()
        .fg(Color::Rgb(0, 80, 160))
        .add_modifier(Modifier::BOLD),
    subsection: Style::new()
        .fg(Color::Rgb(0, 80, 160))
        .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    strong: Style::new().add_modifier(Modifier::BOLD),
    column_heads: Style::new()
        .fg(Color::Rgb(90, 90, 90))
        .add_modifier(Modifier::BOLD),
    ok: Style::new().fg(Color::Rgb(0, 120, 40)),
    ok_mark: Style::new()
        .fg(Color::Rgb(0, 120, 40))
        .add_modifier(Modifier::BOLD),
    failed: Style::new().fg(Color::Rgb(180, 0, 0)),
    failed_mark: Style::new()
        .fg(Color::Rgb(180, 0, 0))
        .add_modifier(Modifier::BOLD),
    failed_row: Style::new().bg(Color::Rgb(250, 222, 222)),
    dead: Style::new()
        .fg(Color::Rgb(180, 0, 0))
        .add_modifier(Modifier::BOLD),
    stuck: Style::new()
        .fg(Color::Rgb(140, 0, 140))
        .add_modifier(Modifier::BOLD),
    running: Style::new().fg(Color::Rgb(150, 90, 0)),
    queued: Style::new().fg(Color::Rgb(0, 70, 200)),
    cancelled: Style::new().fg(Color::Rgb(110, 110, 110)),
    warning: Style::new().fg(Color::Rgb(150, 90, 0)),
    warning_mark: Style::new()
        .fg(Color::Rgb(150, 90, 0))
        .add_modifier(Modifier::BOLD),
    unknown: Style::new()
        .fg(Color::Rgb(140, 0, 140))
        .add_modifier(Modifier::BOLD),
    broker: Style::new().fg(Color::Rgb(0, 100, 130)),
    provider: Style::new().fg(Color::Rgb(140, 0, 140)),
    provider_heading: Style::new()
        .fg(Color::Rgb(140, 0, 140))
        .add_modifier(Modifier::BOLD),
    border: Style::new().fg(Color::Rgb(0, 80, 160)),
    dialog_border: Style::new().fg(Color::Rgb(170, 90, 0)),
    banner: Style::new()
        .bg(Color::Rgb(180, 0, 0))
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    mode_write: Style::new()
        .bg(Color::Rgb(180, 0, 0))
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    mode_read: Style::new()
        .bg(Color::Rgb(0, 70, 160))
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    brand: Style::new()
        .bg(Color::Rgb(0, 100, 130))
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    tab_current: Style::new()
        .fg(Color::White)
        .bg(Color::Rgb(40, 40, 40))
        .add_modifier(Modifier::BOLD),
    key_hint: Style::new().fg(Color::Black).bg(Color::Rgb(215, 215, 215)),
    key: Style::new()
        .fg(Color::Rgb(150, 70, 0))
        .add_modifier(Modifier::BOLD),
    info: Style::new().fg(Color::Rgb(0, 80, 160)),
    json_key: Style::new().fg(Color::Rgb(0, 80, 160)),
    json_string: Style::new().fg(Color::Rgb(0, 120, 40)),
    json_number: Style::new().fg(Color::Rgb(150, 70, 0)),
    json_bool: Style::new().fg(Color::Rgb(140, 0, 140)),
    json_null: Style::new().fg(Color::Rgb(110, 110, 110)),
    json_folded: Style::new()
        .fg(Color::Rgb(110, 110, 110))
        .add_modifier(Modifier::ITALIC),
    json_match: Style::new().bg(Color::Rgb(255, 236, 140)),
    search_match: Style::new()
        .bg(Color::Rgb(255, 236, 140))
        .add_modifier(Modifier::UNDERLINED),
    call: Style::new().fg(Color::Rgb(0, 120, 40)),
    long_gap: Style::new()
        .fg(Color::Rgb(150, 70, 0))
        .add_modifier(Modifier::BOLD),
};

const BRIGHT: Style = Style::new().fg(Color::White);
const ON_WHITE: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::White)
    .add_modifier(Modifier::BOLD);

/// Bright colours only, everything that matters bold, the selection and
/// the marks in solid blocks: readable on a projector or with poor sight.
pub const HIGH_CONTRAST: Theme = Theme {
    selection: Style::new()
        .fg(Color::Black)
        .bg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    dim: Style::new().fg(Color::Gray),
    section: Style::new()
        .fg(Color::LightCyan)
        .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    subsection: Style::new()
        .fg(Color::LightCyan)
        .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    strong: BRIGHT.add_modifier(Modifier::BOLD),
    column_heads: BRIGHT.add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    ok: Style::new()
        .fg(Color::LightGreen)
        .add_modifier(Modifier::BOLD),
    ok_mark: Style::new()
        .fg(Color::LightGreen)
        .add_modifier(Modifier::BOLD),
    failed: Style::new()
        .fg(Color::LightRed)
        .add_modifier(Modifier::BOLD),
    failed_mark: Style::new()
        .fg(Color::LightRed)
        .add_modifier(Modifier::BOLD),
    failed_row: Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD),
    dead: Style::new()
        .fg(Color::LightRed)
        .add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED)),
    stuck: Style::new()
        .fg(Color::LightMagenta)
        .add_modifier(Modifier::BOLD),
    running: Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    queued: Style::new()
        .fg(Color::LightBlue)
        .add_modifier(Modifier::BOLD),
    cancelled: Style::new().fg(Color::Gray),
    warning: Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    warning_mark: Style::new()
        .fg(Color::Black)
        .bg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    unknown: Style::new()
        .fg(Color::LightMagenta)
        .add_modifier(Modifier::BOLD),
    broker: Style::new().fg(Color::LightCyan),
    provider: Style::new().fg(Color::LightMagenta),
    provider_heading: Style::new()
        .fg(Color::LightMagenta)
        .add_modifier(Modifier::BOLD),
    border: BRIGHT,
    dialog_border: Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    banner: Style::new()
        .bg(Color::Red)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    mode_write: Style::new()
        .bg(Color::Red)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD),
    mode_read: ON_WHITE,
    brand: ON_WHITE,
    tab_current: ON_WHITE,
    key_hint: ON_WHITE,
    key: Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    info: Style::new().fg(Color::LightCyan),
    json_key: Style::new().fg(Color::LightCyan),
    json_string: Style::new().fg(Color::LightGreen),
    json_number: Style::new().fg(Color::LightYellow),
    json_bool: Style::new().fg(Color::LightMagenta),
    json_null: Style::new().fg(Color::Gray),
    json_folded: Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
    json_match: Style::new()
        .fg(Color::Black)
        .bg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
    search_match: Style::new()
        .fg(Color::Black)
        .bg(Color::LightYellow)
        .add_modifier(Modifier::BOLD)
        .add_modifier(Modifier::UNDERLINED),
    call: Style::new()
        .fg(Color::LightGreen)
        .add_modifier(Modifier::BOLD),
    long_gap: Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD),
};

static DARK_THEME: Theme = DARK;
static LIGHT_THEME: Theme = LIGHT;
static HIGH_CONTRAST_THEME: Theme = HIGH_CONTRAST;
static PLAIN_THEME: Theme = PLAIN;

/// The built-in themes by the names the config and `--theme` use.
pub const BUILT_IN: &[(&str, crate::app::ThemeName)] = &[
    ("dark", crate::app::ThemeName::Dark),
    ("light", crate::app::ThemeName::Light),
    ("high-contrast", crate::app::ThemeName::HighContrast),
];

/// A built-in theme's palette.
pub fn built_in(name: crate::app::ThemeName) -> &'static Theme {
    use crate::app::ThemeName as N;
    match name {
        N::Dark | N::Custom(_) => &DARK_THEME,
        N::Light => &LIGHT_THEME,
        N::HighContrast => &HIGH_CONTRAST_THEME,
        N::Plain => &PLAIN_THEME,
    }
}

/// Themes read from a user's file, one per console that has one; kept for
/// the process's life (a few hundred bytes each) so `of` can hand out a
/// `&'static` like the built-in ones.
static CUSTOM: std::sync::Mutex<Vec<&'static Theme>> = std::sync::Mutex::new(Vec::new());

/// Keeps `theme` for the process and names it.
pub fn register(theme: Theme) -> crate::app::ThemeName {
    let mut all = CUSTOM
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Sixty-five thousand consoles in one process is past any real use;
    // the last slot is reused rather than wrapping onto another's theme.
    let index = u16::try_from(all.len()).unwrap_or(u16::MAX);
    let kept: &'static Theme = Box::leak(Box::new(theme));
    if usize::from(index) < all.len() {
        all[usize::from(index)] = kept;
    } else {
        all.push(kept);
    }
    crate::app::ThemeName::Custom(index)
}

/// The theme this console draws with.
pub fn of(app: &App) -> &'static Theme {
    match app.theme() {
        crate::app::ThemeName::Custom(i) => CUSTOM
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(usize::from(i))
            .copied()
            .unwrap_or(&DARK_THEME),
        name => built_in(name),
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
