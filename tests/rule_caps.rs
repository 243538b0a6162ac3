//! The default rules stay within what their evidence supports: for every rule, its adjust plus
//! the default model's terms for the same fact (the combined effect) is at most ln(the cited odds
//! ratio), or at most 0.2 logit where the cited study gives no size. The caps, evidence rows and
//! model features are in `data/rules/caps.toml`; the model is read from the embedded
//! `models/engagement.json`, so a retrained model is checked as it is, never against old numbers.
//!
//! After retraining, `cargo test --all-features --test rule_caps -- --nocapture` prints the
//! table of combined effects that `docs/rules.md` shows between `<!-- caps:begin -->` and
//! `<!-- caps:end -->`; the docs test fails until that table is pasted in.

use std::fmt::Write as _;

use serde::Deserialize;

use groupmatch::{Action, EngagementModel, RuleSet, FEATURE_NAMES};

/// The cap where the cited study gives no size (log-odds).
const NO_SIZE_CAP: f64 = 0.2;

/// The caps file, as shipped.
const CAPS: &str = include_str!("../data/rules/caps.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapsFile {
    caps: Vec<Cap>,
}

/// One rule's cap (see the head of `data/rules/caps.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cap {
    rule: String,
    evidence: String,
    tested: String,
    size: String,
    #[serde(default)]
    odds_ratio: Option<f64>,
    model_features: Vec<String>,
}

impl Cap {
    /// The largest combined effect the evidence allows, in log-odds.
    fn limit(&self) -> f64 {
        self.odds_ratio.map_or(NO_SIZE_CAP, f64::ln)
    }
}

/// One rule's combined effect under a model.
struct Combined<'a> {
    cap: &'a Cap,
    adjust: f64,
    /// Each model feature's term when it goes from 0 to 1.
    terms: Vec<(&'a str, f64)>,
}

impl Combined<'_> {
    fn total(&self) -> f64 {
        self.adjust + self.terms.iter().map(|(_, t)| t).sum::<f64>()
    }
}

fn caps() -> Vec<Cap> {
    toml::from_str::<CapsFile>(CAPS)
        .expect("data/rules/caps.toml is valid")
        .caps
}

/// How much a 0/1 feature's term in `model`'s logit changes when it goes from 0 to 1, computed
/// by the model itself (its coefficient over its scale), so any scaling is honoured.
fn term(model: &EngagementModel, feature: &str) -> f64 {
    let j = FEATURE_NAMES
        .iter()
        .position(|f| *f == feature)
        .unwrap_or_else(|| panic!("caps.toml names '{feature}', which is not a model feature"));
    let off = [0.0; FEATURE_NAMES.len()];
    let mut on = off;
    on[j] = 1.0;
    model.contributions(&on)[j] - model.contributions(&off)[j]
}

/// Every adjusting rule paired with its cap and the model's terms, in rule-file order. Panics when
/// a rule has no cap or a cap names no rule, so a new rule cannot skip its evidence check.
fn combined<'a>(rules: &RuleSet, model: &EngagementModel, caps: &'a [Cap]) -> Vec<Combined<'a>> {
    for cap in caps {
        assert!(
            rules.rules().iter().any(|r| r.id == cap.rule),
            "caps.toml has a cap for '{}', which is not a default rule",
            cap.rule
        );
    }
    rules
        .rules()
        .iter()
        .filter_map(|r| match r.action {
            Action::Adjust(a) => Some((r, a)),
            Action::Exclude => None,
        })
        .map(|(r, adjust)| {
            let mut matching = caps.iter().filter(|c| c.rule == r.id);
            let cap = matching
                .next()
                .unwrap_or_else(|| panic!("rule '{}' has no cap in caps.toml", r.id));
            assert!(matching.next().is_none(), "rule '{}' has two caps", r.id);
            let terms = cap
                .model_features
                .iter()
                .map(|f| (f.as_str(), term(model, f)))
                .collect();
            Combined { cap, adjust, terms }
        })
        .collect()
}

/// [`combined`] for the embedded default rules and model.
fn default_combined(caps: &[Cap]) -> Vec<Combined<'_>> {
    combined(
        &RuleSet::embedded_default(),
        &EngagementModel::embedded_default(),
        caps,
    )
}

/// The rules whose combined effect exceeds their cap, with the figures.
fn over_cap(all: &[Combined]) -> Vec<String> {
    all.iter()
        .filter(|c| c.total().abs() > c.cap.limit() + 1e-12)
        .map(|c| {
            format!(
                "{}: combined {:+.3} (adjust {:+.3}, model {:?}) exceeds the cap {:.3}",
                c.cap.rule,
                c.total(),
                c.adjust,
                c.terms,
                c.cap.limit()
            )
        })
        .collect()
}

