//! The match report as a page a coordinator reads and prints: one HTML file with its CSS inline,
//! no script and no external resource.
//!
//! The page draws a [`MatchReport`] and computes nothing of its own: totals by outcome, what
//! "best total" means in words, the fairness view by stage and by gender, the fill of every
//! group with limited seats (bars), and everyone not placed with their explanation and
//! alternates. Every text from data (group names and ids from feeds, person ids, explanations)
//! reaches the markup through [`Page::text`], which escapes it.

use super::priority::OTHERS;
use super::report::{MatchReport, Share};
use crate::html::Page;

/// The page's CSS: screen and print, no web fonts.
const STYLE: &str = include_str!("report.css");

/// The report as a complete HTML page.
///
/// ```
/// use groupmatch::matching::{match_waitlist, render_report, MatchOptions, MatchReport};
/// use groupmatch::{parse_waitlist, Engine, Syntax};
/// let csv = "id,stage,approach_preference,format_preference,availability,timezone,waiting_since\n\
///            w1,early,no_preference,online,Mon 00:00-24:00,America/New_York,2026-10-01\n";
/// let waitlist = parse_waitlist(csv.as_bytes(), Syntax::Csv, "w").unwrap().value;
/// let options = MatchOptions::new("2026-11-26T12:00:00Z".parse().unwrap());
/// let engine = Engine::embedded();
/// let result = match_waitlist(&engine, &waitlist, &options).unwrap();
/// let html = render_report(&MatchReport::new(&result, &engine, &options));
/// assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
/// ```
pub fn render_report(r: &MatchReport) -> String {
    let mut p = Page::default();
    p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    p.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    p.raw("<title>Match report</title>\n<style>\n");
    p.raw(STYLE);
    p.raw("</style>\n</head>\n<body>\n<header>\n<h1>Match report</h1>\n<p class=\"meta\">");
    p.text(&format!(
        "Match run at {}. Groups scoring below {:.2} for a person were not offered to them; \
         the longest wait on the list adds {:.2} to a placement's points.",
        r.now.format("%Y-%m-%d %H:%M UTC"),
        r.min_score,
        r.wait_weight
    ));
    p.raw("</p>\n</header>\n<main>\n");
    if r.safety_first > 0 {
        p.raw("<p class=\"safety\"><strong>Safety first:</strong> ");
        p.text(&format!(
            "{} an immediate risk flagged. Contact them now, before any placement, with where \
             to go; their ids are in the output's safety_first column.",
            if r.safety_first == 1 {
                "1 person has".to_string()
            } else {
                format!("{} people have", r.safety_first)
            }
        ));
        p.raw("</p>\n");
    }
    totals(&mut p, r);
    tiers(&mut p, r);
    fairness(&mut p, "By stage", "Stage", &r.by_stage);
    fairness(&mut p, "By gender", "Gender", &r.by_gender);
    groups(&mut p, r);
    unplaced(&mut p, r);
    p.raw("</main>\n</body>\n</html>\n");
    p.finish()
}

/// People by outcome, and the best total in words.
fn totals(p: &mut Page, r: &MatchReport) {
    p.raw("<section>\n<h2>Everyone on the waitlist</h2>\n<table>\n<thead><tr><th>Outcome</th>");
    p.raw("<th class=\"n\">People</th><th class=\"n\">Share</th></tr></thead>\n<tbody>\n");
    for c in &r.outcomes {
        p.raw("<tr><td>");
        p.text(&capitalised(c.outcome.describe()));
        p.raw(" <span class=\"id\">");
        p.text(c.outcome.as_str());
        p.raw("</span></td><td class=\"n\">");
        p.text(&c.people.to_string());
        p.raw("</td><td class=\"n\">");
        p.text(&percent(c.people, r.people));
        p.raw("</td></tr>\n");
    }
    p.raw("<tr><th>Everyone</th><td class=\"n\">");
    p.text(&r.people.to_string());
    p.raw("</td><td class=\"n\"></td></tr>\n</tbody>\n</table>\n<div class=\"total\">\n<p>");
    p.text(&format!(
        "Best total {:.2}, mean score of the placed {:.3}.",
        r.best_total, r.mean_score
    ));
    if r.holds_kept + r.holds_not_kept > 0 {
        p.raw(" ");
        p.text(&format!(
            "Holds: {} kept, {} not kept (the summary says why).",
            r.holds_kept, r.holds_not_kept
        ));
    }
    p.raw("</p>\n<p class=\"note\">");
    p.text(BEST_TOTAL);
    p.raw("</p>\n</div>\n</section>\n");
}

