//! Writing a decision log: create or resume a file, append entries in order, anchor the head.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;
use serde_json::Value;

use crate::audit::canonical::{canonical_json, logged_record};
use crate::audit::entry::{self, anchor_message, EntryKind, EntryOut, EntryRef, Verdict};
use crate::audit::AuditError;
use crate::bundle::{sha256_text, SecretKey};
use crate::decision::Decision;
use crate::schema::Schema;

/// Where entry timestamps come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock (UTC).
    #[default]
    System,
    /// A fixed time for every entry (RFC 3339), for tests and replays.
    Fixed(String),
}

impl Clock {
    /// A fixed clock from an RFC 3339 timestamp (normalised to UTC).
    pub fn fixed(rfc3339: &str) -> Result<Clock, AuditError> {
        let t = chrono::DateTime::parse_from_rfc3339(rfc3339.trim()).map_err(|_| {
            AuditError::new(
                "audit.clock",
                format!("`{rfc3339}` is not an RFC 3339 timestamp"),
            )
            .with_help("write it as `2025-05-01T08:30:00Z`")
        })?;
        Ok(Clock::Fixed(format_time(t.with_timezone(&chrono::Utc))))
    }

    /// The current time as RFC 3339 (UTC, milliseconds).
    pub fn now(&self) -> String {
        match self {
            Clock::Fixed(t) => t.clone(),
            Clock::System => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                let t = chrono::DateTime::from_timestamp(
                    i64::try_from(now.as_secs()).unwrap_or(0),
                    now.subsec_nanos(),
                )
                .unwrap_or_default();
                format_time(t)
            }
        }
    }
}

fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How a log is written.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Recorded as `actor` in every entry (a service, a checkpoint, an officer).
    pub actor: Option<String>,
    /// Keep each input record (protected fields removed) in its decision entry, for agencies
    /// whose retention rules allow it. Off by default: only the record's hash is kept.
    pub keep_records: bool,
    /// Sign the chain head with this key every `anchor_every` entries and when the log is
    /// finished.
    pub anchor: Option<(SecretKey, u64)>,
    /// Where timestamps come from.
    pub clock: Clock,
}

/// A decision prepared for the log (the expensive part, which may run in parallel):
/// the record's hash and the JSON texts to store.
#[derive(Debug, Clone)]
pub struct PreparedDecision {
    record_hash: String,
    decision: Box<RawValue>,
    input: Option<Box<RawValue>>,
    record: Option<String>,
}

/// Prepares a decision on `input` (the record as given) for a log.
pub fn prepare(
    schema: &Schema,
    input: &Value,
    decision: &Decision,
    keep_record: bool,
) -> Result<PreparedDecision, AuditError> {
    let logged = logged_record(schema, input);
    let canonical = canonical_json(&logged);
    let record_hash = sha256_text(canonical.as_bytes());
    let raw = |text: String| {
        RawValue::from_string(text)
            .map_err(|e| AuditError::new("audit.io", format!("cannot write an entry: {e}")))
    };
    Ok(PreparedDecision {
        record_hash,
        decision: raw(decision.to_json())?,
        input: if keep_record {
            Some(raw(canonical)?)
        } else {
            None
        },
        record: decision.record_id().map(str::to_string),
    })
}

impl PreparedDecision {
    /// `sha256:<hex>` of the canonical input record.
    pub fn record_hash(&self) -> &str {
        &self.record_hash
    }
}

/// The last entry of a log: its number and hash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Head {
    /// Number of entries (the last `seq`; 0 for an empty log).
    pub seq: u64,
    /// The last entry's hash (`None` for an empty log).
    pub hash: Option<String>,
}

/// An append-only, hash-chained decision log in a JSONL file. One writer at a time (the
/// file is locked while open).
pub struct DecisionLog {
    path: PathBuf,
    file: File,
    head: Head,
    options: LogOptions,
    since_anchor: u64,
    /// Pending bytes not yet written.
    pending: Vec<u8>,
    /// Record id → its latest decision entry (built on the first review).
    decisions: Option<HashMap<String, EntryRef>>,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog")
            .field("path", &self.path)
            .field("head", &self.head)
            .finish()
    }
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> AuditError {
    AuditError::new(
        "audit.io",
        format!("cannot {what} `{}`: {e}", path.display()),
    )
}

