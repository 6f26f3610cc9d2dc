//! Progress of long work (`demo seed`): rows done, rate and time left on a
//! terminal, redrawn in place about every half second; one plain line per
//! stage when stderr is not a terminal (a log, CI), so nothing floods it.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A counter the workers bump, and what it counts towards.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    total: u64,
}

impl Progress {
    pub fn new(total: u64) -> Arc<Progress> {
        Arc::new(Progress {
            done: AtomicU64::new(0),
            total,
        })
    }

    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

/// `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One progress line: `copying rows: 3,200,000 of 12,000,000 (26%) · 410,000/s · 21 s left`.
pub fn line(stage: &str, done: u64, total: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let pct = done
        .min(total)
        .saturating_mul(100)
        .checked_div(total)
        .unwrap_or(100);
    let left = if rate > 0.0 && total > done {
        format!(" · {:.0} s left", (total - done) as f64 / rate)
    } else {
        String::new()
    };
    format!(
        "{stage}: {} of {} ({pct}%) · {}/s{left}",
        thousands(done),
        thousands(total),
        thousands(rate as u64)
    )
}

/// Shows `p` until the returned guard is dropped (then the line is ended).
pub fn show(stage: &'static str, p: Arc<Progress>) -> Shown {
    let tty = std::io::stderr().is_terminal();
    if !tty {
        eprintln!("{stage}: {} rows…", thousands(p.total));
    }
    let started = Instant::now();
    let task = tty.then(|| {
        let p = p.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let l = line(stage, p.done(), p.total, started.elapsed());
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K{l}");
                let _ = err.flush();
            }
        })
    });
    Shown {
        task,
        p,
        stage,
        started,
    }
}

/// While alive, the progress line is redrawn; dropped, it says the total.
pub struct Shown {
    task: Option<tokio::task::JoinHandle<()>>,
    p: Arc<Progress>,
    stage: &'static str,
    started: Instant,
}

impl Drop for Shown {
    fn drop(&mut self) {
        let l = line(
            self.stage,
            self.p.done(),
            self.p.total,
            self.started.elapsed(),
        );
        if let Some(t) = self.task.take() {
            t.abort();
            eprintln!("\r\x1b[2K{l}");
        } else {
            eprintln!("{l}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_rows_rate_and_time_left() {
        assert_eq!(
            line(
                "copying rows",
                3_200_000,
                12_000_000,
                Duration::from_secs(8)
            ),
            "copying rows: 3,200,000 of 12,000,000 (26%) · 400,000/s · 22 s left"
        );
        assert_eq!(
            line("copying rows", 0, 0, Duration::ZERO),
            "copying rows: 0 of 0 (100%) · 0/s"
        );
        // More done than planned never overflows or goes past 100%.
        assert!(line("x", u64::MAX, 10, Duration::from_secs(1)).contains("(100%)"));
    }
}
