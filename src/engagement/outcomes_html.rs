//! The outcome report as a page a manager reads and prints: one HTML file with its CSS inline, no
//! script and no external resource.
//!
//! The page draws an [`OutcomeReport`] and computes nothing of its own: the drift line, the
//! calibration plot by decile (the crate's one calibration plot, [`calibration_svg`]), the
//! decile table, the breakdowns, and AUC and ECE here against the model's holdout. Every text
//! from data (the source's name, the model's description) reaches the markup through
//! [`Page::text`], which escapes it.

use crate::engagement::outcomes::{DriftVerdict, OutcomeReport};
use crate::engagement::plot::calibration_svg;
use crate::html::Page;
use crate::Provenance;

/// The page's CSS: screen and print, no web fonts.
const STYLE: &str = include_str!("outcomes.css");

/// The report as a complete HTML page.
///
/// ```
/// use groupmatch::engagement::outcomes::outcome_report;
/// use groupmatch::engagement::render_outcome_report;
/// use groupmatch::simulate::{simulate, SimulationParams};
/// use groupmatch::EngagementModel;
///
/// let sim = simulate(&SimulationParams::new(1, 300, 30, 1_000)).unwrap();
/// let model = EngagementModel::embedded_default();
/// let report = outcome_report(&sim.to_history(), &sim.groups, &model, "<sim>");
/// let html = render_outcome_report(&report);
/// assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
/// assert!(html.contains("&lt;sim&gt;") && html.contains("<svg"));
/// ```
pub fn render_outcome_report(r: &OutcomeReport) -> String {
    let mut p = Page::default();
    p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    p.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    p.raw("<title>Outcome report</title>\n<style>\n");
    p.raw(STYLE);
    p.raw("</style>\n</head>\n<body>\n<header>\n<h1>Outcome report</h1>\n<p class=\"meta\">");
    p.text(&format!(
        "{} placements from {}, {} ({}) still attending at 90 days. Scored with: {} ({}).",
        r.placements,
        r.source,
        r.engaged,
        percent(r.engaged as f64 / r.placements.max(1) as f64),
        r.model.description,
        Provenance::estimated_from(r.model.provenance)
    ));
    p.raw("</p>\n</header>\n<main>\n");
    let act = matches!(
        r.drift.verdict,
        DriftVerdict::Recalibrate | DriftVerdict::Retrain
    );
    p.raw(if act {
        "<p class=\"drift act\"><strong>Drift:</strong> "
    } else {
        "<p class=\"drift\"><strong>Drift:</strong> "
    });
    p.text(&r.drift.line);
    p.raw(".</p>\n");
    metrics(&mut p, r);
    deciles(&mut p, r);
    breakdowns(&mut p, r);
    p.raw("</main>\n</body>\n</html>\n");
    p.finish()
}

/// AUC and ECE here against the model's holdout.
fn metrics(p: &mut Page, r: &OutcomeReport) {
    p.raw("<section>\n<h2>These outcomes against the model's holdout</h2>\n<table>\n<thead>");
    p.raw("<tr><th>Metric</th><th class=\"n\">Here</th><th class=\"n\">At training</th></tr>");
    p.raw("</thead>\n<tbody>\n");
    let holdout = r.model.holdout.as_ref();
    let rows: [(&str, Option<f64>, Option<f64>); 4] = [
        (
            "AUC (ranking: 0.5 is chance)",
            r.here.auc,
            holdout.map(|h| h.auc),
        ),
        (
            "ECE (calibration: 0 is exact)",
            Some(r.here.ece),
            holdout.map(|h| h.ece),
        ),
        ("Brier score", Some(r.here.brier), holdout.map(|h| h.brier)),
        (
            "Log loss",
            Some(r.here.log_loss),
            holdout.map(|h| h.log_loss),
        ),
    ];
    for (name, here, train) in rows {
        p.raw("<tr><td>");
        p.text(name);
        for value in [here, train] {
            p.raw("</td><td class=\"n\">");
            p.text(&value.map_or_else(|| "-".to_string(), |v| format!("{v:.3}")));
        }
        p.raw("</td></tr>\n");
    }
    p.raw("</tbody>\n</table>\n<p class=\"note\">");
    p.text(&format!(
        "ECE is the mean gap between predicted and observed rates over ten equal-width bins, as \
         train reports it. A gap in ECE larger than {:.3} at this number of outcomes is counted as \
         drift (smaller ones are within what chance alone gives); a drop in AUC of more than 0.03 \
         means the ranking itself got worse.",
        r.drift.ece_tolerance
    ));
    p.raw("</p>\n</section>\n");
}

