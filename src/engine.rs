//! The engine: a directory, a model and a rules layer loaded once, and the scoring of one pair.
//!
//! An [`Engine`] is `Send + Sync`, so a service ranks many people against it from many threads.
//! Scoring one pair is the same everywhere: every hard constraint, then the model's logit, then
//! the rules ([`crate::rules::PersonRules::apply`]), which only run on eligible groups and so can
//! never make one eligible. `rank`, `explain`, batch matching and `evaluate` all score through
//! [`Engine::judge`] or [`Engine::score_eligible`].

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Utc};
use rayon::prelude::*;

use crate::candidates::CandidateIndex;
use crate::domain::check::invalid_if_any;
use crate::domain::group::{directory_problems, Group};
use crate::domain::person::Person;
use crate::eligibility::{self, Exclusion};
use crate::engagement::model::{sigmoid, EngagementModel};
use crate::error::{Problem, Result};
use crate::features::{self, GroupTraits};
use crate::formats::groups::{parse_groups, read_groups};
use crate::formats::{Loaded, Syntax};
use crate::matching::bound::{GroupTable, PersonBound};
use crate::pair::{Calendar, Horizon, Pair, PreparedPerson, WeekSessions};
use crate::rules::{GroupMasks, PersonRules, RuleSet};

/// The default directory embedded in the binary (`data/groups.csv`).
pub const EMBEDDED_GROUPS: &str = include_str!("../data/groups.csv");

/// The directory embedded in the binary.
pub fn embedded_groups() -> Vec<Group> {
    parse_groups(EMBEDDED_GROUPS.as_bytes(), Syntax::Csv, "data/groups.csv")
        .expect("the embedded directory is valid (tested)")
        .value
}

/// A loaded directory, model and rules layer, ready to rank people. Cheap to share across
/// threads.
///
/// ```
/// use groupmatch::{Engine, RankOptions, parse_person};
/// let engine = Engine::embedded();
/// let person = parse_person(include_bytes!("../data/people/early-secular-woman.json"), "p").unwrap().value;
/// let now = "2026-11-26T12:00:00Z".parse().unwrap();
/// let ranking = engine.rank(&person, &RankOptions::new(Some(5), now)).unwrap();
/// assert!(ranking.suggestions.len() <= 5);
/// for s in &ranking.suggestions {
///     let terms = s.about_the_person.iter().chain(&s.explanation);
///     let sum: f64 = terms.map(|e| e.contribution).sum();
///     assert!((s.intercept + sum - s.logit).abs() < 1e-9);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    groups: Vec<Group>,
    model: EngagementModel,
    rules: RuleSet,
    /// The group-only parts of the rules' conditions, decided for every group: the rules
    /// compiled for this directory.
    masks: GroupMasks,
    /// Groups by what can rule them out first (and by time zone).
    index: CandidateIndex,
    /// The groups' sessions, packed for horizons ([`WeekSessions::of`]).
    weekly: WeekSessions,
    /// What the features read of each group, packed ([`GroupTraits::of`]), by group.
    traits: Vec<GroupTraits>,
    /// What bounds on logits read of the directory, packed: made when a bounded search first
    /// needs it ([`Engine::table`]).
    table: OnceLock<GroupTable>,
}

/// Why `now` cannot be the instant of a ranking or a match, if it cannot.
pub(crate) fn now_problem(now: DateTime<Utc>) -> Option<Problem> {
    (!(1..=9999).contains(&now.year())).then(|| {
        Problem::new(
            None,
            Some("now"),
            format!("{now} is outside the years 1 to 9999"),
        )
    })
}

/// Where one part of an engine comes from: a value, or a file read when the engine is built.
#[derive(Debug, Clone)]
pub(crate) enum Source<T> {
    Value(T),
    File(PathBuf),
}

/// Where an [`EngineBuilder`]'s directory comes from (`None`: embedded).
#[cfg(feature = "serve")]
pub(crate) struct Sources<'a> {
    pub(crate) groups: Option<&'a Source<Vec<Group>>>,
}

