//! # saring — rule-based risk screening
//!
//! Analysts write declarative rules in CEL; saring compiles them against a record schema and
//! evaluates them over records, returning an explained [`Decision`]: `clear`, `review` or
//! `refer`, with every hit's reason, evidence and remedy, and every rule that could not be
//! decided because data was missing.
//!
//! ```
//! use saring::{Engine, Outcome, Pack};
//!
//! let schema = "[field.destination]\ntype = \"string\"\nrequired = true\n\
//!               [field.return_ticket]\ntype = \"bool\"\nrequired = true\n";
//! let pack = r#"
//! [pack]
//! id = "tour"
//! version = "1"
//! title = "Tour"
//! [outcomes]
//! review = 20
//! refer = 50
//! [lists]
//! hotspot = ["KH", "MM", "LA"]
//! [[rule]]
//! id = "one_way_hotspot"
//! title = "One-way ticket towards a scam-compound region"
//! weight = 25
//! when = "destination in hotspot && !return_ticket"
//! reason = "No return ticket for travel to {destination}"
//! remedy = "A return or onward ticket clears this flag"
//! "#;
//! let engine = Engine::compile(&Pack::from_toml_str(pack, schema)?)?;
//!
//! let decision = engine.screen_json(r#"{"destination": "KH", "return_ticket": false}"#)?;
//! assert_eq!(decision.outcome, Outcome::Review);
//! assert_eq!(decision.hits[0].evidence["destination"], "KH");
//!
//! // An absent field is never a silent "no": the rule is incomplete, with the missing path.
//! let decision = engine.screen_json(r#"{"destination": "KH"}"#)?;
//! assert!(decision.hits.is_empty());
//! assert_eq!(decision.incomplete[0].missing, ["return_ticket"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod aggregate;
pub mod audit;
pub mod backtest;
pub mod bundle;
pub mod capability;
pub mod cel;
#[cfg(feature = "arrow")]
pub mod columnar;
pub mod decision;
pub mod diagnostic;
pub mod engine;
pub mod error;
mod idset;
pub mod limits;
pub mod pack;
pub mod record;
pub mod render;
pub mod schema;

pub use cel::Value;
pub use decision::{
    Decision, ErrorAt, Hit, Incomplete, IncompleteKind, InvalidField, Outcome, PackRef, Question,
    RuntimeErrorKind,
};
pub use diagnostic::{Code, Diagnostic, Location, Severity, SourceError};
pub use engine::{Engine, Summary};
pub use error::{LanguageError, PackError, RecordError};
pub use idset::IdSet;
pub use pack::Pack;
pub use record::{DecodeOptions, Record, UnknownFields};
pub use schema::Schema;
