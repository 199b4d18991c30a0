//! Writing records as CSV, in the form `input.rs` reads back: a header of dotted field paths
//! (one column per schema field, nested objects flattened, in schema order), text cells as
//! they are, numbers and booleans as JSON writes them, and a list (of values or of objects)
//! as one cell of compact JSON (`["KH","MM"]`, `[]`). An absent field is an empty cell.

use std::io::Write;

use saring::schema::{FieldKind, ObjectType};
use saring::Schema;
use serde_json::Value;

/// The columns for records of `schema`: `leading` first, then every schema field (protected
/// ones left out), then `trailing`.
pub fn columns(schema: &Schema, leading: &[&str], trailing: &[&str]) -> Vec<String> {
    fn walk(obj: &ObjectType, out: &mut Vec<String>) {
        for f in &obj.fields {
            if f.protected {
                continue;
            }
            match &f.kind {
                FieldKind::Object(child) => walk(child, out),
                _ => out.push(f.path.clone()),
            }
        }
    }
    let mut fields = Vec::new();
    walk(&schema.root, &mut fields);
    let mut out: Vec<String> = leading.iter().map(|s| s.to_string()).collect();
    for f in fields
        .into_iter()
        .chain(trailing.iter().map(|s| s.to_string()))
    {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// The cell text of a value (see the module docs).
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(_) | Value::Object(_) => v.to_string(),
    }
}

fn at<'v>(record: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(record, |v, seg| v.get(seg))
}

/// A CSV writer of records with a fixed set of columns.
pub struct RecordWriter<W: Write> {
    csv: csv::Writer<W>,
    paths: Vec<Vec<String>>,
}

impl<W: Write> RecordWriter<W> {
    /// Writes the header.
    pub fn new(out: W, columns: &[String]) -> anyhow::Result<RecordWriter<W>> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(columns)?;
        Ok(RecordWriter {
            csv,
            paths: columns
                .iter()
                .map(|c| c.split('.').map(str::to_string).collect())
                .collect(),
        })
    }

    /// Writes one record (fields without a column are left out).
    pub fn write(&mut self, record: &Value) -> anyhow::Result<()> {
        self.csv.write_record(
            self.paths
                .iter()
                .map(|p| at(record, p).map(cell).unwrap_or_default()),
        )?;
        Ok(())
    }

    /// Flushes the output.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.csv.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_and_paths() {
        assert_eq!(cell(&json!(["KH", "MM"])), r#"["KH","MM"]"#);
        assert_eq!(cell(&json!([])), "[]");
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(1.5)), "1.5");
        assert_eq!(cell(&json!(false)), "false");
        assert_eq!(cell(&json!("a,b")), "a,b");
        let v = json!({"a": {"b": [{"c": 1}]}});
        let path: Vec<String> = vec!["a".into(), "b".into()];
        assert_eq!(at(&v, &path).map(cell).as_deref(), Some(r#"[{"c":1}]"#));
    }

    #[test]
    fn writes_one_line_per_record() {
        let mut out = Vec::new();
        let cols = vec!["id".to_string(), "x.y".to_string(), "l".to_string()];
        let mut w = RecordWriter::new(&mut out, &cols).expect("writer");
        w.write(&json!({"id": "1", "x": {"y": true}, "l": ["a \"q\"", "b"]}))
            .expect("row");
        w.write(&json!({"id": "2"})).expect("row");
        w.finish().expect("flush");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "id,x.y,l\n1,true,\"[\"\"a \\\"\"q\\\"\"\"\",\"\"b\"\"]\"\n2,,\n"
        );
    }
}
