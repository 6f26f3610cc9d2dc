//! What a key press means: the `Action` vocabulary keymaps bind to, and the
//! keymap itself (defaults embedded, the user's file laid over them).

pub mod action;
pub mod keymap;

pub use action::Action;
pub use keymap::{
    Context, DEFAULT_KEYMAP, Key, Keymap, KeymapError, markdown_table, parse_sequence,
};
