//! The versioned model file and the linear logit model it holds.
//!
//! A model file stores feature names, coefficients, intercept, optional standardisation and
//! metadata. Scoring is `logit = intercept + sum_j coef_j * (x_j - mean_j) / scale_j` and
//! `score = sigmoid(logit)`; each term of the sum is that feature's contribution, so an
//! explanation adds up to the logit exactly. A file whose features differ from this binary's
//! schema ([`crate::FEATURE_NAMES`]) is refused, never silently re-mapped.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{FeatureVector, FEATURE_NAMES, N_FEATURES};

/// The `format` value every model file carries.
pub const MODEL_FORMAT: &str = "groupmatch-model";
/// The model file version this binary reads and writes.
pub const MODEL_VERSION: u32 = 1;

/// What a model's coefficients were estimated from, which is what its score can honestly be
/// called: the `provenance` field of a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Fitted by `groupmatch train` on a simulated history (`groupmatch simulate`).
    Simulation,
    /// Fitted by `groupmatch train` on an organisation's own placement outcomes.
    LocalOutcomes,
    /// Set by hand from published findings (the prior model).
    HandSet,
}

impl Provenance {
    /// The value as written in model files and JSON output (`local_outcomes`).
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Simulation => "simulation",
            Provenance::LocalOutcomes => "local_outcomes",
            Provenance::HandSet => "hand_set",
        }
    }

    /// How a score from such a model was estimated, in words for people: "estimated from a
    /// simulation", ... `None` (a file that does not say) is described as such.
    pub fn estimated_from(provenance: Option<Provenance>) -> &'static str {
        match provenance {
            Some(Provenance::Simulation) => "estimated from a simulation, not from real outcomes",
            Some(Provenance::LocalOutcomes) => "estimated from this organisation's outcomes",
            Some(Provenance::HandSet) => "set by hand from published findings",
            None => "estimated by a model whose file does not say what it was estimated from",
        }
    }
}

/// Standardisation applied to features before the coefficients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// Per-feature mean subtracted.
    pub mean: Vec<f64>,
    /// Per-feature divisor (positive).
    pub scale: Vec<f64>,
}

/// A model file as stored (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// File version, [`MODEL_VERSION`].
    pub version: u32,
    /// What produced it, such as `prior` (hand-set) or `logistic_regression` (trained).
    pub kind: String,
    /// What the coefficients were estimated from. A file made before the field existed has none
    /// (`None`): it is still read, and its score is described as not saying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// One line on what the model is.
    pub description: String,
    /// Feature names, in the order of `coefficients`.
    pub features: Vec<String>,
    /// One coefficient per feature (log-odds per unit of the scaled feature).
    pub coefficients: Vec<f64>,
    /// The logit when every scaled feature is 0.
    pub intercept: f64,
    /// Standardisation, when the model was fitted on standardised features.
    #[serde(default)]
    pub scaling: Option<Scaling>,
    /// Free-form metadata (sources, creation).
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Training summary, for trained models.
    #[serde(default)]
    pub training: Option<serde_json::Value>,
}

/// The text of the default model embedded in the binary (`models/engagement.json`).
pub(crate) const EMBEDDED_MODEL: &str = include_str!("../../models/engagement.json");

/// A linear logit model over this binary's features, checked against its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct EngagementModel {
    file: ModelFile,
    /// Effective per-feature weight: coef / scale.
    weight: FeatureVector,
    /// Effective per-feature centre: the scaling mean (0 without scaling).
    centre: FeatureVector,
}