#[cfg(any(unix, windows))]
fn lock(file: &File, path: &Path) -> Result<(), AuditError> {
    match fs4::FileExt::try_lock(file) {
        Ok(()) => Ok(()),
        Err(fs4::TryLockError::WouldBlock) => Err(AuditError::new(
            "audit.locked",
            format!(
                "the log `{}` is being written by another process",
                path.display()
            ),
        )
        .with_help("one writer at a time: wait for it to finish, or write to another log")),
        Err(fs4::TryLockError::Error(e)) => Err(io_error(path, "lock", e)),
    }
}

#[cfg(not(any(unix, windows)))]
fn lock(_file: &File, _path: &Path) -> Result<(), AuditError> {
    Ok(())
}

/// Reads the tail of a log: the head, after checking that the file ends with a whole,
/// untouched entry whose number is the file's line count.
pub fn read_head(path: &Path) -> Result<Head, AuditError> {
    let file = File::open(path).map_err(|e| io_error(path, "read", e))?;
    head_of(&file, path)
}

fn head_of(file: &File, path: &Path) -> Result<Head, AuditError> {
    let len = file
        .metadata()
        .map_err(|e| io_error(path, "read", e))?
        .len();
    if len == 0 {
        return Ok(Head::default());
    }
    // Count lines and keep the last one (the scan also finds a torn tail).
    let mut reader = BufReader::with_capacity(1 << 16, file);
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| io_error(path, "read", e))?;
    let mut lines = 0u64;
    let mut last = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(path, "read", e))?;
        if n == 0 {
            break;
        }
        lines += 1;
        if buf.last() != Some(&b'\n') {
            return Err(torn(path, lines, buf.len()));
        }
        std::mem::swap(&mut last, &mut buf);
    }
    last.pop();
    let entry = entry::open(&last).map_err(|_| {
        AuditError::new(
            "audit.tail",
            format!(
                "the last line of `{}` (line {lines}) is not an intact entry",
                path.display()
            ),
        )
        .at_line(lines)
        .with_help(format!(
            "run `saring audit verify {}` to find the first broken line; the log is not appended to",
            path.display()
        ))
    })?;
    if entry.seq != lines {
        return Err(AuditError::new(
            "audit.tail",
            format!(
                "the last line of `{}` (line {lines}) holds entry {}: lines were removed or added",
                path.display(),
                entry.seq
            ),
        )
        .at_line(lines)
        .with_help(format!(
            "run `saring audit verify {}` to find the first broken line",
            path.display()
        )));
    }
    Ok(Head {
        seq: entry.seq,
        hash: Some(entry.hash),
    })
}

/// The error for a log whose last line has no newline.
pub(crate) fn torn(path: &Path, line: u64, bytes: usize) -> AuditError {
    AuditError::new(
        "audit.torn",
        format!(
            "line {line} of `{}` is torn ({bytes} bytes without a newline): the last write was interrupted",
            path.display()
        ),
    )
    .at_line(line)
    .with_help(format!(
        "the entries before it are intact; `saring audit repair {}` moves the torn line to `{}.torn` so the log can be resumed",
        path.display(),
        path.display()
    ))
}

