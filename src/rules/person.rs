//! A rule set narrowed to one person, and the group-only parts of its conditions decided once
//! per directory: what makes evaluating the rules on every group of a ranking cheap.

use std::collections::HashMap;

use rayon::prelude::*;

use super::expr::Expr;
use super::facts::{Fact, FactSource, GroupOnly, PersonOnly};
use super::{Action, RuleSet};
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::pair::Pair;

/// For each rule of a [`RuleSet`], which groups of one directory pass the parts of its condition
/// that read only group facts (`None` for a rule without such parts): decided once per directory
/// by [`RuleSet::group_masks`], so that ranking many people does not decide them again.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GroupMasks {
    masks: Vec<Option<Vec<bool>>>,
    /// For each group, the number of its kind as the rules' person-and-group parts
    /// ([`Expr::is_person_and_group`]) read groups: groups of one kind agree on every group fact
    /// those parts read, so a person gets the same answer from each.
    kinds: Vec<u32>,
}

/// A [`RuleSet`] narrowed to one person by [`RuleSet::for_person`] or
/// [`RuleSet::for_person_in`].
#[derive(Debug, Clone)]
pub(crate) struct PersonRules<'r> {
    /// The whole rule set.
    rules: &'r RuleSet,
    /// Rules still possible for the person, with the parts of their condition left to check.
    active: Vec<ActiveRule<'r>>,
    /// The group-only parts, decided per group of the directory, when known.
    masks: Option<&'r GroupMasks>,
}

/// A rule still possible for one person.
#[derive(Debug, Clone)]
struct ActiveRule<'r> {
    /// Index into [`RuleSet::rules`].
    index: usize,
    /// The parts of its condition that read only group facts.
    group_only: Vec<&'r Expr>,
    /// The parts that read the person and the group but no pair facts.
    between: Vec<&'r Expr>,
    /// The parts that read pair facts.
    rest: Vec<&'r Expr>,
}

impl GroupMasks {
    /// For group `g`, whether the group-only parts of each rule's condition hold, for the rules
    /// with such parts.
    pub(crate) fn of(&self, g: usize) -> impl Iterator<Item = bool> + '_ {
        self.masks.iter().flatten().map(move |m| m[g])
    }

    /// Group `g`'s kind as the rules' person-and-group parts read it (see [`GroupMasks::kinds`]).
    pub(crate) fn kind(&self, g: usize) -> u32 {
        self.kinds.get(g).copied().unwrap_or_default()
    }

    /// Whether the group-only parts of rule `rule`'s condition hold for group `g` (a rule
    /// without such parts passes every group).
    fn holds(&self, rule: usize, g: usize) -> bool {
        self.masks[rule].as_ref().is_none_or(|m| m[g])
    }
}

