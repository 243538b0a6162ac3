//! The calibration plot: a reliability diagram of engagement probabilities as a self-contained
//! SVG document, drawn from calibration bins ([`calibration`], or the deciles of
//! [`calibration_by_quantile`]) for `evaluate --plot` and the outcome report's page, each bin
//! with the 95% Wilson interval of its observed rate.
//!
//! No I/O and no randomness: names are XML-escaped here and numbers are written with fixed
//! precision, so the same bins always give byte-identical output.

use std::fmt::Write as _;

use crate::engagement::metrics::CalibrationBin;
#[cfg(doc)]
use crate::engagement::metrics::{calibration, calibration_by_quantile};

/// An SVG document this module drew: every text in it was escaped here, so a page may embed it
/// as markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    /// The document's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Draws a calibration plot as a self-contained SVG document: predicted probability on x,
/// observed rate on y, both from 0 to 1, with the diagonal of perfect calibration, one line with
/// markers per `(name, bins)` series (empty bins skipped), a vertical bar through each marker
/// for the 95% Wilson interval of the observed rate, and a legend.
///
/// Series colours follow the order given. Names are XML-escaped, numbers are written with fixed
/// precision, so the same input gives byte-identical output. Each marker carries a tooltip with
/// the bin's range, count, mean prediction, observed rate and interval.
///
/// # Example
///
/// ```
/// use groupmatch::engagement::metrics::{calibration, ECE_BINS};
/// use groupmatch::engagement::plot::calibration_svg;
///
/// let bins = calibration(&[0.1, 0.4, 0.6, 0.9], &[false, false, true, true], ECE_BINS);
/// let svg = calibration_svg(&[("learned", &bins)]);
/// assert!(svg.as_str().starts_with("<svg"));
/// assert_eq!(svg.as_str().matches("<polyline").count(), 1);
/// ```
pub fn calibration_svg(series: &[(&str, &[CalibrationBin])]) -> Svg {
    // Layout in pixels: a square plot with room for tick labels left and below and the legend
    // on the right.
    const LEFT: f64 = 70.0;
    const TOP: f64 = 50.0;
    const SIDE: f64 = 400.0;
    const LEGEND_X: f64 = LEFT + SIDE + 24.0;
    const WIDTH: f64 = LEGEND_X + 200.0;
    const HEIGHT: f64 = TOP + SIDE + 60.0;
    const TICKS: usize = 5;
    const TITLE: &str = "Calibration: predicted vs observed engagement at 90 days";
    // A colour-blind-safe palette (Okabe-Ito), cycled when there are more series.
    const COLOURS: [&str; 7] = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
    ];

    let x = |p: f64| LEFT + p * SIDE;
    let y = |p: f64| TOP + (1.0 - p) * SIDE;

    let mut s = String::new();
    // Writing to a String cannot fail, so the results of `write!` are ignored throughout.
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{HEIGHT:.0}" viewBox="0 0 {WIDTH:.0} {HEIGHT:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, "<title>{}</title>", escape_xml(TITLE));
    let _ = writeln!(
        s,
        r#"<rect x="0" y="0" width="{WIDTH:.0}" height="{HEIGHT:.0}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.2}" y="28" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        WIDTH / 2.0,
        escape_xml(TITLE)
    );

    // Grid, ticks and tick labels.
    s.push_str("<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
    for i in 0..=TICKS {
        let v = i as f64 / TICKS as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}"/>"#,
            x(v),
            y(0.0),
            x(v),
            y(1.0)
        );
        let _ = writeln!(
            s,
            r#"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}"/>"#,
            x(0.0),
            y(v),
            x(1.0),
            y(v)
        );
    }
    s.push_str("</g>\n<g stroke=\"black\" stroke-width=\"1\">\n");
    for i in 0..=TICKS {
        let v = i as f64 / TICKS as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}"/>"#,
            x(v),
            y(0.0),
            x(v),
            y(0.0) + 5.0
        );
        let _ = writeln!(
            s,
            r#"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}"/>"#,
            x(0.0) - 5.0,
            y(v),
            x(0.0),
            y(v)
        );
    }
    s.push_str("</g>\n<g fill=\"black\">\n");
    for i in 0..=TICKS {
        let v = i as f64 / TICKS as f64;
        let _ = writeln!(
            s,
            r#"<text x="{:.2}" y="{:.2}" text-anchor="middle">{v:.1}</text>"#,
            x(v),
            y(0.0) + 20.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.2}" y="{:.2}" text-anchor="end">{v:.1}</text>"#,
            x(0.0) - 9.0,
            y(v) + 4.0
        );
    }
    s.push_str("</g>\n");

    // Axes and their labels.
    let _ = writeln!(
        s,
        r#"<rect x="{LEFT:.2}" y="{TOP:.2}" width="{SIDE:.2}" height="{SIDE:.2}" fill="none" stroke="black" stroke-width="1"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="middle" font-size="13">Predicted probability</text>"#,
        x(0.5),
        y(0.0) + 42.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.2}" y="{:.2}" text-anchor="middle" font-size="13" transform="rotate(-90 {:.2} {:.2})">Observed engagement rate</text>"#,
        LEFT - 45.0,
        y(0.5),
        LEFT - 45.0,
        y(0.5)
    );

    // The diagonal of perfect calibration.
    let _ = writeln!(
        s,
        r##"<line x1="{:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="#888888" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0)
    );

    // One polyline and its markers per series.
    for (index, (name, bins)) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let name = escape_xml(name);
        let points: Vec<&CalibrationBin> = bins.iter().filter(|b| b.count > 0).collect();
        let coords: Vec<String> = points
            .iter()
            .map(|b| format!("{:.2},{:.2}", x(b.mean_predicted), y(b.observed_rate)))
            .collect();
        let _ = writeln!(s, r#"<g class="series" data-name="{name}">"#);
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            coords.join(" ")
        );
        for b in points {
            let (bx, low, high) = (x(b.mean_predicted), y(b.observed_low), y(b.observed_high));
            let _ = writeln!(
                s,
                r#"<path d="M{:.2},{high:.2}H{:.2}M{bx:.2},{high:.2}V{low:.2}M{:.2},{low:.2}H{:.2}" stroke="{colour}" stroke-width="1" fill="none" class="interval"/>"#,
                bx - 3.0,
                bx + 3.0,
                bx - 3.0,
                bx + 3.0
            );
            let _ = writeln!(
                s,
                r#"<circle cx="{bx:.2}" cy="{:.2}" r="4" fill="{colour}"><title>{name}: predicted {:.2}-{:.2}, n = {}, mean predicted {:.3}, observed {:.3} (95% interval {:.3}-{:.3})</title></circle>"#,
                y(b.observed_rate),
                b.lower,
                b.upper,
                b.count,
                b.mean_predicted,
                b.observed_rate,
                b.observed_low,
                b.observed_high
            );
        }
        s.push_str("</g>\n");
    }

    // Legend: the diagonal first, then each series in order.
    let row = |i: usize| TOP + 10.0 + 22.0 * i as f64;
    let _ = writeln!(
        s,
        r##"<line x1="{LEGEND_X:.2}" y1="{:.2}" x2="{:.2}" y2="{:.2}" stroke="#888888" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
        row(0),
        LEGEND_X + 28.0,
        row(0)
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.2}" y="{:.2}">perfectly calibrated</text>"#,
        LEGEND_X + 36.0,
        row(0) + 4.0
    );
    for (index, (name, _)) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let r = row(index + 1);
        let _ = writeln!(
            s,
            r#"<line x1="{LEGEND_X:.2}" y1="{r:.2}" x2="{:.2}" y2="{r:.2}" stroke="{colour}" stroke-width="2"/>"#,
            LEGEND_X + 28.0
        );
        let _ = writeln!(
            s,
            r#"<circle cx="{:.2}" cy="{r:.2}" r="4" fill="{colour}"/>"#,
            LEGEND_X + 14.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.2}" y="{:.2}">{}</text>"#,
            LEGEND_X + 36.0,
            r + 4.0,
            escape_xml(name)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{LEGEND_X:.2}" y="{:.2}" font-size="11">bars: 95% Wilson interval</text>"#,
        row(series.len() + 1) + 4.0
    );
    s.push_str("</svg>\n");
    Svg(s)
}

