//! `renku` — the command-line interface of Renku in Rust.

mod cli;
mod commands;
mod ui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let cli = cli::Cli::parse();
    init_logging(cli.global.verbose);
    install_interrupt_handler();
    match commands::run(cli, argv) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            ui::error(&err.to_string());
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

/// `-v` shows info messages, `-vv` debug, `-vvv` trace; `RUST_LOG` overrides both.
fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(verbose > 1)
        .try_init();
}

/// The first Ctrl-C asks the running operation to stop (a transaction rolls back); a second
/// one exits at once.
fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if renku_lib::interrupt::is_requested() {
            std::process::exit(130);
        }
        renku_lib::interrupt::request();
    });
}