/// What the best total is, for a coordinator.
const BEST_TOTAL: &str = "Each possible placement gets points: the score (the estimated chance \
     that the person is still attending that group at 90 days) plus a small bonus for waiting, \
     largest for whoever has waited longest. The match chooses the placements with the largest \
     sum of points, the best total, with each person in at most one group and no group over its \
     open seats; places promised before the match (holds) are kept and count in it. No other \
     choice of placements reaches a higher total, so nobody could be moved to a better group \
     without someone else losing more. With strict priority tiers this holds tier by tier: the \
     first tier gets the best total it can, then the next tier among the seats left, and so on; \
     with weighted priority a tier's placements earn its bonus too. A person is not placed when \
     no group fits them, when none scores at least the minimum, or when the seats that fitted \
     them did more good for others.";

/// Placements by priority tier, and how many each would have had without priority; left out
/// when nobody is in a declared tier.
fn tiers(p: &mut Page, r: &MatchReport) {
    if r.by_tier.iter().all(|t| t.tier == OTHERS) {
        return;
    }
    p.raw("<section>\n<h2>By priority tier</h2>\n<table>\n<thead><tr><th>Tier</th>");
    p.raw(
        "<th class=\"n\">People</th><th class=\"n\">Placed</th><th class=\"n\">Of whom held</th>",
    );
    p.raw("<th class=\"n\">Placed without priority</th></tr></thead>\n<tbody>\n");
    for t in &r.by_tier {
        p.raw("<tr><td>");
        p.text(&t.tier.replace('_', " "));
        p.raw("</td><td class=\"n\">");
        p.text(&t.people.to_string());
        p.raw("</td><td class=\"n\">");
        p.text(&t.placed.to_string());
        p.raw("</td><td class=\"n\">");
        p.text(&t.held.to_string());
        p.raw("</td><td class=\"n\">");
        p.text(
            &t.placed_without_priority
                .map_or_else(|| "-".to_string(), |n| n.to_string()),
        );
        p.raw("</td></tr>\n");
    }
    p.raw(
        "</tbody>\n</table>\n<p class=\"note\">Placed without priority: how many of the tier \
           the same match places when everyone is matched together, with the same holds. The \
           difference is what priority changed.</p>\n</section>\n",
    );
}

/// One fairness table.
fn fairness(p: &mut Page, heading: &'static str, column: &'static str, shares: &[Share]) {
    p.raw("<section>\n<h2>");
    p.raw(heading);
    p.raw("</h2>\n<table>\n<thead><tr><th>");
    p.raw(column);
    p.raw("</th><th class=\"n\">People</th><th class=\"n\">Placed</th>");
    p.raw("<th class=\"n\">Share placed</th><th></th><th class=\"n\">Mean score</th></tr></thead>\n<tbody>\n");
    for s in shares {
        p.raw("<tr><td>");
        p.text(&s.name.replace('_', " "));
        p.raw("</td><td class=\"n\">");
        p.text(&s.people.to_string());
        p.raw("</td><td class=\"n\">");
        p.text(&s.placed.to_string());
        p.raw("</td><td class=\"n\">");
        p.text(&percent(s.placed, s.people));
        p.raw("</td><td>");
        bar(p, s.share_placed);
        p.raw("</td><td class=\"n\">");
        p.text(&format!("{:.3}", s.mean_score));
        p.raw("</td></tr>\n");
    }
    p.raw(
        "</tbody>\n</table>\n<p class=\"note\">Mean score is over the people placed. Rows that \
           could not be read are not in this table.</p>\n</section>\n",
    );
}