impl PersonRules<'_> {
    /// The rules applied to a pair's model `logit`: the logit plus every fired rule's adjustment
    /// (added in file order), or, when rules exclude the group, every such exclusion with its
    /// reason. `at` is the group's index in the directory the masks were made for (see
    /// [`RuleSet::for_person_in`]), when known. This is the one place rules change a score.
    pub(crate) fn apply(
        &self,
        pair: &Pair,
        at: Option<usize>,
        logit: f64,
    ) -> std::result::Result<f64, Vec<crate::Exclusion>> {
        let mut logit = logit;
        let mut excluded = Vec::new();
        self.fire(pair, at, |r| {
            let rule = &self.rules.rules[r];
            match rule.action {
                Action::Adjust(a) => logit += a,
                Action::Exclude => {
                    excluded.push(crate::Exclusion::by_rule(&rule.id, rule.reason(pair)))
                }
            }
        });
        if excluded.is_empty() {
            Ok(logit)
        } else {
            Err(excluded)
        }
    }

    /// The rules that fire for a pair of this person, as indices into [`RuleSet::rules`], in
    /// file order: the same as [`RuleSet::fired`]. `at` as for [`PersonRules::apply`].
    pub(crate) fn fired(&self, c: &Pair, at: Option<usize>) -> Vec<usize> {
        let mut fired = Vec::new();
        self.fire(c, at, |i| fired.push(i));
        fired
    }

    /// The most the rules can add to the logit of a pair of this person with group `group` of
    /// the directory the masks were made for, reading only what is decided without the pair's
    /// facts: a rule whose condition is decided adds its adjustment, one that also reads pair
    /// facts adds its adjustment when positive. `None` when a decided rule excludes the group.
    /// `pair` is the person with the group; its facts are not read.
    pub(crate) fn bound_at(&self, group: usize, pair: &Pair) -> Option<f64> {
        let mut sum = 0.0;
        for rule in &self.active {
            let group_ok = match self.masks {
                Some(masks) => masks.holds(rule.index, group),
                None => rule.group_only.iter().all(|e| e.holds(pair)),
            };
            if !group_ok || !rule.between.iter().all(|e| e.holds(pair)) {
                continue;
            }
            let decided = rule.rest.is_empty();
            match (self.rules.rules[rule.index].action, decided) {
                (Action::Adjust(a), true) => sum += a,
                (Action::Adjust(a), false) => sum += a.max(0.0),
                (Action::Exclude, true) => return None,
                (Action::Exclude, false) => {}
            }
        }
        Some(sum)
    }

    /// Calls `f` with each rule that fires for a pair, in file order, without allocating; the
    /// group-only parts are looked up when the group's index `group` is known, else evaluated.
    fn fire(&self, c: &Pair, group: Option<usize>, mut f: impl FnMut(usize)) {
        for rule in &self.active {
            let group_ok = match (self.masks, group) {
                (Some(masks), Some(g)) => masks.holds(rule.index, g),
                _ => rule.group_only.iter().all(|e| e.holds(c)),
            };
            if group_ok
                && rule.between.iter().all(|e| e.holds(c))
                && rule.rest.iter().all(|e| e.holds(c))
            {
                f(rule.index);
            }
        }
    }
}