impl EngagementModel {
    /// Checks a model file against this binary's feature schema; `label` names it in errors.
    pub fn from_file(file: ModelFile, label: &str) -> Result<EngagementModel> {
        let schema_err = |message: String| Error::ModelSchema {
            path: label.to_string(),
            message,
        };
        if file.format != MODEL_FORMAT {
            return Err(schema_err(format!(
                "format is '{}', expected '{MODEL_FORMAT}'",
                file.format
            )));
        }
        if file.version != MODEL_VERSION {
            return Err(schema_err(format!(
                "file version {} but this binary reads version {MODEL_VERSION}; use a model file made for this version",
                file.version
            )));
        }
        if file.features != FEATURE_NAMES {
            let missing: Vec<&str> = FEATURE_NAMES
                .iter()
                .copied()
                .filter(|n| !file.features.iter().any(|f| f == n))
                .collect();
            let unknown: Vec<&str> = file
                .features
                .iter()
                .map(String::as_str)
                .filter(|f| !FEATURE_NAMES.contains(f))
                .collect();
            return Err(schema_err(format!(
                "feature schema differs (missing: [{}]; unknown: [{}]{}); use a model file made for this version of groupmatch",
                missing.join(", "),
                unknown.join(", "),
                if missing.is_empty() && unknown.is_empty() { "; order differs" } else { "" }
            )));
        }
        let mut centre = [0.0; N_FEATURES];
        let mut scale = [1.0; N_FEATURES];
        if let Some(s) = &file.scaling {
            if s.mean.len() != N_FEATURES || s.scale.len() != N_FEATURES {
                return Err(schema_err(format!(
                    "scaling has {} means and {} scales for {N_FEATURES} features",
                    s.mean.len(),
                    s.scale.len()
                )));
            }
            centre.copy_from_slice(&s.mean);
            scale.copy_from_slice(&s.scale);
        }
        if file.coefficients.len() != N_FEATURES {
            return Err(schema_err(format!(
                "{} coefficients for {N_FEATURES} features",
                file.coefficients.len()
            )));
        }
        let all_finite = file
            .coefficients
            .iter()
            .chain(&centre)
            .chain(std::iter::once(&file.intercept))
            .all(|v| v.is_finite());
        if !all_finite || scale.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(schema_err(
                "coefficients, intercept and scaling must be finite, scales positive".into(),
            ));
        }
        let mut weight = [0.0; N_FEATURES];
        for j in 0..N_FEATURES {
            weight[j] = file.coefficients[j] / scale[j];
        }
        Ok(EngagementModel {
            file,
            weight,
            centre,
        })
    }

    /// Parses and checks a model from JSON text; `label` names it in errors.
    pub fn from_json(text: &str, label: &str) -> Result<EngagementModel> {
        let file: ModelFile = serde_json::from_str(text).map_err(|e| {
            Error::invalid(
                label,
                Some(e.line() as u64),
                None,
                format!("not a model file: {e}"),
            )
        })?;
        EngagementModel::from_file(file, label)
    }

    /// Reads and checks a model file.
    pub fn read(path: &Path) -> Result<EngagementModel> {
        let text = crate::formats::read_text(path, crate::limits::MAX_DOCUMENT_FILE_BYTES)?;
        EngagementModel::from_json(&text, &path.display().to_string())
    }

    /// The default model embedded in the binary (`models/engagement.json`): logistic regression
    /// trained on a documented simulation (see `models/README.md`).
    pub fn embedded_default() -> EngagementModel {
        EngagementModel::from_json(EMBEDDED_MODEL, "models/engagement.json")
            .expect("the embedded default model matches the feature schema (tested)")
    }

    /// The hand-set prior model embedded in the binary (`models/prior.json`).
    pub fn prior() -> EngagementModel {
        EngagementModel::from_json(include_str!("../../models/prior.json"), "models/prior.json")
            .expect("the embedded prior model matches the feature schema (tested)")
    }

    /// The stored file.
    pub fn file(&self) -> &ModelFile {
        &self.file
    }

    /// What the coefficients were estimated from, when the file says.
    pub fn provenance(&self) -> Option<Provenance> {
        self.file.provenance
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.file.intercept
    }

    /// The coefficient of each feature, by name, in schema order.
    pub fn coefficients(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        FEATURE_NAMES
            .iter()
            .copied()
            .zip(self.file.coefficients.iter().copied())
    }

    /// Each feature's term in the logit.
    pub fn contributions(&self, x: &FeatureVector) -> FeatureVector {
        let mut c = [0.0; N_FEATURES];
        for j in 0..N_FEATURES {
            c[j] = self.weight[j] * (x[j] - self.centre[j]);
        }
        c
    }

    /// How much feature `f`'s contribution grows per unit of the feature (its coefficient over
    /// its scale).
    pub(crate) fn weight(&self, f: crate::Feature) -> f64 {
        self.weight[f as usize]
    }

    /// The logit: intercept plus every contribution, summed in schema order.
    pub fn logit(&self, x: &FeatureVector) -> f64 {
        self.intercept() + self.contributions(x).iter().sum::<f64>()
    }
}

