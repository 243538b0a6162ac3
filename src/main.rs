//! The `groupmatch` command line: parses arguments, runs one subcommand, maps the outcome to an
//! exit code (0 ok, 2 bad input or usage). All work is done by the library.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // An error can quote a value from the data: no control character reaches the
            // terminal (line breaks between listed problems are kept).
            let message = format!("{err:#}");
            eprintln!("error: {}", groupmatch::text::escape_terminal(&message));
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
