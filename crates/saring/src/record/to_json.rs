//! Runtime values back to JSON, for decision evidence and JSON-in/JSON-out front ends.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Map, Number};

use crate::cel::Value;
use crate::schema::FieldKind;

/// Converts a field value to JSON using its schema kind: dates become `"YYYY-MM-DD"`,
/// timestamps RFC 3339 with `Z`, lists and list-item objects are converted recursively with
/// their item and child kinds. A value that does not match the kind is converted by
/// [`cel_to_json`].
pub fn value_to_json(kind: &FieldKind, value: &Value) -> serde_json::Value {
    match (kind, value) {
        (FieldKind::Date, Value::Timestamp(t)) => serde_json::Value::String(format_date(t)),
        (FieldKind::List(item), Value::List(items)) => {
            serde_json::Value::Array(items.iter().map(|v| value_to_json(item, v)).collect())
        }
        (FieldKind::Object(obj), Value::Map(map)) => {
            let mut out = Map::new();
            for (k, v) in &map.entries {
                let key = key_string(k);
                let json = match obj.field(&key) {
                    Some(field) => value_to_json(&field.kind, v),
                    None => cel_to_json(v),
                };
                out.insert(key, json);
            }
            serde_json::Value::Object(out)
        }
        _ => cel_to_json(value),
    }
}

/// Converts any CEL value to JSON (following the protobuf JSON mapping where CEL has one):
/// timestamps RFC 3339 with `Z`, durations `"1.5s"`, bytes base64, doubles as JSON numbers
/// (an integral double stays a float, `3.0`; NaN and infinities become the strings `"NaN"`,
/// `"Infinity"`, `"-Infinity"`), map keys as strings, types by name.
pub fn cel_to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::Number((*i).into()),
        Value::Uint(u) => J::Number((*u).into()),
        Value::Double(d) => match Number::from_f64(*d) {
            Some(n) => J::Number(n),
            None if d.is_nan() => J::String("NaN".into()),
            None if *d > 0.0 => J::String("Infinity".into()),
            None => J::String("-Infinity".into()),
        },
        Value::String(s) => J::String(s.to_string()),
        Value::Bytes(b) => J::String(base64(b)),
        Value::List(items) => J::Array(items.iter().map(cel_to_json).collect()),
        Value::Map(map) => J::Object(
            map.entries
                .iter()
                .map(|(k, v)| (key_string(k), cel_to_json(v)))
                .collect(),
        ),
        Value::Timestamp(t) => J::String(format_timestamp(t)),
        Value::Duration(d) => J::String(format_duration(*d)),
        Value::Type(t) => J::String(t.to_string()),
        // An optional is its value, or null when it has none.
        Value::Optional(Some(v)) => cel_to_json(v),
        Value::Optional(None) => J::Null,
    }
}

