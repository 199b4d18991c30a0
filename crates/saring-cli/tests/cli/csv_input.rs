//! CSV and byte-order-mark input: quoting errors confined to their row, spreadsheet exports,
//! lists and lists of objects.

use crate::fixture::{stderr, stdout, Fixture};

/// One JSONL output line per row: `(row, error code or outcome)`.
fn rows(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let what = v["error"]["code"]
                .as_str()
                .or(v["outcome"].as_str())
                .unwrap_or("?")
                .to_string();
            (v["row"].as_u64().unwrap_or(0), what)
        })
        .collect()
}

#[test]
fn a_stray_quote_on_row_1_stays_in_row_1() {
    let f = Fixture::new();
    let mut csv = String::from("a,b,c,s,sex\n");
    csv.push_str("true,\"false,true,false,f\n"); // row 1: a quote that never closes
    for i in 1..20_000 {
        csv.push_str(if i % 2 == 0 {
            "true,false,true,false,m\n"
        } else {
            "false,false,false,false,f\n"
        });
    }
    let file = f.write("stray.csv", &csv);
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        &file.display().to_string(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let got = rows(&stdout(&out));
    assert_eq!(got.len(), 20_000, "rows out must equal rows in");
    assert_eq!(got[0], (1, "record.syntax".to_string()));
    assert!(
        got[1..].iter().all(|(_, w)| w != "record.syntax"),
        "only row 1 is bad"
    );
    assert_eq!(got[19_999].0, 20_000);
    assert_eq!(got[1], (2, "clear".to_string()));
    assert_eq!(got[2], (3, "refer".to_string()));

    // The same with the quote on a middle row, and a second one further down.
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    lines[1] = "true,false,true,false,m".into();
    lines[5000] = "true,false,\"true,false,m".into();
    lines[7000] = "true,false,true,\"false,m".into();
    let file = f.write("stray2.csv", &(lines.join("\n") + "\n"));
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        &file.display().to_string(),
        "-q",
    ]);
    let got = rows(&stdout(&out));
    assert_eq!(got.len(), 20_000);
    let bad: Vec<u64> = got
        .iter()
        .filter(|(_, w)| w.starts_with("record."))
        .map(|(r, _)| *r)
        .collect();
    assert_eq!(bad, vec![5000, 7000]);
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let f = Fixture::new();
    let plain = "{\"a\":true,\"b\":false,\"c\":false,\"s\":false}\n{\"a\":false,\"b\":true,\"c\":true,\"s\":false}\n";
    let want = {
        let file = f.write("plain.jsonl", plain);
        stdout(&f.run(&[
            "screen",
            "--pack",
            "pack",
            &file.display().to_string(),
            "-q",
        ]))
    };
    assert_eq!(rows(&want), vec![(1, "clear".into()), (2, "review".into())]);
    let file = f.write("bom.jsonl", &format!("\u{feff}{plain}"));
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        &file.display().to_string(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), want);
    let file = f.write(
        "bom.csv",
        "\u{feff}a,b,c,s\ntrue,false,false,false\nfalse,true,true,false\n",
    );
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        &file.display().to_string(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), want);
    // Sniffed from stdin too.
    let out = f
        .saring()
        .args(["screen", "--pack", "pack", "-", "-q"])
        .write_stdin(format!("\u{feff}{plain}"))
        .output()
        .expect("run");
    assert_eq!(stdout(&out), want);
}

const LIST_SCHEMA: &str = r#"[field.dests]
type = "list"
items = "string"
required = true

[field.legs]
type = "list"
items = "object"

[field.legs.country]
type = "string"
required = true

[field.legs.mode]
type = "enum"
values = ["air", "land"]
required = true

[field.paid]
type = "bool"
required = true

[field.n]
type = "int"
"#;

const LIST_PACK: &str = r#"[pack]
id = "lists"
version = "1"
title = "lists"
schema = "schema.toml"

[outcomes]
review = 10
refer = 30

[[rule]]
id = "to_kh"
title = "KH"
weight = 10
when = "'KH' in dests"
reason = "KH"
references = ["test"]

[[rule]]
id = "overland"
title = "land"
weight = 20
when = "has(record.legs) && legs.exists(l, l.mode == 'land')"
reason = "land"
references = ["test"]

[[rule]]
id = "paid"
title = "paid"
weight = 5
when = "paid && n > 2"
reason = "paid"
references = ["test"]
"#;

#[test]
fn lists_and_spreadsheet_exports_read_like_jsonl() {
    let f = Fixture::new();
    f.write("lists/pack.toml", LIST_PACK);
    f.write("lists/schema.toml", LIST_SCHEMA);
    let jsonl = r#"{"dests":["KH","TH"],"legs":[{"country":"TH","mode":"air"},{"country":"KH","mode":"land"}],"paid":true,"n":3}
{"dests":[],"paid":false}
{"dests":["MY"],"legs":[],"paid":true,"n":1}
"#;
    let screen = |name: &str, text: &str| {
        let file = f.write(name, text);
        let out = f.run(&[
            "screen",
            "--pack",
            "lists",
            &file.display().to_string(),
            "-q",
        ]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        stdout(&out)
    };
    let want = screen("want.jsonl", jsonl);
    assert_eq!(
        rows(&want),
        vec![
            (1, "refer".into()),
            (2, "clear".into()),
            (3, "clear".into())
        ]
    );
    // What `saring synth -f csv` writes: JSON cells for lists.
    let written = "dests,legs,paid,n\n\
        \"[\"\"KH\"\",\"\"TH\"\"]\",\"[{\"\"country\"\":\"\"TH\"\",\"\"mode\"\":\"\"air\"\"},{\"\"country\"\":\"\"KH\"\",\"\"mode\"\":\"\"land\"\"}]\",true,3\n\
        [],,false,\n\
        \"[\"\"MY\"\"]\",[],true,1\n";
    assert_eq!(screen("written.csv", written), want);
    // A spreadsheet export: `;` delimiter, CRLF, TRUE/FALSE, `;`-separated list items in a
    // quoted cell, and a JSON list of objects.
    let export = "dests;legs;paid;n\r\n\
        \"KH;TH\";\"[{\"\"country\"\":\"\"TH\"\",\"\"mode\"\":\"\"air\"\"},{\"\"country\"\":\"\"KH\"\",\"\"mode\"\":\"\"land\"\"}]\";TRUE;3\r\n\
        [];;FALSE;\r\n\
        MY;[];TRUE;1\r\n";
    assert_eq!(screen("export.csv", export), want);
}

#[test]
fn synth_csv_with_lists_of_objects_screens_like_its_jsonl() {
    let f = Fixture::new();
    let pack = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rules/id-pmi/departure.toml")
        .display()
        .to_string();
    let mut out = Vec::new();
    for format in ["jsonl", "csv"] {
        let file = f.path(&format!("d.{format}")).display().to_string();
        let o = f.run(&[
            "synth", "--pack", &pack, "-n", "300", "--seed", "11", "-f", format, "-o", &file,
        ]);
        assert_eq!(o.status.code(), Some(0));
        let o = f.run(&["screen", "--pack", &pack, &file, "-q"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        out.push(stdout(&o));
    }
    assert_eq!(out[0], out[1]);
    // The CSV does hold lists of objects (`legs`) as JSON cells.
    let csv = std::fs::read_to_string(f.path("d.csv")).expect("csv");
    assert!(
        csv.contains("\"[{\"\"city\"\":"),
        "no JSON list-of-object cell"
    );
}
