//! `saring check`: load and compile a pack; print every diagnostic, warnings included.

use std::path::PathBuf;

use clap::ValueEnum;
use saring::engine::MonitoredUse;
use saring::{Diagnostic, Engine, Pack, PackError};
use serde_json::json;

use crate::exit::{Code, FINDINGS, OK};
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
    /// Pack file or directory.
    path: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: Format,
    /// The date `review_by` is compared with (YYYY-MM-DD; default: today, UTC).
    #[arg(long)]
    today: Option<String>,
    /// Compare with an earlier version (a bundle or pack directory): print a changelog, and
    /// fail when the content digest changed but `version` did not.
    #[arg(long, value_name = "OLD")]
    against: Option<std::path::PathBuf>,
}

/// Checks a pack; exit 1 when it has errors, 0 otherwise (warnings do not fail).
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
    let load_options = crate::packs::load_options()?;
    let old = match &args.against {
        Some(old) => Some(super::check_against::load_old(old)?),
        None => None,
    };
    let (pack, engine, mut diagnostics, sources) = match Pack::load_with(&args.path, &load_options)
    {
        Err(e) => (None, None, e.diagnostics.clone(), e.sources.clone()),
        Ok(pack) => match Engine::compile(&pack) {
            Err(e) => {
                let mut d = e.diagnostics.clone();
                add_missing(&mut d, &pack.warnings);
                d.extend(saring::pack::review_overdue(&pack, &today));
                let sources = e.sources.clone();
                (Some(pack), None, d, sources)
            }
            Ok(engine) => {
                let mut d = pack.warnings.clone();
                d.extend(saring::pack::review_overdue(&pack, &today));
                d.extend(monitored_use(&pack, &engine));
                d.extend(engine.warnings().iter().cloned());
                let sources = pack.sources.clone();
                (Some(pack), Some(engine), d, sources)
            }
        },
    };
    let changes = match (&old, &pack) {
        (Some(old), Some(new)) => Some(super::check_against::compare(old, new)),
        _ => None,
    };
    diagnostics.extend(changes.as_ref().and_then(|c| c.diagnostic()));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let summary = match &pack {
        Some(p) => format!(
            "pack `{}` v{}: {} rule{}, {} error{}, {} warning{}",
            p.meta.id,
            p.meta.version,
            p.rules.len(),
            plural(p.rules.len()),
            errors,
            plural(errors),
            warnings,
            plural(warnings)
        ),
        None => format!(
            "pack `{}`: {} error{}, {} warning{}",
            args.path.display(),
            errors,
            plural(errors),
            warnings,
            plural(warnings)
        ),
    };
    match args.format {
        Format::Text => {
            let rendered = PackError::new(diagnostics.clone(), sources).render();
            if !rendered.trim().is_empty() {
                println!("{}\n", rendered.trim_end());
            }
            if let (Some(c), Some(old)) = (&changes, &args.against) {
                println!("{}", c.render(old));
            }
            if let Some(engine) = &engine {
                print!("{}", register_text(engine.monitored_register()));
            }
            println!("{summary}");
        }
        Format::Json => {
            let out = json!({
                "ok": errors == 0,
                "pack": pack.as_ref().map(|p| json!({
                    "id": p.meta.id,
                    "version": p.meta.version,
                    "digest": p.digest,
                    "rules": p.rules.len(),
                })),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": diagnostics,
                "monitored_use": engine.as_ref().map(|e| e.monitored_register().to_vec())
                    .unwrap_or_default(),
                "summary": summary,
            });
            let mut out = out;
            if let Some(c) = &changes {
                out["against"] = serde_json::to_value(c)?;
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(if errors > 0 { FINDINGS } else { OK })
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
                "pack.monitored_use",
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
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
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