/// How an [`Engine`] is put together: the directory, model and rules embedded in the binary,
/// unless values or files are given. Files are read by [`EngineBuilder::build`].
///
/// ```
/// use groupmatch::{EngagementModel, EngineBuilder};
/// let loaded = EngineBuilder::new()
///     .model(EngagementModel::prior())
///     .no_rules()
///     .build()
///     .unwrap();
/// assert!(loaded.warnings.is_empty());
/// assert!(loaded.value.rules().is_empty());
/// assert!(loaded.value.groups().len() > 300); // the embedded directory
/// ```
#[derive(Debug, Clone, Default)]
pub struct EngineBuilder {
    groups: Option<Source<Vec<Group>>>,
    model: Option<Source<EngagementModel>>,
    rules: Option<Source<RuleSet>>,
}

impl EngineBuilder {
    /// The embedded directory, model and rules.
    pub fn new() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// This directory instead of the embedded one.
    pub fn groups(mut self, groups: Vec<Group>) -> EngineBuilder {
        self.groups = Some(Source::Value(groups));
        self
    }

    /// The directory in this file (.csv or .json) instead of the embedded one.
    pub fn groups_file(mut self, path: impl Into<PathBuf>) -> EngineBuilder {
        self.groups = Some(Source::File(path.into()));
        self
    }

    /// This model instead of the embedded default.
    pub fn model(mut self, model: EngagementModel) -> EngineBuilder {
        self.model = Some(Source::Value(model));
        self
    }

    /// The model in this file (.json) instead of the embedded default.
    pub fn model_file(mut self, path: impl Into<PathBuf>) -> EngineBuilder {
        self.model = Some(Source::File(path.into()));
        self
    }

    /// These rules instead of the embedded default rules.
    pub fn rules(mut self, rules: RuleSet) -> EngineBuilder {
        self.rules = Some(Source::Value(rules));
        self
    }

    /// The rules in this file (.toml) instead of the embedded default rules.
    pub fn rules_file(mut self, path: impl Into<PathBuf>) -> EngineBuilder {
        self.rules = Some(Source::File(path.into()));
        self
    }

    /// No rules: the model alone.
    pub fn no_rules(self) -> EngineBuilder {
        self.rules(RuleSet::empty())
    }

