//! `saring synth`: deterministic, labelled synthetic records for any pack, drawn from the
//! pack's schema and, where the pack has one, its generator model (`synth.toml`).
//!
//! The format of `synth.toml` is [`FORMAT_DOC`]; `synth --describe` renders a model as
//! Markdown ([`describe`]), which pack READMEs include verbatim. Nothing generated describes
//! a real person.

mod calendar;
mod check;
mod describe;
mod eval;
mod model;
mod parse;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use saring::diagnostic::did_you_mean;
use saring::{Pack, PackError, Schema};

pub(crate) use eval::{GenError, Generator};
use model::{Model, Scenario};

use crate::exit::{Failure, USAGE};

/// The format of `synth.toml` (Markdown), printed by `saring synth --help` and kept
/// identical to the section "Generator models" of `crates/saring-cli/README.md`.
pub const FORMAT_DOC: &str = r#"### Generator models (`synth.toml`)

`saring synth --pack P` draws records from the pack's schema: every field gets a value of its
type (enum values, lists, nested objects, dates in 2025), optional fields are absent at a
fixed rate, protected fields never appear. A `synth.toml` beside the pack (in the pack
directory, or beside the pack file) makes the records useful: scenarios with their labels,
how each field is drawn in each, and networks of related records. Without one, the label is
random (5%) and says nothing.

Record *i* is drawn from its own ChaCha8 stream (seed, stream *i*): the same seed gives the
same records on every platform, and record *i* does not depend on `--n`. Every record has
`record_id` (`SYN-000001`, ...), `label` (its scenario's) and `synth` (`scenario`, and
`network` for cluster members: for analysis; screening ignores undeclared fields).

Tables:
- `[model]`: `version`, `doc` (prose for `--describe`), `record_id` (the id field, default
  `record_id`), `dates` (window for undescribed dates), `drop_required` (probability that a
  record loses one required field, to exercise `incomplete`), `optional_absent` (absence rate
  of undescribed optional fields, default 0.2), `block` (records per network block, 1000).
- `[variant.NAME]`: `pack` (pack file the records are for), `set` (fixed values, e.g.
  `{ stage = "departure" }`), `default = true`. Chosen by `--variant` or by `--pack FILE`.
- `[scenario.NAME]`: `label` (true/false), `weight` (relative share), `description`, and
  `[scenario.NAME.field."path"]` generators that replace the shared ones in this scenario.
- `[field."path"]`: a schema path (`ticket.paid_by`) or a helper `_name`, which is drawn
  when read and never written out.
- `[table.NAME]`: value maps for `lookup`.
- `[network.NAME]`: clusters of related records (below).

Generators (one kind per table; a bare value is a constant):

