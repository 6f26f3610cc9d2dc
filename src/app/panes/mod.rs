//! One module per pane: its state and the update logic that is its own.

pub mod audit;
pub mod jobs;
pub mod lock;
pub mod trace;
pub mod user;
