//! Checking a whole log: every line's own hash, the numbering, the chain, what reviews refer
//! to, kept records against their hashes, and (with keys) every anchor's signature.

use std::io::BufRead;

use serde::Serialize;

use crate::audit::canonical::canonical_hash;
use crate::audit::entry::{self, anchor_message, Entry, EntryKind, LineFault};
use crate::bundle::PublicKey;

/// What to check beyond the chain.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Keys whose anchors are checked; an anchor signed by another key, or with a bad
    /// signature, breaks the log. With no keys, anchors are chained but not checked.
    pub trusted_keys: Vec<PublicKey>,
}

/// The first problem found, by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// 1-based line number.
    pub line: u64,
    /// Stable code: `audit.torn`, `audit.changed`, `audit.malformed`, `audit.syntax`,
    /// `audit.sequence`, `audit.chain`, `audit.reference`, `audit.record_hash`,
    /// `audit.anchor`, `audit.io`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The result of verifying a log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Entries that verified (before the first problem).
    pub entries: u64,
    /// Decision entries among them.
    pub decisions: u64,
    /// Review entries.
    pub reviews: u64,
    /// Anchor entries.
    pub anchors: u64,
    /// Anchors whose signature was checked against a trusted key.
    pub anchors_verified: u64,
    /// The last verified entry's hash (the head to publish or compare).
    pub head: Option<String>,
    /// The first problem, if any.
    pub error: Option<Issue>,
}

impl Report {
    /// True when the whole log verified.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Verifies a log held in memory.
pub fn verify(bytes: &[u8], options: &VerifyOptions) -> Report {
    verify_reader(bytes, options)
}

/// Verifies a log read from `reader`, line by line.
pub fn verify_reader(mut reader: impl BufRead, options: &VerifyOptions) -> Report {
    let mut report = Report::default();
    let mut hashes: Vec<[u8; 32]> = Vec::new();
    let mut kinds: Vec<EntryKind> = Vec::new();
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return report,
            Ok(_) => {}
            Err(e) => {
                report.error = Some(Issue {
                    line: line + 1,
                    code: "audit.io",
                    message: format!("cannot read line {}: {e}", line + 1),
                });
                return report;
            }
        }
        line += 1;
        let fail = |code, message: String| {
            Some(Issue {
                line,
                code,
                message: format!("line {line}: {message}"),
            })
        };
        if buf.last() != Some(&b'\n') {
            report.error = fail(
                "audit.torn",
                format!(
                    "torn ({} bytes without a newline): the last write was interrupted, or the file was cut",
                    buf.len()
                ),
            );
            return report;
        }
        buf.pop();
        let entry = match entry::open(&buf) {
            Ok(e) => e,
            Err(fault) => {
                report.error = match fault {
                    LineFault::Malformed => fail(
                        "audit.malformed",
                        "not a log entry (no intact `hash` member at its end)".to_string(),
                    ),
                    LineFault::Changed => fail(
                        "audit.changed",
                        "the entry was changed: its hash does not match its content".to_string(),
                    ),
                    LineFault::Syntax(e) => fail(
                        "audit.syntax",
                        format!("the entry is not valid JSON of a log entry: {e}"),
                    ),
                };
                return report;
            }
        };
        if let Some(issue) = check_entry(&entry, line, &report, &hashes, &kinds, options) {
            report.error = fail(issue.0, issue.1);
            return report;
        }
        let mut raw = [0u8; 32];
        if let Some(h) = entry.hash.strip_prefix("sha256:") {
            let _ = hex::decode_to_slice(h, &mut raw);
        }
        hashes.push(raw);
        kinds.push(entry.kind);
        report.entries += 1;
        match entry.kind {
            EntryKind::Decision => report.decisions += 1,
            EntryKind::Review => report.reviews += 1,
            EntryKind::Anchor => {
                report.anchors += 1;
                if !options.trusted_keys.is_empty() {
                    report.anchors_verified += 1;
                }
            }
        }
        report.head = Some(entry.hash);
    }
}

/// Checks one intact entry against what came before it.
fn check_entry(
    entry: &Entry,
    line: u64,
    report: &Report,
    hashes: &[[u8; 32]],
    kinds: &[EntryKind],
    options: &VerifyOptions,
) -> Option<(&'static str, String)> {
    if entry.seq != line {
        return Some((
            "audit.sequence",
            format!(
                "holds entry {} where entry {line} belongs: lines were removed, added or moved",
                entry.seq
            ),
        ));
    }
    if entry.prev != report.head {
        let expected = match &report.head {
            None => "none (it is the first entry)".to_string(),
            Some(h) => format!("`{h}`, the hash of line {}", line - 1),
        };
        return Some((
            "audit.chain",
            format!("does not follow the line before it: its `prev` should be {expected}"),
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(&entry.time).is_err() {
        return Some((
            "audit.syntax",
            format!("`{}` is not an RFC 3339 time", entry.time),
        ));
    }
    match entry.kind {
        EntryKind::Decision => {
            let (Some(hash), Some(_)) = (&entry.record_hash, &entry.decision) else {
                return Some((
                    "audit.syntax",
                    "a decision entry needs `record_hash` and `decision`".to_string(),
                ));
            };
            if let Some(input) = &entry.input {
                if &canonical_hash(input) != hash {
                    return Some((
                        "audit.record_hash",
                        "the kept record does not match its `record_hash`".to_string(),
                    ));
                }
            }
        }
        EntryKind::Review => {
            let (Some(target), Some(_), Some(_)) =
                (&entry.refers_to, &entry.verdict, &entry.reason)
            else {
                return Some((
                    "audit.syntax",
                    "a review entry needs `refers_to`, `verdict` and `reason`".to_string(),
                ));
            };
            let index = target.seq.checked_sub(1).map(|i| i as usize);
            let matches = index.is_some_and(|i| {
                i < hashes.len()
                    && kinds.get(i) == Some(&EntryKind::Decision)
                    && target
                        .hash
                        .strip_prefix("sha256:")
                        .is_some_and(|h| h == hex::encode(hashes[i]))
            });
            if !matches {
                return Some((
                    "audit.reference",
                    format!(
                        "the review refers to entry {}, which is not an earlier decision with hash `{}`",
                        target.seq, target.hash
                    ),
                ));
            }
        }
        EntryKind::Anchor => {
            let (Some(key), Some(signature)) = (&entry.key, &entry.signature) else {
                return Some((
                    "audit.syntax",
                    "an anchor needs `key` and `signature`".to_string(),
                ));
            };
            if !options.trusted_keys.is_empty() {
                let Ok(key) = PublicKey::parse(key) else {
                    return Some(("audit.anchor", format!("`{key}` is not a public key")));
                };
                if !options.trusted_keys.contains(&key) {
                    return Some((
                        "audit.anchor",
                        format!(
                            "the anchor is signed by key `{}`, not a trusted key",
                            key.fingerprint()
                        ),
                    ));
                }
                let message = anchor_message(line - 1, entry.prev.as_deref());
                if !key.verifies(&message, signature) {
                    return Some((
                        "audit.anchor",
                        "the anchor's signature does not verify".to_string(),
                    ));
                }
            }
        }
    }
    None
}
