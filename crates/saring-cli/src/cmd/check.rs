//! `saring check`: load and compile one pack, or every pack under a directory; print every
//! diagnostic, errors and warnings both counted.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use saring::engine::MonitoredUse;
use saring::pack::LoadOptions;
use saring::{Code as DiagnosticCode, Diagnostic, Engine, Pack, PackError};
use serde_json::json;

use crate::exit::{Code, FINDINGS, OK, USAGE};
use crate::packs::plural;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style text.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `saring check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack file or directory; a directory without `pack.toml` is searched for packs (as
    /// `saring test` does) and every pack found is checked.
    path: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: Format,
    /// The date `review_by` is compared with (YYYY-MM-DD; default: today, UTC).
    #[arg(long)]
    today: Option<String>,
    /// Exit 1 on warnings too (for CI).
    #[arg(long)]
    deny_warnings: bool,
    /// Compare with an earlier version (a bundle or pack directory): print a changelog, and
    /// fail when the content digest changed but `version` did not (one pack only).
    #[arg(long, value_name = "OLD")]
    against: Option<PathBuf>,
}

/// What checking one pack found.
struct Checked {
    path: PathBuf,
    pack: Option<Pack>,
    engine: Option<Engine>,
    diagnostics: Vec<Diagnostic>,
    sources: std::sync::Arc<saring::pack::SourceFiles>,
    errors: usize,
    warnings: usize,
    /// The pack's files could not be read (missing or unreadable): it does not load.
    unreadable: bool,
    /// Changes against `--against`.
    changes: Option<super::check_against::Changes>,
}

impl Checked {
    fn summary(&self) -> String {
        match &self.pack {
            Some(p) => format!(
                "pack `{}` v{}: {} rule{}, {} error{}, {} warning{}",
                p.meta.id,
                p.meta.version,
                p.rules.len(),
                plural(p.rules.len()),
                self.errors,
                plural(self.errors),
                self.warnings,
                plural(self.warnings)
            ),
            None => format!(
                "pack `{}`: {} error{}, {} warning{}",
                self.path.display(),
                self.errors,
                plural(self.errors),
                self.warnings,
                plural(self.warnings)
            ),
        }
    }

    fn json(&self) -> serde_json::Value {
        let pack = self.pack.as_ref();
        json!({
            "ok": self.errors == 0,
            "path": self.path.display().to_string(),
            "pack": pack.map(|p| json!({
                "id": p.meta.id,
                "version": p.meta.version,
                "digest": p.digest,
                "rules": p.rules.len(),
            })),
            "errors": self.errors,
            "warnings": self.warnings,
            "diagnostics": self.diagnostics,
            "monitored_use": self.engine.as_ref().map(|e| e.monitored_register().to_vec())
                .unwrap_or_default(),
            "against": self.changes.as_ref().and_then(|c| serde_json::to_value(c).ok()),
            "summary": self.summary(),
        })
    }
}

/// Codes of a pack whose files cannot be read.
const UNREADABLE: [DiagnosticCode; 2] = [DiagnosticCode::PackMissingFile, DiagnosticCode::PackIo];

fn check_one(path: &Path, today: &str, options: &LoadOptions, old: Option<&Pack>) -> Checked {
    let (pack, engine, mut diagnostics, sources, unreadable) = match Pack::load_with(path, options)
    {
        Err(e) => {
            let unreadable = e.diagnostics.iter().any(|d| UNREADABLE.contains(&d.code));
            (
                None,
                None,
                e.diagnostics.clone(),
                e.sources.clone(),
                unreadable,
            )
        }
        Ok(pack) => match Engine::compile(&pack) {
            Err(e) => {
                let mut d = e.diagnostics.clone();
                add_missing(&mut d, &pack.warnings);
                d.extend(saring::pack::review_overdue(&pack, today));
                let sources = e.sources.clone();
                (Some(pack), None, d, sources, false)
            }
            Ok(engine) => {
                let mut d = pack.warnings.clone();
                d.extend(saring::pack::review_overdue(&pack, today));
                d.extend(monitored_use(&pack, &engine));
                d.extend(engine.warnings().iter().cloned());
                let sources = pack.sources.clone();
                (Some(pack), Some(engine), d, sources, false)
            }
        },
    };
    let changes = match (old, &pack) {
        (Some(old), Some(new)) => Some(super::check_against::compare(old, new)),
        _ => None,
    };
    diagnostics.extend(changes.as_ref().and_then(|c| c.diagnostic()));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    Checked {
        changes,
        path: path.to_path_buf(),
        pack,
        engine,
        warnings: diagnostics.len() - errors,
        errors,
        diagnostics,
        sources,
        unreadable,
    }
}

/// Checks every pack under the path; exit 1 when one has errors (or warnings, with
/// `--deny-warnings`), 2 when the path holds no pack or a pack's files cannot be read.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let today = match args.today {
        Some(t) if valid_date(&t) => t,
        Some(t) => {
            return Err(crate::exit::usage(format!(
                "error: `--today {t}` is not a YYYY-MM-DD date"
            )))
        }
        None => today_utc(),
    };
    if !args.path.exists() {
        return Err(crate::exit::usage(format!(
            "error: `{}` does not exist",
            args.path.display()
        )));
    }
    let paths = crate::packs::discover(&args.path)?;
    if paths.is_empty() {
        return Err(crate::exit::usage(format!(
            "error: no pack found under `{}`\n  = help: a pack is a directory holding \
             `pack.toml` (or `pack.json`), or a `.toml` file with a `[pack]` table",
            args.path.display()
        )));
    }
    if args.against.is_some() && paths.len() > 1 {
        return Err(crate::exit::usage(format!(
            "error: `--against` compares one pack, and `{}` holds {}",
            args.path.display(),
            paths.len()
        )));
    }
    let options = crate::packs::load_options()?;
    let old = match &args.against {
        Some(old) => Some(super::check_against::load_old(old)?),
        None => None,
    };
    let checked: Vec<Checked> = paths
        .iter()
        .map(|p| check_one(p, &today, &options, old.as_ref()))
        .collect();
    let errors: usize = checked.iter().map(|c| c.errors).sum();
    let warnings: usize = checked.iter().map(|c| c.warnings).sum();
    let total = format!(
        "checked {} pack{}: {} error{}, {} warning{}",
        checked.len(),
        plural(checked.len()),
        errors,
        plural(errors),
        warnings,
        plural(warnings)
    );
    match args.format {
        Format::Text => {
            for (i, c) in checked.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                let rendered = PackError::new(c.diagnostics.clone(), c.sources.clone()).render();
                if !rendered.trim().is_empty() {
                    println!("{}\n", rendered.trim_end());
                }
                if let (Some(changes), Some(old)) = (&c.changes, &args.against) {
                    println!("{}", changes.render(old));
                }
                if let Some(engine) = &c.engine {
                    print!("{}", register_text(engine.monitored_register()));
                }
                println!("{}", c.summary());
            }
            if checked.len() > 1 {
                println!("\n{total}");
            }
        }
        Format::Json => {
            let out = match checked.as_slice() {
                [one] => one.json(),
                many => json!({
                    "ok": errors == 0,
                    "errors": errors,
                    "warnings": warnings,
                    "packs": many.iter().map(Checked::json).collect::<Vec<_>>(),
                    "summary": total,
                }),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(if checked.iter().any(|c| c.unreadable) {
        USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        FINDINGS
    } else {
        OK
    })
}

/// Adds loader warnings a compile error did not already carry.
fn add_missing(diagnostics: &mut Vec<Diagnostic>, extra: &[Diagnostic]) {
    for d in extra {
        if !diagnostics.contains(d) {
            diagnostics.push(d.clone());
        }
    }
}

/// The monitored register as text: every monitored use, with its justification.
fn register_text(register: &[MonitoredUse]) -> String {
    if register.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "monitored register ({} rule{}):\n",
        register.len(),
        plural(register.len())
    );
    for u in register {
        s.push_str(&format!("  {}  reads {}\n", u.rule, u.fields.join(", ")));
        s.push_str(&format!("      why:         {}\n", u.why));
        for r in &u.references {
            s.push_str(&format!("      reference:   {r}\n"));
        }
        s.push_str(&format!("      approved by: {}\n", u.approved_by));
    }
    s.push('\n');
    s
}

/// A `pack.monitored_use` warning for every rule that reads a monitored field.
fn monitored_use(pack: &Pack, engine: &Engine) -> Vec<Diagnostic> {
    engine
        .monitored_register()
        .iter()
        .map(|r| {
            let fields = r
                .fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let d = Diagnostic::warning(
                DiagnosticCode::Other("pack.monitored_use"),
                format!("rule `{}` reads monitored field{} {fields}", r.rule, {
                    plural(r.fields.len())
                }),
            )
            .with_rule(r.rule.clone())
            .with_help(format!(
                "justification: {} (approved by {})",
                r.why, r.approved_by
            ));
            match pack
                .rules
                .iter()
                .find(|p| p.id == r.rule)
                .and_then(|p| p.location.as_ref())
            {
                Some(loc) => d.at(loc),
                None => d,
            }
        })
        .collect()
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_of_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
pub fn date_of_days(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_241), (2025, 6, 2));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert!(valid_date("2025-05-01"));
        assert!(!valid_date("2025-5-01"));
    }
}
