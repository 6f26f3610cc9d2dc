//! What the command line prints on stdout (`info`, `db check`, `snapshot`).

/// Writes to stdout. When the reader has gone (a closed pipe) there is no
/// one left to tell: exit at once, successfully, as `head` expects.
pub fn write_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("lockdesk could not write its output: {e}");
    }
}
