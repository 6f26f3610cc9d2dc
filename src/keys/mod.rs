//! What a key press means: the `Action` vocabulary keymaps bind to, one key
//! in keymap notation, and the keymap itself (defaults embedded, the user's
//! file laid over them).

pub mod action;
pub mod key;
pub mod keymap;

pub use action::{Action, ActionGroup};
pub use key::{Key, parse_sequence};
pub use keymap::{Context, DEFAULT_KEYMAP, Keymap, KeymapError, markdown_table};
