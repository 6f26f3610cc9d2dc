//! A throwaway PostgreSQL cluster started from the machine's server binaries,
//! for the demo and the tests. It never outlives the process that started it.
//!
//! Three layers make sure of that: `Drop` stops it on a normal exit or a panic;
//! the demo's Ctrl-C handler drops it; and a watchdog process (a tiny shell
//! loop in its own process group) stops the server and removes the directory
//! as soon as the parent process is gone, which covers `kill -9` and test
//! binaries, whose statics are never dropped.

use std::fmt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The superuser of every private cluster (trust auth, so no password).
pub const SUPERUSER: &str = "postgres";

/// Why a private cluster could not be started.
#[derive(Debug)]
pub enum ClusterError {
    /// No `initdb`/`pg_ctl` found on PATH or in the usual install folders.
    NoServerBinaries { searched: Vec<PathBuf> },
    /// Running as root and no unprivileged user to run the server as.
    NoUnprivilegedUser,
    /// A step failed; `log` holds the tail of what the server printed.
    Step {
        step: &'static str,
        detail: String,
        log: String,
    },
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::NoServerBinaries { searched } => {
                writeln!(
                    f,
                    "No PostgreSQL server binaries (initdb, pg_ctl) were found, so lockdesk cannot start a private database."
                )?;
                writeln!(
                    f,
                    "Looked on PATH and in: {}",
                    searched
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                writeln!(
                    f,
                    "Install them (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`),"
                )?;
                write!(
                    f,
                    "or point lockdesk at an existing server with DATABASE_URL (tests: LOCKDESK_TEST_DATABASE_URL)."
                )
            }
            ClusterError::NoUnprivilegedUser => write!(
                f,
                "lockdesk runs as root, and PostgreSQL refuses to run as root, but no `postgres` or `nobody` user exists to run it as.\n\
                 Create one (`useradd --system postgres`) or run lockdesk as a normal user."
            ),
            ClusterError::Step { step, detail, log } => {
                write!(
                    f,
                    "Starting the private PostgreSQL failed while {step}: {detail}"
                )?;
                if !log.trim().is_empty() {
                    write!(f, "\nThe server said:\n{}", log.trim_end())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ClusterError {}

/// A running private cluster. Dropping it stops the server and deletes its files.
pub struct Cluster {
    root: PathBuf,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
    watchdog: Option<Child>,
    stopped: bool,
    /// More server settings (`-c name=value` each), e.g. for a test's logs.
    settings: Vec<String>,
}

impl Cluster {
    /// Starts a fresh cluster in a new temporary directory, reachable only
    /// through a Unix socket in that directory.
    pub fn start() -> Result<Cluster, ClusterError> {
        Cluster::start_with(&[])
    }

    /// `start`, with more server settings (`name=value`).
    pub fn start_with(settings: &[&str]) -> Result<Cluster, ClusterError> {
        let cluster = Cluster::empty(settings)?;
        cluster.initdb()?;
        cluster.start_server()?;
        Ok(cluster)
    }

    /// A streaming hot standby of `primary`, from the same server binaries
    /// (`pg_basebackup -R`), in its own temporary directory and socket.
    pub fn standby_of(primary: &Cluster, settings: &[&str]) -> Result<Cluster, ClusterError> {
        let cluster = Cluster::empty(settings)?;
        let out = cluster
            .command("pg_basebackup")
            .arg("-D")
            .arg(&cluster.data)
            .args(["-R", "-X", "stream", "--no-sync", "--checkpoint=fast"])
            .args(["-U", SUPERUSER, "-h"])
            .arg(&primary.root)
            .arg("-p")
            .arg(primary.port.to_string())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| step("running pg_basebackup", e.to_string(), String::new()))?;
        if !out.status.success() {
            return Err(step(
                "running pg_basebackup",
                format!("exit status {}", out.status),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        cluster.start_server()?;
        Ok(cluster)
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.root.join("server.log")
    }

    /// A cluster's directory and watchdog, nothing started yet.
    fn empty(settings: &[&str]) -> Result<Cluster, ClusterError> {
        let bin = find_server_binaries()?;
        let run_as = if effective_uid_is_root() {
            Some(unprivileged_user().ok_or(ClusterError::NoUnprivilegedUser)?)
        } else {
            None
        };
        let root = make_root_dir(run_as.as_deref())?;
        let mut cluster = Cluster {
            data: root.join("data"),
            root,
            bin,
            // Only a socket name: listen_addresses is empty, so no TCP port is
            // taken and any server already on 5432 is left alone.
            port: 5432,
            run_as,
            watchdog: None,
            stopped: false,
            settings: settings.iter().map(|s| s.to_string()).collect(),
        };
        // From here on, Drop cleans up whatever was made if a step fails.
        cluster.watchdog = Some(cluster.spawn_watchdog()?);
        Ok(cluster)
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.root
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq-style URL for `database`, usable by lockdesk and by psql.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}@localhost:{}/{database}?host={}",
            self.port,
            self.root.display()
        )
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(exe);
                c
            }
            None => Command::new(exe),
        };
        // Its own process group: a Ctrl-C meant for lockdesk must not hit the
        // server before lockdesk has had the chance to stop it in order.
        cmd.process_group(0);
        cmd.env("LC_ALL", "C");
        cmd
    }

    fn initdb(&self) -> Result<(), ClusterError> {
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data)
            .args([
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| step("running initdb", e.to_string(), String::new()))?;
        if !out.status.success() {
            return Err(step(
                "running initdb",
                format!("exit status {}", out.status),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        Ok(())
    }

    fn start_server(&self) -> Result<(), ClusterError> {
        let log = self.log_path();
        let mut opts = format!(
            "-k {} -p {} -c listen_addresses='' -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB \
             -c max_wal_size=2GB -c checkpoint_timeout=30min",
            self.root.display(),
            self.port
        );
        for s in &self.settings {
            opts.push_str(&format!(" -c {s}"));
        }
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &opts, "start"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| step("running pg_ctl start", e.to_string(), String::new()))?;
        if !out.status.success() {
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(step(
                "running pg_ctl start",
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
                tail(&server_log, 20),
            ));
        }
        Ok(())
    }

    /// A shell loop that waits for this process to disappear, then stops the
    /// server (immediate shutdown) and removes the directory.
    fn spawn_watchdog(&self) -> Result<Child, ClusterError> {
        const SCRIPT: &str = r#"
parent="$1"; data="$2"; root="$3"
# A parent that died but was not reaped is a zombie: kill -0 still succeeds.
alive() { kill -0 "$parent" 2>/dev/null && [ "$(sed 's/.*) //' /proc/"$parent"/stat 2>/dev/null | cut -c1)" != Z ]; }
while alive; do sleep 0.5; done
if [ -f "$data/postmaster.pid" ]; then
  pid=$(head -n 1 "$data/postmaster.pid")
  kill -QUIT "$pid" 2>/dev/null
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
fi
rm -rf "$root"
"#;
        Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("lockdesk-pg-watchdog")
            .arg(std::process::id().to_string())
            .arg(&self.data)
            .arg(&self.root)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| step("starting the watchdog", e.to_string(), String::new()))
    }

    /// Stops the server and removes every file. Idempotent.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if self.data.join("postmaster.pid").exists() {
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "-w", "stop"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.root);
        if let Some(mut dog) = self.watchdog.take() {
            let _ = dog.kill();
            let _ = dog.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn step(step: &'static str, detail: String, log: String) -> ClusterError {
    ClusterError::Step { step, detail, log }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Where server binaries are usually installed, besides PATH.
fn install_folders() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for pattern_root in [
        "/usr/lib/postgresql",
        "/usr/local/pgsql",
        "/opt/homebrew/opt",
    ] {
        let Ok(entries) = std::fs::read_dir(pattern_root) else {
            continue;
        };
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                pattern_root != "/opt/homebrew/opt"
                    || p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("postgresql"))
            })
            .map(|p| p.join("bin"))
            .collect();
        // Newest major version first: "17" sorts after "9" only numerically.
        versions.sort_by_key(|p| std::cmp::Reverse(version_of(p)));
        found.extend(versions);
    }
    found.push(PathBuf::from("/usr/local/pgsql/bin"));
    found
}

fn version_of(bin: &Path) -> u32 {
    bin.parent()
        .and_then(|p| p.file_name())
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// The folder holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_server_binaries() -> Result<PathBuf, ClusterError> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let mut searched = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if initdb.is_file() {
                // Debian links initdb into /usr/local/bin but not postgres:
                // follow the link to the real bin folder.
                let real = std::fs::canonicalize(&initdb)
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .unwrap_or(dir.clone());
                if has_all(&real) {
                    return Ok(real);
                }
            }
        }
    }
    for dir in install_folders() {
        if has_all(&dir) {
            return Ok(dir);
        }
        searched.push(dir);
    }
    Err(ClusterError::NoServerBinaries { searched })
}

