//! One log line: the entry's JSON members, then its own hash as the last member.
//!
//! A line is `{"seq":…,…,"prev":…,"hash":"sha256:<hex>"}`: `hash` is the sha256 of every
//! byte of the line before `,"hash":` (so of the whole entry, `prev` included), and `prev` is
//! the previous line's `hash` (`null` on line 1). Changing any byte of a line breaks its own
//! hash; removing, adding or moving a line breaks the `seq` numbering and the `prev` link of
//! the line after it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::audit::AuditError;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A decision of the engine on one record.
    Decision,
    /// An officer's verdict on an earlier decision.
    Review,
    /// The chain head signed with an Ed25519 key.
    Anchor,
}

/// An officer's verdict on a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The flag was right: the record is what the rules suspected.
    Confirmed,
    /// The flag was wrong.
    Dismissed,
}

impl Verdict {
    /// `confirmed` or `dismissed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Dismissed => "dismissed",
        }
    }

    /// Parses `confirmed` / `dismissed`.
    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "confirmed" => Some(Verdict::Confirmed),
            "dismissed" => Some(Verdict::Dismissed),
            _ => None,
        }
    }
}

/// The entry a review refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRef {
    /// Its `seq`.
    pub seq: u64,
    /// Its `hash`.
    pub hash: String,
}

/// An entry as written (borrowing what it records).
#[derive(Serialize)]
pub(crate) struct EntryOut<'a> {
    pub seq: u64,
    pub kind: EntryKind,
    pub time: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<&'a str>,
    // decision
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_hash: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<&'a serde_json::value::RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<&'a serde_json::value::RawValue>,
    // review
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<&'a EntryRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    // anchor
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<&'a str>,
    pub prev: Option<&'a str>,
}

impl<'a> EntryOut<'a> {
    /// An entry with only the common members set.
    pub fn new(seq: u64, kind: EntryKind, time: &'a str, prev: Option<&'a str>) -> Self {
        EntryOut {
            seq,
            kind,
            time,
            actor: None,
            record_hash: None,
            decision: None,
            input: None,
            record: None,
            refers_to: None,
            verdict: None,
            reason: None,
            key: None,
            signature: None,
            prev,
        }
    }
}

/// An entry as read back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Entry {
    /// 1-based number of the entry (= its line number).
    pub seq: u64,
    /// What it records.
    pub kind: EntryKind,
    /// When it was written (RFC 3339, UTC).
    pub time: String,
    /// Who wrote it: the screening service or officer (reviews: the officer).
    #[serde(default)]
    pub actor: Option<String>,
    /// Decision entries: `sha256:<hex>` of the canonical input record (protected fields
    /// removed).
    #[serde(default)]
    pub record_hash: Option<String>,
    /// Decision entries: the decision JSON.
    #[serde(default)]
    pub decision: Option<Value>,
    /// Decision entries written with `keep_records`: the input record (protected fields
    /// removed).
    #[serde(default)]
    pub input: Option<Value>,
    /// Review entries: the id of the record reviewed.
    #[serde(default)]
    pub record: Option<String>,
    /// Review entries: the decision entry reviewed.
    #[serde(default)]
    pub refers_to: Option<EntryRef>,
    /// Review entries: the officer's verdict.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Review entries: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// Anchor entries: the signing key, `ed25519:<hex>`.
    #[serde(default)]
    pub key: Option<String>,
    /// Anchor entries: signature of the head (see [`anchor_message`]), hex.
    #[serde(default)]
    pub signature: Option<String>,
    /// The previous entry's `hash` (`null` for the first).
    pub prev: Option<String>,
    /// This entry's hash.
    pub hash: String,
}

impl Entry {
    /// The decision's record id, for decision entries of packs with a `record_id`.
    pub fn decision_record(&self) -> Option<&str> {
        self.decision.as_ref()?.get("record")?.as_str()
    }
}

/// What an anchor signs: the head of the chain before it (entry `seq`, hash `head`).
pub fn anchor_message(seq: u64, head: Option<&str>) -> Vec<u8> {
    format!("saring-audit-anchor/1\n{seq}\n{}", head.unwrap_or("null")).into_bytes()
}

/// `,"hash":"sha256:` + 64 hex digits + `"}`.
const SUFFIX_LEN: usize = 9 + 7 + 64 + 2;

/// Seals an entry: appends its hash. Returns the line (without newline) and the hash.
pub(crate) fn seal(entry: &EntryOut<'_>) -> Result<(String, String), AuditError> {
    let mut text = serde_json::to_string(entry)
        .map_err(|e| AuditError::new("audit.io", format!("cannot write an entry: {e}")))?;
    // `text` ends with `}`: the body is everything before it.
    text.pop();
    let hash = crate::bundle::sha256_text(text.as_bytes());
    text.push_str(",\"hash\":\"");
    text.push_str(&hash);
    text.push_str("\"}");
    Ok((text, hash))
}

/// Why a line does not hold a valid entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineFault {
    /// The line does not end with a well-formed `hash` member.
    Malformed,
    /// The hash does not match the bytes.
    Changed,
    /// Not JSON of an entry (message).
    Syntax(String),
}

/// Checks a line's own hash and parses it.
pub(crate) fn open(line: &[u8]) -> Result<Entry, LineFault> {
    if line.len() < SUFFIX_LEN + 2 {
        return Err(LineFault::Malformed);
    }
    let (body, suffix) = line.split_at(line.len() - SUFFIX_LEN);
    let Some(hex_digits) = suffix
        .strip_prefix(b",\"hash\":\"sha256:".as_slice())
        .and_then(|s| s.strip_suffix(b"\"}".as_slice()))
    else {
        return Err(LineFault::Malformed);
    };
    if !hex_digits
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return Err(LineFault::Malformed);
    }
    let actual = hex::encode(Sha256::digest(body));
    if actual.as_bytes() != hex_digits {
        return Err(LineFault::Changed);
    }
    serde_json::from_slice::<Entry>(line).map_err(|e| LineFault::Syntax(e.to_string()))
}