impl RuleSet {
    /// The rules narrowed to one person, for evaluating many groups: the parts of each condition
    /// that read only person facts are decided once, and rules they rule out are dropped.
    pub(crate) fn for_person(&self, person: &Person) -> PersonRules<'_> {
        let who = PersonOnly(person);
        let active = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                let (personal, others): (Vec<&Expr>, Vec<&Expr>) = rule
                    .when
                    .conjuncts()
                    .into_iter()
                    .partition(|c| c.is_person_only());
                let (group_only, others): (Vec<&Expr>, Vec<&Expr>) =
                    others.into_iter().partition(|c| c.is_group_only());
                // Neither person-only nor group-only: the parts that read no pair facts are
                // the person-and-group ones (`Expr::is_person_and_group`), without reading each
                // part's facts three times more for every person ranked.
                let (between, rest) = others.into_iter().partition(|c| !c.reads_pair_facts());
                personal
                    .iter()
                    .all(|c| c.holds(&who))
                    .then_some(ActiveRule {
                        index,
                        group_only,
                        between,
                        rest,
                    })
            })
            .collect();
        PersonRules {
            rules: self,
            active,
            masks: None,
        }
    }

    /// [`RuleSet::for_person`], with the group-only parts of the conditions already decided for
    /// every group of a directory (`masks`, from [`RuleSet::group_masks`] on that directory).
    pub(crate) fn for_person_in<'r>(
        &'r self,
        person: &Person,
        masks: &'r GroupMasks,
    ) -> PersonRules<'r> {
        PersonRules {
            masks: Some(masks),
            ..self.for_person(person)
        }
    }

    /// Decides, for every rule and every group of `groups`, the parts of the rule's condition
    /// that read only group facts.
    pub(crate) fn group_masks(&self, groups: &[Group]) -> GroupMasks {
        let masks = self
            .rules
            .iter()
            .map(|rule| {
                let parts: Vec<&Expr> = rule
                    .when
                    .conjuncts()
                    .into_iter()
                    .filter(|c| c.is_group_only())
                    .collect();
                (!parts.is_empty()).then(|| {
                    groups
                        .par_iter()
                        .map(|g| parts.iter().all(|c| c.holds(&GroupOnly(g))))
                        .collect()
                })
            })
            .collect();
        // The group facts the person-and-group parts read, directly or through pair facts.
        let mut read: Vec<Fact> = Vec::new();
        for rule in &self.rules {
            for part in rule.when.conjuncts() {
                if part.is_person_and_group() {
                    for f in part.facts().iter().flat_map(|f| f.group_facts()) {
                        if !read.contains(f) {
                            read.push(*f);
                        }
                    }
                }
            }
        }
        // Each group's values of those facts, as a key (in parallel), then numbered in order.
        let keys: Vec<String> = groups
            .par_iter()
            .map(|g| {
                let values: Vec<_> = read.iter().map(|f| GroupOnly(g).fact(*f)).collect();
                format!("{values:?}")
            })
            .collect();
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let kinds = keys
            .iter()
            .map(|key| {
                let next = seen.len() as u32;
                *seen.entry(key).or_insert(next)
            })
            .collect();
        GroupMasks { masks, kinds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::now;

    /// Each pair fact that reads no pair facts has the same value for a person and any two
    /// groups alike in the group facts it names ([`Fact::group_facts`]): what lets the bound
    /// decide such rule parts once per kind of group.
    #[test]
    fn a_person_and_group_fact_is_decided_by_the_group_facts_it_names() {
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(7, 60, 600, 10))
                .unwrap();
        let mut groups = sim.groups;
        // Fellowships and first languages vary in the simulated directory only a little.
        for (i, g) in groups.iter_mut().enumerate() {
            g.fellowship = [None, Some(crate::domain::vocab::Fellowship::Aa)][i % 2];
        }
        let facts = Fact::ALL
            .iter()
            .filter(|f| !f.is_person_fact() && !f.is_group_fact() && !f.reads_pair_facts());
        let mut compared = 0;
        for fact in facts {
            let kind_of = |g: &Group| {
                let values: Vec<_> = fact
                    .group_facts()
                    .iter()
                    .map(|f| GroupOnly(g).fact(*f))
                    .collect();
                format!("{values:?}")
            };
            for person in &sim.people {
                let mut seen: HashMap<String, String> = HashMap::new();
                for g in &groups {
                    let value = format!("{:?}", fact.value(&Pair::at(person, g, now())));
                    match seen.entry(kind_of(g)) {
                        std::collections::hash_map::Entry::Occupied(first) => {
                            assert_eq!(first.get(), &value, "{} of {}", fact.name(), g.id);
                            compared += 1;
                        }
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(value);
                        }
                    }
                }
            }
        }
        assert!(compared > 100_000, "{compared}");
    }

    #[test]
    fn rules_narrowed_to_a_person_fire_exactly_as_the_full_set() {
        let set = RuleSet::embedded_default();
        let groups = crate::engine::embedded_groups();
        let people = [
            &include_bytes!("../../data/people/early-secular-woman.json")[..],
            include_bytes!("../../data/people/young-man-first-year.json"),
            include_bytes!("../../data/people/veteran-co-occurring.json"),
            include_bytes!("../../data/people/nonbinary-online.json"),
            include_bytes!("../../data/people/parent-childcare.json"),
        ];
        let mut fired = 0;
        for bytes in people {
            let p = crate::parse_person(bytes, "p").unwrap().value;
            let narrowed = set.for_person(&p);
            let masks = set.group_masks(&groups);
            let masked = set.for_person_in(&p, &masks);
            for (i, g) in groups.iter().enumerate() {
                let c = Pair::at(&p, g, now());
                assert_eq!(
                    narrowed.fired(&c, None),
                    set.fired(&c),
                    "{} / {}",
                    p.id,
                    g.id
                );
                assert_eq!(
                    masked.fired(&c, Some(i)),
                    set.fired(&c),
                    "{} / {}",
                    p.id,
                    g.id
                );
                fired += set.fired(&c).len();
            }
        }
        assert!(
            fired > 100,
            "the default rules fire on the example people ({fired})"
        );
    }
}