impl DecisionLog {
    /// Opens a log for appending: creates it, or resumes its chain after checking its tail
    /// (a torn last line is reported, never chained over).
    pub fn open(path: impl AsRef<Path>, options: LogOptions) -> Result<DecisionLog, AuditError> {
        let path = path.as_ref().to_path_buf();
        if let Some((_, 0)) = &options.anchor {
            return Err(AuditError::new(
                "audit.options",
                "`anchor_every` must be at least 1",
            ));
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error(&path, "open", e))?;
        lock(&file, &path)?;
        let head = head_of(&file, &path)?;
        Ok(DecisionLog {
            path,
            file,
            head,
            options,
            since_anchor: 0,
            pending: Vec::new(),
            decisions: None,
        })
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head: number of entries so far and the last hash.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Whether input records are kept.
    pub fn keeps_records(&self) -> bool {
        self.options.keep_records
    }

    fn push(&mut self, entry: &EntryOut<'_>) -> Result<String, AuditError> {
        let (line, hash) = entry::seal(entry)?;
        self.pending.extend_from_slice(line.as_bytes());
        self.pending.push(b'\n');
        self.head = Head {
            seq: entry.seq,
            hash: Some(hash.clone()),
        };
        Ok(hash)
    }

    /// Appends a prepared decision; returns its `seq`. Written to the file by
    /// [`DecisionLog::write`] (or the next review, anchor or [`DecisionLog::finish`]).
    pub fn append_prepared(&mut self, p: &PreparedDecision) -> Result<u64, AuditError> {
        let time = self.options.clock.now();
        let prev = self.head.hash.clone();
        let seq = self.head.seq + 1;
        let actor = self.options.actor.clone();
        let mut e = EntryOut::new(seq, EntryKind::Decision, &time, prev.as_deref());
        e.actor = actor.as_deref();
        e.record_hash = Some(&p.record_hash);
        e.decision = Some(&p.decision);
        e.input = p.input.as_deref();
        let hash = self.push(&e)?;
        if let (Some(map), Some(id)) = (&mut self.decisions, &p.record) {
            map.insert(id.clone(), EntryRef { seq, hash });
        }
        self.after_entry()?;
        Ok(seq)
    }

    /// Prepares and appends one decision on `input` (the record as given).
    pub fn append_decision(
        &mut self,
        schema: &Schema,
        input: &Value,
        decision: &Decision,
    ) -> Result<u64, AuditError> {
        let p = prepare(schema, input, decision, self.options.keep_records)?;
        self.append_prepared(&p)
    }

    fn after_entry(&mut self) -> Result<(), AuditError> {
        self.since_anchor += 1;
        if let Some((_, every)) = &self.options.anchor {
            if self.since_anchor >= *every {
                self.anchor()?;
            }
        }
        Ok(())
    }

    /// Appends an anchor now (when the log has a key): the head signed.
    pub fn anchor(&mut self) -> Result<(), AuditError> {
        let Some((key, _)) = &self.options.anchor else {
            return Ok(());
        };
        let message = anchor_message(self.head.seq, self.head.hash.as_deref());
        let signature = key.sign_hex(&message);
        let public = key.public_key().to_text();
        let time = self.options.clock.now();
        let prev = self.head.hash.clone();
        let actor = self.options.actor.clone();
        let mut e = EntryOut::new(self.head.seq + 1, EntryKind::Anchor, &time, prev.as_deref());
        e.actor = actor.as_deref();
        e.key = Some(&public);
        e.signature = Some(&signature);
        self.push(&e)?;
        self.since_anchor = 0;
        Ok(())
    }

    /// Appends an officer's review of the latest decision on record `record`. `officer`
    /// (default: the log's actor) is recorded as the review's `actor`.
    pub fn review(
        &mut self,
        record: &str,
        verdict: Verdict,
        reason: &str,
        officer: Option<&str>,
    ) -> Result<u64, AuditError> {
        let target = self.find_decision(record)?;
        self.review_entry(record, &target, verdict, reason, officer)
    }

    /// Appends an officer's review of the decision entry `seq`.
    pub fn review_seq(
        &mut self,
        seq: u64,
        verdict: Verdict,
        reason: &str,
        officer: Option<&str>,
    ) -> Result<u64, AuditError> {
        self.write()?;
        let (target, record) = find_seq(&self.path, seq)?;
        self.review_entry(
            record.as_deref().unwrap_or(""),
            &target,
            verdict,
            reason,
            officer,
        )
    }

    fn review_entry(
        &mut self,
        record: &str,
        target: &EntryRef,
        verdict: Verdict,
        reason: &str,
        officer: Option<&str>,
    ) -> Result<u64, AuditError> {
        if reason.trim().is_empty() {
            return Err(AuditError::new("audit.review", "a review needs a reason")
                .with_help("say why the flag was confirmed or dismissed"));
        }
        let time = self.options.clock.now();
        let prev = self.head.hash.clone();
        let seq = self.head.seq + 1;
        let actor = self.options.actor.clone();
        let mut e = EntryOut::new(seq, EntryKind::Review, &time, prev.as_deref());
        e.actor = officer.or(actor.as_deref());
        e.record = (!record.is_empty()).then_some(record);
        e.refers_to = Some(target);
        e.verdict = Some(verdict);
        e.reason = Some(reason);
        self.push(&e)?;
        self.after_entry()?;
        self.write()?;
        Ok(seq)
    }

    fn find_decision(&mut self, record: &str) -> Result<EntryRef, AuditError> {
        if self.decisions.is_none() {
            self.write()?;
            self.decisions = Some(index_decisions(&self.path)?);
        }
        self.decisions
            .as_ref()
            .and_then(|m| m.get(record))
            .cloned()
            .ok_or_else(|| {
                AuditError::new(
                    "audit.no_decision",
                    format!(
                        "the log `{}` has no decision on record `{record}`",
                        self.path.display()
                    ),
                )
                .with_help(
                    "review a record screened into this log (its id is the decision's `record`)",
                )
            })
    }

    /// Writes pending entries to the file (one write, so a crash leaves at most one torn
    /// line at the end).
    pub fn write(&mut self) -> Result<(), AuditError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.file
            .write_all(&self.pending)
            .map_err(|e| io_error(&self.path, "write", e))?;
        self.pending.clear();
        Ok(())
    }

