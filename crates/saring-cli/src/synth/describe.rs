//! `saring synth --describe`: the model as Markdown (prose, scenarios, networks).
//!
//! Pack READMEs include this text verbatim; a test checks that they still do, so the
//! documentation follows the model file.

use super::model::Model;

/// `12.5%`, `2.8%`, `0.25%`: a share with at most two decimals, trailing zeros dropped.
fn percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

fn number(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The Markdown description of a model; `name` is how the model file is shown.
pub(crate) fn describe(model: &Model, name: &str) -> String {
    let mut out = String::new();
    if model.schema_only {
        out.push_str(&format!(
            "### Synthetic data (`{name}`: no generator model)\n\n"
        ));
    } else {
        out.push_str(&format!(
            "### Synthetic data model (`{name}`, version {})\n\n",
            model.version
        ));
    }
    if let Some(doc) = &model.doc {
        out.push_str(doc.trim());
        out.push_str("\n\n");
    }
    let total: f64 = model.scenarios.iter().map(|s| s.weight).sum();
    out.push_str("| Scenario | Label | Share | Description |\n|---|---|---|---|\n");
    for s in &model.scenarios {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            s.name,
            if s.label { "positive" } else { "negative" },
            percent(s.weight / total.max(f64::MIN_POSITIVE)),
            s.description.as_deref().unwrap_or("")
        ));
    }
    let positives: f64 = model
        .scenarios
        .iter()
        .filter(|s| s.label)
        .map(|s| s.weight)
        .sum();
    out.push_str(
        &format!(
            "\n{} {} of records are positives.\n",
            if model.networks.is_empty() {
                ""
            } else {
                "Outside networks,"
            },
            percent(positives / total.max(f64::MIN_POSITIVE))
        )
        .replace("\n ", "\n"),
    );
    if !model.variants.is_empty() {
        out.push_str("\n| Variant | Pack | Sets |\n|---|---|---|\n");
        for v in &model.variants {
            let sets = v
                .set
                .iter()
                .map(|(k, val)| format!("`{k} = {val}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(
                "| `{}`{} | {} | {} |\n",
                v.name,
                if v.default { " (default)" } else { "" },
                v.pack
                    .as_deref()
                    .map_or(String::new(), |p| format!("`{p}`")),
                sets
            ));
        }
    }
    if !model.networks.is_empty() {
        out.push_str(
            "\nNetworks (clusters per 1,000 records; a cluster's members share its keys and \
             fall within its window):\n\n",
        );
        out.push_str(
            "| Network | Variants | Clusters | Members | Window | Shared keys | Members' scenarios |\n\
             |---|---|---|---|---|---|---|\n",
        );
        for n in &model.networks {
            let scen_total: f64 = n.scenarios.iter().map(|(_, w)| w).sum();
            let scenarios = n
                .scenarios
                .iter()
                .map(|(i, w)| {
                    format!(
                        "`{}` {}",
                        model.scenarios[*i].name,
                        percent(w / scen_total.max(f64::MIN_POSITIVE))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let keys = n
                .keys
                .iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(
                "| `{}` | {} | {} | {}–{} | {} day{} on `{}` | {} | {} |\n",
                n.name,
                n.variants
                    .as_ref()
                    .map_or("all".to_string(), |v| v.join(", ")),
                number(n.clusters * 1000.0 / f64::from(model.block)),
                n.size.0,
                n.size.1,
                n.window_days,
                if n.window_days == 1 { "" } else { "s" },
                n.time,
                keys,
                scenarios
            ));
        }
        out.push('\n');
        for n in &model.networks {
            if let Some(d) = &n.description {
                out.push_str(&format!("- `{}`: {}\n", n.name, d.trim()));
            }
        }
        let variants: Vec<Option<&str>> = if model.variants.is_empty() {
            vec![None]
        } else {
            model
                .variants
                .iter()
                .map(|v| Some(v.name.as_str()))
                .collect()
        };
        out.push('\n');
        for v in variants {
            let (members, positive) = network_share(model, v);
            let base = positives / total.max(f64::MIN_POSITIVE);
            let overall = (1.0 - members) * base + positive;
            let what = v.map_or("records".to_string(), |v| format!("`{v}` records"));
            out.push_str(&format!(
                "With networks, about {} of {what} are network members and {} are positives.\n",
                percent(members),
                percent(overall)
            ));
        }
    }
    out
}

/// Expected share of records that are network members, and of records that are positive
/// members, in a variant.
fn network_share(model: &Model, variant: Option<&str>) -> (f64, f64) {
    let (mut members, mut positive) = (0.0, 0.0);
    for n in &model.networks {
        let active = match (&n.variants, variant) {
            (Some(list), Some(v)) => list.iter().any(|x| x == v),
            _ => true,
        };
        if !active {
            continue;
        }
        let share = n.clusters * (n.size.0 + n.size.1) as f64 / 2.0 / f64::from(model.block);
        let total: f64 = n.scenarios.iter().map(|(_, w)| w).sum();
        let pos: f64 = n
            .scenarios
            .iter()
            .filter(|(i, _)| model.scenarios[*i].label)
            .map(|(_, w)| w)
            .sum();
        members += share;
        positive += share * pos / total.max(f64::MIN_POSITIVE);
    }
    (members, positive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_short() {
        assert_eq!(percent(0.028), "2.8%");
        assert_eq!(percent(0.4608), "46.08%");
        assert_eq!(percent(0.12), "12%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.5), "0.5");
    }
}
