//! WebAssembly binding of saring.
//!
//! A thin layer over the core crate: JavaScript values cross the boundary as JSON text
//! (`JSON.stringify` in, `JSON.parse` out), so a decision seen from JavaScript is exactly the
//! JSON that Rust and Python produce for the same pack and record. Every failure becomes a
//! real JavaScript `Error` carrying a stable `code` (and `diagnostics` for pack errors, `path`
//! for record errors); nothing here panics on any input.
//!
//! The JavaScript API (see `types/saring.d.ts` for the TypeScript types):
//!
//! ```js
//! const engine = Engine.fromPack({ "pack.toml": packText, "schema.toml": schemaText });
//! const decision = engine.screen({ destination: "KH", return_ticket: false });
//! const signed = Engine.fromBundle(bundleBytes, { trustedKeys: ["ed25519:…"] });
//! ```

#![warn(missing_docs)]

mod trust;

use std::collections::BTreeMap;

use js_sys::{Error, JsString, Reflect, JSON};
use saring::schema::{Field, FieldKind, ObjectType};
use saring::{DecodeOptions, Pack, PackError, RecordError, UnknownFields};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Code of errors raised by the binding itself when a JavaScript argument has the wrong shape.
const INVALID_ARGUMENT: &str = "js.invalid_argument";