/// The fill of every group with limited seats, and a count of the others that took people.
fn groups(p: &mut Page, r: &MatchReport) {
    p.raw("<section>\n<h2>Groups with limited seats</h2>\n<table>\n<thead><tr><th>Group</th>");
    p.raw("<th>Next session</th><th class=\"n\">Filled</th><th></th></tr></thead>\n<tbody>\n");
    let mut unlimited = (0, 0);
    for g in &r.groups {
        let Some(open) = g.open_seats else {
            unlimited = (unlimited.0 + 1, unlimited.1 + g.filled);
            continue;
        };
        p.raw("<tr><td>");
        p.text(&g.name);
        p.raw(" <span class=\"id\">");
        p.text(&g.group_id);
        p.raw("</span></td><td>");
        match g.next_sessions.first() {
            Some(t) => p.text(&super::result::dated(t, &g.timezone)),
            None => p.raw("none in the next 13 weeks"),
        }
        p.raw("</td><td class=\"n\">");
        p.text(&format!("{} of {open}", g.filled));
        p.raw("</td><td>");
        let share = if open == 0 {
            1.0
        } else {
            f64::from(g.filled) / f64::from(open)
        };
        bar(p, share);
        p.raw("</td></tr>\n");
    }
    p.raw("</tbody>\n</table>\n");
    if unlimited.0 > 0 {
        p.raw("<p class=\"note\">");
        p.text(&format!(
            "Groups without a seat limit: {}, with {} placed.",
            unlimited.0,
            people(unlimited.1 as usize)
        ));
        p.raw("</p>\n");
    }
    p.raw(
        "<p class=\"note\">Open seats are counted before the match. Who was placed in each \
           group is in the roster (groupmatch match --roster).</p>\n</section>\n",
    );
}

/// Everyone not placed, with their outcome, explanation and alternates.
fn unplaced(p: &mut Page, r: &MatchReport) {
    p.raw("<section>\n<h2>People not placed</h2>\n");
    if r.unplaced.is_empty() {
        p.raw("<p>Everyone was placed.</p>\n</section>\n");
        return;
    }
    p.raw("<table>\n<thead><tr><th>Person</th><th>Outcome</th><th>Why</th>");
    p.raw("<th>Alternates with a seat left</th></tr></thead>\n<tbody>\n");
    for u in &r.unplaced {
        p.raw("<tr><td class=\"id\">");
        p.text(&u.person_id);
        p.raw("</td><td>");
        p.text(u.outcome.as_str());
        p.raw("</td><td>");
        // The explanation, when the match gives one; the outcome in words otherwise.
        if u.explanation.is_empty() {
            p.text(&capitalised(u.outcome.describe()));
            p.raw(".");
        } else {
            p.text(&u.explanation);
        }
        p.raw("</td><td>");
        for (i, a) in u.alternates.iter().enumerate() {
            if i > 0 {
                p.raw("; ");
            }
            p.text(&a.name);
            p.raw(" <span class=\"id\">");
            p.text(&a.group_id);
            p.raw("</span>");
        }
        p.raw("</td></tr>\n");
    }
    p.raw("</tbody>\n</table>\n</section>\n");
}

/// A bar filled to `share` (0 to 1); full when the share is 1 or more.
fn bar(p: &mut Page, share: f64) {
    let share = share.clamp(0.0, 1.0);
    p.raw(if share >= 1.0 {
        "<span class=\"bar full\"><span style=\"width:"
    } else {
        "<span class=\"bar\"><span style=\"width:"
    });
    p.num(share * 100.0);
    p.raw("%\"></span></span>");
}

/// `part / whole` as a percentage with no decimal (`-` when `whole` is 0).
fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

/// `n people`, or `1 person`.
fn people(n: usize) -> String {
    if n == 1 {
        "1 person".to_string()
    } else {
        format!("{n} people")
    }
}

/// `s` with its first letter in capitals.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_an_empty_whole_is_a_dash() {
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(2, 3), "67%");
        assert_eq!(percent(0, 0), "-");
    }

    #[test]
    fn bars_are_clamped_and_full_bars_are_marked() {
        let mut p = Page::default();
        bar(&mut p, 0.5);
        bar(&mut p, 1.5);
        assert_eq!(
            p.finish(),
            "<span class=\"bar\"><span style=\"width:50%\"></span></span>\
             <span class=\"bar full\"><span style=\"width:100%\"></span></span>"
        );
    }
}
