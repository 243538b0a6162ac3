//! Priority populations: who comes first when seats are scarce, and how.
//!
//! A waitlist row may carry priority codes (`priority`: `pregnant`, `injects_drugs`, or codes an
//! organisation declares). [`Priorities`] puts each person in a tier: the first tier any of whose
//! combinations of codes the person has all of, or, after the last tier, everyone else. The
//! default tiers are the admission order that 45 CFR 96.131(a) sets for programmes funded by the
//! federal substance use block grant: pregnant people who inject drugs, then other pregnant
//! people, then other people who inject drugs, then all others.
//!
//! Two policies, both exact:
//! - [`PriorityPolicy::Strict`]: tiers are matched one after another, each exactly and with the
//!   seats the tiers before it left, so nobody of a lower tier takes a seat that a higher-tier
//!   person with an edge to that group is left without. (One solve with tier weights of the
//!   kind "a tier outweighs all lower tiers together" would need weights beyond the solver's
//!   integer scale.)
//! - [`PriorityPolicy::Weighted`]: one match in which each tier's people gain the tier's
//!   `bonus` on every edge, so priority weighs against fit and waiting instead of overriding them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::check::{invalid_if_any, text_problem};
use crate::domain::person::PriorityCode;
use crate::error::{Error, Problem, Result};

/// The codes every match knows, with what each means.
pub const BUILT_IN_CODES: &[(&str, &str)] = &[
    ("pregnant", "pregnant (45 CFR 96.131)"),
    ("injects_drugs", "injects drugs (45 CFR 96.131)"),
];

/// The name of the tier of people in no declared tier.
pub const OTHERS: &str = "others";

/// The most tiers a policy declares.
pub const MAX_TIERS: usize = 16;

/// The largest tier bonus, in score units (a bonus of 1 already outweighs any difference of score).
pub const MAX_BONUS: f64 = 10.0;

/// How tiers decide seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriorityPolicy {
    /// Tier by tier, each matched exactly with the seats left by the tiers before it.
    Strict,
    /// One match; each tier's people gain its bonus on every edge.
    Weighted,
}

impl std::str::FromStr for PriorityPolicy {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<PriorityPolicy, String> {
        match s {
            "strict" => Ok(PriorityPolicy::Strict),
            "weighted" => Ok(PriorityPolicy::Weighted),
            _ => Err("not a priority policy: strict or weighted".into()),
        }
    }
}

/// One tier of priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityTier {
    /// The tier's name in summaries and reports (spelled as a code).
    pub name: PriorityCode,
    /// The combinations that put a person in this tier, written `a+b`: a person is in it when
    /// they have every code of any one combination.
    pub when: Vec<String>,
    /// What each edge of the tier's people gains under [`PriorityPolicy::Weighted`].
    #[serde(default)]
    pub bonus: Option<f64>,
}

/// Priority tiers and the policy that applies them (see the module's documentation).
///
/// ```
/// use groupmatch::matching::Priorities;
/// let p = Priorities::default();
/// let codes = |s: &[&str]| s.iter().map(|c| c.parse().unwrap()).collect::<Vec<_>>();
/// assert_eq!(p.tier_name(p.tier_of(&codes(&["injects_drugs", "pregnant"]))), "pregnant_injects");
/// assert_eq!(p.tier_name(p.tier_of(&codes(&["injects_drugs"]))), "injects_drugs");
/// assert_eq!(p.tier_name(p.tier_of(&[])), "others");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPriorities", into = "RawPriorities")]
pub struct Priorities {
    /// How the tiers decide seats.
    pub policy: PriorityPolicy,
    /// Codes the organisation declares beside [`BUILT_IN_CODES`], with what each means.
    pub codes: BTreeMap<PriorityCode, String>,
    /// The tiers, first first; everyone in none of them is in a last tier, [`OTHERS`].
    pub tiers: Vec<PriorityTier>,
}

/// [`Priorities`] as written (a TOML file, or JSON in match options), before its checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriorities {
    #[serde(default = "strict")]
    policy: PriorityPolicy,
    #[serde(default)]
    codes: BTreeMap<String, String>,
    #[serde(rename = "tier")]
    tiers: Vec<PriorityTier>,
}

