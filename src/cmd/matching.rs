//! `groupmatch match`: place a waitlist in groups with limited seats, exactly and explained.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use groupmatch::formats::people::read_waitlist_rows;
use groupmatch::formats::write::{write_atomic, write_json};
use groupmatch::matching::{
    assign, read_holds, render_report, score_candidates, MatchOptions, MatchReport, Placement,
    Priorities, PriorityPolicy,
};
use groupmatch::read_waitlist;
use groupmatch::text::escape_control as esc;
use groupmatch::Problem;
use serde_json::json;

use super::{parse_now, warned};
use super::{EngineArgs, ForceArg};

/// The files `--export-scores` writes in its folder.
const EDGES: &str = "edges.csv";
const CAPACITY: &str = "capacity.csv";

/// Holds not kept listed in the printed table (the summary has all).
const SHOWN_HOLDS: usize = 10;

/// Open seats written for unlimited groups in `capacity.csv`.
const UNLIMITED_SEATS: u64 = 1_000_000_000;

/// Arguments of `match`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The waitlist (.csv or .jsonl) with `waiting_since`.
    #[arg(long)]
    waitlist: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// Output CSV: one row for every person on the waitlist.
    #[arg(long)]
    out: PathBuf,
    /// Pairs scoring below this are not offered (0 to 1).
    #[arg(long, default_value_t = 0.2, value_parser = unit_interval)]
    min_score: f64,
    /// Weight of waiting: the longest waiter's edges gain this much (0 or more).
    #[arg(long, default_value_t = 0.1, value_parser = non_negative)]
    wait_weight: f64,
    /// Alternates listed per person.
    #[arg(long, default_value_t = 3)]
    alternates: usize,
    /// Most edges per person (their best; at least 1).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    candidates: u32,
    /// Write edges.csv and capacity.csv here, to re-solve the same problem elsewhere.
    #[arg(long)]
    export_scores: Option<PathBuf>,
    /// Write the summary (JSON) here.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Write the rosters here (plain text): one block per group with limited seats or people
    /// placed, with its sessions, seats and the people placed in rank order.
    #[arg(long)]
    roster: Option<PathBuf>,
    /// Write the report here (HTML, to read and print): totals, the fairness view by stage and
    /// gender, the fill of every group and the people not placed.
    #[arg(long)]
    report: Option<PathBuf>,
    /// List people whose waitlist row has problems as `invalid_input` (with the problems) and
    /// match the others, instead of stopping. Duplicate ids still stop the run.
    #[arg(long)]
    skip_invalid: bool,
    /// The current time (RFC 3339), for reproducible output.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// How the waitlist's priority tiers decide seats: strict (tier by tier) or weighted (a
    /// bonus per tier); overrides the priority file's policy.
    #[arg(long)]
    priority: Option<PriorityPolicy>,
    /// Priority tiers and the organisation's own codes (TOML); by default the block grant's
    /// order: pregnant people who inject drugs, pregnant people, people who inject drugs.
    #[arg(long)]
    priority_file: Option<PathBuf>,
    /// Places already promised (.csv with person_id,group_id, or .jsonl): kept fixed, and
    /// everyone else matched around them; a hold that no longer holds is reported.
    #[arg(long)]
    hold: Option<PathBuf>,
    #[command(flatten)]
    force: ForceArg,
}

fn unit_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a number from 0 to 1")),
    }
}

fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("'{s}' is not a number of 0 or more")),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let exports = args
        .export_scores
        .as_ref()
        .map(|dir| [dir.join(EDGES), dir.join(CAPACITY)]);
    args.force.check(
        std::iter::once(&args.out)
            .chain(&args.summary)
            .chain(&args.roster)
            .chain(&args.report)
            .chain(exports.iter().flatten())
            .map(PathBuf::as_path),
    )?;
    let engine = args.engine.load()?;
    let label = args.waitlist.display().to_string();
    let (waitlist, invalid) = if args.skip_invalid {
        let rows = read_waitlist_rows(&args.waitlist)?.value;
        let mut waitlist = Vec::with_capacity(rows.len());
        let mut invalid = Vec::new();
        for (position, row) in rows.into_iter().enumerate() {
            match row {
                Ok(entry) => waitlist.push(entry),
                Err(bad) if bad.is_duplicate() => {
                    let problems: Vec<String> = bad
                        .problems
                        .iter()
                        .map(|p| p.display_in(&label).to_string())
                        .collect();
                    anyhow::bail!("{}", problems.join("\n"));
                }
                Err(bad) => {
                    for p in &bad.problems {
                        eprintln!("skipped: {}", p.display_in(&label));
                    }
                    invalid.push((position, bad));
                }
            }
        }
        (waitlist, invalid)
    } else {
        (read_waitlist(&args.waitlist)?.value, Vec::new())
    };
    let load = start.elapsed().as_secs_f64();
    let mut priorities = match &args.priority_file {
        Some(path) => Priorities::read(path)?,
        None => Priorities::default(),
    };
    if let Some(policy) = args.priority {
        let label = args
            .priority_file
            .as_ref()
            .map_or("the default priorities".into(), |p| p.display().to_string());
        priorities = priorities.with_policy(policy, &label)?;
    }
    let holds = match &args.hold {
        Some(path) => warned(read_holds(path)?, &path.display().to_string()),
        None => Vec::new(),
    };
    // Codes the priorities do not know, named with the person here (the library names an
    // entry by its place in the list).
    let unknown: Vec<Problem> = waitlist
        .iter()
        .flat_map(|e| {
            let id = esc(&e.person.id).into_owned();
            e.priority
                .iter()
                .filter_map(|c| priorities.unknown_code(c))
                .map(move |m| Problem::new(None, Some("priority"), format!("row of {id}: {m}")))
        })
        .collect();
    if !unknown.is_empty() {
        return Err(groupmatch::Error::Invalid {
            path: label,
            problems: unknown,
            warnings: Vec::new(),
        }
        .into());
    }
    let options = MatchOptions {
        min_score: args.min_score,
        wait_weight: args.wait_weight,
        alternates: args.alternates,
        candidates: args.candidates as usize,
        now: args.now.unwrap_or_else(Utc::now),
        priorities,
        holds,
    };
    let score_start = Instant::now();
    let candidates = score_candidates(&engine, &waitlist, &options)?;
    let score = score_start.elapsed().as_secs_f64();
    let assign_start = Instant::now();
    let (result, solve) = assign(&engine, &waitlist, &candidates, &options)?;
    let result = result.with_invalid(invalid, &label);
    let report = (args.roster.is_some() || args.report.is_some())
        .then(|| MatchReport::new(&result, &engine, &options));
    // Scoring for alternates past the kept rankings counts as scoring, not solving.
    let score = score + (assign_start.elapsed().as_secs_f64() - solve);

    let write_start = Instant::now();
    // Exports, rosters and report first: a failure there leaves an existing --out untouched.
    if let Some(dir) = &args.export_scores {
        // One problem per solve: in the folder itself for a match solved at once, else in a
        // folder per stage (`1-pregnant_injects`, ...), each with the seats its solve began with.
        let folders: Vec<PathBuf> = match result.stages.len() {
            1 => vec![dir.clone()],
            _ => (result.stages.iter().enumerate())
                .map(|(k, stage)| dir.join(format!("{}-{}", k + 1, stage.tier)))
                .collect(),
        };
        let files = |f: &PathBuf| [f.join(EDGES), f.join(CAPACITY)];
        args.force.check(
            folders
                .iter()
                .flat_map(files)
                .collect::<Vec<_>>()
                .iter()
                .map(PathBuf::as_path),
        )?;
        let groups = engine.groups();
        for (folder, stage) in folders.iter().zip(&result.stages) {
            std::fs::create_dir_all(folder).with_context(|| {
                format!("{}: cannot create the export folder", folder.display())
            })?;
            write_atomic(&folder.join(EDGES), |w| {
                writeln!(w, "person_id,group_id,score")?;
                for &(p, g, weight) in &result.edges[stage.edges.clone()] {
                    writeln!(w, "{},{},{weight}", waitlist[p].person.id, groups[g].id)?;
                }
                Ok(())
            })?;
            write_atomic(&folder.join(CAPACITY), |w| {
                writeln!(w, "group_id,capacity")?;
                for (g, seats) in groups.iter().zip(&stage.seats) {
                    writeln!(w, "{},{}", g.id, seats.map_or(UNLIMITED_SEATS, u64::from))?;
                }
                Ok(())
            })?;
        }
    }
    if let (Some(path), Some(report)) = (&args.roster, &report) {
        write_atomic(path, |w| w.write_all(report.roster().as_bytes()))?;
    }
    if let (Some(path), Some(report)) = (&args.report, &report) {
        write_atomic(path, |w| w.write_all(render_report(report).as_bytes()))?;
    }
    write_atomic(&args.out, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let io = std::io::Error::other;
        csv.write_record([
            "person_id",
            "group_id",
            "score",
            "weight",
            "rank_for_person",
            "alternates",
            "reason",
            "explanation",
            "safety_first",
            "group_name",
            "next_sessions",
            "reasons",
        ])
        .map_err(io)?;
        // Rows in waitlist order: matched people, with the skipped ones where they stood.
        for r in &result.rows {
            let placement = r.placement.as_ref();
            let num = |v: Option<f64>| v.map_or_else(String::new, |x| format!("{x:.6}"));
            csv.write_record([
                r.person_id.as_str(),
                r.group_id.as_deref().unwrap_or(""),
                &num(r.score),
                &num(r.weight),
                &r.rank_for_person
                    .map_or_else(String::new, |x| x.to_string()),
                &r.alternates.join(";"),
                r.reason.as_str(),
                &r.explanation,
                &r.risks
                    .iter()
                    .map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                placement.map_or("", |p| p.group_name.as_str()),
                &placement
                    .map_or_else(Vec::new, Placement::sessions_text)
                    .join("; "),
                &placement
                    .map_or_else(Vec::new, Placement::reasons_text)
                    .join("; "),
            ])
            .map_err(io)?;
        }
        csv.flush()
    })?;
    let write = write_start.elapsed().as_secs_f64();

    let summary = result.summary();
    let mut json = serde_json::to_value(&summary)?;
    json["seconds"] = json!({"load": load, "score": score, "solve": solve, "write": write});
    if let Some(path) = &args.summary {
        write_json(path, &json)?;
    }
    let mut table = String::new();
    if !summary.safety_first.is_empty() {
        // Ids only (pseudonymous); where to go now is in `rank` and `explain` for each of them.
        table.push_str(&format!(
            "SAFETY FIRST: {} people have an immediate risk flagged (column safety_first); contact \
             them now, before any placement, with where to go (groupmatch rank --person ...): {}\n\n",
            summary.safety_first.len(),
            summary
                .safety_first
                .iter()
                .map(|id| esc(id).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // The best total in words: what its points are made of (docs/formats.md, "The best total").
    let bonuses = if options.priorities.largest_bonus() > 0.0 {
        "waiting and priority bonuses"
    } else {
        "waiting bonus"
    };
    table.push_str(&format!(
        "{} people: {} placed; best total {:.2} (sum of placed scores plus {bonuses}); \
         mean score {:.3}; {} edges; {:.1} s\n",
        summary.people,
        summary.placed,
        summary.objective,
        summary.mean_score,
        summary.edges,
        start.elapsed().as_secs_f64()
    ));
    for (reason, n) in &summary.unplaced {
        table.push_str(&format!("  {n:>7} {reason}\n"));
    }
    table.push_str(&format!(
        "  {:<18} {:>7} {:>7} {:>6}\n",
        "stage", "people", "placed", "score"
    ));
    for (stage, s) in &summary.by_stage {
        table.push_str(&format!(
            "  {stage:<18} {:>7} {:>7} {:>6.3}\n",
            s.people, s.placed, s.mean_score
        ));
    }
    if summary.by_tier.len() > 1 || summary.by_tier.iter().any(|t| t.tier != "others") {
        table.push_str(&format!(
            "  {:<18} {:>7} {:>7} {:>7} {:>16}\n",
            "priority tier", "people", "placed", "held", "without priority"
        ));
        for t in &summary.by_tier {
            let without = t
                .placed_without_priority
                .map_or_else(|| "-".to_string(), |n| n.to_string());
            table.push_str(&format!(
                "  {:<18} {:>7} {:>7} {:>7} {:>16}\n",
                t.tier, t.people, t.placed, t.held, without
            ));
        }
    }
    if !summary.holds.is_empty() {
        let kept = summary.holds.iter().filter(|h| h.kept).count();
        table.push_str(&format!(
            "holds: {kept} kept, {} not kept\n",
            summary.holds.len() - kept
        ));
        let not_kept: Vec<_> = summary.holds.iter().filter(|h| !h.kept).collect();
        for h in not_kept.iter().take(SHOWN_HOLDS) {
            table.push_str(&format!(
                "  {} in {}: {}\n",
                esc(&h.person_id),
                esc(&h.group_id),
                esc(h.reason.as_deref().unwrap_or_default())
            ));
        }
        if not_kept.len() > SHOWN_HOLDS {
            table.push_str(&format!(
                "  and {} more (the summary's holds lists every one)\n",
                not_kept.len() - SHOWN_HOLDS
            ));
        }
    }
    super::print_stderr(&table);
    Ok(ExitCode::SUCCESS)
}