    /// Writes pending entries and asks the system to put them on disk.
    pub fn flush(&mut self) -> Result<(), AuditError> {
        self.write()?;
        self.file
            .sync_data()
            .map_err(|e| io_error(&self.path, "sync", e))
    }

    /// Ends a run of appends: a final anchor (if the log signs and entries were added since
    /// the last anchor), then everything written and synced.
    pub fn finish(&mut self) -> Result<(), AuditError> {
        if self.since_anchor > 0 && self.options.anchor.is_some() {
            self.anchor()?;
        }
        self.flush()
    }
}

impl Drop for DecisionLog {
    fn drop(&mut self) {
        let _ = self.write();
    }
}

/// Record id → latest decision entry, over the whole log.
fn index_decisions(path: &Path) -> Result<HashMap<String, EntryRef>, AuditError> {
    let mut map = HashMap::new();
    for_each_entry(path, |e| {
        if e.kind == EntryKind::Decision {
            if let Some(id) = e.decision_record() {
                map.insert(
                    id.to_string(),
                    EntryRef {
                        seq: e.seq,
                        hash: e.hash.clone(),
                    },
                );
            }
        }
        Ok(())
    })?;
    Ok(map)
}

fn find_seq(path: &Path, seq: u64) -> Result<(EntryRef, Option<String>), AuditError> {
    let mut found = None;
    for_each_entry(path, |e| {
        if e.seq == seq && e.kind == EntryKind::Decision {
            found = Some((
                EntryRef {
                    seq: e.seq,
                    hash: e.hash.clone(),
                },
                e.decision_record().map(str::to_string),
            ));
        }
        Ok(())
    })?;
    found.ok_or_else(|| {
        AuditError::new(
            "audit.no_decision",
            format!("entry {seq} of `{}` is not a decision", path.display()),
        )
    })
}

/// Calls `f` on every entry of a log, in order; stops at the first line that is not an
/// intact entry (use [`crate::audit::verify`] to check the chain itself).
pub fn for_each_entry(
    path: &Path,
    mut f: impl FnMut(&entry::Entry) -> Result<(), AuditError>,
) -> Result<(), AuditError> {
    let file = File::open(path).map_err(|e| io_error(path, "read", e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(path, "read", e))?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        if buf.last() != Some(&b'\n') {
            return Err(torn(path, line, buf.len()));
        }
        buf.pop();
        let e = entry::open(&buf).map_err(|_| {
            AuditError::new(
                "audit.broken",
                format!("line {line} of `{}` is not an intact entry", path.display()),
            )
            .at_line(line)
            .with_help(format!("run `saring audit verify {}`", path.display()))
        })?;
        f(&e)?;
    }
}

/// Repairs a log whose last line is torn: after checking that every earlier entry verifies,
/// moves the torn bytes to `<log>.torn` (appending) and truncates the log after its last
/// whole entry. Returns the torn line's number and size, or `None` when nothing was torn.
pub fn repair(path: &Path) -> Result<Option<(u64, usize)>, AuditError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_error(path, "open", e))?;
    lock(&file, path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| io_error(path, "read", e))?;
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if whole == bytes.len() {
        return Ok(None);
    }
    let report = crate::audit::verify(&bytes[..whole], &crate::audit::VerifyOptions::default());
    if let Some(issue) = report.error {
        return Err(AuditError::new(
            "audit.broken",
            format!(
                "not repaired: line {} of `{}` is broken too ({})",
                issue.line,
                path.display(),
                issue.message
            ),
        )
        .at_line(issue.line)
        .with_help("a repair only removes a torn last line; the log was changed elsewhere"));
    }
    let torn_line = report.entries + 1;
    let torn_bytes = &bytes[whole..];
    let side = PathBuf::from(format!("{}.torn", path.display()));
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&side)
        .map_err(|e| io_error(&side, "write", e))?;
    out.write_all(torn_bytes)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.sync_data())
        .map_err(|e| io_error(&side, "write", e))?;
    file.set_len(whole as u64)
        .and_then(|()| file.sync_data())
        .map_err(|e| io_error(path, "truncate", e))?;
    Ok(Some((torn_line, torn_bytes.len())))
}