    /// Where the directory comes from (`None`: embedded), for the server's warnings
    /// (`groupmatch serve`).
    #[cfg(feature = "serve")]
    pub(crate) fn sources(&self) -> Sources<'_> {
        Sources {
            groups: self.groups.as_ref(),
        }
    }

    /// The version of the engine this builder builds: `d<8 hex>-m<8 hex>-r<8 hex>`, the first
    /// 32 bits of the SHA-256 of the directory, the model and the rules as read now (the embedded
    /// ones' text when no file is given, a value's debug form when a value is). The server sends
    /// it with every answer and the referrals store records it with every referral, so an
    /// outcome can be traced to the engine that suggested it.
    ///
    /// Each file is hashed as read just before [`EngineBuilder::build`] reads it: a file replaced
    /// between the two reads gives a version one reload behind (the next build corrects it).
    ///
    /// ```
    /// use groupmatch::EngineBuilder;
    /// let embedded = EngineBuilder::new().version().unwrap();
    /// assert_eq!(embedded.len(), "d12345678-m12345678-r12345678".len());
    /// let no_rules = EngineBuilder::new().no_rules().version().unwrap();
    /// assert_eq!(no_rules[..19], embedded[..19], "only the rules' part differs");
    /// assert_ne!(no_rules, embedded);
    /// ```
    #[cfg(any(feature = "serve", feature = "store"))]
    pub fn version(&self) -> Result<String> {
        use crate::limits::{MAX_DATA_FILE_BYTES, MAX_DOCUMENT_FILE_BYTES, MAX_RULES_FILE_BYTES};
        Ok(format!(
            "d{}-m{}-r{}",
            part_hash(self.groups.as_ref(), EMBEDDED_GROUPS, MAX_DATA_FILE_BYTES)?,
            part_hash(
                self.model.as_ref(),
                crate::engagement::model::EMBEDDED_MODEL,
                MAX_DOCUMENT_FILE_BYTES
            )?,
            part_hash(
                self.rules.as_ref(),
                crate::rules::DEFAULT_RULES,
                MAX_RULES_FILE_BYTES
            )?,
        ))
    }

    /// Reads the files given and builds the engine; the warnings are the groups file's
    /// (unknown fields, which are ignored). Groups given as values are checked as
    /// [`Engine::new`] checks them.
    ///
    /// ```
    /// use groupmatch::{embedded_groups, EngineBuilder};
    /// let mut groups = embedded_groups();
    /// groups[1].id = groups[0].id.clone();
    /// let err = EngineBuilder::new().groups(groups).build().unwrap_err();
    /// assert_eq!(err.problems()[0].line, Some(2));
    /// assert_eq!(err.problems()[0].field.as_deref(), Some("id"));
    /// ```
    pub fn build(self) -> Result<Loaded<Engine>> {
        // Groups from a file were checked by the reader, which checks everything
        // `Engine::new` does (the fuzz targets hold it for every file the reader accepts).
        let (groups, checked, warnings) = match self.groups {
            None => (embedded_groups(), true, Vec::new()),
            Some(Source::Value(groups)) => (groups, false, Vec::new()),
            Some(Source::File(path)) => {
                let loaded = read_groups(&path)?;
                (loaded.value, true, loaded.warnings)
            }
        };
        let model = match self.model {
            None => EngagementModel::embedded_default(),
            Some(Source::Value(model)) => model,
            Some(Source::File(path)) => EngagementModel::read(&path)?,
        };
        let rules = match self.rules {
            None => RuleSet::embedded_default(),
            Some(Source::Value(rules)) => rules,
            Some(Source::File(path)) => RuleSet::read(&path)?,
        };
        let engine = if checked {
            Engine::over_checked(groups, model)
        } else {
            Engine::new(groups, model)?
        };
        Ok(Loaded {
            value: engine.with_rules(rules),
            warnings,
        })
    }
}

/// The short hash of one part of an engine: its file's bytes, the embedded text, or a value's
/// debug form; the first 4 bytes of the SHA-256, in hex.
#[cfg(any(feature = "serve", feature = "store"))]
fn part_hash<T: std::fmt::Debug>(
    source: Option<&Source<T>>,
    embedded: &str,
    max: u64,
) -> Result<String> {
    use sha2::{Digest, Sha256};
    let digest = match source {
        None => Sha256::digest(embedded.as_bytes()),
        Some(Source::File(path)) => Sha256::digest(crate::formats::read_bytes(path, max)?),
        Some(Source::Value(value)) => Sha256::digest(format!("{value:?}").as_bytes()),
    };
    Ok(digest[..4].iter().map(|b| format!("{b:02x}")).collect())
}

/// One eligible pair, scored but not yet explained.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored<'a> {
    /// The group's index in [`Engine::groups`].
    pub(crate) index: usize,
    /// The pair.
    pub(crate) pair: Pair<'a>,
    /// Model logit plus every fired rule's adjustment.
    pub(crate) logit: f64,
    /// sigmoid(logit): the order is by score (two logits can round to one score), then by id.
    pub(crate) score: f64,
}

impl Engine {
    /// An engine over `groups` scored by `model`, after checking every group
    /// ([`Group::validate`]) and that no two share an id. The error lists every problem, each
    /// naming its field, with the group's 1-based place in `groups` as its `line`.
    ///
    /// ```
    /// use groupmatch::{embedded_groups, EngagementModel, Engine};
    /// let mut groups = embedded_groups();
    /// assert!(Engine::new(groups.clone(), EngagementModel::prior()).is_ok());
    /// groups[2].languages.clear();
    /// let err = Engine::new(groups, EngagementModel::prior()).unwrap_err();
    /// let p = &err.problems()[0];
    /// assert_eq!((p.line, p.field.as_deref()), (Some(3), Some("languages")));
    /// ```
    pub fn new(groups: Vec<Group>, model: EngagementModel) -> Result<Engine> {
        invalid_if_any("groups", directory_problems(&groups))?;
        Ok(Engine::over_checked(groups, model))
    }

