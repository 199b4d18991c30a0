//! Conformance test support: the screening-golden format shared by the Rust, Python and
//! JavaScript suites.
//!
//! A golden file (`tests/goldens/*.json`) holds one pack (as in-memory files) and cases:
//! a record (or raw record text) and the exact decision JSON expected, or the record error
//! expected (code and path).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A pack given as in-memory files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldenPack {
    /// Name of the pack file among `files`.
    pub main: String,
    /// File name → text.
    pub files: BTreeMap<String, String>,
}

/// An expected record error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedError {
    /// `RecordError::code`.
    pub code: String,
    /// `RecordError::path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldenCase {
    /// Case name.
    pub name: String,
    /// The record as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<serde_json::Value>,
    /// The record as raw text (for malformed input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_text: Option<String>,
    /// Records screened before this one in the same batch (windowed aggregates): the case's
    /// record is the last of `history + [record]`, screened as one batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<serde_json::Value>>,
    /// The language to render the decision in (one of the pack's `languages`; default: the
    /// pack's default language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The expected decision JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<serde_json::Value>,
    /// The expected record error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_error: Option<ExpectedError>,
}

/// A golden file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldenFile {
    /// What the file covers.
    pub description: String,
    /// The pack.
    pub pack: GoldenPack,
    /// The cases.
    pub cases: Vec<GoldenCase>,
}

/// The goldens folder.
pub fn goldens_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("goldens")
}

/// Every golden file, sorted by name.
pub fn golden_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(goldens_dir())
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    files
}