fn strict() -> PriorityPolicy {
    PriorityPolicy::Strict
}

impl Default for Priorities {
    /// The block grant's order (45 CFR 96.131(a)), strict, with bonuses 0.3, 0.2 and 0.1 for
    /// [`PriorityPolicy::Weighted`].
    fn default() -> Priorities {
        let tier = |name: &str, when: &str, bonus: f64| PriorityTier {
            name: name.parse().expect("a valid code"),
            when: vec![when.to_string()],
            bonus: Some(bonus),
        };
        Priorities {
            policy: PriorityPolicy::Strict,
            codes: BTreeMap::new(),
            tiers: vec![
                tier("pregnant_injects", "pregnant+injects_drugs", 0.3),
                tier("pregnant", "pregnant", 0.2),
                tier("injects_drugs", "injects_drugs", 0.1),
            ],
        }
    }
}

impl TryFrom<RawPriorities> for Priorities {
    type Error = Error;

    fn try_from(raw: RawPriorities) -> Result<Priorities> {
        let (priorities, problems) = Priorities::checked(raw);
        invalid_if_any("priority", problems)?;
        Ok(priorities)
    }
}

impl From<Priorities> for RawPriorities {
    fn from(p: Priorities) -> RawPriorities {
        RawPriorities {
            policy: p.policy,
            codes: p
                .codes
                .into_iter()
                .map(|(c, d)| (c.as_str().to_string(), d))
                .collect(),
            tiers: p.tiers,
        }
    }
}

impl Priorities {
    /// Reads a priority file (TOML: `policy`, a `[codes]` table of the organisation's codes and
    /// what each means, and `[[tier]]` tables with `name`, `when` and `bonus`). Every problem
    /// names its field, and its line when it is in a tier.
    pub fn read(path: &std::path::Path) -> Result<Priorities> {
        let text = crate::formats::read_text(path, crate::limits::MAX_DOCUMENT_FILE_BYTES)?;
        Priorities::parse(&text, &path.display().to_string())
    }

