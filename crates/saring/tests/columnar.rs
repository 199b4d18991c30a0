//! Row-vs-columnar agreement (feature `arrow`): generated rows screened as JSON records and
//! as Arrow batches (dotted or struct columns, plain or dictionary strings, ints as floats the
//! way pandas stores them, lists of structs with nulls at every level) give the same
//! decisions; missing columns are an error unless read as absent.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder, StructBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, BooleanArray, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Fields};
use proptest::prelude::*;
use saring::columnar::{decide_batch, screen_batch, FrameOptions, MissingColumns};
use saring::{DecodeOptions, Engine, Pack};
use serde_json::{json, Map, Value as J};

const SCHEMA: &str = r#"
[field.country]
type = "string"
required = true
[field.age]
type = "int"
[field.paid_by]
type = "enum"
values = ["self", "agent"]
[field.interview]
type = "object"
[field.interview.agent_present]
type = "bool"
required = true
[field.legs]
type = "list"
items = "object"
required = true
[field.legs.country]
type = "string"
required = true
[field.legs.mode]
type = "enum"
values = ["air", "sea", "land"]
[field.legs.days]
type = "int"
[field.people]
type = "list"
items = "object"
[field.people.name]
type = "string"
[field.people.religion]
type = "string"
protected = true
"#;

const PACK: &str = r#"
[pack]
id = "columnar"
version = "1"
title = "Columnar agreement"
[outcomes]
review = 10
refer = 30
[[rule]]
id = "hot"
title = "t"
weight = 10
when = "country == 'KH'"
reason = "to {country}"
[[rule]]
id = "young"
title = "t"
weight = 5
when = "age < 21"
reason = "age {age}"
[[rule]]
id = "agent"
title = "t"
weight = 10
when = "paid_by == 'agent' || (has(interview.agent_present) && interview.agent_present)"
reason = "agent"
[[rule]]
id = "land"
title = "t"
weight = 20
when = "legs.exists(l, l.mode == 'land' && l.days > 2)"
reason = "land"
[[rule]]
id = "via"
title = "t"
weight = 5
when = "legs.exists(l, l.country == 'LA')"
reason = "via LA"
[[rule]]
id = "people"
title = "t"
weight = 5
when = "has(record.people) && people.exists(p, p.name == 'x')"
reason = "people"
"#;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let pack = Pack::from_toml_str(PACK, SCHEMA).expect("test pack loads");
    Engine::compile(&pack).expect("test pack compiles")
});

#[derive(Debug, Clone)]
struct Leg {
    country: Option<&'static str>,
    mode: Option<&'static str>,
    days: Option<i64>,
}

#[derive(Debug, Clone)]
struct Person {
    name: Option<&'static str>,
    religion: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Row {
    country: Option<&'static str>,
    age: Option<i64>,
    paid_by: Option<&'static str>,
    /// None: no `interview`; Some(None): an empty interview object.
    interview: Option<Option<bool>>,
    legs: Option<Vec<Option<Leg>>>,
    people: Option<Vec<Option<Person>>>,
}

fn pick(values: &'static [&'static str]) -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::of(proptest::sample::select(values))
}

fn arb_row() -> impl Strategy<Value = Row> {
    let leg = (
        pick(&["KH", "LA", "MY"]),
        pick(&["air", "land", "boat"]),
        proptest::option::of(0i64..5),
    )
        .prop_map(|(country, mode, days)| Leg {
            country,
            mode,
            days,
        });
    let person = (pick(&["x", "y"]), pick(&["synthetic-r"]))
        .prop_map(|(name, religion)| Person { name, religion });
    (
        pick(&["KH", "JP"]),
        proptest::option::of(15i64..30),
        pick(&["self", "agent", "cousin"]),
        proptest::option::of(proptest::option::of(any::<bool>())),
        proptest::option::of(proptest::collection::vec(
            proptest::option::weighted(0.9, leg),
            0..4,
        )),
        proptest::option::of(proptest::collection::vec(
            proptest::option::weighted(0.9, person),
            0..3,
        )),
    )
        .prop_map(|(country, age, paid_by, interview, legs, people)| Row {
            country,
            age,
            paid_by,
            interview,
            legs,
            people,
        })
}

