//! `groupmatch token`: the server's bearer tokens (`docs/serve.md`, "Tokens").

use std::path::PathBuf;
use std::process::ExitCode;

use groupmatch::serve::{Role, Tokens};
use groupmatch::text::escape_control as esc;

use super::{print_stderr, print_stdout};

/// Arguments of `token`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make a new token and print it, once; the file keeps only its SHA-256.
    Add {
        /// What it may do: read (rank, explain, groups, validate), match (and match), admin (and
        /// reload).
        #[arg(long, value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Role>()))]
        role: Role,
        /// The tokens file; made when it does not exist.
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
        /// Who holds it (default: token-N).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the tokens: names, roles and the start of each hash (never a token).
    List {
        /// The tokens file.
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
    },
    /// Remove a token, by name or by the start of its hash (8 hex digits or more).
    Revoke {
        /// The name, or the start of the hash.
        which: String,
        /// The tokens file.
        #[arg(long, value_name = "FILE")]
        tokens: PathBuf,
    },
}

/// Hex digits of a hash that `token list` shows.
const SHOWN_HASH: usize = 12;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add { role, tokens, name } => {
            let mut stored = Tokens::read_or_new(&tokens)?;
            let token = stored.add(role, name.as_deref())?;
            stored.write(&tokens)?;
            let entry = stored.entries().last().expect("just added");
            print_stderr(&format!(
                "added {} token '{}' to {} (shown once: keep it now)\n",
                role,
                esc(&entry.name),
                tokens.display()
            ));
            print_stdout(&format!("{token}\n"))?;
        }
        Command::List { tokens } => {
            let stored = Tokens::read(&tokens)?;
            let mut out = String::new();
            for e in stored.entries() {
                out.push_str(&format!(
                    "{:<24} {:<6} {}\n",
                    esc(&e.name),
                    e.role,
                    &e.sha256[..SHOWN_HASH]
                ));
            }
            print_stdout(&out)?;
        }
        Command::Revoke { which, tokens } => {
            let mut stored = Tokens::read(&tokens)?;
            let gone = stored.revoke(&which)?;
            stored.write(&tokens)?;
            print_stderr(&format!(
                "revoked {} token '{}' (a running server stops taking it at its next reload)\n",
                gone.role,
                esc(&gone.name)
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
