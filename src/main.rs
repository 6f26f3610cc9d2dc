//! The lockdesk binary: parse the command line, start logging, run.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = lockdesk::cli::Cli::parse();
    lockdesk::logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lockdesk could not start its async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(lockdesk::cli::run(cli));
    // Whatever a task still waits on (a cancel sent for a superseded query,
    // a blocking lookup), the process ends now: every change already has
    // its outcome logged before `run` returns.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}