fn put(map: &mut Map<String, J>, key: &str, value: Option<J>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

/// The row as the JSON record the frame stands for (`dotted`: the interview as a dotted
/// column, which cannot say "an empty interview object").
fn row_json(row: &Row, dotted: bool) -> J {
    let mut m = Map::new();
    put(&mut m, "country", row.country.map(|s| json!(s)));
    put(&mut m, "age", row.age.map(|a| json!(a)));
    put(&mut m, "paid_by", row.paid_by.map(|s| json!(s)));
    match row.interview {
        Some(Some(b)) => put(&mut m, "interview", Some(json!({ "agent_present": b }))),
        Some(None) if !dotted => put(&mut m, "interview", Some(json!({}))),
        _ => {}
    }
    put(
        &mut m,
        "legs",
        row.legs.as_ref().map(|legs| {
            J::Array(
                legs.iter()
                    .map(|leg| match leg {
                        None => J::Null,
                        Some(l) => {
                            let mut o = Map::new();
                            put(&mut o, "country", l.country.map(|s| json!(s)));
                            put(&mut o, "mode", l.mode.map(|s| json!(s)));
                            put(&mut o, "days", l.days.map(|d| json!(d)));
                            J::Object(o)
                        }
                    })
                    .collect(),
            )
        }),
    );
    put(
        &mut m,
        "people",
        row.people.as_ref().map(|people| {
            J::Array(
                people
                    .iter()
                    .map(|p| match p {
                        None => J::Null,
                        Some(p) => {
                            let mut o = Map::new();
                            put(&mut o, "name", p.name.map(|s| json!(s)));
                            put(&mut o, "religion", p.religion.map(|s| json!(s)));
                            J::Object(o)
                        }
                    })
                    .collect(),
            )
        }),
    );
    J::Object(m)
}

fn strings(values: Vec<Option<&str>>, dictionary: bool) -> ArrayRef {
    if dictionary {
        Arc::new(values.into_iter().collect::<DictionaryArray<Int32Type>>())
    } else {
        Arc::new(StringArray::from(values))
    }
}

fn legs_column(rows: &[Row]) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("country", DataType::Utf8, true),
        Field::new("mode", DataType::Utf8, true),
        Field::new("days", DataType::Int64, true),
    ]);
    let mut list = ListBuilder::new(StructBuilder::from_fields(fields, 0));
    for row in rows {
        match &row.legs {
            None => list.append(false),
            Some(legs) => {
                for leg in legs {
                    let item = list.values();
                    let l = leg.clone().unwrap_or(Leg {
                        country: None,
                        mode: None,
                        days: None,
                    });
                    let b = item.field_builder::<StringBuilder>(0).expect("country");
                    b.append_option(l.country);
                    let b = item.field_builder::<StringBuilder>(1).expect("mode");
                    b.append_option(l.mode);
                    let b = item.field_builder::<Int64Builder>(2).expect("days");
                    b.append_option(l.days);
                    item.append(leg.is_some());
                }
                list.append(true);
            }
        }
    }
    Arc::new(list.finish())
}

fn people_column(rows: &[Row]) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("religion", DataType::Utf8, true),
    ]);
    let mut list = ListBuilder::new(StructBuilder::from_fields(fields, 0));
    for row in rows {
        match &row.people {
            None => list.append(false),
            Some(people) => {
                for p in people {
                    let item = list.values();
                    let q = p.clone().unwrap_or(Person {
                        name: None,
                        religion: None,
                    });
                    let b = item.field_builder::<StringBuilder>(0).expect("name");
                    b.append_option(q.name);
                    let b = item.field_builder::<StringBuilder>(1).expect("religion");
                    b.append_option(q.religion);
                    item.append(p.is_some());
                }
                list.append(true);
            }
        }
    }
    Arc::new(list.finish())
}

/// The rows as a batch: `dotted` interview column or a struct column, dictionary strings or
/// plain ones, ages as int64 or (pandas-style) float64.
fn batch(rows: &[Row], dotted: bool, dictionary: bool, float_ages: bool) -> RecordBatch {
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        (
            "country",
            strings(rows.iter().map(|r| r.country).collect(), dictionary),
        ),
        (
            "paid_by",
            strings(rows.iter().map(|r| r.paid_by).collect(), dictionary),
        ),
        ("legs", legs_column(rows)),
        ("people", people_column(rows)),
    ];
    if float_ages {
        let mut b = Float64Builder::new();
        for r in rows {
            // pandas: an int column with gaps is float64 with NaN
            b.append_value(r.age.map_or(f64::NAN, |a| a as f64));
        }
        columns.push(("age", Arc::new(b.finish())));
    } else {
        let mut b = Int64Builder::new();
        rows.iter().for_each(|r| b.append_option(r.age));
        columns.push(("age", Arc::new(b.finish())));
    }
    if dotted {
        let values: BooleanArray = rows.iter().map(|r| r.interview.flatten()).collect();
        columns.push(("interview.agent_present", Arc::new(values)));
    } else {
        let fields = Fields::from(vec![Field::new("agent_present", DataType::Boolean, true)]);
        let mut s = StructBuilder::from_fields(fields, rows.len());
        for r in rows {
            let b = s.field_builder::<BooleanBuilder>(0).expect("agent_present");
            b.append_option(r.interview.flatten());
            s.append(r.interview.is_some());
        }
        columns.push(("interview", Arc::new(s.finish())));
    }
    RecordBatch::try_from_iter(columns).expect("a valid batch")
}