/// True when this process runs as root (uid 0). `/proc/self` is owned by
/// the process's effective uid, which avoids unsafe libc calls.
pub fn effective_uid_is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn unprivileged_user() -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    ["postgres", "nobody"]
        .into_iter()
        .find(|name| passwd.lines().any(|l| l.split(':').next() == Some(*name)))
        .map(str::to_string)
}

fn uid_gid_of(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&user) && f.len() > 3)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}

fn make_root_dir(run_as: Option<&str>) -> Result<PathBuf, ClusterError> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .subsec_nanos();
    // Short, because a Unix socket path must fit in ~100 bytes.
    let root = std::env::temp_dir().join(format!("lockdesk-pg-{}-{nanos:x}", std::process::id()));
    let fail =
        |e: std::io::Error| step("creating the data directory", e.to_string(), String::new());
    std::fs::create_dir(&root).map_err(fail)?;
    // Traversable by the operator's own tools (psql) when the server runs as
    // another user; the socket itself is world-connectable, trust auth.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    if let Some(user) = run_as {
        let (uid, gid) = uid_gid_of(user).ok_or(ClusterError::NoUnprivilegedUser)?;
        std::os::unix::fs::chown(&root, Some(uid), Some(gid)).map_err(fail)?;
    }
    Ok(root)
}
