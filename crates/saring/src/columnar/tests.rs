use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, NullArray, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Fields};

use super::columns::{locate, Located};
use super::*;

fn struct_fields() -> Fields {
    Fields::from(vec![
        Field::new("agent_present", DataType::Boolean, true),
        Field::new(
            "inner",
            DataType::Struct(Fields::from(vec![Field::new("x", DataType::Int64, true)])),
            true,
        ),
    ])
}

#[test]
fn paths_are_located_by_dotted_name_and_through_structs() {
    let fields = Fields::from(vec![
        Field::new("a.b", DataType::Int64, true),
        Field::new("interview", DataType::Struct(struct_fields()), true),
        Field::new("nothing", DataType::Null, true),
        Field::new("text", DataType::Utf8, true),
    ]);
    assert_eq!(locate(&fields, "a.b"), Located::Column(vec![0]));
    assert_eq!(locate(&fields, "interview"), Located::Column(vec![1]));
    assert_eq!(
        locate(&fields, "interview.agent_present"),
        Located::Column(vec![1, 0])
    );
    assert_eq!(
        locate(&fields, "interview.inner.x"),
        Located::Column(vec![1, 1, 0])
    );
    assert_eq!(locate(&fields, "interview.other"), Located::Nowhere);
    assert_eq!(locate(&fields, "nothing.x"), Located::InsideValue);
    assert_eq!(locate(&fields, "text.y"), Located::InsideValue);
    assert_eq!(locate(&fields, "a"), Located::Nowhere);
    assert_eq!(locate(&fields, "absent"), Located::Nowhere);
}

#[test]
fn a_null_struct_cell_makes_its_fields_absent() {
    let x = Arc::new(Int64Array::from(vec![Some(1), Some(2)])) as ArrayRef;
    let inner = StructArray::new(
        Fields::from(vec![Field::new("x", DataType::Int64, true)]),
        vec![x],
        Some(vec![true, false].into()),
    );
    let batch = RecordBatch::try_from_iter([
        ("s", Arc::new(inner) as ArrayRef),
        ("n", Arc::new(NullArray::new(2)) as ArrayRef),
        ("t", Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef),
    ])
    .unwrap();
    let column = columns::column_at(&batch, &[0, 0]).unwrap();
    assert!(matches!(column.read(0), cell::Raw::Int(1)));
    assert!(matches!(column.read(1), cell::Raw::Null));
    assert!(batch.column(1).is_null(0) || batch.column(1).null_count() == 0);
}

#[test]
fn an_empty_dictionary_reads_as_null() {
    use arrow_array::types::Int32Type;
    use arrow_array::DictionaryArray;
    // Every cell null: no dictionary values (arrow's key normalisation asserts against it).
    let dict: DictionaryArray<Int32Type> = vec![None::<&str>, None].into_iter().collect();
    assert_eq!(dict.values().len(), 0);
    let column = cell::Column::new(&dict, Vec::new());
    assert!(matches!(column.read(0), cell::Raw::Null));
    assert!(matches!(cell::read(&dict, 1), cell::Raw::Null));
}

mod vectorized {
    //! The column-at-a-time evaluator gives exactly the row evaluator's results (outcome,
    //! score, hits, shadow hits, incomplete rules, invalid cells) on generated frames with
    //! nulls, NaN, values outside enums, wrongly typed columns and struct columns.

    use std::sync::Arc;

    use arrow_array::builder::{
        BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, StringDictionaryBuilder,
    };
    use arrow_array::types::Int32Type;
    use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StructArray};
    use arrow_schema::{DataType, Field, Fields};
    use proptest::prelude::*;

    use super::super::*;

    const SCHEMA: &str = r#"