fn row_decisions(rows: &[Row], dotted: bool) -> Vec<J> {
    rows.iter()
        .map(|r| {
            let record = ENGINE
                .decode_value(&row_json(r, dotted), DecodeOptions::default())
                .expect("generated rows decode");
            serde_json::to_value(ENGINE.screen(&record)).expect("decisions serialize")
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn columnar_screening_agrees_with_row_screening(
        rows in proptest::collection::vec(arb_row(), 0..40),
        dotted in any::<bool>(),
        dictionary in any::<bool>(),
        float_ages in any::<bool>(),
    ) {
        let batch = batch(&rows, dotted, dictionary, float_ages);
        let options = FrameOptions::default();
        let want = row_decisions(&rows, dotted);
        let got: Vec<J> = decide_batch(&ENGINE, &batch, &options)
            .expect("every column is there")
            .iter()
            .map(|d| serde_json::to_value(d).expect("decisions serialize"))
            .collect();
        prop_assert_eq!(&got, &want);
        // The result batch carries the same outcomes and scores.
        let result = screen_batch(&ENGINE, &batch, &options).expect("every column is there");
        prop_assert_eq!(result.num_rows(), rows.len());
        let scores = result.column(1).as_any().downcast_ref::<arrow_array::Int64Array>()
            .expect("score is int64");
        for (i, d) in want.iter().enumerate() {
            prop_assert_eq!(json!(scores.value(i)), d["score"].clone());
        }
    }
}

#[test]
fn protected_sub_fields_never_reach_a_rule() {
    let person = |religion| Person {
        name: Some("y"),
        religion,
    };
    let row = |religion| Row {
        country: Some("JP"),
        age: Some(40),
        paid_by: Some("self"),
        interview: Some(Some(false)),
        legs: Some(vec![]),
        people: Some(vec![Some(person(religion))]),
    };
    let with = decide_batch(
        &ENGINE,
        &batch(&[row(Some("synthetic-r"))], true, false, false),
        &FrameOptions::default(),
    )
    .expect("columns");
    let without = decide_batch(
        &ENGINE,
        &batch(&[row(None)], true, false, false),
        &FrameOptions::default(),
    )
    .expect("columns");
    assert_eq!(with, without);
    assert!(with[0].hits.is_empty());
    assert!(!serde_json::to_string(&with[0])
        .expect("json")
        .contains("synthetic-r"));
}

#[test]
fn missing_columns_are_an_error_unless_absent() {
    let rows = vec![Row {
        country: Some("KH"),
        age: None,
        paid_by: None,
        interview: None,
        legs: Some(vec![]),
        people: None,
    }];
    let full = batch(&rows, true, false, false);
    let keep: Vec<usize> = ["country", "legs"]
        .iter()
        .map(|c| full.schema().index_of(c).expect("column"))
        .collect();
    let partial = full.project(&keep).expect("projection");
    let err = screen_batch(&ENGINE, &partial, &FrameOptions::default()).expect_err("missing");
    assert_eq!(err.code, "frame.missing_column");
    assert_eq!(
        err.fields,
        ["age", "interview.agent_present", "paid_by", "people"]
    );
    assert_eq!(
        err.message,
        "the frame has no column for fields the pack reads: `age`, \
         `interview.agent_present`, `paid_by`, `people`"
    );
    assert!(err.help.as_deref().is_some_and(|h| h.contains("absent")));
    let absent = FrameOptions::default().missing_columns(MissingColumns::Absent);
    let got = decide_batch(&ENGINE, &partial, &absent).expect("absent");
    assert_eq!(got, decide_batch(&ENGINE, &full, &absent).expect("full"));
    assert_eq!(got[0].hits.len(), 1);
}
