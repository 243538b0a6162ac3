//! The engagement model: the chance a person is still attending a group at 90 days, as a linear
//! logit over the named pair features ([`crate::Feature`]).

pub mod evaluate;
pub mod history;
mod lbfgs;
pub mod logistic;
pub mod metrics;
pub mod model;
pub mod outcomes;
mod outcomes_html;
pub mod plot;
pub mod train;

pub use outcomes_html::render_outcome_report;