[field.flag]
type = "bool"
[field.age]
type = "int"
[field.amount]
type = "float"
[field.country]
type = "enum"
values = ["KH", "MM", "JP", "SG"]
[field.name]
type = "string"
[field.code]
type = "string"
[field.when]
type = "date"
[field.interview]
type = "object"
[field.interview.agent]
type = "bool"
"#;

    fn rule(id: &str, weight: i64, when: &str, status: &str) -> String {
        format!(
            "[[rule]]\nid = \"{id}\"\ntitle = \"{id}\"\nweight = {weight}\nstatus = \"{status}\"\n\
             when = '''{when}'''\nreason = \"r\"\nreferences = [\"t\"]\n\n"
        )
    }

    /// Rules of shapes the column-at-a-time plan leaves to records: calls, string maps,
    /// object presence, derived values, and a rule referring to such a rule.
    const RECORD_RULES: &[(&str, i64, &str, &str)] = &[
        ("size", 10, "size(name) > 4", "active"),
        (
            "lower",
            5,
            "name.lowerAscii() == 'nurse' || code.trim() == 'A1'",
            "active",
        ),
        ("object", 5, "has(record.interview)", "shadow"),
        ("derived", 15, "rich && country in hot", "active"),
        ("mixed", 10, "rules.size && rules.flag", "active"),
        (
            "mixed_shadow",
            10,
            "rules.lower || rules.young_or_rich",
            "shadow",
        ),
    ];

    fn engine() -> Engine {
        engine_with(&[])
    }

    fn engine_with(extra: &[(&str, i64, &str, &str)]) -> Engine {
        let mut pack = String::from(
            "[pack]\nid = \"v\"\nversion = \"1\"\ntitle = \"t\"\n\n[outcomes]\nreview = 30\n\
             refer = 60\n\n[lists]\nhot = [\"KH\", \"MM\"]\n\n[derive]\n\
             rich = \"amount > 1000.0 || age > 50\"\n\n",
        );
        for (id, weight, when, status) in [
            ("flag", 10, "flag", "active"),
            (
                "young_or_rich",
                15,
                "age < 21 || amount >= 1500.0",
                "active",
            ),
            ("hot_no_flag", 20, "country in hot && !flag", "active"),
            (
                "name_test",
                5,
                "name.startsWith('PT ') || name.contains('Palsu')",
                "active",
            ),
            ("cmp", 5, "name == code && country != 'JP'", "active"),
            (
                "any",
                5,
                "['scam', 'casino'].exists(k, name.contains(k))",
                "active",
            ),
            ("re", 5, "name.matches('^[A-Z]{2}')", "shadow"),
            ("has", 5, "has(record.when) && !(age > 60)", "active"),
            ("agent", 25, "interview.agent", "active"),
            (
                "both",
                10,
                "rules.young_or_rich && rules.hot_no_flag",
                "active",
            ),
            (
                "either",
                10,
                "rules.agent || rules.flag || country == 'SG'",
                "shadow",
            ),
            ("off", 50, "true", "disabled"),
            ("ref_shadow", 5, "rules.re || amount < 10.0", "active"),
            ("in_list", 5, "code in ['A1', 'B2', 'C3']", "active"),
            // Nested `&&`/`||` and `!` over them, with operands left out per row.
            (
                "nested",
                5,
                "(flag || age > 30) && (code == 'A1' || amount < 100.0)",
                "active",
            ),
            (
                "nested_not",
                5,
                "!(country in hot || name == 'nurse') || (flag && code != 'B2')",
                "active",
            ),
        ]
        .iter()
        .chain(extra)
        {
            pack.push_str(&rule(id, *weight, when, status));
        }
        let pack = crate::Pack::from_toml_str(&pack, SCHEMA).expect("pack");
        Engine::compile(&pack).expect("engine")
    }

    /// How a column is given in the frame.
    #[derive(Debug, Clone, Copy)]
    enum Shape {
        /// The field's natural Arrow type.
        Natural,
        /// Another Arrow type (text for numbers, floats for ints, a dictionary for text).
        Other,
        /// No column (read as absent).
        Missing,
    }

    fn shape() -> impl Strategy<Value = Shape> {
        prop_oneof![
            6 => Just(Shape::Natural),
            2 => Just(Shape::Other),
            1 => Just(Shape::Missing)
        ]
    }

    #[derive(Debug, Clone)]
    struct Row {
        flag: Option<bool>,
        age: Option<i64>,
        amount: Option<f64>,
        country: Option<&'static str>,
        name: Option<&'static str>,
        code: Option<&'static str>,
        when: Option<&'static str>,
        agent: Option<bool>,
        interview_null: bool,
    }

    fn row() -> impl Strategy<Value = Row> {
        let text = |items: &'static [&'static str]| {
            proptest::option::weighted(0.8, proptest::sample::select(items))
        };
        (
            (
                proptest::option::weighted(0.8, any::<bool>()),
                proptest::option::weighted(0.8, prop_oneof![0i64..100, Just(i64::MAX)]),
                proptest::option::weighted(
                    0.8,
                    prop_oneof![Just(f64::NAN), Just(5.0), Just(1500.0), 0.0f64..3000.0],
                ),
                text(&["KH", "MM", "JP", "SG", "XX", "kh"]),
            ),
            (
                text(&[
                    "PT Palsu", "PT Jaya", "AB scam", "casino x", "nurse", "A1", "",
                ]),
                text(&["A1", "B2", "PT Jaya", "nurse", "Z9"]),
                text(&["2025-05-01", "2025-13-01", "yesterday"]),
                proptest::option::weighted(0.8, any::<bool>()),
                proptest::bool::weighted(0.2),
            ),
        )
            .prop_map(
                |((flag, age, amount, country), (name, code, when, agent, interview_null))| Row {
                    flag,
                    age,
                    amount,
                    country,
                    name,
                    code,
                    when,
                    agent,
                    interview_null,
                },
            )
    }

    fn strings(values: impl Iterator<Item = Option<String>>) -> ArrayRef {
        let mut b = StringBuilder::new();
        for v in values {
            b.append_option(v);
        }
        Arc::new(b.finish())
    }

    /// The frame for `rows` with each column in its shape; the interview either as a struct
    /// column (`struct_interview`) or as a dotted column.
    fn frame(rows: &[Row], shapes: &[Shape; 8], struct_interview: bool) -> RecordBatch {
        let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
        let mut add =
            |name: &'static str, shape: Shape, natural: ArrayRef, other: ArrayRef| match shape {
                Shape::Natural => columns.push((name, natural)),
                Shape::Other => columns.push((name, other)),
                Shape::Missing => {}
            };
        let show = |v: Option<String>| v;
        add(
            "flag",
            shapes[0],
            Arc::new(rows.iter().map(|r| r.flag).collect::<BooleanArray>()),
            strings(
                rows.iter()
                    .map(|r| show(r.flag.map(|b| if b { "true" } else { "yes" }.to_string()))),
            ),
        );
        let mut ints = Int64Builder::new();
        let mut int_floats = Float64Builder::new();
        for r in rows {
            ints.append_option(r.age);
            // Floats for an int field: integral ones fit, 0.5 does not, NaN is absent.
            int_floats.append_option(r.age.map(|a| match a % 7 {
                0 => f64::NAN,
                1 => a as f64 + 0.5,
                _ => a as f64,
            }));
        }
        add(
            "age",
            shapes[1],
            Arc::new(ints.finish()),
            Arc::new(int_floats.finish()),
        );
        let mut floats = Float64Builder::new();
        let mut float_ints = Int64Builder::new();
        for r in rows {
            floats.append_option(r.amount);
            float_ints.append_option(r.amount.filter(|a| !a.is_nan()).map(|a| a as i64));
        }
        add(
            "amount",
            shapes[2],
            Arc::new(floats.finish()),
            Arc::new(float_ints.finish()),
        );
        let mut dict = StringDictionaryBuilder::<Int32Type>::new();
        for r in rows {
            dict.append_option(r.country);
        }
        add(
            "country",
            shapes[3],
            strings(rows.iter().map(|r| r.country.map(str::to_string))),
            Arc::new(dict.finish()),
        );
        let mut name_dict = StringDictionaryBuilder::<Int32Type>::new();
        for r in rows {
            name_dict.append_option(r.name);
        }
        add(
            "name",
            shapes[4],
            strings(rows.iter().map(|r| r.name.map(str::to_string))),
            Arc::new(name_dict.finish()),
        );
        let mut code_ints = Int64Builder::new();
        for r in rows {
            code_ints.append_option(r.code.map(|c| c.len() as i64));
        }
        add(
            "code",
            shapes[5],
            strings(rows.iter().map(|r| r.code.map(str::to_string))),
            Arc::new(code_ints.finish()),
        );
        let mut bools = BooleanBuilder::new();
        for r in rows {
            bools.append_option(r.when.map(|w| w.len() > 9));
        }
        add(
            "when",
            shapes[6],
            strings(rows.iter().map(|r| r.when.map(str::to_string))),
            Arc::new(bools.finish()),
        );
        let agent: ArrayRef = Arc::new(rows.iter().map(|r| r.agent).collect::<BooleanArray>());
        match (shapes[7], struct_interview) {
            (Shape::Missing, _) => {}
            (Shape::Natural, true) => {
                let fields = Fields::from(vec![Field::new("agent", DataType::Boolean, true)]);
                let valid: Vec<bool> = rows.iter().map(|r| !r.interview_null).collect();
                let s = StructArray::new(fields, vec![agent], Some(valid.into()));
                columns.push(("interview", Arc::new(s)));
            }
            (Shape::Natural, false) => columns.push(("interview.agent", agent)),
            // A text column where the object is: the object (and its field) invalid.
            (Shape::Other, _) => columns.push((
                "interview",
                strings(rows.iter().map(|r| r.agent.map(|a| a.to_string()))),
            )),
        }
        RecordBatch::try_from_iter(columns).expect("batch")
    }

    fn options() -> FrameOptions {
        FrameOptions::default().missing_columns(MissingColumns::Absent)
    }

    #[test]
    fn the_plan_covers_every_rule_of_a_natural_frame() {
        let engine = engine();
        let rows: Vec<Row> = Vec::new();
        let batch = frame(&rows, &[Shape::Natural; 8], true);
        let mapping = Mapping::new(&engine, &batch, &options()).expect("mapping");
        assert!(vector::VectorPlan::new(&engine, &mapping).is_some());
        // A text column where the `interview` object is: its field is read from records.
        let mut shapes = [Shape::Natural; 8];
        shapes[7] = Shape::Other;
        let batch = frame(&rows, &shapes, true);
        let mapping = Mapping::new(&engine, &batch, &options()).expect("mapping");
        let plan = vector::VectorPlan::new(&engine, &mapping).expect("a partial plan");
        assert!(!plan.is_complete());
        let lowered: Vec<bool> = plan.lowered().collect();
        let agent = engine.rules().iter().position(|r| r.id == "agent");
        assert_eq!(lowered.iter().filter(|l| !**l).count(), 3, "{lowered:?}");
        assert!(!lowered[agent.expect("agent")]);
        // The rules of other shapes are left to records, which hold only what they read.
        let engine = engine_with(RECORD_RULES);
        let batch = frame(&rows, &[Shape::Natural; 8], true);
        let mapping = Mapping::new(&engine, &batch, &options()).expect("mapping");
        let plan = vector::VectorPlan::new(&engine, &mapping).expect("a partial plan");
        let left: Vec<&str> = engine
            .rules()
            .iter()
            .zip(plan.lowered())
            .filter(|(_, lowered)| !lowered)
            .map(|(r, _)| r.id.as_str())
            .collect();
        // (`off` is disabled: evaluated by neither.)
        assert_eq!(
            left,
            [
                "off",
                "size",
                "lower",
                "object",
                "derived",
                "mixed",
                "mixed_shadow"
            ]
        );
        let mut read: Vec<&str> = plan.record_plans().map(|p| p.path).collect();
        read.sort_unstable();
        assert_eq!(
            read,
            [
                "age",
                "amount",
                "code",
                "country",
                "interview",
                "interview.agent",
                "name"
            ]
        );
    }

    #[test]
    fn a_hand_made_frame_gives_the_expected_columns() {
        let engine = engine();
        let rows = vec![
            Row {
                flag: Some(false),
                age: Some(19),
                amount: Some(f64::NAN),
                country: Some("KH"),
                name: Some("PT Palsu"),
                code: Some("PT Palsu"),
                when: Some("2025-05-01"),
                agent: Some(true),
                interview_null: false,
            },
            Row {
                flag: None,
                age: None,
                amount: None,
                country: Some("XX"),
                name: None,
                code: None,
                when: None,
                agent: None,
                interview_null: true,
            },
        ];
        let batch = frame(&rows, &[Shape::Natural; 8], true);
        let fast = screen_batch_with(&engine, &batch, &options(), true, None).expect("fast");
        assert_eq!(
            fast,
            screen_batch_with(&engine, &batch, &options(), false, None).expect("rows")
        );
        let outcome = fast
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>();
        let score = fast
            .column(1)
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>();
        let (outcome, score) = (outcome.expect("utf8"), score.expect("int64"));
        // Row 1: young_or_rich 15 + hot_no_flag 20 + name_test 5 + cmp 5 + has 5 + agent 25
        // + both 10 + ref_shadow 5 (the shadow rule `re` fired) = 90.
        assert_eq!((outcome.value(0), score.value(0)), ("refer", 90));
        assert_eq!((outcome.value(1), score.value(1)), ("clear", 0));
        let invalid = fast
            .column(5)
            .as_any()
            .downcast_ref::<arrow_array::ListArray>();
        let invalid = invalid.expect("list");
        assert_eq!(invalid.value(0).len(), 0);
        let second = invalid.value(1);
        let second = second.as_any().downcast_ref::<arrow_array::StringArray>();
        let message = second.expect("utf8").value(0);
        assert!(
            message.starts_with("record.invalid_value at `country`"),
            "{message}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn column_at_a_time_equals_row_by_row(
            rows in proptest::collection::vec(row(), 0..80),
            shapes in proptest::array::uniform8(shape()),
            struct_interview in any::<bool>(),
            partial in any::<bool>(),
        ) {
            let engine = if partial { engine_with(RECORD_RULES) } else { engine() };
            let batch = frame(&rows, &shapes, struct_interview);
            let fast = screen_batch_with(&engine, &batch, &options(), true, None).expect("fast");
            let slow = screen_batch_with(&engine, &batch, &options(), false, None).expect("rows");
            prop_assert_eq!(fast, slow);
        }
    }

    /// A dictionary column of `values`: null rows as null keys or as keys of a null value,
    /// values repeated under several keys, a value no row uses.
    fn dict_column(values: impl Iterator<Item = Option<&'static str>>) -> ArrayRef {
        use arrow_array::{DictionaryArray, Int32Array, StringArray};
        let mut dict: Vec<Option<&str>> = vec![Some("zz unused"), None];
        let mut keys = Vec::new();
        for (i, v) in values.enumerate() {
            keys.push(match v {
                None if i % 2 == 0 => None,
                None => Some(1),
                Some(s) => {
                    let k = match dict.iter().position(|x| *x == Some(s)) {
                        Some(k) if i % 3 != 0 => k,
                        _ => {
                            dict.push(Some(s));
                            dict.len() - 1
                        }
                    };
                    Some(k as i32)
                }
            });
        }
        let dict = DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(keys),
            Arc::new(StringArray::from(dict)),
        );
        Arc::new(dict.expect("dictionary"))
    }

    /// The natural frame with `country` (an enum), `name` and `code` as dictionary columns.
    fn dict_frame(rows: &[Row]) -> RecordBatch {
        let batch = frame(rows, &[Shape::Natural; 8], true);
        let schema = batch.schema();
        let columns = schema.fields().iter().zip(batch.columns()).map(|(f, c)| {
            let column = match f.name().as_str() {
                "country" => dict_column(rows.iter().map(|r| r.country)),
                "name" => dict_column(rows.iter().map(|r| r.name)),
                "code" => dict_column(rows.iter().map(|r| r.code)),
                _ => c.clone(),
            };
            (f.name().clone(), column)
        });
        RecordBatch::try_from_iter(columns).expect("batch")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Dictionary columns (tests decided once per dictionary value) and batches sliced at
        /// an offset (bitmaps read from a bit offset, struct nulls included).
        #[test]
        fn dictionary_columns_and_slices_agree(
            rows in proptest::collection::vec(row(), 0..200),
            offset in 0usize..70,
            partial in any::<bool>(),
        ) {
            let engine = if partial { engine_with(RECORD_RULES) } else { engine() };
            let whole = dict_frame(&rows);
            let offset = offset.min(whole.num_rows());
            for batch in [whole.clone(), whole.slice(offset, whole.num_rows() - offset)] {
                let fast =
                    screen_batch_with(&engine, &batch, &options(), true, None).expect("fast");
                let slow =
                    screen_batch_with(&engine, &batch, &options(), false, None).expect("rows");
                prop_assert_eq!(fast, slow);
            }
        }
    }

    #[test]
    fn dictionary_tests_are_tables_over_the_values() {
        // The natural frame reads `country` (an enum) as codes; as a dictionary, `name` too.
        let engine = engine();
        let rows: Vec<Row> = Vec::new();
        let batch = dict_frame(&rows);
        let mapping = Mapping::new(&engine, &batch, &options()).expect("mapping");
        let plan = vector::VectorPlan::new(&engine, &mapping).expect("plan");
        assert!(plan.is_complete());
        assert!(plan.tables() >= 6, "{}", plan.tables());
    }

    #[test]
    fn chunks_of_a_large_frame_agree() {
        // More rows than one chunk, in every shape at once.
        let engine = engine();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let rows = proptest::collection::vec(row(), 5000..5001)
            .new_tree(&mut runner)
            .expect("rows");
        let rows = proptest::strategy::ValueTree::current(&rows);
        let partial = engine_with(RECORD_RULES);
        for (engine, shapes) in [
            (&engine, [Shape::Natural; 8]),
            (&engine, [Shape::Other; 8]),
            (&partial, [Shape::Natural; 8]),
        ] {
            let batch = frame(&rows, &shapes, true);
            let fast = screen_batch_with(engine, &batch, &options(), true, None).expect("fast");
            let slow = screen_batch_with(engine, &batch, &options(), false, None).expect("rows");
            assert_eq!(fast.num_rows(), 5000);
            assert_eq!(fast, slow);
        }
    }
}