    /// An engine over groups already checked: by the groups reader, which checks every rule
    /// [`Engine::new`] does (tested on the embedded directory, and by the fuzz targets on every
    /// file the reader accepts). The index, the weekly sessions and the traits are built at once.
    fn over_checked(groups: Vec<Group>, model: EngagementModel) -> Engine {
        let ((index, weekly), traits) = rayon::join(
            || {
                rayon::join(
                    || CandidateIndex::new(&groups),
                    || WeekSessions::of(&groups),
                )
            },
            || groups.par_iter().map(GroupTraits::of).collect(),
        );
        Engine {
            index,
            weekly,
            traits,
            table: OnceLock::new(),
            groups,
            model,
            rules: RuleSet::empty(),
            masks: GroupMasks::default(),
        }
    }

    /// The same engine with a rules layer on top of the model.
    pub fn with_rules(mut self, rules: RuleSet) -> Engine {
        self.masks = rules.group_masks(&self.groups);
        self.rules = rules;
        // The table packs the masks: made again for the new rules when next needed.
        self.table = OnceLock::new();
        self
    }

    /// The directory, default model and default rules embedded in the binary.
    pub fn embedded() -> Engine {
        Engine::over_checked(embedded_groups(), EngagementModel::embedded_default())
            .with_rules(RuleSet::embedded_default())
    }

    /// The rules layer.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The directory.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The index in [`Engine::groups`] of the group staff name by `query`: its id, or else its
    /// exact name ignoring case ([`crate::find_group`]). A name several groups share is
    /// [`crate::Error::AmbiguousGroup`]
    /// listing their ids; a miss is [`crate::Error::NotFound`] suggesting the closest ids and names.
    ///
    /// ```
    /// use groupmatch::Engine;
    /// let engine = Engine::embedded();
    /// let i = engine.find_group("aa-0002").unwrap();
    /// assert_eq!(engine.find_group("chalfont sunday night").unwrap(), i);
    /// let miss = engine.find_group("Chalfont Sunday").unwrap_err().to_string();
    /// assert!(miss.contains("closest: aa-0002 'Chalfont Sunday Night'"), "{miss}");
    /// ```
    pub fn find_group(&self, query: &str) -> Result<usize> {
        crate::lookup::find_group(&self.groups, query)
    }

    /// The model.
    pub fn model(&self) -> &EngagementModel {
        &self.model
    }

    /// The directory's candidate index.
    pub(crate) fn index(&self) -> &CandidateIndex {
        &self.index
    }