    /// Parses a priority file's text; `label` names it in messages.
    pub fn parse(text: &str, label: &str) -> Result<Priorities> {
        let invalid = |problems| Error::Invalid {
            path: label.to_string(),
            problems,
            warnings: Vec::new(),
        };
        let raw: RawPriorities = toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| crate::text::line_at(text, s.start));
            invalid(vec![Problem::new(
                line,
                None,
                e.message().trim().to_string(),
            )])
        })?;
        let (priorities, mut problems) = Priorities::checked(raw);
        // A tier's problems take the line of its `[[tier]]` header.
        let headers: Vec<u64> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[tier]]")
            .map(|(i, _)| i as u64 + 1)
            .collect();
        for p in &mut problems {
            let tier = p
                .field
                .as_deref()
                .and_then(|f| f.strip_prefix("tier["))
                .and_then(|f| f.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(line) = tier.and_then(|t| headers.get(t - 1)) {
                p.line = Some(*line);
            }
        }
        if problems.is_empty() {
            Ok(priorities)
        } else {
            Err(invalid(problems))
        }
    }

    /// The checked priorities of `raw` and every problem found (fields such as `tier[2].when`,
    /// 1-based), the priorities being meaningful only without problems.
    fn checked(raw: RawPriorities) -> (Priorities, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut problem = |field: String, message: String| {
            problems.push(Problem::new(None, Some(&field), message));
        };
        let mut codes = BTreeMap::new();
        for (code, meaning) in raw.codes {
            let field = format!("codes.{code}");
            match code.parse::<PriorityCode>() {
                Err(m) => problem("codes".into(), m),
                Ok(_) if BUILT_IN_CODES.iter().any(|(c, _)| *c == code) => problem(
                    field,
                    "is built in; declare only the organisation's own codes".into(),
                ),
                Ok(c) => {
                    if let Some(m) = text_problem(&meaning) {
                        problem(field, m);
                    }
                    codes.insert(c, meaning);
                }
            }
        }
        let known = |code: &str| {
            BUILT_IN_CODES.iter().any(|(c, _)| *c == code)
                || codes.keys().any(|c: &PriorityCode| c.as_str() == code)
        };
        if raw.tiers.is_empty() {
            problem("tier".into(), "no tiers: declare at least one".into());
        }
        if raw.tiers.len() > MAX_TIERS {
            problem(
                "tier".into(),
                format!("{} tiers; at most {MAX_TIERS}", raw.tiers.len()),
            );
        }
        for (i, tier) in raw.tiers.iter().enumerate() {
            let at = |f: &str| format!("tier[{}].{f}", i + 1);
            if tier.name.as_str() == OTHERS {
                problem(
                    at("name"),
                    format!("'{OTHERS}' is the tier of everyone else"),
                );
            } else if raw.tiers[..i].iter().any(|t| t.name == tier.name) {
                problem(
                    at("name"),
                    format!("'{}' names an earlier tier too", tier.name),
                );
            }
            if tier.when.is_empty() {
                problem(
                    at("when"),
                    "empty: give at least one combination of codes".into(),
                );
            }
            for combination in &tier.when {
                for code in combination.split('+') {
                    let code = code.trim();
                    if !known(code) {
                        let m = match code.parse::<PriorityCode>() {
                            Err(m) => m,
                            Ok(_) => format!(
                                "'{code}' is not a known code ({}); declare it under [codes]",
                                known_list(&codes)
                            ),
                        };
                        problem(at("when"), m);
                    }
                }
            }
            match tier.bonus {
                Some(b) if !(0.0..=MAX_BONUS).contains(&b) => problem(
                    at("bonus"),
                    format!("{b} is not a number from 0 to {MAX_BONUS}"),
                ),
                None if raw.policy == PriorityPolicy::Weighted => problem(
                    at("bonus"),
                    "missing: weighted priority needs a bonus for each tier".into(),
                ),
                _ => {}
            }
        }
        let priorities = Priorities {
            policy: raw.policy,
            codes,
            tiers: raw.tiers,
        };
        (priorities, problems)
    }

    /// The same tiers under `policy`, checked again (weighted priority needs a bonus for each
    /// tier); `label` names the priorities in messages.
    pub fn with_policy(self, policy: PriorityPolicy, label: &str) -> Result<Priorities> {
        let mut raw = RawPriorities::from(self);
        raw.policy = policy;
        let (priorities, problems) = Priorities::checked(raw);
        invalid_if_any(label, problems)?;
        Ok(priorities)
    }

    /// Every problem of priorities built in Rust (their fields are public), as a file's would
    /// be found: fields such as `tier[2].bonus`.
    pub fn problems(&self) -> Vec<Problem> {
        Priorities::checked(RawPriorities::from(self.clone())).1
    }

    /// The index of the tier of a person with `codes`: the first tier with a combination they
    /// have all of, else `self.tiers.len()` (everyone else).
    pub fn tier_of(&self, codes: &[PriorityCode]) -> usize {
        let has = |code: &str| codes.iter().any(|c| c.as_str() == code.trim());
        self.tiers
            .iter()
            .position(|t| t.when.iter().any(|w| w.split('+').all(has)))
            .unwrap_or(self.tiers.len())
    }

    /// The name of tier `index` ([`OTHERS`] past the declared tiers).
    pub fn tier_name(&self, index: usize) -> &str {
        self.tiers.get(index).map_or(OTHERS, |t| t.name.as_str())
    }

    /// What tier `index`'s people gain on each edge under [`PriorityPolicy::Weighted`]
    /// (0 under strict priority and for everyone else).
    pub fn bonus(&self, index: usize) -> f64 {
        match self.policy {
            PriorityPolicy::Weighted => self.tiers.get(index).and_then(|t| t.bonus).unwrap_or(0.0),
            PriorityPolicy::Strict => 0.0,
        }
    }

    /// The largest bonus any edge gains.
    pub fn largest_bonus(&self) -> f64 {
        (0..self.tiers.len())
            .map(|t| self.bonus(t))
            .fold(0.0, f64::max)
    }

    /// Why `code` cannot be used in a match with these priorities, if it cannot: it is neither
    /// built in nor declared.
    pub fn unknown_code(&self, code: &PriorityCode) -> Option<String> {
        let known = BUILT_IN_CODES.iter().any(|(c, _)| *c == code.as_str())
            || self.codes.contains_key(code);
        (!known).then(|| {
            format!(
                "'{code}' is not a known priority code ({}); an organisation declares its own \
                 in a priority file's [codes]",
                known_list(&self.codes)
            )
        })
    }
}

