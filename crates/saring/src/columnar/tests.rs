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
