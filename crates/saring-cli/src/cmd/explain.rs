//! `saring explain`: one record → every rule, fired, not fired or unknown, with evidence.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use saring::engine::{Explanation, RuleExplanation, RuleResult};
use saring::pack::{Outcomes, RuleStatus};
use saring::{DecodeOptions, Engine, Outcome};
use serde_json::Value;

use crate::cmd::backtest::record_id;
use crate::exit::{Code, OK};
use crate::{input, packs};

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable text, grouped by what each rule did.
    Text,
    /// The explanation as JSON.
    Json,
}

/// Arguments of `saring explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack file or directory (default: rules/id-pmi/departure.toml, else rules/demo).
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    #[command(flatten)]
    trust: packs::TrustArgs,
    /// One record as a JSON object (file, or `-` for stdin); with `--row` or `--id`, a file
    /// of records (.jsonl, .csv, .json array).
    record: PathBuf,
    /// Explain the record at this row of the file (row numbers as `screen` reports them). A
    /// pack's windowed aggregates are then computed over the whole file, as `screen` does.
    #[arg(long, conflicts_with = "id")]
    row: Option<u64>,
    /// Explain the record with this id (the pack's `record_id` field, else a `record_id`
    /// column).
    #[arg(long)]
    id: Option<String>,
    /// Input format of the file (default: from the extension, else sniffed).
    #[arg(long, value_enum)]
    input_format: Option<input::Format>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: Format,
    /// Language of titles, reasons, remedies and questions (one of the pack's `languages`).
    #[arg(long)]
    lang: Option<String>,
}

/// Which record of a file to explain.
enum Pick<'a> {
    Row(u64),
    Id(&'a str),
}

/// The chosen row of a file; with `all`, every row of the file too (the history of a pack
/// with windowed aggregates), the chosen one at `index`.
struct Picked {
    row: u64,
    value: Value,
    rows: Vec<input::Row>,
    index: usize,
}

/// A row's id: the pack's `record_id` field, else a `record_id` column.
fn id_of(engine: &Engine, value: &Value) -> Option<String> {
    match &engine.pack().meta.record_id {
        Some(field) => crate::cmd::audit::record_id_of(value, &field.path),
        None => record_id(value),
    }
}