fn key_string(key: &Value) -> String {
    match key {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// `YYYY-MM-DD` (a sign and at least four digits outside years 0–9999): chrono's `Display`
/// of the date, the same text as `format("%Y-%m-%d")` without chrono's format-string
/// machinery (which a browser build would otherwise carry).
pub(crate) fn format_date(t: &DateTime<Utc>) -> String {
    t.date_naive().to_string()
}

/// RFC 3339 in UTC with `Z`, fractional seconds only when present.
pub(crate) fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Protobuf JSON form of a duration: seconds with 0, 3, 6 or 9 fractional digits and `s`.
pub(crate) fn format_duration(d: TimeDelta) -> String {
    let sign = if d < TimeDelta::zero() { "-" } else { "" };
    let abs = d.abs();
    let secs = abs.num_seconds();
    let nanos = abs.subsec_nanos().unsigned_abs();
    if nanos == 0 {
        format!("{sign}{secs}s")
    } else if nanos % 1_000_000 == 0 {
        format!("{sign}{secs}.{:03}s", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!("{sign}{secs}.{:06}s", nanos / 1_000)
    } else {
        format!("{sign}{secs}.{nanos:09}s")
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::cel::MapValue;
    use crate::schema::{Field, ObjectType};

    fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn dates_and_timestamps() {
        let t = ts(2025, 5, 1, 0, 0, 0);
        assert_eq!(
            value_to_json(&FieldKind::Date, &Value::Timestamp(t)),
            serde_json::json!("2025-05-01")
        );
        assert_eq!(
            value_to_json(
                &FieldKind::Timestamp,
                &Value::Timestamp(ts(2025, 5, 1, 8, 30, 5))
            ),
            serde_json::json!("2025-05-01T08:30:05Z")
        );
        let frac = ts(2025, 5, 1, 8, 30, 5) + TimeDelta::milliseconds(250);
        assert_eq!(
            cel_to_json(&Value::Timestamp(frac)),
            serde_json::json!("2025-05-01T08:30:05.250Z")
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(cel_to_json(&Value::Int(-3)).to_string(), "-3");
        assert_eq!(cel_to_json(&Value::Uint(7)).to_string(), "7");
        assert_eq!(cel_to_json(&Value::Double(3.0)).to_string(), "3.0");
        assert_eq!(cel_to_json(&Value::Double(0.5)).to_string(), "0.5");
        assert_eq!(
            cel_to_json(&Value::Double(f64::NAN)),
            serde_json::json!("NaN")
        );
        assert_eq!(
            cel_to_json(&Value::Double(f64::NEG_INFINITY)),
            serde_json::json!("-Infinity")
        );
        assert_eq!(
            value_to_json(&FieldKind::Float, &Value::Double(25.0)).to_string(),
            "25.0"
        );
    }

    #[test]
    fn other_values() {
        assert_eq!(cel_to_json(&Value::Null), serde_json::Value::Null);
        assert_eq!(cel_to_json(&Value::string("KH")), serde_json::json!("KH"));
        assert_eq!(
            cel_to_json(&Value::Bytes(Arc::from(&b"hello"[..]))),
            serde_json::json!("aGVsbG8=")
        );
        assert_eq!(
            cel_to_json(&Value::Bytes(Arc::from(&b"hi"[..]))),
            serde_json::json!("aGk=")
        );
        assert_eq!(
            cel_to_json(&Value::Bytes(Arc::from(&b"abc"[..]))),
            serde_json::json!("YWJj")
        );
        assert_eq!(
            cel_to_json(&Value::Type(Arc::from("int"))),
            serde_json::json!("int")
        );
        assert_eq!(
            cel_to_json(&Value::Duration(TimeDelta::milliseconds(1500))),
            serde_json::json!("1.500s")
        );
        assert_eq!(
            cel_to_json(&Value::Duration(TimeDelta::seconds(-3600))),
            serde_json::json!("-3600s")
        );
        assert_eq!(
            cel_to_json(&Value::Duration(TimeDelta::nanoseconds(1_000_000_001))),
            serde_json::json!("1.000000001s")
        );
        let map = Value::Map(Arc::new(MapValue {
            entries: vec![
                (Value::Int(1), Value::Bool(true)),
                (Value::string("a"), Value::list(vec![Value::Int(2)])),
            ],
        }));
        assert_eq!(cel_to_json(&map), serde_json::json!({"1": true, "a": [2]}));
    }

    #[test]
    fn lists_of_objects_use_child_kinds() {
        let leg = ObjectType {
            path: "legs[]".into(),
            fields: vec![Field {
                name: "date".into(),
                path: "legs[].date".into(),
                kind: FieldKind::Date,
                required: false,
                protected: false,
                monitored: false,
                description: None,
                encodes: Vec::new(),
                question: None,
                slot: None,
                max_items: None,
                location: None,
            }],
            in_list: true,
        };
        let kind = FieldKind::List(Box::new(FieldKind::Object(Arc::new(leg))));
        let item = Value::Map(Arc::new(MapValue {
            entries: vec![
                (
                    Value::string("date"),
                    Value::Timestamp(ts(2025, 1, 2, 0, 0, 0)),
                ),
                (
                    Value::string("extra"),
                    Value::Timestamp(ts(2025, 1, 2, 0, 0, 0)),
                ),
            ],
        }));
        assert_eq!(
            value_to_json(&kind, &Value::list(vec![item])),
            serde_json::json!([{"date": "2025-01-02", "extra": "2025-01-02T00:00:00Z"}])
        );
    }
}
