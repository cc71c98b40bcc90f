//! `authgear-migrate`: see the crate README.

use std::process::ExitCode;

use clap::Parser;

use authgear_migrate_cli::cli::{Cli, Command};
use authgear_migrate_cli::run;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("authgear-migrate: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // The state file is written atomically after every step, so stopping at any instant
        // is safe; this only says how to go on.
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\nauthgear-migrate: interrupted. Run the same command again to resume from the state file."
                );
                std::process::exit(130);
            }
        });
        match cli.command {
            Command::Import(args) => match run::import(args).await {
                Ok(finish) => ExitCode::from(finish.exit_code()),
                Err(message) => {
                    eprintln!("authgear-migrate: {message}");
                    ExitCode::FAILURE
                }
            },
        }
    })
}