/// A compiled rule pack, ready to screen records.
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    engine: saring::Engine,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Compiles a pack from in-memory files: an object mapping names relative to the pack
    /// directory (`pack.toml`, `schema.toml`, `lists/x.txt`) to their text. `main` names the
    /// pack file; by default `pack.toml`, or `pack.json` when there is no `pack.toml`.
    ///
    /// Throws an `Error` with `code` and `diagnostics` when the pack does not load.
    #[wasm_bindgen(js_name = fromPack)]
    pub fn from_pack(files: &JsValue, main: Option<String>) -> Result<WasmEngine, JsValue> {
        let files = files_from_js(files)?;
        let main = match main {
            Some(main) => main,
            None if files.contains_key("pack.toml") => "pack.toml".to_string(),
            None if files.contains_key("pack.json") => "pack.json".to_string(),
            None => {
                return Err(arg_error(
                    "no pack file: expected `pack.toml` or `pack.json`, or name the pack file \
                     as the second argument",
                ))
            }
        };
        if !files.contains_key(&main) {
            return Err(arg_error(&format!(
                "pack file `{main}` is not among the files"
            )));
        }
        compile(files, &main)
    }

    /// Compiles a pack given as JSON: `{ pack, schema, files? }`, where `pack` is the pack
    /// document (the structure of `pack.toml`: `pack`, `outcomes`, `constants`, `lists`,
    /// `derive`, `rule`), `schema` the schema document (the structure of `schema.toml`) and
    /// `files` optional list files by name. The pack is stored as `pack.json` and the schema under the name the pack
    /// gives in `pack.schema` (`schema.json` when it names none).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(json: &JsValue) -> Result<WasmEngine, JsValue> {
        if !json.is_object() {
            return Err(arg_error(
                "expected an object `{ pack, schema, files? }` holding a JSON pack",
            ));
        }
        let pack = get(json, "pack")?;
        let schema = get(json, "schema")?;
        if !pack.is_object() || !schema.is_object() {
            return Err(arg_error(
                "`pack` and `schema` must be objects (the JSON form of pack.toml and schema.toml)",
            ));
        }
        let extra = get(json, "files")?;
        let mut files = if extra.is_undefined() || extra.is_null() {
            BTreeMap::new()
        } else {
            files_from_js(&extra)?
        };
        let schema_name = get(&pack, "pack")
            .ok()
            .filter(JsValue::is_object)
            .and_then(|meta| get(&meta, "schema").ok())
            .and_then(|name| name.as_string())
            .unwrap_or_else(|| "schema.json".to_string());
        files.insert("pack.json".to_string(), stringify(&pack, INVALID_ARGUMENT)?);
        files.insert(schema_name, stringify(&schema, INVALID_ARGUMENT)?);
        compile(files, "pack.json")
    }

    /// The pack id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.engine.pack_ref().id.to_string()
    }

    /// The pack version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.engine.pack_ref().version.to_string()
    }

    /// The pack's content digest, `sha256:<hex>`.
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> String {
        self.engine.pack_ref().digest.to_string()
    }

    /// The pack's human title.
    #[wasm_bindgen(getter)]
    pub fn title(&self) -> String {
        self.engine.pack().meta.title.to_string()
    }

    /// The compiled rules, in pack order, as plain objects (titles and remedies in the
    /// engine's language).
    #[wasm_bindgen(getter)]
    pub fn rules(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.rules())
    }

    /// The language decisions are rendered in (`null` when the pack declares none).
    #[wasm_bindgen(getter)]
    pub fn language(&self) -> Option<String> {
        self.engine.language().map(str::to_string)
    }

    /// The pack's declared languages.
    #[wasm_bindgen(getter)]
    pub fn languages(&self) -> Vec<String> {
        self.engine.languages().to_vec()
    }

    #[cfg(feature = "analysis")]
    /// Every rule that reads a monitored field, with its justification.
    #[wasm_bindgen(getter, js_name = monitoredRegister)]
    pub fn monitored_register(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.monitored_register())
    }

    #[cfg(feature = "analysis")]
    /// The schema fields (dotted paths) and derived values each compiled rule reads, in pack
    /// order: `[{ rule, fields, derived }]`. A form asks for these and nothing else.
    #[wasm_bindgen(getter, js_name = ruleReads)]
    pub fn rule_reads(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.rule_reads())
    }

    /// The same engine rendering texts in `lang` (one of the pack's languages). Throws an
    /// `Error` with code `pack.unknown_language` otherwise.
    #[wasm_bindgen(js_name = withLanguage)]
    pub fn with_language(&self, lang: &str) -> Result<WasmEngine, JsValue> {
        Ok(WasmEngine {
            engine: in_language(&self.engine, Some(lang))?,
        })
    }

    /// The record schema as a tree of plain objects (see `SchemaField` in the types), with
    /// each field's `question` in the engine's language.
    pub fn schema(&self) -> Result<JsValue, JsValue> {
        let fields: Vec<SchemaField> = self
            .engine
            .schema()
            .root
            .fields
            .iter()
            .map(|f| SchemaField::from_field(f, &self.engine))
            .collect();
        to_js(&fields)
    }

    /// Screens one record (an object, or its JSON text) and returns the decision as a plain
    /// object; `options.lang` renders it in one of the pack's languages;
    /// `options.unknownFields` (`"ignore"`, the default, `"report"` or `"reject"`) says what to
    /// do with keys the schema does not declare (`"report"` names them in the decision's
    /// `ignored_fields`). Throws an `Error` with `code` and `path` when the record does not
    /// fit the schema.
    pub fn screen(&self, record: &JsValue, options: &JsValue) -> Result<JsValue, JsValue> {
        let engine = in_language(&self.engine, lang_option(options)?.as_deref())?;
        let decode = decode_option(options, UnknownFields::Ignore)?;
        let text = record_text(record)?;
        match engine.decode_json(&text, decode) {
            Ok(record) => parse(&engine.screen(&record).to_json()),
            Err(e) => Err(record_error(&e)),
        }
    }

    #[cfg(feature = "analysis")]
    /// Screens an array of records (objects or JSON texts) as one batch and returns their
    /// decisions in order. A pack with windowed aggregates (`agg.<name>`) computes them over
    /// the batch, in time order; `screen` of one record has no history (rules reading an
    /// aggregate are incomplete with a "no history" error). Throws the first bad record's
    /// `RecordError`, with its 0-based `row`.
    #[wasm_bindgen(js_name = screenBatch)]
    pub fn screen_batch(&self, records: &JsValue, options: &JsValue) -> Result<JsValue, JsValue> {
        let engine = in_language(&self.engine, lang_option(options)?.as_deref())?;
        let decode = decode_option(options, UnknownFields::Ignore)?;
        if !js_sys::Array::is_array(records) {
            return Err(arg_error("records must be an array of records"));
        }
        let array: &js_sys::Array = records.unchecked_ref();
        let mut texts = Vec::with_capacity(array.length() as usize);
        for (row, item) in array.iter().enumerate() {
            let text = record_text(&item).inspect_err(|e| set_row(e, row))?;
            texts.push(text);
        }
        let lines: Vec<&str> = texts.iter().map(String::as_str).collect();
        let out = js_sys::Array::new();
        for (row, result) in engine
            .screen_json_batch_with(&lines, decode)
            .into_iter()
            .enumerate()
        {
            match result {
                Ok(decision) => {
                    out.push(&parse(&decision.to_json())?);
                }
                Err(e) => {
                    let error = record_error(&e);
                    set_row(&error, row);
                    return Err(error);
                }
            }
        }
        Ok(out.into())
    }

    #[cfg(feature = "analysis")]
    /// Explains the decision on one record: every rule, fired or not, with its evidence, the
    /// derived values, and the decision itself; `options.lang` as for `screen`,
    /// `options.unknownFields` too, but reporting by default.
    pub fn explain(&self, record: &JsValue, options: &JsValue) -> Result<JsValue, JsValue> {
        let engine = in_language(&self.engine, lang_option(options)?.as_deref())?;
        let decode = decode_option(options, UnknownFields::Report)?;
        let text = record_text(record)?;
        let decoded = engine
            .decode_json(&text, decode)
            .map_err(|e| record_error(&e))?;
        to_js(&engine.explain(&decoded))
    }
}

