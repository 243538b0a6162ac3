//! `groupmatch simulate`: write a simulated directory, people, waitlist and placement history;
//! with `--rounds`, run the closed loop of referrals, outcomes and retraining on a referrals
//! database instead.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use groupmatch::formats::groups::GROUP_FIELDS;
use groupmatch::formats::write::{write_atomic, write_csv, write_json};
use groupmatch::simulate::rounds::{run_rounds, ChoiceModel, LoopParams, LoopReport, PRIOR_SD};
use groupmatch::simulate::{write_simulation, SimulationParams, SIMULATION_FILES};
use groupmatch::store::Store;

use super::{print_stdout, ForceArg};

/// Arguments of `simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of every random draw: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// People drawn.
    #[arg(long, default_value_t = 10_000)]
    people: usize,
    /// Groups in the directory.
    #[arg(long, default_value_t = 300)]
    groups: usize,
    /// Past placements (rows of history.csv).
    #[arg(long, default_value_t = 50_000, conflicts_with = "rounds")]
    placements: usize,
    /// People on the waitlist (default: a tenth of the people).
    #[arg(long, conflicts_with = "rounds")]
    waitlist: Option<usize>,
    /// Folder to write into (created if needed). With --rounds: rounds.txt (the table),
    /// rounds.json (every figure), model.json (the last round's model) and groups.csv (the
    /// directory the database's group ids refer to).
    #[arg(long)]
    out: PathBuf,
    /// Run the closed loop for this many rounds: rank new people with the current model, record
    /// the referrals and their outcomes in --db, retrain from it, repeat (docs/simulation.md).
    #[arg(long, requires_all = ["referrals_per_round", "db"], conflicts_with = "people")]
    rounds: Option<usize>,
    /// People ranked in each round of the loop.
    #[arg(long, requires = "rounds")]
    referrals_per_round: Option<usize>,
    /// The referrals database the loop records into, made new (an existing file is replaced
    /// only with --force, once the loop has finished).
    #[arg(long, requires = "rounds")]
    db: Option<PathBuf>,
    /// Random placements held out to measure each round's model (never trained on).
    #[arg(long, requires = "rounds", default_value_t = 10_000)]
    holdout: usize,
    /// Chance that the last suggestion shown is a random eligible group (exploration).
    #[arg(long, requires = "rounds", default_value_t = 0.0)]
    explore: f64,
    /// Share of the logged people each retraining holds out for the model file's own metrics
    /// (the loop measures every model on the random holdout instead).
    #[arg(long, requires = "rounds", default_value_t = 0.2)]
    train_holdout: f64,
    /// Standard deviation of the Gaussian prior each retraining shrinks toward the hand-set
    /// prior's weights with, in log-odds per unit of each feature.
    #[arg(long, requires = "rounds", default_value_t = PRIOR_SD)]
    prior_sd: f64,
    /// Retrain without the prior: shrink the coefficients toward 0, as `train` does.
    #[arg(long, requires = "rounds", conflicts_with = "prior_sd")]
    no_prior: bool,
    #[command(flatten)]
    force: ForceArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(rounds) = args.rounds {
        return closed_loop(&args, rounds);
    }
    let mut params = SimulationParams::new(args.seed, args.people, args.groups, args.placements);
    if let Some(w) = args.waitlist {
        params.waitlist = w;
    }
    let start = Instant::now();
    let files = SIMULATION_FILES.map(|f| args.out.join(f));
    args.force.check(files.iter().map(PathBuf::as_path))?;
    // Checked before the (long) simulation, and by the writer with the same rule.
    let written = write_simulation(&params, &args.out, args.force.force)?;
    eprintln!(
        "simulated {} groups, {} people ({} on the waitlist), {} placements ({:.1}% engaged at 90 days) in {:.1} s",
        written.groups,
        written.people,
        written.waitlist,
        written.placements,
        100.0 * written.engaged as f64 / written.placements.max(1) as f64,
        start.elapsed().as_secs_f64()
    );
    if written.placements < params.placements {
        eprintln!(
            "warning: only {} placements could be made: people ran out of eligible groups",
            written.placements
        );
    }
    for p in written.paths {
        println!("{}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The files the loop writes into `--out`, in order.
const LOOP_FILES: [&str; 4] = ["rounds.txt", "rounds.json", "model.json", "groups.csv"];

/// `simulate --rounds`: the closed loop.
fn closed_loop(args: &Args, rounds: usize) -> anyhow::Result<ExitCode> {
    let (Some(k), Some(db)) = (args.referrals_per_round, &args.db) else {
        unreachable!("clap requires both with --rounds")
    };
    let files = LOOP_FILES.map(|f| args.out.join(f));
    args.force
        .check(files.iter().map(PathBuf::as_path).chain([db.as_path()]))?;
    let mut params = LoopParams::new(args.seed, rounds, k);
    params.groups = args.groups;
    params.holdout = args.holdout;
    params.retrain.holdout = args.train_holdout;
    params.prior_sd = (!args.no_prior).then_some(args.prior_sd);
    params.choice = ChoiceModel {
        explore: args.explore,
        ..ChoiceModel::default()
    };
    let start = Instant::now();
    // The database is an output like the others: made beside its path and put in place only
    // when the loop has finished, so a failed run leaves no half-filled database and --force
    // replaces a finished one whole.
    let name = db.file_name().map_or_else(
        || "referrals.db".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let partial = db.with_file_name(format!(".{name}.partial"));
    remove_database(&partial)?;
    let run = {
        let mut store = Store::open(&partial)?;
        let run = run_rounds(&params, &mut store);
        drop(store);
        run.inspect_err(|_| {
            let _ = remove_database(&partial);
        })?
    };
    remove_database(db)?;
    std::fs::rename(&partial, db)
        .map_err(|e| anyhow::anyhow!("cannot put {} in place: {e}", db.display()))?;
    let report = &run.report;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.out.display()))?;
    let table = rounds_table(report)?;
    write_atomic(&files[0], |w| {
        std::io::Write::write_all(w, table.as_bytes())
    })?;
    write_json(&files[1], report)?;
    write_json(&files[2], run.model.file())?;
    write_csv(&files[3], GROUP_FIELDS, &run.groups)?;
    print_stdout(&table)?;
    eprintln!(
        "{rounds} rounds of {k} referrals recorded in {} in {:.1} s; wrote {}",
        db.display(),
        start.elapsed().as_secs_f64(),
        files
            .iter()
            .map(|p| Path::display(p).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// Removes the database at `path` with its write-ahead log and shared memory, when they exist.
fn remove_database(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                anyhow::bail!("cannot remove {}: {e}", file.display())
            }
            _ => {}
        }
    }
    Ok(())
}

/// The rounds table: per round, what was recorded and how the retrained model does on the
/// random holdout; the oracle; the selection bias.
fn rounds_table(r: &LoopReport) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "{:<6} {:>10} {:>9} {:>9} {:>8} {:>8} {:>7} {:>7} {:>7} {:>8}",
        "round",
        "started",
        "referred",
        "trained",
        "engaged",
        "p_true",
        "auc",
        "ece",
        "ndcg@5",
        "auc_gap"
    )?;
    for row in &r.rounds {
        let m = &row.holdout;
        let (engaged, p_true) = if row.round == 0 {
            ("-".to_string(), "-".to_string())
        } else {
            (
                format!("{:.1}%", 100.0 * row.engaged),
                format!("{:.3}", row.chosen_true_mean),
            )
        };
        writeln!(
            out,
            "{:<6} {:>10} {:>9} {:>9} {engaged:>8} {p_true:>8} {:>7.4} {:>7.4} {:>7.4} {:>8.4}",
            if row.round == 0 {
                "prior".to_string()
            } else {
                row.round.to_string()
            },
            row.started_on,
            row.referrals,
            row.training_rows,
            m.auc,
            m.ece.unwrap_or(f64::NAN),
            m.ndcg_at_5,
            r.oracle.auc - m.auc
        )?;
    }
    let o = &r.oracle;
    writeln!(
        out,
        "{:<6} {:>10} {:>9} {:>9} {:>8} {:>8} {:>7.4} {:>7.4} {:>7.4} {:>8}",
        "oracle",
        "",
        "",
        "",
        "",
        "",
        o.auc,
        o.ece.unwrap_or(f64::NAN),
        o.ndcg_at_5,
        ""
    )?;
    writeln!(
        out,
        "holdout: {} random placements ({} people ranked for ndcg@5)",
        r.holdout_placements, r.holdout_people
    )?;
    let b = &r.bias;
    writeln!(
        out,
        "selection bias, {} training rows each, on the random holdout: logged outcomes auc {:.4} \
         ece {:.4} (on their own holdout: auc {:.4} ece {:.4}); random placements auc {:.4} ece \
         {:.4}; mean true probability logged {:.3}, random {:.3}",
        b.rows,
        b.logged.auc,
        b.logged.ece.unwrap_or(f64::NAN),
        b.logged_self.auc,
        b.logged_self.ece,
        b.random.auc,
        b.random.ece.unwrap_or(f64::NAN),
        b.logged_true_mean,
        b.random_true_mean
    )?;
    Ok(out)
}