/// Finds the chosen row of a file (reading on to the end with `all`); exit 2 when there is
/// none.
fn pick(engine: &Engine, args: &Args, which: Pick<'_>, all: bool) -> anyhow::Result<Picked> {
    let input = input::open(&args.record, args.input_format, engine.schema())?;
    let file = args.record.display();
    let mut count = 0u64;
    let mut ids = Vec::new();
    let mut rows = Vec::new();
    let mut found: Option<(u64, Value, usize)> = None;
    for row in input {
        let row = row?;
        count += 1;
        let hit = found.is_none()
            && match which {
                Pick::Row(n) => row.row == n,
                Pick::Id(id) => {
                    let value = row.to_value().ok();
                    let found = value.as_ref().and_then(|v| id_of(engine, v));
                    let hit = found.as_deref() == Some(id);
                    if !hit && ids.len() < 100_000 {
                        ids.extend(found);
                    }
                    hit
                }
            };
        if hit {
            let value = row.to_value().map_err(|e| {
                crate::exit::usage(format!(
                    "error: row {} of `{file}` is not a record: {}",
                    row.row,
                    crate::output::error_text(&e)
                ))
            })?;
            found = Some((row.row, value, rows.len()));
            if !all {
                break;
            }
        }
        if all {
            rows.push(row);
        }
    }
    if let Some((row, value, index)) = found {
        return Ok(Picked {
            row,
            value,
            rows,
            index,
        });
    }
    let rows = count;
    Err(crate::exit::usage(match which {
        Pick::Row(n) => format!("error: `{file}` has no row {n} ({rows} rows)"),
        Pick::Id(id) => {
            let help = crate::grouping::suggest(id, ids.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_else(|| match &engine.pack().meta.record_id {
                    Some(f) => format!(
                        "record ids are read from the pack's `record_id` field `{}`",
                        f.path
                    ),
                    None => "record ids are read from the `record_id` column".to_string(),
                });
            format!("error: no record with id `{id}` in `{file}` ({rows} rows)\n  = help: {help}")
        }
    }))
}

/// Explains one record; exit 2 when the record does not fit the schema or is not found.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let engine = packs::with_language(
        packs::load_engine_with(args.pack.as_deref(), &args.trust)?,
        args.lang.as_deref(),
    )?;
    let which = match (args.row, args.id.as_deref()) {
        (Some(n), _) => Some(Pick::Row(n)),
        (None, Some(id)) => Some(Pick::Id(id)),
        (None, None) => None,
    };
    let (header, record) = match which {
        Some(which) => {
            let history = engine.has_aggregates();
            let picked = pick(&engine, &args, which, history)?;
            let (row, value) = (picked.row, &picked.value);
            let mut header = match id_of(&engine, value) {
                Some(id) => format!("row {row} of {} (record `{id}`)", args.record.display()),
                None => format!("row {row} of {}", args.record.display()),
            };
            let record = if history {
                // Windowed aggregates over the whole file, as `screen` computes them.
                let _ = write!(
                    header,
                    "\nwindowed aggregates over the file's {} rows, in time order",
                    picked.rows.len()
                );
                let pool = crate::batch::pool(None)?;
                let decode = DecodeOptions::REPORT;
                let mut h = crate::batch::InputHistory::of(&pool, &engine, &picked.rows, decode);
                let at = picked.index;
                h.decode(&pool, &engine, &picked.rows[at..=at], at, decode)
                    .pop()
                    .ok_or_else(|| anyhow::anyhow!("no record decoded"))?
            } else {
                engine.decode_value(value, DecodeOptions::REPORT)
            }
            .map_err(|e| not_a_record(&e, None))?;
            (Some(header), record)
        }
        None => {
            let text = read_text(&args.record)?;
            let record = engine
                .decode_json(&text, DecodeOptions::REPORT)
                .map_err(|e| not_a_record(&e, Some((&args.record, &text))))?;
            if engine.has_aggregates() {
                eprintln!(
                    "note: one record has no history, so rules reading the pack's windowed \
                     aggregates are unknown; explain a row of the file they are computed over \
                     (`FILE --row N` or `FILE --id ID`)"
                );
            }
            (None, record)
        }
    };
    let explanation = engine.explain(&record);
    let ignored: Vec<String> = record.ignored_fields().map(|p| format!("`{p}`")).collect();
    if !ignored.is_empty() {
        eprintln!(
            "warning: the record holds fields the schema does not declare, which no rule read: {}",
            ignored.join(", ")
        );
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&explanation)?),
        Format::Text => {
            if let Some(h) = header {
                println!("{h}");
            }
            print!("{}", render(&explanation, engine.outcomes()))
        }
    }
    Ok(OK)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| crate::exit::usage(format!("error: cannot read `{}`: {e}", path.display())))?;
    Ok(text)
}

/// The usage error of a record that does not decode; a file of several records gets a hint.
fn not_a_record(e: &saring::RecordError, source: Option<(&Path, &str)>) -> anyhow::Error {
    let mut message = format!(
        "error: the record does not fit the schema: {}",
        crate::output::error_text(e)
    );
    if let Some((path, text)) = source {
        let records = text.lines().filter(|l| !l.trim().is_empty()).count();
        if records > 1 {
            message.push_str(&format!(
                "\n  = help: `{}` holds {records} lines: pick one record with `--row N` or \
                 `--id RECORD_ID`",
                path.display()
            ));
        }
    }
    crate::exit::usage(message)
}

