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

    /// Whether a system clipboard is there (else copies go through the
    /// terminal, up to `OSC52_MAX`).
    pub fn has_system(&self) -> bool {
        self.system.is_some()
    }

    /// The longest text a copy takes without writing a file (`None`: any).
    pub fn max_without_file(&self) -> Option<usize> {
        (!self.has_system()).then_some(OSC52_MAX)
    }

    /// Copies an unmasked value: to the clipboard or through the terminal,
    /// never to a file (refused instead, nothing written).
    pub fn copy_unmasked(
        &mut self,
        text: &str,
        terminal: Option<&mut dyn Write>,
    ) -> std::io::Result<Copied> {
        self.copy_to(text, terminal, false)
    }

    pub fn copy(
        &mut self,
        text: &str,
        terminal: Option<&mut dyn Write>,
    ) -> std::io::Result<Copied> {
        self.copy_to(text, terminal, true)
    }

    fn copy_to(
        &mut self,
        text: &str,
        terminal: Option<&mut dyn Write>,
        file_allowed: bool,
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
        if !file_allowed {
            return Err(std::io::Error::other(
                "a revealed value never goes to a file, and neither the clipboard nor the terminal could take it: nothing was written",
            ));
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
    fn an_unmasked_copy_never_goes_to_a_file() {
        let big = "s3cret".repeat(OSC52_MAX);
        let mut out: Vec<u8> = Vec::new();
        let before = std::fs::read_dir(crate::logging::state_dir().unwrap())
            .map(|d| d.count())
            .unwrap_or(0);
        let e = Clipboard::terminal_only()
            .copy_unmasked(&big, Some(&mut out))
            .unwrap_err();
        assert!(e.to_string().contains("never goes to a file"), "{e}");
        assert!(out.is_empty());
        let after = std::fs::read_dir(crate::logging::state_dir().unwrap())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(before, after, "no file written");
        assert!(
            Clipboard::terminal_only()
                .copy_unmasked("short", None)
                .is_err(),
            "no terminal either: refused"
        );
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
