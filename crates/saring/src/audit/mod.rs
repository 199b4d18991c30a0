//! The decision log: an append-only, hash-chained JSONL file of which decision was given,
//! on which record, under which pack, when, and what the officer then decided.
//!
//! Every line is one entry (its `seq` is its line number), written as compact JSON with its
//! own hash as the last member:
//!
//! ```text
//! {"seq":1,"kind":"decision","time":"2025-05-01T08:30:00.000Z","actor":"tpi-cgk",
//!  "record_hash":"sha256:…","decision":{"record":"SYN-000001","outcome":"refer",…,"pack":{…}},
//!  "prev":null,"hash":"sha256:…"}
//! {"seq":2,"kind":"review","time":"…","actor":"officer-7","record":"SYN-000001",
//!  "refers_to":{"seq":1,"hash":"sha256:…"},"verdict":"confirmed","reason":"…",
//!  "prev":"sha256:…","hash":"sha256:…"}
//! {"seq":3,"kind":"anchor","time":"…","key":"ed25519:…","signature":"…","prev":"sha256:…","hash":"sha256:…"}
//! ```
//!
//! - `hash` is the sha256 of the line's bytes before `,"hash":`; `prev` is the previous
//!   line's `hash` (`null` on line 1). So every byte of every line is covered by the chain:
//!   a changed byte breaks that line's hash, a removed, added or moved line breaks the
//!   numbering and the link of the line after it ([`verify`] names the line).
//! - A **decision** entry holds the decision (with the pack's id, version and digest, and the
//!   record's id when the pack names a `record_id`) and `record_hash`: the sha256 of the input
//!   record in RFC 8785 canonical form, after removing the schema's protected fields — not
//!   the record itself (data minimisation). With `keep_records` the record (protected fields
//!   removed) is kept as `input`, and [`verify`] checks it against the hash.
//! - A **review** entry is an officer's verdict (`confirmed` or `dismissed`, with a reason)
//!   on the latest decision about a record; `refers_to` names that entry by `seq` and `hash`.
//! - An **anchor** entry signs the head of the chain before it with an Ed25519 key (the
//!   bundle key type): the bytes `saring-audit-anchor/1\n<seq>\n<hash>` of entry `seq - 1`.
//!   A verifier with the public key can check the log against heads published elsewhere.
//!
//! Writing: [`DecisionLog::open`] creates a log or resumes it after checking its tail; a torn
//! last line (a crash mid-write) is reported with its line number and never chained over
//! ([`repair`] moves it aside). Removing whole lines from the end cannot be seen from the
//! chain alone: compare the head with the last published anchor.

mod canonical;
mod entry;
mod labels;
mod log;
mod verify;

#[cfg(test)]
mod tests;

pub use canonical::{canonical_hash, canonical_json, logged_record, record_hash};
pub use entry::{anchor_message, Entry, EntryKind, EntryRef, Verdict};
pub use labels::{labels, Label};
pub use log::{
    for_each_entry, prepare, read_head, repair, Clock, DecisionLog, Head, LogOptions,
    PreparedDecision,
};
pub use verify::{verify, verify_reader, Issue, Report, VerifyOptions};

/// A decision-log operation failed: a stable code (`audit.torn`, `audit.locked`,
/// `audit.no_decision`, `audit.io`, ...), a message, a hint, and the line when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AuditError {
    /// Stable code.
    pub code: &'static str,
    /// Lowercase message; user input in backticks.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The 1-based line of the log the problem is on.
    pub line: Option<u64>,
}

impl AuditError {
    /// An error with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> AuditError {
        AuditError {
            code,
            message: message.into(),
            help: None,
            line: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> AuditError {
        self.help = Some(help.into());
        self
    }

    /// Names the line.
    pub fn at_line(mut self, line: u64) -> AuditError {
        self.line = Some(line);
        self
    }
}

/// Verifies a log file (see [`verify`]).
pub fn verify_file(path: &std::path::Path, options: &VerifyOptions) -> Result<Report, AuditError> {
    let file = std::fs::File::open(path).map_err(|e| {
        AuditError::new("audit.io", format!("cannot read `{}`: {e}", path.display()))
    })?;
    Ok(verify_reader(
        std::io::BufReader::with_capacity(1 << 16, file),
        options,
    ))
}