/// The known codes, built-in first, for messages.
fn known_list(declared: &BTreeMap<PriorityCode, String>) -> String {
    BUILT_IN_CODES
        .iter()
        .map(|(c, _)| *c)
        .chain(declared.keys().map(PriorityCode::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"policy = "weighted"

[codes]
leaving_residential = "leaving residential treatment within 30 days"

[[tier]]
name = "pregnant"
when = ["pregnant"]
bonus = 0.4

[[tier]]
name = "step_down"
when = ["leaving_residential", "injects_drugs+leaving_residential"]
bonus = 0.2
"#;

    fn codes(list: &[&str]) -> Vec<PriorityCode> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    #[test]
    fn a_file_declares_codes_tiers_and_bonuses() {
        let p = Priorities::parse(FILE, "p.toml").unwrap();
        assert_eq!(p.policy, PriorityPolicy::Weighted);
        assert_eq!(p.tier_of(&codes(&["leaving_residential"])), 1);
        assert_eq!(p.tier_of(&codes(&["pregnant", "leaving_residential"])), 0);
        assert_eq!(
            p.tier_of(&codes(&["injects_drugs"])),
            2,
            "no tier of its own here"
        );
        assert_eq!(p.tier_name(2), OTHERS);
        assert_eq!((p.bonus(0), p.bonus(1), p.bonus(2)), (0.4, 0.2, 0.0));
        assert_eq!(p.largest_bonus(), 0.4);
        assert!(p
            .unknown_code(&codes(&["leaving_residential"])[0])
            .is_none());
        let strict = p.clone().with_policy(PriorityPolicy::Strict, "p").unwrap();
        assert_eq!((strict.bonus(0), strict.largest_bonus()), (0.0, 0.0));
        // The same priorities in JSON, as match options carry them.
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Priorities>(&json).unwrap(), p);
    }

    #[test]
    fn every_problem_of_a_file_names_its_field_and_tier_line() {
        let bad = r#"
[codes]
pregnant = "again"
Bad = "x"

[[tier]]
name = "others"
when = ["pregnant+smokes"]
bonus = -1

[[tier]]
name = "b"
when = []
"#;
        let err = Priorities::parse(bad, "p.toml").unwrap_err().to_string();
        for expected in [
            "p.toml: codes.pregnant: is built in",
            "p.toml: codes: a priority code is",
            "p.toml:6: tier[1].name: 'others' is the tier of everyone else",
            "p.toml:6: tier[1].when: 'smokes' is not a known code (pregnant, injects_drugs)",
            "p.toml:6: tier[1].bonus: -1 is not a number from 0 to 10",
            "p.toml:11: tier[2].when: empty",
        ] {
            assert!(err.contains(expected), "{expected}\n{err}");
        }
        let weighted = "policy = \"weighted\"\n[[tier]]\nname = \"a\"\nwhen = [\"pregnant\"]\n";
        let err = Priorities::parse(weighted, "w.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("w.toml:2: tier[1].bonus: missing"), "{err}");
        let err = Priorities::parse("policy = \"loud\"\ntier = []", "s.toml").unwrap_err();
        assert!(err.to_string().starts_with("s.toml:1:"), "{err}");
        let err = Priorities::parse(
            "[[tier]]\nname = \"a\"\nwhen = [\"pregnant\"]\nextra = 1\n",
            "u.toml",
        );
        assert!(
            err.unwrap_err().to_string().contains("u.toml:4:"),
            "unknown fields are refused"
        );
        let err = Priorities::parse("tier = []", "e.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no tiers"), "{err}");
    }

    #[test]
    fn the_default_is_the_block_grant_order() {
        let p = Priorities::default();
        let names: Vec<&str> = (0..=3).map(|t| p.tier_name(t)).collect();
        assert_eq!(
            names,
            ["pregnant_injects", "pregnant", "injects_drugs", "others"]
        );
        assert_eq!(p.policy, PriorityPolicy::Strict);
        // The default's JSON form reads back to it (checked like any other).
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(serde_json::from_value::<Priorities>(json).unwrap(), p);
    }
}
