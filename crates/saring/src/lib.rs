//! # saring — rule-based risk screening
//!
//! Analysts write declarative rules in CEL; saring compiles them against a record schema and
//! evaluates them over records, returning an explained [`Decision`]: `clear`, `review` or
//! `refer`, with every hit's reason, evidence and remedy, and every rule that could not be
//! decided because data was missing.
#![warn(missing_docs)]

pub mod backtest;
pub mod cel;
pub mod decision;
pub mod diagnostic;
pub mod engine;
pub mod error;
pub mod limits;
pub mod pack;
pub mod record;
pub mod render;
pub mod schema;

pub use cel::Value;
pub use decision::{Decision, Hit, Incomplete, Outcome, PackRef};
pub use diagnostic::{Diagnostic, Location, Severity};
pub use engine::Engine;
pub use error::{PackError, RecordError};
pub use pack::Pack;
pub use record::{DecodeOptions, Record};
pub use schema::Schema;
