//! `saring diff`: champion (A) against challenger (B) on the same records — which records
//! change outcome, and which rules cause it; with `--label`, whether the changes are true or
//! false positives (see [`diff_labels`]); with `--by`, how group flag rates move.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::ValueEnum;
use saring::{Decision, DecodeOptions, Engine, Outcome, PackRef, RecordError};
use serde::Serialize;

use crate::cmd::backtest::label_of;
use crate::cmd::diff_labels::{self, Accumulator, GroupDelta, LabelledDiff};
use crate::exit::{Code, BAD_ROWS, OK};
use crate::grouping::{self, Groupings};
use crate::input::Row;
use crate::summary::Summary;
use crate::{batch, input, output, packs, report};

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// The comparison as JSON.
    Json,
}

/// Arguments of `saring diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The current pack (champion).
    pack_a: PathBuf,
    /// The candidate pack (challenger).
    pack_b: PathBuf,
    /// Require both packs to be bundles signed by this public key (`.pub` file or
    /// `ed25519:<hex>`; repeatable: any one of them is enough).
    #[arg(long = "trusted-key", value_name = "PUB")]
    trusted_keys: Vec<String>,
    /// Records: .jsonl, .csv, .json (array) or `-`.
    data: PathBuf,
    /// Input format (default: from the extension, else sniffed).
    #[arg(long, value_enum)]
    input_format: Option<input::Format>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: Format,
    /// How many changed records to list.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Column (dotted path) holding the label: confusion deltas of A and B (true or false
    /// positives gained and lost), per outcome and per rule.
    #[arg(long)]
    label: Option<String>,
    /// Columns to compare flag rates by (as `backtest --by`: derived values, fields,
    /// columns; `COL:W` bands).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Do not print the summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// A count of records moving from one outcome to another.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Transition {
    /// Outcome under pack A.
    pub from: Outcome,
    /// Outcome under pack B.
    pub to: Outcome,
    /// Records.
    pub count: u64,
}

/// How much one rule contributes to the changes.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct RuleChange {
    /// Rule id.
    pub rule: String,
    /// Changed records on which the rule fires (scored) under B but not under A.
    pub added: u64,
    /// Changed records on which the rule fires (scored) under A but not under B.
    pub removed: u64,
    /// Changed records on which it fires under both, with a different weight.
    pub reweighted: u64,
}

/// One record whose outcome changed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Changed {
    /// Row number.
    pub row: u64,
    /// Outcome under A.
    pub from: Outcome,
    /// Outcome under B.
    pub to: Outcome,
    /// Score under A.
    pub score_a: i64,
    /// Score under B.
    pub score_b: i64,
    /// Rules scored under B only.
    pub added: Vec<String>,
    /// Rules scored under A only.
    pub removed: Vec<String>,
    /// Rules scored under both with a different weight.
    pub reweighted: Vec<String>,
}

/// The comparison.
#[derive(Debug, Serialize)]
pub struct DiffReport {
    /// Pack A.
    pub a: PackRef,
    /// Pack B.
    pub b: PackRef,
    /// Rows read.
    pub rows: u64,
    /// Rows screened by both.
    pub compared: u64,
    /// Rows that failed under A or B.
    pub errors: u64,
    /// Records whose outcome changed.
    pub changed: u64,
    /// Outcome transitions (all nine pairs with a non-zero count, unchanged included).
    pub transitions: Vec<Transition>,
    /// Per-rule contributions to the changed records, most involved first.
    pub rules: Vec<RuleChange>,
    /// The first `--limit` changed records.
    pub records: Vec<Changed>,
    /// With `--label`: confusion deltas, labels per outcome, flips, per-rule confusion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labelled: Option<LabelledDiff>,
    /// With `--by`: flag rates (and false-positive rates, labelled) per group under A and B.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupDelta>,
}

fn scored(d: &Decision) -> BTreeMap<&str, i64> {
    d.hits.iter().map(|h| (h.rule.as_str(), h.weight)).collect()
}

/// The rules scored in `x` but not in `y`.
fn only_in(x: &BTreeMap<&str, i64>, y: &BTreeMap<&str, i64>) -> Vec<String> {
    x.keys()
        .filter(|r| !y.contains_key(*r))
        .map(|r| r.to_string())
        .collect()
}

