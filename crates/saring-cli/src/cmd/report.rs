//! `saring report dpia`: the annex to a data-protection impact assessment — what each rule
//! reads, the protected / monitored register, thresholds, measured performance, fairness and
//! per-rule disparity, and a volume projection at the real prevalence — as Markdown or HTML.
//!
//! Written for what UU PDP No. 27/2022 Art. 34 (a DPIA for high-risk processing) and an
//! AI-Act-style technical file ask an agency to show; the legal assessment itself stays with
//! the agency's data-protection officer.

use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use saring::backtest::stats::wilson;
use saring::backtest::{
    Backtest, BacktestConfig, BacktestReport, Interval, DEFAULT_MIN_GROUP, DEFAULT_TOLERANCE,
};
use saring::pack::RuleStatus;
use saring::schema::{FieldKind, ObjectType};
use saring::{Engine, Pack};

use crate::cmd::backtest::run_backtest;
use crate::doc::Doc;
use crate::exit::{Code, FINDINGS, OK};
use crate::report::{
    groups_table, num, pct, pct_ci, rule_disparity_table, thresholds_table, Table,
};
use crate::{html, output, packs};

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown (GitHub-flavoured tables).
    Markdown,
    /// A self-contained HTML page.
    Html,
}

/// Arguments of `saring report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

/// The reports.
#[derive(Debug, Subcommand)]
enum Kind {
    /// The DPIA annex of a pack, measured on labelled records.
    Dpia(DpiaArgs),
}

/// Arguments of `saring report dpia`.
#[derive(Debug, clap::Args)]
pub struct DpiaArgs {
    /// Pack file or directory (default: rules/id-pmi/departure.toml, else rules/demo).
    #[arg(long, env = "SARING_PACK")]
    pack: Option<PathBuf>,
    #[command(flatten)]
    trust: packs::TrustArgs,
    /// Labelled records: .jsonl, .csv, .json (array) or `-`.
    #[arg(long)]
    data: PathBuf,
    /// Column (dotted path) holding the label.
    #[arg(long, default_value = "label")]
    label: String,
    /// Monitored columns to audit (default: the schema's monitored fields; dates and
    /// numbers in bands of 10).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// The prevalence in real traffic (`0.002` or `0.2%`; default: the labelled data's).
    #[arg(long, value_parser = parse_rate)]
    base_rate: Option<f64>,
    /// Records screened per day (`5000` or `5000/day`), for the volume projection.
    #[arg(long, value_parser = parse_volume)]
    volume: Option<f64>,
    /// Disparity tolerance.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE)]
    tolerance: f64,
    /// Groups with fewer records cannot be the reference group.
    #[arg(long, default_value_t = DEFAULT_MIN_GROUP)]
    min_group: u64,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "markdown")]
    format: Format,
    /// Output file (default: stdout).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Exit 1 when a disparity is reported.
    #[arg(long)]
    fail_on_disparity: bool,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a rate (`0.002` or `0.2%`)"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("`{s}` is not between 0 and 1"))
    }
}

fn parse_volume(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix("/day").unwrap_or(t).trim();
    t.replace('_', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| format!("`{s}` is not a number of records per day (`5000/day`)"))
}

/// Runs a report.
pub fn run(args: Args) -> anyhow::Result<Code> {
    match args.kind {
        Kind::Dpia(a) => dpia(a),
    }
}