/// The logistic function, without overflow for large `|z|`: the one sigmoid of the crate, for
/// scores, training and the simulator alike.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::exp(-z))
    } else {
        let e = libm::exp(z);
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior_file() -> ModelFile {
        serde_json::from_str(include_str!("../../models/prior.json")).unwrap()
    }

    #[test]
    fn embedded_models_match_the_schema() {
        let m = EngagementModel::prior();
        assert_eq!(m.coefficients().count(), N_FEATURES);
        let m = EngagementModel::embedded_default();
        assert_eq!(m.file().kind, "logistic_regression");
        assert!(m.file().training.is_some());
    }

    #[test]
    fn embedded_models_say_what_they_were_estimated_from_and_round_trip() {
        assert_eq!(
            EngagementModel::prior().provenance(),
            Some(Provenance::HandSet)
        );
        assert_eq!(
            EngagementModel::embedded_default().provenance(),
            Some(Provenance::Simulation)
        );
        for text in [
            include_str!("../../models/prior.json"),
            include_str!("../../models/engagement.json"),
        ] {
            let file: ModelFile = serde_json::from_str(text).unwrap();
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_value(&file).unwrap(), value);
        }
    }

    #[test]
    fn a_file_without_provenance_is_read_as_not_saying_and_written_back_without_it() {
        let text = include_str!("../../models/prior.json")
            .replace("  \"provenance\": \"hand_set\",\n", "");
        let m = EngagementModel::from_json(&text, "old.json").unwrap();
        assert_eq!(m.provenance(), None);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(m.file()).unwrap(), value);
        assert!(value.get("provenance").is_none());
        let unknown = include_str!("../../models/prior.json").replace("hand_set", "guessed");
        let err = EngagementModel::from_json(&unknown, "m")
            .unwrap_err()
            .to_string();
        assert!(err.contains("guessed"), "{err}");
    }

    #[test]
    fn logit_is_intercept_plus_contributions() {
        let m = EngagementModel::prior();
        let mut x = [0.0; N_FEATURES];
        x[0] = 1.0;
        x[2] = 2f64.ln_1p();
        let c = m.contributions(&x);
        assert_eq!(m.logit(&x), m.intercept() + c.iter().sum::<f64>());
        assert_eq!(c[0], m.file().coefficients[0]);
    }

    #[test]
    fn scaling_divides_and_centres() {
        let mut f = prior_file();
        f.scaling = Some(Scaling {
            mean: vec![0.5; N_FEATURES],
            scale: vec![2.0; N_FEATURES],
        });
        let m = EngagementModel::from_file(f.clone(), "m").unwrap();
        let x = [1.5; N_FEATURES];
        let c = m.contributions(&x);
        assert!((c[0] - f.coefficients[0] * 0.5).abs() < 1e-15);
    }

    #[test]
    fn refuses_a_model_with_another_feature_schema() {
        let mut f = prior_file();
        f.features[3] = "distance_miles".into();
        let err = EngagementModel::from_file(f, "old.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing: [distance_10km]"), "{err}");
        assert!(err.contains("unknown: [distance_miles]"), "{err}");
        let mut f = prior_file();
        f.features.swap(0, 1);
        let err = EngagementModel::from_file(f, "m").unwrap_err().to_string();
        assert!(err.contains("order differs"), "{err}");
    }

    #[test]
    fn refuses_other_versions_and_bad_numbers() {
        let mut f = prior_file();
        f.version = 99;
        assert!(EngagementModel::from_file(f, "m").is_err());
        let mut f = prior_file();
        f.scaling = Some(Scaling {
            mean: vec![0.0; N_FEATURES],
            scale: vec![0.0; N_FEATURES],
        });
        assert!(EngagementModel::from_file(f, "m").is_err());
        assert!(EngagementModel::from_json("{\"format\": 1}", "m").is_err());
    }

    #[test]
    fn a_model_file_built_in_rust_with_bad_numbers_or_counts_is_refused() {
        // ModelFile's fields are public and EngagementModel's are not: from_file is the one way
        // in, so these are every way a caller can pass such a model.
        let refused = |f: ModelFile| match EngagementModel::from_file(f, "m") {
            Err(Error::ModelSchema { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        let mut f = prior_file();
        f.coefficients[4] = f64::NAN;
        assert!(refused(f).contains("must be finite"));
        let mut f = prior_file();
        f.intercept = f64::INFINITY;
        assert!(refused(f).contains("must be finite"));
        let mut f = prior_file();
        f.coefficients.truncate(3);
        assert_eq!(
            refused(f),
            format!("3 coefficients for {N_FEATURES} features")
        );
        let mut f = prior_file();
        f.coefficients.push(0.0);
        assert!(refused(f).contains("coefficients for"));
        let mut f = prior_file();
        f.scaling = Some(Scaling {
            mean: vec![f64::NAN; N_FEATURES],
            scale: vec![1.0; N_FEATURES],
        });
        assert!(refused(f).contains("must be finite"));
        let mut f = prior_file();
        f.scaling = Some(Scaling {
            mean: vec![0.0; 2],
            scale: vec![1.0; N_FEATURES],
        });
        assert!(refused(f).contains("scaling has 2 means"));
    }

    #[test]
    fn sigmoid_is_symmetric() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn sigmoid_is_finite_and_monotone_at_the_extremes() {
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!(sigmoid(-1000.0) >= 0.0 && sigmoid(-700.0) > 0.0);
        assert!(sigmoid(-700.0) > sigmoid(-701.0));
        assert!(sigmoid(f64::NEG_INFINITY) == 0.0 && sigmoid(f64::INFINITY) == 1.0);
    }
}