/// Escapes the five XML special characters for use in text and attribute values.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::metrics::{calibration, ECE_BINS};

    const T: bool = true;
    const F: bool = false;

    fn svg_for_two_models() -> String {
        let probs = [0.05, 0.15, 0.35, 0.45, 0.85, 0.95];
        let labels = [F, F, T, F, T, T];
        let learned = calibration(&probs, &labels, ECE_BINS);
        let prior = calibration(&[0.5; 6], &labels, ECE_BINS);
        calibration_svg(&[
            ("learned", &learned),
            ("prior <hand-set> & \"old\"", &prior),
        ])
        .0
    }

    #[test]
    fn calibration_svg_has_one_polyline_per_series_and_is_well_formed() {
        let svg = svg_for_two_models();
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("Calibration: predicted vs observed engagement at 90 days"));
        assert!(svg.contains("prior &lt;hand-set&gt; &amp; &quot;old&quot;"));
        // Markers: 6 non-empty bins for the learned model, 1 for the prior, plus 2 in the legend.
        assert_eq!(svg.matches("<circle").count(), 6 + 1 + 2);
        // One interval bar per marker of a non-empty bin.
        assert_eq!(svg.matches("class=\"interval\"").count(), 6 + 1);
        assert!(svg.contains("95% Wilson interval"));
        assert_well_formed(&svg);
    }

    #[test]
    fn calibration_svg_is_deterministic() {
        assert_eq!(svg_for_two_models(), svg_for_two_models());
    }

    #[test]
    fn calibration_svg_draws_empty_series_as_empty_polyline() {
        let empty = calibration(&[], &[], ECE_BINS);
        let svg = calibration_svg(&[("none", &empty)]).0;
        assert!(svg.contains(r#"<polyline points="""#));
        assert_well_formed(&svg);
    }

    /// A small well-formedness check: every tag closes in order, attribute values are quoted,
    /// and every `&` starts one of the five predefined entities.
    fn assert_well_formed(xml: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = xml;
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open]);
            let close = rest[open..].find('>').expect("unclosed tag") + open;
            let tag = &rest[open + 1..close];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name = body.split_whitespace().next().expect("empty tag");
                let attrs = &body[name.len()..];
                assert_eq!(
                    attrs.matches('"').count() % 2,
                    0,
                    "unbalanced quotes in <{tag}>"
                );
                check_text(attrs);
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[close + 1..];
        }
        check_text(rest);
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    }

    fn check_text(text: &str) {
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        assert!(!text.contains('>'), "bare > in {text:?}");
    }
}
