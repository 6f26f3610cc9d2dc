//! Where a copy goes: the system clipboard when a display is there (one
//! clipboard kept for the session, as X11 needs its owner alive); otherwise
//! OSC 52 through the terminal, which works over SSH and inside tmux; otherwise
//! (too big for OSC 52, or no terminal) a private file whose path is shown.

use std::io::Write;
use std::path::PathBuf;

use base64::Engine;

/// Terminals and tmux limit OSC 52 payloads; above this a file is written.
pub const OSC52_MAX: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    System,
    Osc52 { bytes: usize },
    File(PathBuf),
}

impl Copied {
    pub fn describe(&self, what: &str) -> String {
        match self {
            Copied::System => format!("copied {what} to the clipboard"),
            Copied::Osc52 { bytes } => {
                format!("copied {what} through the terminal (OSC 52, {bytes} bytes)")
            }
            Copied::File(p) => format!(
                "{what} is too large for the terminal clipboard: written to {}",
                p.display()
            ),
        }
    }
}

/// The OSC 52 sequence that asks the terminal to set its clipboard.
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

pub struct Clipboard {
    system: Option<arboard::Clipboard>,
}

impl Clipboard {
    pub fn new() -> Clipboard {
        let display =
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
        Clipboard {
            system: if display {
                arboard::Clipboard::new().ok()
            } else {
                None
            },
        }
    }

    /// A clipboard that never uses the system one (headless runs, tests).
    pub fn terminal_only() -> Clipboard {
        Clipboard { system: None }
    }

    pub fn copy(
        &mut self,
        text: &str,
        terminal: Option<&mut dyn Write>,
    ) -> std::io::Result<Copied> {
        if let Some(c) = &mut self.system {
            if c.set_text(text.to_string()).is_ok() {
                return Ok(Copied::System);
            }
        }
        if let Some(out) = terminal {
            if text.len() <= OSC52_MAX {
                let seq = osc52(text);
                out.write_all(seq.as_bytes())?;
                out.flush()?;
                return Ok(Copied::Osc52 { bytes: text.len() });
            }
        }
        let dir = crate::logging::state_dir()?;
        let path = dir.join(format!(
            "copy-{}.txt",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")
        ));
        crate::files::write_private(&path, text)?;
        Ok(Copied::File(path))
    }
}

impl Default for Clipboard {
    fn default() -> Self {
        Clipboard::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_osc52_sequence_is_exact() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
        let mut out: Vec<u8> = Vec::new();
        let r = Clipboard::terminal_only()
            .copy("{\"a\": 1}", Some(&mut out))
            .unwrap();
        assert_eq!(r, Copied::Osc52 { bytes: 8 });
        assert_eq!(out, b"\x1b]52;c;eyJhIjogMX0=\x07".to_vec());
    }

    #[test]
    fn too_large_for_osc52_goes_to_a_file() {
        let big = "x".repeat(OSC52_MAX + 1);
        let mut out: Vec<u8> = Vec::new();
        let r = Clipboard::terminal_only()
            .copy(&big, Some(&mut out))
            .unwrap();
        let Copied::File(p) = r else {
            panic!("expected a file")
        };
        assert!(out.is_empty());
        assert_eq!(std::fs::read_to_string(&p).unwrap().len(), OSC52_MAX + 1);
        std::fs::remove_file(p).unwrap();
    }
}