/// `options.lang` of `screen` / `explain` (`options` may be absent).
fn lang_option(options: &JsValue) -> Result<Option<String>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if !options.is_object() {
        return Err(arg_error(
            "options must be an object such as `{ lang: \"id\" }`",
        ));
    }
    let lang = get(options, "lang")?;
    if lang.is_undefined() || lang.is_null() {
        return Ok(None);
    }
    lang.as_string()
        .map(Some)
        .ok_or_else(|| arg_error("`lang` must be a language code string such as \"id\""))
}

/// `options.unknownFields` of `screen` / `screenBatch` / `explain` (`default` when absent).
fn decode_option(options: &JsValue, default: UnknownFields) -> Result<DecodeOptions, JsValue> {
    let unknown_fields = if options.is_object() {
        let value = get(options, "unknownFields")?;
        if value.is_undefined() || value.is_null() {
            default
        } else {
            match value
                .as_string()
                .as_deref()
                .and_then(UnknownFields::from_name)
            {
                Some(choice) => choice,
                None => {
                    return Err(arg_error(
                        "`unknownFields` must be \"ignore\", \"report\" or \"reject\"",
                    ))
                }
            }
        }
    } else {
        default
    };
    Ok(DecodeOptions { unknown_fields })
}

/// The engine in `lang`, or a clone of it as it is.
fn in_language(engine: &saring::Engine, lang: Option<&str>) -> Result<saring::Engine, JsValue> {
    match lang {
        None => Ok(engine.clone()),
        Some(l) => engine
            .with_language(l)
            .map_err(|e| coded_error("Error", e.code, &e.message, None)),
    }
}

fn compile(files: BTreeMap<String, String>, main: &str) -> Result<WasmEngine, JsValue> {
    let pack = Pack::from_files_with(files, main, &trust::default_options())
        .map_err(|e| pack_error(&e))?;
    let engine = saring::Engine::compile(&pack).map_err(|e| pack_error(&e))?;
    Ok(WasmEngine { engine })
}

/// One schema field as the page sees it.
#[derive(Serialize)]
struct SchemaField {
    name: String,
    path: String,
    #[serde(flatten)]
    kind: KindInfo,
    required: bool,
    monitored: bool,
    protected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    /// What to ask when the field is missing, in the engine's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<String>,
    /// Attributes the value encodes (read only as a whole value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encodes: Vec<String>,
}

/// A field type: its name plus enum values, list item type or object children.
#[derive(Serialize)]
struct KindInfo {
    #[serde(rename = "type")]
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Box<KindInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Vec<SchemaField>>,
}

impl SchemaField {
    fn from_field(field: &Field, engine: &saring::Engine) -> SchemaField {
        SchemaField {
            name: field.name.clone(),
            path: field.path.clone(),
            kind: KindInfo::from_kind(&field.kind, engine),
            required: field.required,
            monitored: field.monitored,
            protected: field.protected,
            description: field.description.clone(),
            question: field
                .question
                .as_ref()
                .map(|q| engine.localize(q).to_string()),
            encodes: field.encodes.clone(),
        }
    }
}

impl KindInfo {
    fn from_kind(kind: &FieldKind, engine: &saring::Engine) -> KindInfo {
        let plain = |name| KindInfo {
            name,
            values: None,
            items: None,
            children: None,
        };
        match kind {
            FieldKind::String => plain("string"),
            FieldKind::Int => plain("int"),
            FieldKind::Float => plain("float"),
            FieldKind::Bool => plain("bool"),
            FieldKind::Date => plain("date"),
            FieldKind::Timestamp => plain("timestamp"),
            FieldKind::Enum(values) => KindInfo {
                values: Some(values.to_vec()),
                ..plain("enum")
            },
            FieldKind::List(item) => KindInfo {
                items: Some(Box::new(KindInfo::from_kind(item, engine))),
                ..plain("list")
            },
            FieldKind::Object(object) => KindInfo {
                children: Some(children(object, engine)),
                ..plain("object")
            },
        }
    }
}

fn children(object: &ObjectType, engine: &saring::Engine) -> Vec<SchemaField> {
    object
        .fields
        .iter()
        .map(|f| SchemaField::from_field(f, engine))
        .collect()
}

