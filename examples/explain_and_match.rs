//! Explain one suggestion in full, then place a small waitlist in groups with limited seats: the
//! other two things a referral service asks of groupmatch as a library.
//!
//! Run with `cargo run --release --example explain_and_match`.

use groupmatch::{
    match_waitlist, parse_person, parse_waitlist, Engine, MatchOptions, Outcome, RankOptions,
    Syntax,
};

fn main() -> Result<(), groupmatch::Error> {
    let engine = Engine::embedded();
    let now = "2026-11-26T12:00:00Z".parse().expect("valid time");

    // Why is the top suggestion on top? Every check, feature and rule, fired or not.
    let person = parse_person(
        br#"{"id": "p-example", "stage": "early", "approach_preference": "secular",
             "format_preference": "online", "availability": ["Mon 18:00-22:00", "Wed 18:00-22:00", "Thu 18:00-22:00"],
             "timezone": "America/New_York"}"#,
        "request",
    )?
    .value;
    let top = engine.rank(&person, &RankOptions::new(Some(1), now))?;
    let best = &top.suggestions[0];
    let explanation = engine.explain(&person, &best.group_id, now)?;
    println!(
        "{} ({}): score {:.3}",
        explanation.name, explanation.group_id, best.score
    );
    for f in explanation
        .features
        .iter()
        .filter(|f| f.contribution != 0.0)
    {
        println!("  model {:+.3}  {}", f.contribution, f.text);
    }
    for r in explanation.rules.iter().filter(|r| r.fired) {
        println!(
            "  rule  {:+.3}  {}",
            r.contribution,
            r.reason.as_deref().unwrap_or("")
        );
    }

    // A waitlist as a referral platform would send it (CSV here; JSON Lines works too).
    let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
               w1,early,secular,online,Mon 17:00-22:00;Wed 17:00-22:00,America/New_York,2026-09-01\n\
               w2,sustained,spiritual,online,Tue 18:00-21:00,America/New_York,2026-11-01\n\
               w3,exploring,no_preference,online,Sat 09:00-13:00,America/New_York,2026-10-15\n";
    let waitlist = parse_waitlist(csv.as_bytes(), Syntax::Csv, "waitlist.csv")?.value;
    let result = match_waitlist(&engine, &waitlist, &MatchOptions::new(now))?;
    for row in &result.rows {
        match (&row.reason, &row.group_id) {
            (Outcome::Placed, Some(group)) => println!(
                "{} -> {group} (their #{} choice): {}",
                row.person_id,
                row.rank_for_person.unwrap_or(0),
                row.explanation
            ),
            (reason, _) => println!("{} not placed: {}", row.person_id, reason.as_str()),
        }
    }
    let summary = result.summary();
    println!("{} of {} placed", summary.placed, summary.people);
    Ok(())
}

/// `cargo test` runs the example (`test = true` in Cargo.toml), so it cannot rot.
#[test]
fn the_example_runs() {
    main().expect("the example runs");
}