| Kind | Draws |
|---|---|
| `value = X` | X |
| `weights = { a = 3, b = 1 }` | a key, by weight (keys become the field's type: `"2"` for an int) |
| `pick = ["a", "b"]` | an item, uniformly |
| `p = 0.3` | `true` with probability 0.3 |
| `int = [lo, hi]`, `step = k` | an integer lo, lo+k, ... ≤ hi |
| `float = [lo, hi]` | a number in [lo, hi), two decimals |
| `bands = [[lo, hi, w], ...]` | a band by weight, then an integer in it |
| `date = ["2025-01-01", "2025-12-31"]` | a date in the window |
| `days_before = [lo, hi]`, `from = "path"` | a date lo..hi days before `from` (`days_after`: after) |
| `years_before = [[lo, hi, w], ...]`, `from = "path"` | a date whose whole years before `from` fall in a band (a birth date for an age) |
| `date_part = "day"`, `of = "path"`, `add = n` | day, month, year or yy of a date, plus n |
| `template = "KANIM-{int:1:24:02}"` | text with `{int:LO:HI[:WIDTH]}`, `{pick:A\|B}`, `{path[:WIDTH]}` |
| `copy = "path"` | the value at path |
| `lookup = "path"`, `table = "NAME"` or `map = {...}`, `default = <generator>` | the entry for the value at path |
| `one_of = [{ weight = w, <generator> }, ...]` | one of the generators, by weight |
| `cases = [{ when = {...}, <generator> }, ...]` | the first case whose conditions all hold; none: absent |
| `subset = { a = 0.9, b = 0.1 }` | a list holding each key with its probability |
| `sequence = [<generator>, ...]` | a list of the generators' values (absent ones left out) |
| `object = { name = <generator>, ... }` | an object (a list item); `.name` reads an earlier sibling |

Every generator takes `absent = q`: absent with probability q (drawn first). An object field
whose generator has no kind is built from its fields' generators; `{ when = ..., absent = 1 }`
is absent. Conditions: `path = v`, `path = [v1, v2]` (any of), `path = { present = true }`,
`{ contains = v }`, `{ not = v }`, `{ min = a, max = b }`; besides fields, `label`,
`scenario`, `variant` and `network` can be tested and read.

Networks: `[network.NAME]` places `clusters` clusters (expected number per block of `block`
consecutive records; a fraction is a probability) of `size = [lo, hi]` members at random
positions in each block. Members take a scenario from `scenarios = { NAME = weight, ... }`
(so labels correlate within a cluster), share the `key` values (drawn once per cluster, e.g.
`key = { "recruiter.phone" = { template = "..." } }`), have their `time` field (a date,
default `event_date`) within `window_days` of the cluster's start, and may draw some fields
differently (`field = { ... }`); `variants = [...]` limits a network to some variants. A
cluster's size and spread in time do not depend on `--n`.

Checked when the model loads, with file, line and column: every path is in the schema and no
protected field is used; values fit the field types and enum values; references resolve,
without cycles; and no monitored field depends on `label`, `scenario`, `network` or on a
scenario's or network's own generator — monitored attributes are drawn alike for everyone,
so that an audit measures the rules, not the data.
"#;

/// A model with the schema it was checked against.
#[derive(Debug)]
pub struct Loaded {
    model: Model,
    schema: Schema,
    variant: Option<usize>,
    /// `synth.toml`, when there is one.
    model_path: Option<PathBuf>,
    /// The pack whose schema the records follow.
    pub pack_path: PathBuf,
}

impl Loaded {
    /// A generator of records with `seed`.
    pub(crate) fn generator(&self, seed: u64) -> Generator<'_> {
        Generator::new(&self.model, &self.schema, self.variant, seed)
    }

    /// The pack schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Whether records follow the schema alone (no `synth.toml`).
    pub fn schema_only(&self) -> bool {
        self.model.schema_only
    }

    /// The field carrying the record id.
    pub fn record_id_field(&self) -> &str {
        &self.model.record_id
    }

    /// The model as Markdown (see [`describe`]).
    pub fn describe(&self) -> String {
        // `id-pmi/synth.toml`: the same text wherever the command runs.
        let short = |p: &Path| {
            let dir = p.parent().and_then(Path::file_name);
            match (dir, p.file_name()) {
                (Some(d), Some(f)) => format!("{}/{}", d.to_string_lossy(), f.to_string_lossy()),
                _ => p.display().to_string(),
            }
        };
        let name = match &self.model_path {
            Some(p) => short(p),
            None => short(&self.pack_path),
        };
        describe::describe(&self.model, &name)
    }
}

fn usage(message: String) -> anyhow::Error {
    crate::exit::usage(message)
}

fn pack_failure(path: &Path, e: &PackError) -> anyhow::Error {
    Failure {
        message: crate::packs::render_error(path, e),
        code: USAGE,
    }
    .into()
}

fn model_failure(
    path: &Path,
    diags: Vec<saring::Diagnostic>,
    sources: saring::pack::SourceFiles,
) -> anyhow::Error {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let e = PackError::new(diags, Arc::new(sources));
    let mut text = e.render();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "error: synth model `{}` could not be loaded: {errors} error{}",
        path.display(),
        crate::packs::plural(errors)
    ));
    Failure {
        message: text,
        code: USAGE,
    }
    .into()
}

