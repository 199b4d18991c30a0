//! `saring screen --log`: appending each chunk's decisions to a decision log, in input
//! order, after the chunk is screened (records hashed in parallel, entries chained in order).

use std::path::PathBuf;

use rayon::prelude::*;
use saring::audit::{self, DecisionLog, LogOptions, PreparedDecision};
use saring::{Decision, Engine, RecordError};

use crate::cmd::audit::{clock, failure, record_id_of};
use crate::input::{Data, Row};
use crate::packs;

/// The decision-log options of `screen`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// Append every decision to this hash-chained log (created, or resumed after checking
    /// its last entry). Bad rows are not logged.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Recorded as `actor` in every entry (a service, a checkpoint, an officer).
    #[arg(long, requires = "log")]
    actor: Option<String>,
    /// Keep each input record (protected fields removed) in the log, not only its hash.
    #[arg(long, requires = "log")]
    keep_records: bool,
    /// Sign the chain head every N entries (and at the end of the run) with `--key`.
    #[arg(long, requires_all = ["log", "key"], value_name = "N")]
    anchor_every: Option<u64>,
    /// The secret key (`.key` file of `saring keygen`) that signs anchors.
    #[arg(long, requires = "anchor_every")]
    key: Option<PathBuf>,
}

/// An open decision log for one run of `screen`.
pub struct ScreenLog {
    log: DecisionLog,
    start: u64,
}

impl ScreenLog {
    /// Opens the log `args` names, if any (exit 2 with the reason when it cannot be resumed).
    pub fn open(args: &LogArgs) -> anyhow::Result<Option<ScreenLog>> {
        let Some(path) = &args.log else {
            return Ok(None);
        };
        let anchor = match (&args.key, args.anchor_every) {
            (Some(key), Some(every)) => Some((packs::secret_key(key)?, every)),
            _ => None,
        };
        let options = LogOptions {
            actor: args.actor.clone(),
            keep_records: args.keep_records,
            anchor,
            clock: clock()?,
        };
        let log = DecisionLog::open(path, options).map_err(|e| failure(&e))?;
        let start = log.head().seq;
        Ok(Some(ScreenLog { log, start }))
    }

    /// Appends the decisions of one chunk, in row order, and writes them to the file.
    pub fn append(
        &mut self,
        pool: &rayon::ThreadPool,
        engine: &Engine,
        rows: &[Row],
        results: &[Result<Decision, RecordError>],
    ) -> anyhow::Result<()> {
        let keep = self.log.keeps_records();
        let prepared: Vec<Option<Result<PreparedDecision, audit::AuditError>>> =
            pool.install(|| {
                rows.par_iter()
                    .zip(results)
                    .map(|(row, result)| {
                        let decision = result.as_ref().ok()?;
                        let input = row.to_value().ok()?;
                        Some(audit::prepare(engine.schema(), &input, decision, keep))
                    })
                    .collect()
            });
        for p in prepared.into_iter().flatten() {
            let p = p.map_err(|e| failure(&e))?;
            self.log.append_prepared(&p).map_err(|e| failure(&e))?;
        }
        self.log.write().map_err(|e| failure(&e))?;
        Ok(())
    }

    /// Ends the run: a final anchor when signing, everything synced to disk.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        self.log.finish().map_err(|e| failure(&e))
    }

    /// `log FILE: N entries appended (entries A-B)`.
    pub fn summary(&self) -> String {
        let head = self.log.head().seq;
        format!(
            "log {}: {} entries appended, {head} in all",
            self.log.path().display(),
            head - self.start
        )
    }
}

/// The record id of a bad row, read from its raw input when it can be (best effort): from
/// the JSON value, or, for a line that is not valid JSON, a top-level `"<field>": "<id>"`
/// (or an integer) found in its text.
pub fn raw_record_id(engine: &Engine, row: &Row) -> Option<String> {
    let field = engine.pack().meta.record_id.as_ref()?;
    match row.to_value() {
        Ok(value) => record_id_of(&value, &field.path),
        Err(_) => match &row.data {
            Data::Text(text) if !field.path.contains('.') => scan_id(text, &field.path),
            _ => None,
        },
    }
}

/// Finds `"key": "value"` (no escapes) or `"key": 123` in text that is not valid JSON.
fn scan_id(text: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let at = text.find(&quoted)? + quoted.len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        let end = s.find(['"', '\\'])?;
        (s.as_bytes().get(end) == Some(&b'"')).then(|| s[..end].to_string())
    } else {
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        (!digits.is_empty() && digits.parse::<i64>().is_ok()).then_some(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::scan_id;

    #[test]
    fn ids_are_found_in_broken_lines() {
        assert_eq!(
            scan_id(r#"{"record_id": "HAND-4", "x": tru"#, "record_id").as_deref(),
            Some("HAND-4")
        );
        assert_eq!(scan_id(r#"{"id":17,"#, "id").as_deref(), Some("17"));
        assert_eq!(scan_id(r#"{"id": "a\"b"}"#, "id"), None);
        assert_eq!(scan_id(r#"{"id": true}"#, "id"), None);
        assert_eq!(scan_id(r#"{"other": "x"}"#, "id"), None);
    }
}
