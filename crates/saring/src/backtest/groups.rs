//! Group labels of a fairness audit: a column (or derived value) as it is, or grouped into
//! bands — `age:10` puts a number into `30-39`, `birth_date:10` puts a date into the decade
//! of its year, `1980-1989`.

use serde_json::Value;

/// The label of a record whose value is absent (or `null`).
pub const MISSING: &str = "(missing)";

/// The label of a value a band cannot place (text that is neither a number nor a date).
pub const UNBANDED: &str = "(not a number or date)";

/// One grouping of a fairness audit: `COL` or `COL:WIDTH`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupBy {
    /// The grouping as written (`age:10`); the column name in reports.
    pub spec: String,
    /// The column, dotted field path or derived value read (`age`).
    pub source: String,
    /// Band width: numbers are grouped by `width`, dates by `width` years.
    pub band: Option<f64>,
}

impl GroupBy {
    /// Parses `COL` or `COL:WIDTH` (a positive width).
    pub fn parse(spec: &str) -> Result<GroupBy, String> {
        let spec = spec.trim();
        match spec.rsplit_once(':') {
            Some((source, width)) => {
                let band = width
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|w| w.is_finite() && *w > 0.0)
                    .ok_or_else(|| {
                        format!("`{spec}`: the band width `{width}` must be a number above 0")
                    })?;
                if source.trim().is_empty() {
                    return Err(format!("`{spec}`: no column before `:`"));
                }
                Ok(GroupBy {
                    spec: spec.to_string(),
                    source: source.trim().to_string(),
                    band: Some(band),
                })
            }
            None if spec.is_empty() => Err("an empty grouping".to_string()),
            None => Ok(GroupBy {
                spec: spec.to_string(),
                source: spec.to_string(),
                band: None,
            }),
        }
    }

    /// The group label of a value (`None`: absent).
    pub fn label(&self, value: Option<&Value>) -> String {
        match (value, self.band) {
            (None | Some(Value::Null), _) => MISSING.to_string(),
            (Some(v), Some(width)) => band_label(v, width).unwrap_or_else(|| UNBANDED.to_string()),
            (Some(Value::String(s)), None) => s.clone(),
            (Some(v), None) => v.to_string(),
        }
    }
}

/// The band of a number (`30-39` for 34 in bands of 10) or of a date (`1980-1989` for
/// `1984-12-28` in bands of 10 years; `1984` in bands of 1); `None` when the value is
/// neither. Numbers written as text (CSV cells) count as numbers.
pub fn band_label(value: &Value, width: f64) -> Option<String> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    };
    if let Some(x) = number {
        return Some(number_band(x, width));
    }
    let year = match value {
        Value::String(s) => date_year(s)?,
        _ => return None,
    };
    let years = (width.floor() as i64).max(1);
    let low = year.div_euclid(years) * years;
    Some(if years == 1 {
        format!("{low}")
    } else {
        format!("{low}-{}", low + years - 1)
    })
}

fn number_band(x: f64, width: f64) -> String {
    let low = (x / width).floor() * width;
    if width.fract() == 0.0 && low.abs() < 1e15 {
        format!("{}-{}", low as i64, low as i64 + width as i64 - 1)
    } else {
        format!("{}-{}", trim_float(low), trim_float(low + width))
    }
}

fn trim_float(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The year of `YYYY-MM-DD` (or an RFC 3339 timestamp starting with it).
fn date_year(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let dated = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..10]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !dated {
        return None;
    }
    std::str::from_utf8(&b[..4]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label(spec: &str, value: Value) -> String {
        GroupBy::parse(spec)
            .map(|g| g.label(Some(&value)))
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn plain_values_and_missing() {
        assert_eq!(label("sex", json!("female")), "female");
        assert_eq!(label("flag", json!(true)), "true");
        assert_eq!(label("n", json!(3)), "3");
        assert_eq!(label("sex", Value::Null), MISSING);
        let g = GroupBy::parse("sex").ok();
        assert_eq!(g.map(|g| g.label(None)), Some(MISSING.to_string()));
    }

    #[test]
    fn number_bands() {
        assert_eq!(label("age:10", json!(34)), "30-39");
        assert_eq!(label("age:10", json!(40)), "40-49");
        assert_eq!(label("age:10", json!("41")), "40-49");
        assert_eq!(label("age:5", json!(-1)), "-5--1");
        assert_eq!(label("score:0.5", json!(0.7)), "0.5-1");
        assert_eq!(label("age:10", json!("abc")), UNBANDED);
    }

    #[test]
    fn date_bands_by_years() {
        assert_eq!(label("birth_date:10", json!("1984-12-28")), "1980-1989");
        assert_eq!(label("birth_date:10", json!("2000-01-01")), "2000-2009");
        assert_eq!(label("birth_date:1", json!("1984-12-28")), "1984");
        assert_eq!(label("seen:5", json!("2025-05-01T10:00:00Z")), "2025-2029");
        assert_eq!(label("birth_date:10", json!("1984-1-2")), UNBANDED);
    }

    #[test]
    fn bad_specs() {
        assert!(GroupBy::parse("age:0").is_err());
        assert!(GroupBy::parse("age:x").is_err());
        assert!(GroupBy::parse(":10").is_err());
        assert!(GroupBy::parse(" ").is_err());
        assert_eq!(
            GroupBy::parse("interview.agent:2").map(|g| (g.source, g.band)),
            Ok(("interview.agent".to_string(), Some(2.0)))
        );
    }
}
