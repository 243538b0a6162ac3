//! Safety first: where to go now, ahead of any group list, for a person at immediate risk.
//!
//! A support group is not help for an emergency. When intake staff flag an immediate risk on a
//! person (`risks`), every ranking and explanation for them leads with these lines, before any
//! group. The numbers are those of the United States, where the embedded directory is: 988 (the
//! Suicide & Crisis Lifeline), 911, and SAMHSA's National Helpline.

use crate::domain::person::Person;
use crate::domain::vocab::Risk;

/// The first line whenever any risk is flagged.
pub const EMERGENCY: &str =
    "In immediate danger: call 911 or go to the nearest emergency department now.";

/// What to do now for one risk.
pub fn advice(risk: Risk) -> &'static str {
    match risk {
        Risk::SuicidalThoughts => {
            "Thoughts of suicide: call or text 988 (Suicide & Crisis Lifeline), any time, free."
        }
        Risk::WithdrawalRisk => {
            "Stopping alcohol, benzodiazepines or opioids suddenly can be dangerous: get medical \
             care (a doctor, an emergency department or a detox programme) first; SAMHSA's \
             National Helpline, 1-800-662-4357 (free, 24/7), finds one."
        }
        Risk::RecentOverdose => {
            "After an overdose: keep naloxone (Narcan) at hand, do not use alone, and call 911 for \
             any overdose; SAMHSA's National Helpline, 1-800-662-4357 (free, 24/7), finds treatment."
        }
    }
}

/// The lines to lead with for `person`: empty when no risk is flagged; otherwise [`EMERGENCY`]
/// and the advice for each risk, in vocabulary order, each once.
///
/// ```
/// use groupmatch::{safety::safety_first, Risk};
/// let mut person: groupmatch::Person = serde_json::from_str(r#"{"id": "p1", "stage": "early",
///     "approach_preference": "secular", "format_preference": "online",
///     "availability": ["Mon 18:00-22:00"], "timezone": "UTC"}"#).unwrap();
/// assert!(safety_first(&person).is_empty());
/// person.risks = vec![Risk::SuicidalThoughts];
/// assert!(safety_first(&person)[1].contains("988"));
/// ```
pub fn safety_first(person: &Person) -> Vec<String> {
    if person.risks.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![EMERGENCY.to_string()];
    lines.extend(
        Risk::ALL
            .iter()
            .filter(|r| person.risks.contains(r))
            .map(|r| advice(*r).to_string()),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::person;

    #[test]
    fn each_risk_gets_its_advice_once_after_the_emergency_line() {
        let mut p = person();
        assert!(safety_first(&p).is_empty());
        p.risks = vec![
            Risk::RecentOverdose,
            Risk::SuicidalThoughts,
            Risk::RecentOverdose,
        ];
        let lines = safety_first(&p);
        assert_eq!(
            lines,
            [
                EMERGENCY,
                advice(Risk::SuicidalThoughts),
                advice(Risk::RecentOverdose)
            ]
        );
        assert!(lines[1].contains("988") && lines[2].contains("naloxone"));
        p.risks = vec![Risk::WithdrawalRisk];
        assert!(safety_first(&p)[1].contains("medical care"));
    }
}