/// The default `--by`: every monitored field, numbers and dates in bands of 10.
fn monitored_by(engine: &Engine) -> Vec<String> {
    fn walk(obj: &ObjectType, out: &mut Vec<String>) {
        for f in &obj.fields {
            if f.monitored {
                out.push(match f.kind {
                    FieldKind::Int | FieldKind::Float | FieldKind::Date | FieldKind::Timestamp => {
                        format!("{}:10", f.path)
                    }
                    _ => f.path.clone(),
                });
            }
            if let FieldKind::Object(child) = &f.kind {
                walk(child, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&engine.schema().root, &mut out);
    out
}

fn dpia(args: DpiaArgs) -> anyhow::Result<Code> {
    let engine = packs::load_engine_with(args.pack.as_deref(), &args.trust)?;
    let by = if args.by.is_empty() {
        monitored_by(&engine)
    } else {
        args.by.clone()
    };
    let backtest = Backtest::new(BacktestConfig::from_pack(engine.pack()))
        .min_group_size(args.min_group)
        .tolerance(args.tolerance)
        .samples(0);
    let run = run_backtest(
        &engine,
        &args.data,
        None,
        &args.label,
        &by,
        backtest,
        args.threads,
        true,
        crate::input::UnknownFieldsArg::Ignore,
    )?;
    let doc = annex(&engine, &args, &run);
    let text = match args.format {
        Format::Markdown => doc.markdown(),
        Format::Html => doc.html_page(),
    };
    let mut out = output::open(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(
        if args.fail_on_disparity && !run.report.disparities.is_empty() {
            FINDINGS
        } else {
            OK
        },
    )
}

fn rows_of(t: Table) -> (Vec<&'static str>, Vec<Vec<String>>) {
    (t.html_headers(), t.rows)
}

fn status(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::Active => "active",
        RuleStatus::Shadow => "shadow (reported, not scored)",
        RuleStatus::Disabled => "disabled",
    }
}

fn kind_name(kind: &FieldKind) -> String {
    match kind {
        FieldKind::String => "string".into(),
        FieldKind::Int => "int".into(),
        FieldKind::Float => "float".into(),
        FieldKind::Bool => "bool".into(),
        FieldKind::Date => "date".into(),
        FieldKind::Timestamp => "timestamp".into(),
        FieldKind::Enum(_) => "enum".into(),
        FieldKind::List(item) => format!("list of {}", kind_name(item)),
        FieldKind::Object(_) => "object".into(),
    }
}

/// The register rows of protected and monitored fields.
fn register(pack: &Pack, engine: &Engine) -> Vec<Vec<String>> {
    fn walk(obj: &ObjectType, out: &mut Vec<(String, String, bool, Option<String>)>) {
        for f in &obj.fields {
            if f.protected || f.monitored {
                out.push((
                    f.path.clone(),
                    kind_name(&f.kind),
                    f.protected,
                    f.description.clone(),
                ));
            }
            if let FieldKind::Object(child) = &f.kind {
                walk(child, out);
            }
        }
    }
    let mut fields = Vec::new();
    walk(&pack.schema.root, &mut fields);
    fields
        .into_iter()
        .map(|(path, kind, protected, description)| {
            let readers: Vec<String> = engine
                .rules()
                .iter()
                .filter(|r| r.reads_monitored.contains(&path))
                .map(|r| {
                    let why = justification(pack, &r.id).unwrap_or_else(|| "none".to_string());
                    format!("`{}` (why: {why})", r.id)
                })
                .collect();
            vec![
                format!("`{path}`"),
                kind,
                if protected {
                    "protected: no rule or derived value can read it (a pack that does is \
                     rejected)"
                        .to_string()
                } else {
                    "monitored: audit only; a rule reading it needs a justification".to_string()
                },
                if readers.is_empty() {
                    "no rule".to_string()
                } else {
                    readers.join("; ")
                },
                description.unwrap_or_default(),
            ]
        })
        .collect()
}

/// A rule's `uses_monitored` justification, as text.
fn justification(pack: &Pack, rule: &str) -> Option<String> {
    pack.rules
        .iter()
        .find(|r| r.id == rule)
        .and_then(|r| r.uses_monitored.as_ref())
        .map(|j| {
            format!(
                "{} (references: {}; approved by {})",
                j.why,
                j.references.join("; "),
                j.approved_by
            )
        })
}

/// Expected referrals a day and precision at prevalence `p`, from a threshold's recall and
/// false-positive rate: flagged/day = V·(TPR·p + FPR·(1−p)), precision = TPR·p / (TPR·p +
/// FPR·(1−p)). `None` when a rate is undefined.
pub fn project(tpr: f64, fpr: f64, p: f64, volume: f64) -> (f64, f64, Option<f64>) {
    let true_flags = tpr * p;
    let false_flags = fpr * (1.0 - p);
    let flagged = true_flags + false_flags;
    (
        volume * flagged,
        volume * true_flags,
        (flagged > 0.0).then(|| true_flags / flagged),
    )
}

fn interval_text(ci: Option<Interval>) -> String {
    pct_ci(ci)
}

fn annex(engine: &Engine, args: &DpiaArgs, run: &crate::cmd::backtest::Run) -> Doc {
    let pack = engine.pack();
    let r: &BacktestReport = &run.report;
    let info = &run.info;
    let mut d = Doc::new(format!(
        "DPIA annex: {} {}",
        pack.meta.id, pack.meta.version
    ));
    d.h(1, format!("DPIA annex: {}", pack.meta.title));
    d.table(
        &["annex of", "value"],
        vec![
            vec![
                "Pack".into(),
                format!("`{}` version {}", pack.meta.id, pack.meta.version),
            ],
            vec!["Pack digest".into(), format!("`{}`", pack.digest)],
            vec!["Labelled data".into(), format!("`{}`", info.input_name())],
            vec![
                "Data sha256".into(),
                format!(
                    "`{}`",
                    info.input_sha256.as_deref().unwrap_or("(standard input)")
                ),
            ],
            vec!["Label column".into(), format!("`{}`", args.label)],
            vec![
                "Prepared".into(),
                format!("{}, saring {}", info.run_at, info.saring),
            ],
        ],
    );
    d.p(
        "This annex documents an automated screening aid for a data-protection impact \
         assessment (UU PDP No. 27/2022 Art. 34) and an AI-Act-style technical file: what the \
         rules read, which personal data are excluded or only audited, how the thresholds were \
         set, how the pack performs on labelled records and across monitored groups, and what \
         volume of referrals to expect. The legal assessment itself is the agency's.",
    );

    d.h(2, "1. Purpose and human oversight");
    d.p(format!(
        "{} The engine recommends, it never decides: each record gets `clear`, `review` or \
         `refer`, with every flag's reason, the evidence it read and the remedy that would \
         clear it, for an officer to act on. Thresholds: **review** at a score of {} or more, \
         **refer** at {} or more.",
        pack.meta
            .description
            .as_deref()
            .unwrap_or(&pack.meta.title)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        pack.outcomes.review,
        pack.outcomes.refer
    ));

    d.h(2, "2. What each rule reads");
    let reads = engine.rule_reads();
    let rows: Vec<Vec<String>> = pack
        .rules
        .iter()
        .map(|rule| {
            let read = reads.iter().find(|x| x.rule == rule.id);
            let fields = read.map_or_else(String::new, |x| {
                let mut v: Vec<String> = x.fields.iter().map(|f| format!("`{f}`")).collect();
                v.extend(x.derived.iter().map(|f| format!("`{f}` (derived)")));
                v.join(", ")
            });
            vec![
                format!("`{}`", rule.id),
                rule.title.resolve(&pack_language(pack), "en").to_string(),
                status(rule.status).to_string(),
                rule.weight.to_string(),
                fields,
                if rule.references.is_empty() {
                    "**none**".to_string()
                } else {
                    rule.references.join("; ")
                },
            ]
        })
        .collect();
    d.table(
        &[
            "rule",
            "title",
            "status",
            "weight",
            "fields read",
            "references",
        ],
        rows,
    );
    if !pack.derive.is_empty() {
        d.p("Derived values (computed once per record):");
        d.list(
            pack.derive
                .iter()
                .map(|x| format!("`{}` = `{}`", x.name, x.expr.text))
                .collect(),
        );
    }

    d.h(2, "3. Protected and monitored data");
    d.table(
        &[
            "field",
            "type",
            "treatment",
            "rules that read it",
            "description",
        ],
        register(pack, engine),
    );

    d.h(2, "4. Performance on the labelled data");
    d.p(format!(
        "{} labelled records, {} positive (base rate {}); {} rows could not be screened or \
         labelled; {} records had incomplete data. Intervals are 95% Wilson intervals.",
        r.records,
        r.positives,
        pct(r.base_rate),
        r.errors,
        r.incomplete_records
    ));
    let (h, rows) = rows_of(thresholds_table(r));
    d.table(&h, rows);

    d.h(2, "5. Fairness across monitored groups");
    d.p(format!(
        "Read in the harm direction (being flagged is the harm): per group, the flag rate and \
         the false-positive rate (innocent people sent to review), each over the lowest of the \
         column (the reference group, at least {} records). A ratio is reported as a \
         disparity when its whole 95% Katz interval lies above {:.2} (the four-fifths rule, \
         1/0.8).",
        r.min_group, r.tolerance
    ));
    if r.disparities.is_empty() {
        d.p("**No disparity beyond the tolerance.**");
    } else {
        d.p(format!(
            "**{} disparities beyond the tolerance:**",
            r.disparities.len()
        ));
        d.list(r.warnings.clone());
    }
    for c in &r.groups {
        d.h(3, format!("By `{}`", c.column));
        let (h, rows) = rows_of(groups_table(c));
        d.table(&h, rows);
    }

    d.h(2, "6. Per-rule disparity (proxy detection)");
    d.p(
        "For every rule, its hit rate in each monitored group over the group it hits least. \
         A rule whose hits concentrate in one group beyond the tolerance is a likely proxy \
         for the monitored attribute, even when it never reads it (for example digits of the \
         NIK that encode sex).",
    );
    let (h, rows) = rows_of(rule_disparity_table(r));
    d.table(&h, rows);

    d.h(2, "7. Volume projection");
    let p = args.base_rate.or(r.base_rate).unwrap_or(0.0);
    let volume = args.volume;
    d.p(format!(
        "At a prevalence of {} ({}) and {}: recall (TPR) and false-positive rate (FPR) as \
         measured above, applied to real traffic:",
        pct(Some(p)),
        if args.base_rate.is_some() {
            "given with `--base-rate`"
        } else {
            "the labelled data's base rate; give the real one with `--base-rate`"
        },
        match volume {
            Some(v) => format!("{v:.0} records a day"),
            None => "per 1,000 records (give `--volume N/day` for a daily figure)".to_string(),
        }
    ));
    d.code(
        "flagged per day  = V × (TPR × p + FPR × (1 − p))\n\
         true cases       = V × TPR × p\n\
         precision at p   = TPR × p / (TPR × p + FPR × (1 − p))",
    );
    let v = volume.unwrap_or(1000.0);
    let rows: Vec<Vec<String>> = r
        .thresholds
        .iter()
        .filter_map(|t| {
            let (tpr, fpr) = (t.recall?, t.false_positive_rate?);
            let (flagged, true_cases, precision) = project(tpr, fpr, p, v);
            let tpr_ci = t.recall_ci;
            let fpr_ci = wilson(t.fp, t.fp + t.tn);
            let range = match (tpr_ci, fpr_ci) {
                (Some(a), Some(b)) => {
                    let low = project(a.low, b.low, p, v).0;
                    let high = project(a.high, b.high, p, v).0;
                    format!("{low:.1}–{high:.1}")
                }
                _ => "-".to_string(),
            };
            Some(vec![
                t.threshold.as_str().to_string(),
                format!("{tpr:.3} ({})", interval_text(tpr_ci)),
                format!("{:.4} ({})", fpr, interval_text(fpr_ci)),
                format!("{flagged:.1}"),
                range,
                format!("{true_cases:.1}"),
                num(precision),
            ])
        })
        .collect();
    d.table(
        &[
            "flagged at",
            "TPR (95% CI)",
            "FPR (95% CI)",
            if volume.is_some() {
                "flagged per day"
            } else {
                "flagged per 1,000"
            },
            "range (95% CIs)",
            "true cases",
            "precision at p",
        ],
        rows,
    );
    d.p(
        "At a low real prevalence most referrals are false positives even when the labelled \
         data show a high precision: the officer's review, not the score, decides.",
    );

    d.h(2, "8. Limits of this annex");
    d.list(vec![
        "The figures hold for the labelled records given; labels reflect past decisions and \
         may carry their biases."
            .to_string(),
        "The reference group is the least-flagged group of a column; with many small groups \
         that lowest rate is partly chance, so read warnings on such columns as leads."
            .to_string(),
        "Groups smaller than the minimum size cannot be the reference; their ratios carry the \
         wide intervals a few records give."
            .to_string(),
    ]);
    if matches!(args.format, Format::Html) {
        d.html(html::DEFINITIONS);
    }
    d
}

/// The language the annex quotes rule texts in: the pack's default (or first) language.
fn pack_language(pack: &Pack) -> String {
    pack.meta
        .default_language
        .clone()
        .or_else(|| pack.meta.languages.first().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_volumes() {
        assert_eq!(parse_rate("0.2%"), Ok(0.002));
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        assert!(parse_rate("2").is_err());
        assert_eq!(parse_volume("5000/day"), Ok(5000.0));
        assert_eq!(parse_volume("12_000"), Ok(12000.0));
        assert!(parse_volume("-1").is_err());
    }

    /// TPR 0.9, FPR 0.03, p = 0.002, V = 10 000: 10 000 × (0.0018 + 0.02994) = 317.4 a day,
    /// 18 true cases, precision 0.0018 / 0.03174 = 0.0567.
    #[test]
    fn projection_by_hand() {
        let (flagged, true_cases, precision) = project(0.9, 0.03, 0.002, 10_000.0);
        assert!((flagged - 317.4).abs() < 1e-9, "{flagged}");
        assert!((true_cases - 18.0).abs() < 1e-9);
        assert!(precision.is_some_and(|p| (p - 0.0018 / 0.03174).abs() < 1e-12));
        assert_eq!(project(0.0, 0.0, 0.5, 10.0).2, None);
    }
}
