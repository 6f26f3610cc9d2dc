//! The console in a real terminal: set up, the event loop, and the restore
//! that always runs (ratatui's panic hook restores the terminal first).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;

use crate::app::{App, Cmd, Loc, Msg};
use crate::clipboard::Clipboard;
use crate::console::executor::{CopyOut, Executor, Settings};
use crate::providers::settings::Providers;

/// What this machine adds to a terminal session: the profile's history
/// file, and whether the console takes the mouse (`mouse = false` leaves it
/// to the terminal).
pub struct Local {
    pub history: Option<std::path::PathBuf>,
    pub mouse: bool,
}

/// Runs the console in the terminal until the operator quits.
pub async fn run(
    mut app: App,
    pool: sqlx::PgPool,
    standby: Option<crate::store::replica::Standby>,
    settings: Settings,
    providers: Arc<Providers>,
    start: Loc,
    local: Local,
) -> anyhow::Result<()> {
    let Local { history, mouse } = local;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // One clipboard for the whole session (X11 needs its owner alive).
    let clipboard = Clipboard::new();
    let mut exec = Executor::new(
        pool,
        tx.clone(),
        settings,
        providers,
        clipboard,
        CopyOut::Terminal,
    )
    .with_standby(standby)
    .with_history(history);
    // Signals first: an error here returns before the terminal is taken,
    // so there is nothing to restore.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut terminal = ratatui::init();
    if mouse {
        // Undone below, in the panic hook and after the loop, like the rest.
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    // ratatui's hook restores the terminal on any panic. A panic in a tokio
    // task (one load or action) is answered as a failed message by the
    // executor, and the console goes on: restoring the terminal then would
    // leave it broken under a running app. So tasks' panics only go to the
    // log; anything else still restores first.
    let restore_then_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // tokio names its threads `tokio-rt-worker` (older: `tokio-runtime-worker`).
        let in_task = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("tokio-"));
        if in_task {
            tracing::error!("a task panicked: {info}");
        } else {
            if mouse {
                let _ =
                    crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
            }
            restore_then_report(info);
        }
    }));
    // Key presses come from a blocking reader thread; only presses count
    // (Windows and kitty also report releases).
    let (key_tx, mut key_rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            let msg = match ev {
                Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
                Event::Resize(w, h) => Some(Msg::Resize(w, h)),
                Event::Mouse(m) => Some(Msg::Mouse(m, Utc::now())),
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
    // While something is in flight, a tenth of a second is the spinner's step.
    let mut pulse = tokio::time::interval(Duration::from_millis(100));
    pulse.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Set once the operator (q, Ctrl-C) or a signal asked to stop while an
    // action runs: the call in flight finishes and is logged, the rest is
    // skipped, then the console exits; a second request exits at once.
    let mut stopping = false;
    let result: anyhow::Result<()> = async {
        loop {
            terminal.draw(|f| crate::ui::draw(f, &app))?;
            let msg = tokio::select! {
                Some(m) = key_rx.recv() => m,
                Some(m) = rx.recv() => m,
                _ = tick.tick() => Msg::Tick(Utc::now()),
                _ = pulse.tick(), if app.in_flight() > 0 => Msg::Beat(Utc::now()),
                _ = term.recv() => Msg::Stop("SIGTERM"),
                _ = hup.recv() => Msg::Stop("SIGHUP"),
            };
            let mut msgs = vec![msg];
            // Coalesce: apply everything already waiting before drawing again.
            while let Ok(m) = rx.try_recv().or_else(|_| key_rx.try_recv()) {
                msgs.push(m);
            }
            let mut cmds = Vec::new();
            let mut stop = None;
            for (n, m) in msgs.into_iter().enumerate() {
                match m {
                    Msg::Stop(why) => stop = Some(why),
                    // A click or a wheel notch lands on what the screen
                    // shows: what this batch changed before it (an answer,
                    // a key, another click) is drawn first, so the pointer's
                    // rows are those of the state it acts on.
                    m @ Msg::Mouse(..) if n > 0 => {
                        terminal.draw(|f| crate::ui::draw(f, &app))?;
                        cmds.extend(app.update(m));
                    }
                    m => cmds.extend(app.update(m)),
                }
            }
            for c in cmds {
                if c == Cmd::Quit {
                    stop = Some("quit");
                    app.quit_handled();
                    continue;
                }
                exec.run(c);
            }
            if let Some(why) = stop {
                if stopping || app.acting() == 0 {
                    exec.run(Cmd::Quit);
                    return Ok(());
                }
                stopping = true;
                crate::engine::stop::request();
                app.stopping(why);
            }
            if stopping && app.acting() == 0 {
                exec.run(Cmd::Quit);
                return Ok(());
            }
        }
    }
    .await;
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    result
}
