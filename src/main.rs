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
    runtime.block_on(lockdesk::cli::run(cli))
}