/// Human text: the decision, then rules grouped as fired, shadow fired, unknown, not fired,
/// disabled; then derived values.
pub fn render(x: &Explanation, outcomes: &Outcomes) -> String {
    let d = &x.decision;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "pack {} {} ({})",
        d.pack.id, d.pack.version, d.pack.digest
    );
    let _ = writeln!(
        s,
        "outcome: {}  score {}  (review at {}, refer at {})",
        d.outcome.as_str().to_uppercase(),
        d.score,
        outcomes.review,
        outcomes.refer
    );
    if d.max_score != d.score {
        let note = if d.outcome == Outcome::Incomplete {
            "needs data: the missing data alone could reach review"
        } else {
            "if every undecided rule fired"
        };
        let _ = writeln!(s, "max score: {}  ({note})", d.max_score);
    }
    if !d.families.is_empty() {
        let families: Vec<String> = d.families.iter().map(|(f, v)| format!("{f} {v}")).collect();
        let _ = writeln!(s, "families: {}", families.join(", "));
    }
    let group = |pred: &dyn Fn(&RuleExplanation) -> bool| -> Vec<&RuleExplanation> {
        x.rules.iter().filter(|r| pred(r)).collect()
    };
    let fired = group(&|r| r.result == RuleResult::Hit && r.status == RuleStatus::Active);
    let shadow = group(&|r| r.result == RuleResult::Hit && r.status == RuleStatus::Shadow);
    let unknown = group(&|r| matches!(r.result, RuleResult::Unknown { .. }));
    let missed = group(&|r| r.result == RuleResult::Miss);
    let disabled = group(&|r| r.result == RuleResult::Disabled);

    section(&mut s, "fired", &fired, |s, r| {
        let _ = writeln!(s, "  + {}  [+{}]  {}", r.rule, r.weight, r.title);
        detail(s, r, true);
    });
    section(&mut s, "fired in shadow (not scored)", &shadow, |s, r| {
        let _ = writeln!(s, "  ~ {}  [{}]  {}", r.rule, r.weight, r.title);
        detail(s, r, true);
    });
    section(&mut s, "unknown: missing data", &unknown, |s, r| {
        let _ = writeln!(s, "  ? {}  [{}]  {}", r.rule, r.weight, r.title);
        if let RuleResult::Unknown { missing, error } = &r.result {
            if !missing.is_empty() {
                let _ = writeln!(s, "      missing:  {}", missing.join(", "));
            }
            if let Some(e) = error {
                let entry = d.incomplete.iter().find(|i| i.rule == r.rule);
                match entry.and_then(|i| i.error_kind) {
                    Some(kind) => {
                        let _ = writeln!(s, "      error:    {e}  [{}]", kind.code());
                    }
                    None => {
                        let _ = writeln!(s, "      error:    {e}");
                    }
                }
                if let Some((at, expr)) =
                    entry.and_then(|i| i.error_at.as_ref().zip(i.error_expr.as_ref()))
                {
                    let _ = writeln!(
                        s,
                        "      at:       {}:{}:{}  `{expr}`",
                        at.file, at.line, at.column
                    );
                }
            }
        }
        evidence(s, &r.evidence);
    });
    section(&mut s, "not fired", &missed, |s, r| {
        let _ = writeln!(s, "  - {}  [{}]  {}", r.rule, r.weight, r.title);
        evidence(s, &r.evidence);
    });
    section(&mut s, "disabled", &disabled, |s, r| {
        let _ = writeln!(s, "    {}  {}", r.rule, r.title);
    });
    if !d.questions.is_empty() {
        let _ = writeln!(s, "\nquestions to ask ({}):", d.questions.len());
        for q in &d.questions {
            let _ = writeln!(s, "  - {}  ({})", q.question, q.fields.join(", "));
        }
    }
    if !x.derived.is_empty() {
        let _ = writeln!(s, "\nderived values:");
        for (k, v) in &x.derived {
            let _ = writeln!(s, "  {k} = {v}");
        }
    }
    s
}

fn section(
    s: &mut String,
    title: &str,
    rules: &[&RuleExplanation],
    mut each: impl FnMut(&mut String, &RuleExplanation),
) {
    if rules.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n{title} ({}):", rules.len());
    for r in rules {
        each(s, r);
    }
}

fn detail(s: &mut String, r: &RuleExplanation, with_remedy: bool) {
    let _ = writeln!(s, "      reason:   {}", r.reason);
    evidence(s, &r.evidence);
    if with_remedy {
        if let Some(remedy) = &r.remedy {
            let _ = writeln!(s, "      remedy:   {remedy}");
        }
    }
    for (i, reference) in r.references.iter().enumerate() {
        let label = if i == 0 { "sources: " } else { "         " };
        let _ = writeln!(s, "      {label} {reference}");
    }
}

fn evidence(s: &mut String, evidence: &BTreeMap<String, serde_json::Value>) {
    if evidence.is_empty() {
        return;
    }
    let items: Vec<String> = evidence.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    let _ = writeln!(s, "      evidence: {}", items.join(", "));
}
