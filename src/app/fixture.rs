//! The one `App` and `JobRow` the app's and the ui's unit tests start from:
//! a pinned-free clock at the demo's fixed now, UTC, the default keymap.

use chrono::Duration;

use crate::app::{App, Dialog, Options, Overlay, Pane, Panes, Session, ThemeName, WriteStart};
use crate::keys::Keymap;
use crate::store::traces::JobRow;
use crate::timefmt::{Clock, Zone};

/// What `app()` is built from, to change one thing (`pinned: true, ..options()`).
pub(crate) fn options() -> Options {
    Options {
        session: Session {
            target: "test".into(),
            read_only: true,
            drift_disabled: None,
            broker_tables: true,
            calls_to: "none".into(),
            token_hosts: Default::default(),
            stuck_after: Duration::minutes(15),
        },
        keymap: Keymap::defaults(),
        clock: Clock::new(Zone::Utc),
        now: crate::demo::world::fixed_now(),
        pinned: false,
        write: WriteStart::ReadOnly,
        operator: "operator".into(),
        default_mode: crate::engine::plan::Mode::Standard,
        doors: Vec::new(),
        theme: ThemeName::Dark,
    }
}

pub(crate) fn app() -> App {
    App::new(options())
}

/// A job as the queue query returns it.
pub(crate) fn job(id: i64, status: &str) -> JobRow {
    JobRow {
        id,
        job_type: "reconcile_user".into(),
        user_id: 9,
        reason: None,
        status: status.into(),
        attempt_count: 1,
        last_error: None,
        next_run_at: None,
        correlation_id: Some(format!("{id:032x}")),
        debug_session_id: None,
        payload: None,
        created_at: crate::demo::world::fixed_now() - Duration::seconds(id),
        updated_at: crate::demo::world::fixed_now(),
        odd: Vec::new(),
        raw_json: Vec::new(),
        interrupted: false,
    }
}

/// What the drawing tests set directly, without the keys that lead there.
impl App {
    pub(crate) fn panes_mut(&mut self) -> &mut Panes {
        &mut self.panes
    }

    pub(crate) fn show_pane(&mut self, pane: Pane) {
        self.pane = pane;
    }

    pub(crate) fn push_overlay(&mut self, overlay: Overlay) {
        self.popups.overlays.push(overlay);
    }

    pub(crate) fn open_dialog(&mut self, dialog: Dialog) {
        self.popups.dialog = Some(dialog);
    }

    pub(crate) fn lose_database(&mut self, why: &str) {
        self.requests.db_lost = Some(why.into());
    }
}
