//! The console without a terminal, for `lockdesk snapshot` and the tests:
//! keys replayed, each answered before the next, the last frame returned.

use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc;

use crate::app::{App, Loc, Msg};
use crate::clipboard::Clipboard;
use crate::console::executor::{CopyOut, Executor, Settings};
use crate::keys::Key;
use crate::providers::settings::Providers;

/// What a headless run leaves: the last frame, and the bytes its copies sent
/// to the terminal (OSC 52 sequences), as a terminal would have received them.
pub struct Headless {
    pub screen: Buffer,
    pub copies: Vec<u8>,
}

/// Runs the app without a terminal: replays `keys`, waiting after each until
/// no query is in flight (at most `wait` per key), and returns the last frame.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    app: App,
    pool: sqlx::PgPool,
    standby: Option<crate::store::replica::Standby>,
    settings: Settings,
    providers: Arc<Providers>,
    start: Loc,
    keys: &[Key],
    size: (u16, u16),
    wait: Duration,
) -> anyhow::Result<Headless> {
    let msgs: Vec<Msg> = keys.iter().map(|k| Msg::Key(k.to_event())).collect();
    run_msgs(
        app, pool, standby, settings, providers, start, msgs, size, wait,
    )
    .await
}

/// The same with any messages (keys, and ticks of the clock: a test can let
/// a `:write 15m` window run out).
#[allow(clippy::too_many_arguments)]
pub async fn run_msgs(
    mut app: App,
    pool: sqlx::PgPool,
    standby: Option<crate::store::replica::Standby>,
    settings: Settings,
    providers: Arc<Providers>,
    start: Loc,
    msgs: Vec<Msg>,
    size: (u16, u16),
    wait: Duration,
) -> anyhow::Result<Headless> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Headless copies go where they would over SSH: OSC 52, here into a buffer.
    let mut exec = Executor::new(
        pool,
        tx,
        settings,
        providers,
        Clipboard::terminal_only(),
        CopyOut::Buffer(Vec::new()),
    )
    .with_standby(standby);
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1))?;
    for c in app.start(start) {
        exec.run(c);
    }
    drain(&mut app, &mut exec, &mut rx, wait).await;
    for m in msgs {
        // Drawing between keys matches what a person sees (and sets scroll offsets).
        terminal.draw(|f| crate::ui::draw(f, &app))?;
        for c in app.update(m) {
            exec.run(c);
        }
        drain(&mut app, &mut exec, &mut rx, wait).await;
        if app.quitting() {
            break;
        }
    }
    terminal.draw(|f| crate::ui::draw(f, &app))?;
    Ok(Headless {
        screen: terminal.backend().buffer().clone(),
        copies: exec.terminal_bytes(),
    })
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
    // What needs no answer from elsewhere (where a copy went) is already
    // waiting: apply it too, so the frame shows it.
    while let Ok(m) = rx.try_recv() {
        for c in app.update(m) {
            exec.run(c);
        }
    }
}