/// A `PackError` as a JavaScript `Error` with `code` (the first error's code) and
/// `diagnostics`.
fn pack_error(e: &PackError) -> JsValue {
    let code = e
        .errors()
        .next()
        .map_or("pack.invalid", |d| d.code.as_str());
    let error = Error::new(&e.to_string());
    error.set_name("PackError");
    // The core's serialised projection: every key present (`null` when unknown).
    let diagnostics = to_js(&e.diagnostics).unwrap_or_else(|_| js_sys::Array::new().into());
    set(&error, "code", &JsValue::from_str(code));
    set(&error, "diagnostics", &diagnostics);
    error.into()
}

/// A `RecordError` as a JavaScript `Error` with `code` and `path` (`null` when the whole
/// record is at fault).
fn record_error(e: &RecordError) -> JsValue {
    coded_error("RecordError", e.code, &e.message, e.path.as_deref())
}

fn coded_error(name: &str, code: &str, message: &str, path: Option<&str>) -> JsValue {
    let error = Error::new(message);
    error.set_name(name);
    set(&error, "code", &JsValue::from_str(code));
    let path = path.map_or(JsValue::NULL, JsValue::from_str);
    set(&error, "path", &path);
    error.into()
}

/// Sets `row` on an error thrown for one record of a batch.
#[cfg(feature = "analysis")]
fn set_row(error: &JsValue, row: usize) {
    let _ = Reflect::set(
        error,
        &JsValue::from_str("row"),
        &JsValue::from_f64(row as f64),
    );
}

fn arg_error(message: &str) -> JsValue {
    let error = Error::new(message);
    error.set_name("TypeError");
    set(&error, "code", &JsValue::from_str(INVALID_ARGUMENT));
    error.into()
}

fn set(target: &Error, key: &str, value: &JsValue) {
    // Setting a property on a fresh Error object cannot fail; ignore the impossible case.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .map_err(|_| arg_error(&format!("cannot read `{key}`")))
}

/// Reads `{ name: text }` into a map, rejecting non-string values.
fn files_from_js(files: &JsValue) -> Result<BTreeMap<String, String>, JsValue> {
    if !files.is_object() {
        return Err(arg_error(
            "expected an object mapping file names to their text, e.g. \
             { \"pack.toml\": \"...\", \"schema.toml\": \"...\" }",
        ));
    }
    let mut out = BTreeMap::new();
    let entries = js_sys::Object::entries(files.unchecked_ref());
    for entry in entries.iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let name = entry.get(0).as_string().unwrap_or_default();
        let Some(text) = entry.get(1).as_string() else {
            return Err(arg_error(&format!(
                "file `{name}` must be given as a string"
            )));
        };
        out.insert(name, text);
    }
    Ok(out)
}

/// The JSON text of a record: a string is taken as JSON text, anything else is stringified.
fn record_text(record: &JsValue) -> Result<String, JsValue> {
    let text: JsString = if record.is_string() {
        record.clone().unchecked_into()
    } else {
        let stringified = JSON::stringify(record).map_err(|e| {
            // A cycle, a BigInt, or nesting deeper than the JS stack: not a JSON record.
            let why = e
                .dyn_ref::<Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_default();
            coded_error(
                "RecordError",
                "record.syntax",
                &format!("the record cannot be converted to JSON: {why}"),
                None,
            )
        })?;
        // `JSON.stringify(undefined)` and functions give `undefined`, not a string.
        if !stringified.is_string() {
            return Err(coded_error(
                "RecordError",
                "record.not_object",
                "the record must be an object",
                None,
            ));
        }
        stringified
    };
    // Each UTF-16 unit is at least one UTF-8 byte: refuse before copying into wasm memory.
    if text.length() as usize > saring::limits::MAX_RECORD_BYTES {
        return Err(coded_error(
            "RecordError",
            "record.too_large",
            &format!(
                "the record is larger than {} bytes",
                saring::limits::MAX_RECORD_BYTES
            ),
            None,
        ));
    }
    Ok(String::from(text))
}

fn stringify(value: &JsValue, code: &str) -> Result<String, JsValue> {
    match JSON::stringify(value) {
        Ok(text) if text.is_string() => Ok(String::from(text)),
        _ => Err(coded_error(
            "TypeError",
            code,
            "value cannot be converted to JSON",
            None,
        )),
    }
}

/// Serialises to JSON text and parses it into plain JavaScript values.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| coded_error("Error", "internal.serialize", &e.to_string(), None))?;
    parse(&text)
}

fn parse(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text).map_err(|_| coded_error("Error", "internal.json", "invalid JSON", None))
}
