// The console in a real terminal: tmux started on a private socket, keys
// sent as a person types them, OSC 52 copies caught as paste buffers.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::rand_suffix;

pub struct Tmux {
    session: String,
    socket: String,
}

impl Tmux {
    pub fn start(home: &Path, size: (u16, u16), args: &str) -> Tmux {
        Tmux::start_with(home, size, args, false)
    }

    /// The same, with lockdesk run as a child of the shell, which writes its
    /// exit status to `home/exit` (tmux may be slow to reap a pane's
    /// process; the shell is not).
    pub fn start_keeping_status(home: &Path, size: (u16, u16), args: &str) -> Tmux {
        Tmux::start_with(home, size, args, true)
    }

    fn start_with(home: &Path, size: (u16, u16), args: &str, keep_status: bool) -> Tmux {
        let session = format!("ldsec{}", rand_suffix() % 1_000_000);
        let socket = home.join("tmux.sock").display().to_string();
        let q = |p: &Path| lockdesk::curl::shell_quote(&p.display().to_string());
        // The same environment as `lockdesk_cmd`, for a program tmux starts.
        let script = format!(
            "#!/bin/sh\nunset DISPLAY WAYLAND_DISPLAY LOCKDESK_LOG LOCKDESK_PROVIDERS_FILE DATABASE_URL\n\
             export LOCKDESK_CONFIG_DIR={} XDG_STATE_HOME={} TZ=UTC\n{} {} {args}\n{}",
            q(&home.join("config")),
            q(&home.join("state")),
            if keep_status { "" } else { "exec" },
            q(Path::new(env!("CARGO_BIN_EXE_lockdesk"))),
            if keep_status {
                format!("echo $? > {}\n", q(&home.join("exit")))
            } else {
                String::new()
            },
        );
        let run = home.join("run.sh");
        std::fs::write(&run, script).unwrap();
        let ok = Command::new("tmux")
            .args([
                "-S",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                &session,
            ])
            .args(["-x", &size.0.to_string(), "-y", &size.1.to_string()])
            .arg(format!("sh {}", q(&run)))
            .status()
            .unwrap();
        assert!(ok.success());
        let t = Tmux { session, socket };
        t.run(&["set", "-g", "set-clipboard", "on"]);
        t
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-S", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
    }

    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(Instant::now() < deadline, "waited for {text}:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", &self.session, k]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Every paste buffer tmux made from the OSC 52 copies.
    pub fn buffers(&self) -> Vec<String> {
        self.run(&["list-buffers", "-F", "#{buffer_name}"])
            .lines()
            .map(|b| self.run(&["show-buffer", "-b", b]))
            .collect()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