/// Compares; exit 0, or 3 when some rows failed under either pack.
pub fn run(args: Args) -> anyhow::Result<Code> {
    let trust = packs::TrustArgs {
        trusted_keys: args.trusted_keys.clone(),
        expect_digest: None,
    };
    let a = packs::load_engine_with(Some(&args.pack_a), &trust)?;
    let b = packs::load_engine_with(Some(&args.pack_b), &trust)?;
    let pool = batch::pool(args.threads)?;
    let input = input::open(&args.data, args.input_format, a.schema())?;
    let mut counts: BTreeMap<(Outcome, Outcome), u64> = BTreeMap::new();
    let mut rules: BTreeMap<String, RuleChange> = BTreeMap::new();
    let mut records = Vec::new();
    let (mut rows, mut compared, mut errors, mut changed) = (0u64, 0u64, 0u64, 0u64);
    let mut labelled = Accumulator::new(&a, &b, args.label.as_deref());
    let resolved = std::cell::OnceCell::new();
    let none = Groupings::default();
    let mut summary = Summary::start();
    batch::for_each_chunk_checked(
        input,
        a.has_aggregates() || b.has_aggregates(),
        |first| {
            let values = grouping::first_values(first);
            if let Some(label) = &args.label {
                grouping::check_label(label, &values)?;
            }
            let _ = resolved.set(Groupings::resolve(&args.by, &a, &values)?);
            Ok(())
        },
        |chunk| {
            let groupings = resolved.get().unwrap_or(&none);
            // With windowed aggregates the chunk is the whole input: each pack's history is
            // taken in a first pass, then records are decoded and screened a chunk at a time.
            let decode = DecodeOptions::default();
            let mut history_a = a
                .has_aggregates()
                .then(|| batch::InputHistory::of(&pool, &a, chunk, decode));
            let mut history_b = b
                .has_aggregates()
                .then(|| batch::InputHistory::of(&pool, &b, chunk, decode));
            let mut from = 0;
            for part in chunk.chunks(batch::CHUNK) {
                let screen =
                    |engine: &Engine, history: Option<&mut batch::InputHistory>| match history {
                        Some(h) => batch::screen_records(
                            &pool,
                            engine,
                            &h.decode(&pool, engine, part, from, decode),
                        ),
                        None => batch::screen_rows(&pool, engine, part, decode),
                    };
                let ra = screen(&a, history_a.as_mut());
                let rb = screen(&b, history_b.as_mut());
                from += part.len();
                for ((row, da), db) in part.iter().zip(ra).zip(rb) {
                    rows += 1;
                    let extra = labels_and_groups(&a, groupings, args.label.as_deref(), row);
                    let (da, db, (label, groups)) = match (da, db, extra) {
                        (Ok(da), Ok(db), Ok(extra)) => (da, db, extra),
                        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                            errors += 1;
                            if errors <= 10 {
                                eprintln!("row {}: {}", row.row, output::error_text(&e));
                            }
                            summary.add(&Err(e));
                            continue;
                        }
                    };
                    compared += 1;
                    labelled.add(&da, &db, label, &groups);
                    *counts.entry((da.outcome, db.outcome)).or_default() += 1;
                    if da.outcome == db.outcome {
                        summary.add(&Ok(db));
                        continue;
                    }
                    changed += 1;
                    let (ha, hb) = (scored(&da), scored(&db));
                    let (added, removed) = (only_in(&hb, &ha), only_in(&ha, &hb));
                    for r in &added {
                        entry(&mut rules, r).added += 1;
                    }
                    for r in &removed {
                        entry(&mut rules, r).removed += 1;
                    }
                    let reweighted: Vec<String> = ha
                        .iter()
                        .filter(|(r, w)| hb.get(*r).is_some_and(|wb| wb != *w))
                        .map(|(r, _)| r.to_string())
                        .collect();
                    for r in &reweighted {
                        entry(&mut rules, r).reweighted += 1;
                    }
                    if records.len() < args.limit {
                        records.push(Changed {
                            row: row.row,
                            from: da.outcome,
                            to: db.outcome,
                            score_a: da.score,
                            score_b: db.score,
                            added,
                            removed,
                            reweighted,
                        });
                    }
                    summary.add(&Ok(db));
                }
            }
            Ok(())
        },
    )?;
    if errors > 10 {
        eprintln!("... and {} more bad rows", errors - 10);
    }
    if !args.quiet {
        eprintln!(
            "compared {} with both packs: {changed} changed outcome; {errors} error{}",
            summary.timing(),
            crate::packs::plural(errors as usize)
        );
    }
    let mut rules: Vec<RuleChange> = rules.into_values().collect();
    rules.sort_by(|x, y| {
        (y.added + y.removed + y.reweighted)
            .cmp(&(x.added + x.removed + x.reweighted))
            .then_with(|| x.rule.cmp(&y.rule))
    });
    let report = DiffReport {
        a: a.pack_ref().clone(),
        b: b.pack_ref().clone(),
        rows,
        compared,
        errors,
        changed,
        transitions: counts
            .into_iter()
            .map(|((from, to), count)| Transition { from, to, count })
            .collect(),
        rules,
        records,
        groups: labelled.groups(),
        labelled: labelled.finish(),
    };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => print!("{}", render(&report)),
    }
    Ok(if errors > 0 { BAD_ROWS } else { OK })
}