/// The calibration plot and table by decile of the prediction.
fn deciles(p: &mut Page, r: &OutcomeReport) {
    p.raw("<section>\n<h2>Predicted against observed, by decile</h2>\n<figure>\n");
    p.svg(&calibration_svg(&[("these outcomes", &r.deciles)]));
    p.raw("</figure>\n<p class=\"note\">");
    p.text(&format!(
        "Each point is a tenth of the placements, by predicted probability; a point on the \
         diagonal means the model predicted that group's engagement exactly. Bars and ranges are \
         the {} of the observed rate.",
        r.interval
    ));
    p.raw("</p>\n<table>\n<thead><tr><th>Decile</th><th class=\"n\">Predictions</th>");
    p.raw("<th class=\"n\">n</th><th class=\"n\">Predicted</th><th class=\"n\">Observed</th>");
    p.raw("<th class=\"n\">95% interval</th></tr></thead>\n<tbody>\n");
    for (i, b) in r.deciles.iter().enumerate().filter(|(_, b)| b.count > 0) {
        p.raw("<tr><td>");
        p.text(&(i + 1).to_string());
        cells(
            p,
            &[
                format!("{:.3}-{:.3}", b.lower, b.upper),
                b.count.to_string(),
                percent(b.mean_predicted),
                percent(b.observed_rate),
                interval(b.observed_low, b.observed_high),
            ],
        );
    }
    p.raw("</tbody>\n</table>\n</section>\n");
}

/// The tables by stage, approach, gender, format and attendance.
fn breakdowns(p: &mut Page, r: &OutcomeReport) {
    p.raw("<section>\n<h2>By stage, approach, gender, format and attendance</h2>\n");
    for b in &r.breakdowns {
        p.raw("<h3>");
        p.text(&format!("By {} ({})", b.by, b.of));
        p.raw("</h3>\n<table>\n<thead><tr><th>");
        p.text(match b.by {
            "stage" => "Stage",
            "approach" => "Approach",
            "gender" => "Gender",
            "format" => "Format",
            _ => "Attendance",
        });
        p.raw("</th><th class=\"n\">n</th><th class=\"n\">Predicted</th>");
        p.raw("<th class=\"n\">Observed</th><th class=\"n\">95% interval</th></tr></thead>\n");
        p.raw("<tbody>\n");
        for c in &b.rows {
            p.raw("<tr><td>");
            p.text(&c.value);
            cells(
                p,
                &[
                    c.n.to_string(),
                    percent(c.predicted_mean),
                    percent(c.observed_rate),
                    interval(c.observed_low, c.observed_high),
                ],
            );
        }
        p.raw("</tbody>\n</table>\n");
    }
    p.raw("</section>\n");
}

/// The rest of a row after its first cell: numbers, right-aligned.
fn cells(p: &mut Page, values: &[String]) {
    for v in values {
        p.raw("</td><td class=\"n\">");
        p.text(v);
    }
    p.raw("</td></tr>\n");
}

/// `0.4123` as `41.2%`.
fn percent(rate: f64) -> String {
    format!("{:.1}%", 100.0 * rate)
}

/// An interval of rates, as percentages.
fn interval(low: f64, high: f64) -> String {
    format!("{:.1}-{:.1}%", 100.0 * low, 100.0 * high)
}
