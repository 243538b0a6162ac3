//! `groupmatch serve`: the engine behind an HTTP JSON API (`docs/serve.md`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use groupmatch::serve::{AppState, LimitedListener};

use super::{print_stderr, EngineArgs};

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on; port 0 takes a free port (the address taken is printed on
    /// stdout: `listening on http://ADDR`).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    engine: EngineArgs,
    /// The tokens file (`groupmatch token add` makes it): only tokens' hashes, with roles.
    #[arg(long, value_name = "FILE")]
    tokens: PathBuf,
    /// Seconds a request may take, reading its body included (503 after).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,
    /// The most connections open at once (the rest wait until one closes).
    #[arg(long, value_name = "N", default_value_t = groupmatch::serve::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// The referrals database (as the store commands' --db): with it, the referral endpoints
    /// record and list referrals; without it they answer 404.
    #[arg(long, value_name = "FILE", env = "GROUPMATCH_DB")]
    db: Option<PathBuf>,
    /// The request log on stderr: one JSON object a line, or compact text.
    #[arg(long, value_enum, default_value_t = LogFormat::Json)]
    log_format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Json,
    Compact,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .context("--timeout is a positive number of seconds")?;
    init_logs(args.log_format);
    let (state, warnings) = AppState::load(args.engine.builder(), args.tokens.clone())?;
    for w in &warnings {
        print_stderr(&format!("warning: {w}\n"));
    }
    let mut state = state.with_timeout(timeout);
    if let Some(db) = args.db {
        state = state
            .with_db(db)
            .context("opening the referrals database")?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let addr = listener.local_addr()?;
        // On stdout, alone, so a script (or a test) started with port 0 reads the port.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        let listener = LimitedListener::new(listener, args.max_connections);
        groupmatch::serve::run(listener, state).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One line per event on stderr, without colours. The server logs no request's body, query,
/// person field or token (`groupmatch::serve`), so no health data reaches these lines.
fn init_logs(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Compact => builder.compact().init(),
    }
}
