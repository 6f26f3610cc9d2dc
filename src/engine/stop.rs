//! A request to stop an apply half-way (`q`, Ctrl-C, SIGTERM, SIGHUP while
//! an enforcement or a retry-all runs): the call in flight finishes and is
//! logged, the rest is skipped, and the job says so. One console is one
//! process, so the request is process-wide.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every running apply to stop after its call in flight.
pub fn request() {
    STOP.store(true, Ordering::SeqCst);
}

pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}