/// Windowed aggregates over a frame: every batch's rows are the history of the others, in
/// time order, and the rule reading the aggregate runs through records with their facts.
#[test]
fn aggregates_span_every_batch_of_a_frame() {
    let schema = "[field.phone]\ntype = \"string\"\n[field.at]\ntype = \"date\"\n[field.one_way]\ntype = \"bool\"\n";
    let pack = "[pack]\nid=\"n\"\nversion=\"1\"\ntitle=\"t\"\n[outcomes]\nreview=10\nrefer=100\n\
        [aggregate.apps]\nkey = \"phone\"\ntime = \"at\"\nwindow = \"30d\"\ncount = true\n\
        [[rule]]\nid=\"shared\"\ntitle=\"t\"\nweight=20\nwhen=\"agg.apps >= 3\"\nreason=\"r\"\n\
        [[rule]]\nid=\"one_way\"\ntitle=\"t\"\nweight=5\nwhen=\"one_way\"\nreason=\"r\"\n";
    let engine = Engine::compile(&crate::Pack::from_toml_str(pack, schema).unwrap()).unwrap();
    let batch = |phones: Vec<Option<&str>>, days: Vec<&str>| {
        let n = phones.len();
        RecordBatch::try_from_iter([
            ("phone", Arc::new(StringArray::from(phones)) as ArrayRef),
            ("at", Arc::new(StringArray::from(days)) as ArrayRef),
            (
                "one_way",
                Arc::new(arrow_array::BooleanArray::from(vec![true; n])) as ArrayRef,
            ),
        ])
        .unwrap()
    };
    let first = batch(
        vec![Some("p"), Some("q"), None],
        vec!["2026-05-03", "2026-05-01", "2026-05-01"],
    );
    let second = batch(vec![Some("p"), Some("p")], vec!["2026-05-01", "2026-05-02"]);
    let out = screen_batches(&engine, &[first, second], &FrameOptions::default()).unwrap();
    let column = |b: &RecordBatch, name: &str, row: usize| {
        let list = b
            .column_by_name(name)
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::ListArray>()
            .unwrap()
            .value(row);
        let ids = list.as_any().downcast_ref::<StringArray>().unwrap();
        (0..ids.len())
            .map(|i| ids.value(i).to_string())
            .collect::<Vec<_>>()
    };
    // p on 3 May is the third of p (1 and 2 May come in the second batch).
    assert_eq!(column(&out[0], "hits", 0), ["shared", "one_way"]);
    assert_eq!(column(&out[0], "hits", 1), ["one_way"]);
    // No key: the aggregate rule is incomplete, not a "no".
    assert_eq!(column(&out[0], "incomplete", 2), ["shared"]);
    assert_eq!(column(&out[1], "hits", 1), ["one_way"]);
}