/// The Markdown table `docs/rules.md` shows between its caps markers.
fn table(all: &[Combined]) -> String {
    let mut out = String::from(
        "| rule | evidence | what the cited study tested | size | cap | model features (term) | adjust | combined |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for c in all {
        let cap = match c.cap.odds_ratio {
            Some(or) => format!("ln {or} = {:.2}", or.ln()),
            None => format!("{NO_SIZE_CAP:.2} (no size)"),
        };
        let features = if c.terms.is_empty() {
            "none".to_string()
        } else {
            c.terms
                .iter()
                .map(|(f, t)| format!("`{f}` ({t:+.3})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {:+.2} | {:+.3} |",
            c.cap.rule,
            c.cap.evidence,
            c.cap.tested,
            c.cap.size,
            cap,
            features,
            c.adjust,
            c.total()
        );
    }
    out
}

#[test]
fn every_default_rule_stays_within_its_evidence_cap() {
    let caps = caps();
    let all = default_combined(&caps);
    // Printed for `--nocapture`: the figures docs/rules.md shows.
    println!("{}", table(&all));
    let over = over_cap(&all);
    assert!(over.is_empty(), "{}", over.join("\n"));
}

#[test]
fn every_cap_has_a_positive_odds_ratio_above_1_when_given() {
    for cap in caps() {
        if let Some(or) = cap.odds_ratio {
            assert!(or > 1.0, "{}: odds ratio {or}", cap.rule);
        }
        assert!(!cap.evidence.is_empty() && !cap.tested.is_empty() && !cap.size.is_empty());
    }
}

#[test]
fn a_larger_adjust_than_the_evidence_allows_is_caught() {
    let caps = caps();
    let model = EngagementModel::embedded_default();
    let text = groupmatch::rules::DEFAULT_RULES.replace("adjust = 0.5", "adjust = 2.6");
    assert_ne!(
        text,
        groupmatch::rules::DEFAULT_RULES,
        "the CRAFT rule's adjust"
    );
    let rules = RuleSet::parse(&text, "default.toml").unwrap();
    let over = over_cap(&combined(&rules, &model, &caps));
    assert_eq!(over.len(), 1, "{over:?}");
    assert!(over[0].starts_with("craft-when-the-aim-is-treatment-entry:"));
}

#[test]
fn a_model_term_for_the_same_fact_counts_toward_the_cap() {
    let caps = caps();
    let mut file = EngagementModel::embedded_default().file().clone();
    let j = FEATURE_NAMES
        .iter()
        .position(|f| *f == "orientation_match")
        .unwrap();
    file.coefficients[j] = 0.5;
    let model = EngagementModel::from_file(file, "test").unwrap();
    let over = over_cap(&combined(&RuleSet::embedded_default(), &model, &caps));
    assert!(
        over.iter()
            .any(|o| o.starts_with("secular-preference-at-secular-mutual-help:")),
        "{over:?}"
    );
}

#[test]
fn a_scaled_model_term_is_its_coefficient_over_its_scale() {
    let mut file = EngagementModel::embedded_default().file().clone();
    let n = FEATURE_NAMES.len();
    let mut scale = vec![1.0; n];
    let j = FEATURE_NAMES
        .iter()
        .position(|f| *f == "online_attendance")
        .unwrap();
    scale[j] = 0.5;
    file.scaling = Some(groupmatch::engagement::model::Scaling {
        mean: vec![0.3; n],
        scale,
    });
    let coef = file.coefficients[j];
    let model = EngagementModel::from_file(file, "test").unwrap();
    assert!((term(&model, "online_attendance") - coef / 0.5).abs() < 1e-12);
}

#[test]
fn docs_rules_md_shows_the_caps_table() {
    let caps = caps();
    let all = default_combined(&caps);
    let expected = table(&all);
    let doc = include_str!("../docs/rules.md");
    let (begin, end) = ("<!-- caps:begin -->", "<!-- caps:end -->");
    let start = doc.find(begin).expect("docs/rules.md has the caps markers") + begin.len();
    let stop = doc[start..].find(end).expect("caps end marker") + start;
    assert!(
        doc[start..stop].trim() == expected.trim(),
        "docs/rules.md's caps table is out of date (for example after retraining the default \
         model); replace the table between the markers with:\n{expected}"
    );
}