fn is_pack_dir(dir: &Path) -> bool {
    dir.join("pack.toml").is_file() || dir.join("pack.json").is_file()
}

/// Loads the model for `pack` (a pack file, a pack directory, or a directory whose
/// `synth.toml` names its packs as variants). An unknown pack or variant is a usage error.
pub fn load(pack: &Path, variant: Option<&str>) -> anyhow::Result<Loaded> {
    let (dir, pack_file): (PathBuf, Option<PathBuf>) = if pack.is_file() {
        let dir = pack
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        (dir, Some(pack.to_path_buf()))
    } else if pack.is_dir() {
        let file = is_pack_dir(pack).then(|| pack.to_path_buf());
        (pack.to_path_buf(), file)
    } else {
        return Err(usage(format!(
            "error: unknown pack `{}`: it is neither a pack file nor a directory",
            pack.display()
        )));
    };
    let model_path = dir.join("synth.toml");
    if !model_path.is_file() {
        return schema_only(pack, pack_file, variant);
    }
    let display = model_path.display().to_string();
    let text = std::fs::read_to_string(&model_path)
        .map_err(|e| usage(format!("error: cannot read `{display}`: {e}")))?;
    let root = tree::parse(&text).map_err(|(message, span)| {
        let (diags, sources) = parse::syntax_error(&message, span, &text, &display);
        model_failure(&model_path, diags, sources)
    })?;

    // Variants are read before the schema: they say which pack's schema to load.
    let variants: Vec<(String, Option<String>, bool)> = root
        .get("variant")
        .and_then(tree::Node::entries)
        .unwrap_or(&[])
        .iter()
        .map(|(name, _, t)| {
            let pack = t.get("pack").and_then(|p| match &p.value {
                tree::Tv::Str(s) => Some(s.clone()),
                _ => None,
            });
            let default = matches!(
                t.get("default").map(|d| &d.value),
                Some(tree::Tv::Bool(true))
            );
            (name.clone(), pack, default)
        })
        .collect();
    let file_name = pack_file
        .as_ref()
        .filter(|f| f.is_file())
        .and_then(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let chosen: Option<usize> = match (variant, &file_name) {
        (Some(v), _) => match variants.iter().position(|(n, _, _)| n == v) {
            Some(i) => Some(i),
            None if variants.is_empty() => {
                return Err(usage(format!(
                    "error: `--variant {v}`: `{display}` has no variants"
                )))
            }
            None => {
                let help = did_you_mean(v, variants.iter().map(|(n, _, _)| n.as_str()))
                    .unwrap_or_else(|| {
                        format!(
                            "variants: {}",
                            variants
                                .iter()
                                .map(|(n, _, _)| n.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                return Err(usage(format!(
                    "error: unknown variant `{v}` in `{display}`\nhelp: {help}"
                )));
            }
        },
        (None, Some(f)) => variants
            .iter()
            .position(|(_, p, _)| p.as_deref() == Some(f.as_str())),
        (None, None) => variants
            .iter()
            .position(|(_, _, d)| *d)
            .or(if variants.is_empty() { None } else { Some(0) }),
    };
    if let (Some(i), Some(f)) = (chosen, &file_name) {
        if let Some(p) = &variants[i].1 {
            if p != f {
                return Err(usage(format!(
                    "error: variant `{}` is for `{p}`, not for `{}`\nhelp: give `--pack {}` or drop `--variant`",
                    variants[i].0,
                    pack.display(),
                    dir.join(p).display()
                )));
            }
        }
    }
    let pack_path = match (&pack_file, chosen.and_then(|i| variants[i].1.as_ref())) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => dir.join(p),
        (None, None) => {
            return Err(usage(format!(
                "error: `{}` holds no pack.toml, and `{display}` names no pack for the variant\nhelp: give `--pack` a pack file, or set `pack` in the `[variant.NAME]` tables",
                dir.display()
            )))
        }
    };
    let loaded = Pack::load(&pack_path).map_err(|e| pack_failure(&pack_path, &e))?;
    let schema = loaded.schema;
    let model = parse::parse(&root, &text, &display, &schema)
        .map_err(|(diags, sources)| model_failure(&model_path, diags, sources))?;
    let variant = chosen.and_then(|i| model.variants.iter().position(|v| v.name == variants[i].0));
    Ok(Loaded {
        model,
        schema,
        variant,
        model_path: Some(model_path),
        pack_path,
    })
}

/// A pack without `synth.toml`: the schema types alone, labels random.
fn schema_only(
    pack: &Path,
    pack_file: Option<PathBuf>,
    variant: Option<&str>,
) -> anyhow::Result<Loaded> {
    if let Some(v) = variant {
        return Err(usage(format!(
            "error: `--variant {v}` needs a `synth.toml` with variants beside `{}`",
            pack.display()
        )));
    }
    let pack_path = match pack_file {
        Some(p) => p,
        None => {
            let found = crate::packs::discover(pack)?;
            match found.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(usage(format!(
                        "error: unknown pack `{}`: no pack.toml and no pack file in it",
                        pack.display()
                    )))
                }
                several => {
                    return Err(usage(format!(
                        "error: `{}` holds {} packs and no synth.toml: pick one with `--pack`: {}",
                        pack.display(),
                        several.len(),
                        several
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            }
        }
    };
    let loaded = Pack::load(&pack_path).map_err(|e| pack_failure(&pack_path, &e))?;
    let dates = (
        calendar::parse_day(parse::DEFAULT_DATES.0).unwrap_or(0),
        calendar::parse_day(parse::DEFAULT_DATES.1).unwrap_or(0),
    );
    let scenario = |name: &str, label: bool, weight: f64, description: &str| Scenario {
        name: name.to_string(),
        label,
        weight,
        description: Some(description.to_string()),
        fields: HashMap::new(),
    };
    let model = Model {
        version: 0,
        doc: Some(
            "The pack has no `synth.toml`: every field is drawn from its schema type alone, \
             and the label is random, so back-test figures on these records mean nothing."
                .to_string(),
        ),
        record_id: "record_id".into(),
        dates,
        drop_required: 0.0,
        optional_absent: 0.2,
        block: 1000,
        variants: Vec::new(),
        scenarios: vec![
            scenario("random_positive", true, 5.0, "label true, drawn at random"),
            scenario(
                "random_negative",
                false,
                95.0,
                "label false, drawn at random",
            ),
        ],
        fields: HashMap::new(),
        networks: Vec::new(),
        schema_only: true,
    };
    Ok(Loaded {
        model,
        schema: loaded.schema,
        variant: None,
        model_path: None,
        pack_path,
    })
}

/// The fields a test helper may need: a model parsed from text against a schema.
#[cfg(test)]
pub(crate) fn model_from_str(
    text: &str,
    schema: &Schema,
    variant: Option<&str>,
) -> Result<Loaded, String> {
    let root = tree::parse(text).map_err(|(m, _)| m)?;
    let model = parse::parse(&root, text, "synth.toml", schema).map_err(|(diags, _)| {
        diags
            .iter()
            .map(|d| {
                format!(
                    "{}: {} ({}:{}) help: {}",
                    d.code,
                    d.message,
                    d.line.unwrap_or(0),
                    d.column.unwrap_or(0),
                    d.help.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let variant = match variant {
        Some(name) => model.variants.iter().position(|v| v.name == name),
        None => model.variants.iter().position(|v| v.default),
    };
    Ok(Loaded {
        model,
        schema: schema.clone(),
        variant,
        model_path: None,
        pack_path: PathBuf::from("test"),
    })
}