    /// The rules narrowed to `person`, with the directory's masks.
    pub(crate) fn rules_for<'e>(&'e self, person: &Person) -> PersonRules<'e> {
        self.rules.for_person_in(person, &self.masks)
    }

    /// The directory packed for bounds on logits, with the rules' masks: made once, when first
    /// needed (a match, or a ranking of the top few without the excluded list).
    fn table(&self) -> &GroupTable {
        self.table
            .get_or_init(|| GroupTable::new(&self.groups, &self.traits, &self.masks))
    }

    /// The bound on logits for `person`, whose rules narrowed to them are `rules`
    /// ([`Engine::rules_for`]), over the directory's packed table ([`Engine::table`]).
    pub(crate) fn person_bound<'a>(
        &'a self,
        person: &'a Person,
        rules: &'a PersonRules<'a>,
    ) -> PersonBound<'a> {
        PersonBound::new(&self.groups, &self.model, self.table(), person, rules)
    }

    /// The horizon from `now` over the directory ([`Horizon`]).
    pub(crate) fn horizon(&self, now: DateTime<Utc>) -> Horizon<'_> {
        Horizon::new(Cow::Borrowed(&self.weekly), self.index.zones(), now)
    }

    /// Group `index`'s calendar over `horizon`.
    pub(crate) fn calendar<'h>(&'h self, horizon: &'h Horizon, index: usize) -> Calendar<'h> {
        horizon.group(index, &self.groups[index], self.index.zone_of(index))
    }

    /// The pair of a prepared person with group `index`, over `horizon` (from
    /// [`Engine::horizon`]).
    pub(crate) fn pair<'a>(
        &'a self,
        person: &PreparedPerson<'a>,
        horizon: &Horizon,
        index: usize,
    ) -> Pair<'a> {
        Pair::new(person, &self.groups[index], &self.calendar(horizon, index))
    }

    /// Every group eligible for `person` at `now`, as (index into [`Engine::groups`], pair), in
    /// directory order. No reasons are built for the others, and only the groups the index cannot
    /// rule out are checked.
    pub(crate) fn eligible_pairs<'a>(
        &'a self,
        person: &'a Person,
        now: DateTime<Utc>,
    ) -> Vec<(usize, Pair<'a>)> {
        let horizon = self.horizon(now);
        let prepared = PreparedPerson::new(person, &horizon);
        self.eligible(&prepared, &horizon).collect()
    }

    /// Every group eligible for a prepared person over `horizon` (from [`Engine::horizon`]), as
    /// [`Engine::eligible_pairs`] finds them, one at a time: a caller that needs only the first
    /// few checks no more candidates than that, and callers may share a horizon.
    pub(crate) fn eligible<'a, 'h>(
        &'a self,
        prepared: &'h PreparedPerson<'a>,
        horizon: &'h Horizon,
    ) -> impl Iterator<Item = (usize, Pair<'a>)> + 'h
    where
        'a: 'h,
    {
        self.index
            .candidates(prepared, horizon.spans())
            .into_iter()
            .filter_map(move |c| {
                let i = c.group;
                let pair = self.pair(prepared, horizon, i);
                eligibility::is_eligible(&pair).then_some((i, pair))
            })
    }

    /// The verdict on one pair (its group is `index`), in layer order: every hard constraint,
    /// then the model, then the rules. `Err` holds every reason the group is out.
    pub(crate) fn judge<'a>(
        &self,
        rules: &PersonRules,
        index: usize,
        pair: Pair<'a>,
    ) -> Result<Scored<'a>, Vec<Exclusion>> {
        let reasons = eligibility::check(&pair);
        if !reasons.is_empty() {
            return Err(reasons);
        }
        self.score_eligible(rules, index, pair)
    }

    /// The model, then the rules, on a pair that passes every hard constraint. `Err` holds the
    /// exclusions by rules.
    pub(crate) fn score_eligible<'a>(
        &self,
        rules: &PersonRules,
        index: usize,
        pair: Pair<'a>,
    ) -> Result<Scored<'a>, Vec<Exclusion>> {
        let logit = self
            .model
            .logit(&features::compute_with(&pair, &self.traits[index]));
        let logit = rules.apply(&pair, Some(index), logit)?;
        Ok(Scored {
            index,
            pair,
            logit,
            score: sigmoid(logit),
        })
    }

    /// The ranking order of two scored pairs: best score first, ties by group id.
    pub(crate) fn by_score(&self, a: &Scored, b: &Scored) -> std::cmp::Ordering {
        self.order((a.score, a.index), (b.score, b.index))
    }

    /// The ranking order of two (score, group index): best score first, ties by group id.
    pub(crate) fn order(&self, a: (f64, usize), b: (f64, usize)) -> std::cmp::Ordering {
        b.0.total_cmp(&a.0)
            .then_with(|| self.groups[a.1].id.cmp(&self.groups[b.1].id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::*;
    use crate::pair::PairFacts;

    #[test]
    fn eligible_pairs_from_the_index_equal_the_exhaustive_filter() {
        let sim =
            crate::simulate::simulate(&crate::simulate::SimulationParams::new(3, 150, 400, 10))
                .unwrap();
        assert!(sim
            .groups
            .iter()
            .any(|g| g.timezone != sim.groups[0].timezone));
        let e = Engine::new(sim.groups, EngagementModel::prior()).unwrap();
        // Summer and winter time, and the hours either side of the US change.
        for now in [
            "2026-11-26T12:00:00Z",
            "2026-07-01T03:00:00Z",
            "2026-03-08T06:30:00Z",
            "2026-03-08T07:30:00Z",
        ] {
            let now: DateTime<Utc> = now.parse().unwrap();
            let mut pairs = 0;
            for p in &sim.people {
                // Each pair alone, with its own zones and counts.
                let exhaustive: Vec<(usize, PairFacts)> = e
                    .groups()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, g)| {
                        let pair = Pair::at(p, g, now);
                        eligibility::is_eligible(&pair).then_some((i, pair.facts))
                    })
                    .collect();
                let indexed: Vec<(usize, PairFacts)> = e
                    .eligible_pairs(p, now)
                    .into_iter()
                    .map(|(i, pair)| (i, pair.facts))
                    .collect();
                assert_eq!(indexed, exhaustive, "{} at {now}", p.id);
                pairs += exhaustive.len();
            }
            assert!(pairs > sim.people.len(), "{pairs} eligible pairs at {now}");
        }
    }

    #[test]
    fn embedded_directory_is_a_realistic_metro_directory() {
        let groups = embedded_groups();
        assert!(groups.len() >= 300, "{}", groups.len());
        let twelve = groups
            .iter()
            .filter(|g| g.approach == Approach::TwelveStep)
            .count();
        assert!(twelve * 2 > groups.len(), "12-step groups are the majority");
        for a in [
            Approach::SmartRecovery,
            Approach::Lifering,
            Approach::WomenForSobriety,
            Approach::RecoveryDharma,
            Approach::CelebrateRecovery,
            Approach::Cbt,
            Approach::Motivational,
            Approach::Psychoeducation,
            Approach::DualRecovery,
        ] {
            assert!(groups.iter().any(|g| g.approach == a), "{a}");
        }
        for f in Format::ALL {
            assert!(groups.iter().any(|g| g.format == *f), "{f}");
        }
        assert!(groups
            .iter()
            .any(|g| g.languages.iter().any(|l| l.as_str() != "en")));
        assert!(groups.iter().any(|g| !g.audience.is_empty()));
        assert!(groups
            .iter()
            .any(|g| g.facilitation == Facilitation::Professional && g.capacity.is_some()));
    }

    #[test]
    fn the_embedded_directory_passes_the_checks_of_engine_new() {
        // Engine::embedded skips them, relying on the reader.
        assert!(directory_problems(&embedded_groups()).is_empty());
    }

    #[test]
    fn engine_new_and_the_builder_refuse_a_bad_directory_with_each_groups_place() {
        let mut groups = vec![crate::testutil::group("g1"), crate::testutil::group("g2")];
        groups[1].languages.clear();
        groups.push(crate::testutil::group("g1"));
        let places = |e: crate::Error| {
            e.problems()
                .iter()
                .map(|p| (p.line.unwrap(), p.field.clone().unwrap()))
                .collect::<Vec<_>>()
        };
        let want = [(2, "languages".to_string()), (3, "id".to_string())];
        let err = Engine::new(groups.clone(), EngagementModel::prior()).unwrap_err();
        assert!(
            err.to_string().starts_with("groups:2: languages: empty"),
            "{err}"
        );
        assert_eq!(places(err), want);
        let err = EngineBuilder::new().groups(groups).build().unwrap_err();
        assert_eq!(places(err), want);
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }

    #[cfg(any(feature = "serve", feature = "store"))]
    #[test]
    fn the_version_changes_with_a_file_and_only_its_part() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.toml");
        std::fs::write(&rules, crate::rules::DEFAULT_RULES).unwrap();
        let builder = EngineBuilder::new().rules_file(&rules);
        let embedded = EngineBuilder::new().version().unwrap();
        let same = builder.version().unwrap();
        assert_eq!(same, embedded, "the same text, the same version");
        std::fs::write(
            &rules,
            format!("{}\n# edited\n", crate::rules::DEFAULT_RULES),
        )
        .unwrap();
        let edited = builder.version().unwrap();
        assert_ne!(edited, embedded);
        assert_eq!(edited[..19], embedded[..19], "{edited} {embedded}");
    }
}