/// A row's label (with `--label`) and `(column, group)` pairs (with `--by`).
type LabelAndGroups = (Option<bool>, Vec<(String, String)>);

/// The label and groups of a row, when `--label` or `--by` ask for them.
fn labels_and_groups(
    a: &Engine,
    groupings: &Groupings,
    label: Option<&str>,
    row: &Row,
) -> Result<LabelAndGroups, RecordError> {
    if label.is_none() && groupings.is_empty() {
        return Ok((None, Vec::new()));
    }
    let value = row.to_value()?;
    let label = label.map(|l| label_of(&value, l)).transpose()?;
    let groups = if groupings.needs_derived() {
        let record = a.decode_value(&value, DecodeOptions::default())?;
        groupings.labels_of(a, &value, &record)
    } else {
        groupings.labels(&value, None)
    };
    Ok((label, groups))
}

fn entry<'a>(rules: &'a mut BTreeMap<String, RuleChange>, rule: &str) -> &'a mut RuleChange {
    rules.entry(rule.to_string()).or_insert_with(|| RuleChange {
        rule: rule.to_string(),
        ..RuleChange::default()
    })
}

/// The comparison as terminal text.
pub fn render(r: &DiffReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "A: {} {} ({})", r.a.id, r.a.version, r.a.digest);
    let _ = writeln!(s, "B: {} {} ({})", r.b.id, r.b.version, r.b.digest);
    let _ = writeln!(
        s,
        "{} rows, {} compared, {} errors; {} changed outcome\n",
        r.rows, r.compared, r.errors, r.changed
    );
    let rows: Vec<Vec<String>> = r
        .transitions
        .iter()
        .map(|t| {
            vec![
                t.from.as_str().to_string(),
                t.to.as_str().to_string(),
                t.count.to_string(),
                if t.from == t.to { "" } else { "changed" }.to_string(),
            ]
        })
        .collect();
    s.push_str(&report::table(&["A", "B", "records", ""], &rows));
    if !r.rules.is_empty() {
        let _ = writeln!(s, "\nrules behind the changes (among changed records)");
        let rows: Vec<Vec<String>> = r
            .rules
            .iter()
            .map(|c| {
                vec![
                    c.rule.clone(),
                    c.added.to_string(),
                    c.removed.to_string(),
                    c.reweighted.to_string(),
                ]
            })
            .collect();
        s.push_str(&report::table(
            &["rule", "fires in B only", "fires in A only", "reweighted"],
            &rows,
        ));
    }
    if !r.records.is_empty() {
        let _ = writeln!(s, "\nchanged records (first {})", r.records.len());
        let rows: Vec<Vec<String>> = r
            .records
            .iter()
            .map(|c| {
                let mut why: Vec<String> = c.added.iter().map(|x| format!("+{x}")).collect();
                why.extend(c.removed.iter().map(|x| format!("-{x}")));
                why.extend(c.reweighted.iter().map(|x| format!("~{x}")));
                vec![
                    c.row.to_string(),
                    format!("{} -> {}", c.from.as_str(), c.to.as_str()),
                    format!("{} -> {}", c.score_a, c.score_b),
                    why.join(" "),
                ]
            })
            .collect();
        s.push_str(&report::table(
            &[
                "row",
                "outcome",
                "score",
                "rules (+ B only, - A only, ~ reweighted)",
            ],
            &rows,
        ));
    }
    if let Some(l) = &r.labelled {
        s.push_str(&diff_labels::render(l));
    }
    s.push_str(&diff_labels::render_groups(&r.groups));
    s
}
