// Running the console: in a real terminal (the event loop), or headless for
// `lockdesk snapshot` and the tests (keys replayed, final screen returned).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tokio::sync::mpsc;

use crate::app::{App, Cmd, Loc, Msg};
use crate::exec::{Executor, Settings};
use crate::keymap::Key;
use crate::providers::settings::Providers;

/// Runs the console in the terminal until the operator quits.
pub async fn run(
    mut app: App,
    pool: sqlx::PgPool,
    settings: Settings,
    providers: Arc<Providers>,
    start: Loc,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut exec = Executor::new(pool, tx.clone(), settings, providers);
    // ratatui::init installs a panic hook that restores the terminal first.
    let mut terminal = ratatui::init();
    // Key presses come from a blocking reader thread; only presses count
    // (Windows and kitty also report releases).
    let (key_tx, mut key_rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            let msg = match ev {
                Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
                Event::Resize(..) => Some(Msg::Tick(Utc::now())),
                _ => None,
            };
            if let Some(m) = msg {
                if key_tx.send(m).is_err() {
                    break;
                }
            }
        }
    });
    for c in app.start(start) {
        exec.run(c);
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // One clipboard for the whole session (X11 needs its owner alive).
    let mut clipboard = crate::clipboard::Clipboard::new();
    let result: anyhow::Result<()> = async {
        loop {
            terminal.draw(|f| crate::ui::draw(f, &app))?;
            let msg = tokio::select! {
                Some(m) = key_rx.recv() => m,
                Some(m) = rx.recv() => m,
                _ = tick.tick() => Msg::Tick(Utc::now()),
            };
            let mut cmds = app.update(msg);
            // Coalesce: apply everything already waiting before drawing again.
            while let Ok(m) = rx.try_recv().or_else(|_| key_rx.try_recv()) {
                cmds.extend(app.update(m));
            }
            for c in cmds {
                match c {
                    Cmd::Quit => {
                        exec.run(Cmd::Quit);
                        return Ok(());
                    }
                    Cmd::Copy { text, what } => {
                        let mut out = std::io::stdout();
                        let said = match clipboard.copy(&text, Some(&mut out)) {
                            Ok(c) => c.describe(&what),
                            Err(e) => format!("copying {what} failed: {e}"),
                        };
                        app.update(Msg::Copied(said));
                    }
                    other => exec.run(other),
                }
            }
            if app.quit {
                return Ok(());
            }
        }
    }
    .await;
    ratatui::restore();
    result
}

/// Runs the app without a terminal: replays `keys`, waiting after each until
/// no query is in flight (at most `wait` per key), and returns the last frame.
#[allow(clippy::too_many_arguments)]
pub async fn headless(
    mut app: App,
    pool: sqlx::PgPool,
    settings: Settings,
    providers: Arc<Providers>,
    start: Loc,
    keys: &[Key],
    size: (u16, u16),
    wait: Duration,
) -> anyhow::Result<Buffer> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut exec = Executor::new(pool, tx, settings, providers);
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1))?;
    for c in app.start(start) {
        exec.run(c);
    }
    drain(&mut app, &mut exec, &mut rx, wait).await;
    // Headless copies go where they would over SSH: OSC 52 into a buffer.
    let mut clipboard = crate::clipboard::Clipboard::terminal_only();
    let mut terminal_out: Vec<u8> = Vec::new();
    for k in keys {
        // Drawing between keys matches what a person sees (and sets scroll offsets).
        terminal.draw(|f| crate::ui::draw(f, &app))?;
        for c in app.update(Msg::Key(k.to_event())) {
            match c {
                Cmd::Copy { text, what } => {
                    let said = match clipboard.copy(&text, Some(&mut terminal_out)) {
                        Ok(c) => c.describe(&what),
                        Err(e) => format!("copying {what} failed: {e}"),
                    };
                    app.update(Msg::Copied(said));
                }
                other => exec.run(other),
            }
        }
        drain(&mut app, &mut exec, &mut rx, wait).await;
        if app.quit {
            break;
        }
    }
    terminal.draw(|f| crate::ui::draw(f, &app))?;
    Ok(terminal.backend().buffer().clone())
}

async fn drain(
    app: &mut App,
    exec: &mut Executor,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    wait: Duration,
) {
    let deadline = tokio::time::Instant::now() + wait;
    while app.in_flight() > 0 {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(m)) => {
                for c in app.update(m) {
                    exec.run(c);
                }
            }
            _ => break,
        }
    }
}

/// The buffer as plain text, one line per row, trailing spaces trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn sgr_color(c: Color, fg: bool) -> String {
    let base = if fg { 30 } else { 40 };
    match c {
        Color::Reset => format!("{}", if fg { 39 } else { 49 }),
        Color::Black => format!("{base}"),
        Color::Red => format!("{}", base + 1),
        Color::Green => format!("{}", base + 2),
        Color::Yellow => format!("{}", base + 3),
        Color::Blue => format!("{}", base + 4),
        Color::Magenta => format!("{}", base + 5),
        Color::Cyan => format!("{}", base + 6),
        Color::Gray => format!("{}", base + 7),
        Color::DarkGray => format!("{}", base + 60),
        Color::LightRed => format!("{}", base + 61),
        Color::LightGreen => format!("{}", base + 62),
        Color::LightYellow => format!("{}", base + 63),
        Color::LightBlue => format!("{}", base + 64),
        Color::LightMagenta => format!("{}", base + 65),
        Color::LightCyan => format!("{}", base + 66),
        Color::White => format!("{}", base + 67),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", if fg { 38 } else { 48 }),
        Color::Indexed(i) => format!("{};5;{i}", if fg { 38 } else { 48 }),
    }
}

/// The buffer with ANSI colours (SGR), for screenshots.
pub fn to_ansi(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut last: Option<(Color, Color, Modifier)> = None;
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            let style = (c.fg, c.bg, c.modifier);
            if last != Some(style) {
                let mut codes = vec![
                    "0".to_string(),
                    sgr_color(c.fg, true),
                    sgr_color(c.bg, false),
                ];
                if c.modifier.contains(Modifier::BOLD) {
                    codes.push("1".into());
                }
                if c.modifier.contains(Modifier::DIM) {
                    codes.push("2".into());
                }
                if c.modifier.contains(Modifier::ITALIC) {
                    codes.push("3".into());
                }
                if c.modifier.contains(Modifier::UNDERLINED) {
                    codes.push("4".into());
                }
                if c.modifier.contains(Modifier::REVERSED) {
                    codes.push("7".into());
                }
                out.push_str(&format!("\x1b[{}m", codes.join(";")));
                last = Some(style);
            }
            out.push_str(c.symbol());
        }
        out.push_str("\x1b[0m\n");
    }
    out
}
