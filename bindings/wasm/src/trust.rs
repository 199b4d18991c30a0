//! Trust in the browser: loading a signed bundle (`Engine.fromBundle`), the pack's lists with
//! their sharing classes, and checking a decision log (`verifyLog`). Everything runs on bytes
//! in memory; the date list expiry is checked against is the browser's (or `today`).

#[cfg(feature = "bundle")]
use js_sys::{Reflect, Uint8Array};
#[cfg(feature = "bundle")]
use saring::audit::VerifyOptions;
#[cfg(feature = "bundle")]
use saring::bundle::PublicKey;
use saring::pack::LoadOptions;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[cfg(feature = "bundle")]
use crate::{arg_error, coded_error, pack_error};
use crate::{to_js, WasmEngine};

/// Today in UTC from the JavaScript clock.
pub(crate) fn js_today() -> Option<chrono::NaiveDate> {
    let now = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(
        now.get_utc_full_year() as i32,
        now.get_utc_month() + 1,
        now.get_utc_date(),
    )
}

/// Load options for a pack from in-memory files: expiry checked against the browser's date.
pub(crate) fn default_options() -> LoadOptions {
    LoadOptions {
        today: js_today(),
        ..LoadOptions::default()
    }
}

#[cfg(feature = "bundle")]
fn option(options: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    if !options.is_object() {
        return Err(arg_error("options must be an object"));
    }
    Reflect::get(options, &JsValue::from_str(key))
        .map_err(|_| arg_error(&format!("cannot read option `{key}`")))
}

#[cfg(feature = "bundle")]
fn keys(options: &JsValue) -> Result<Vec<PublicKey>, JsValue> {
    let value = option(options, "trustedKeys")?;
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(&value) {
        return Err(arg_error(
            "`trustedKeys` must be an array of public keys (`ed25519:<hex>` or a .pub file's text)",
        ));
    }
    js_sys::Array::from(&value)
        .iter()
        .map(|k| {
            let text = k
                .as_string()
                .ok_or_else(|| arg_error("every trusted key must be a string"))?;
            PublicKey::parse(&text).map_err(|e| coded_error("TypeError", e.code, &e.message, None))
        })
        .collect()
}

#[cfg(feature = "bundle")]
fn load_options(options: &JsValue) -> Result<LoadOptions, JsValue> {
    let mut o = default_options();
    o.trusted_keys = keys(options)?;
    let digest = option(options, "expectDigest")?;
    if !digest.is_undefined() && !digest.is_null() {
        o.expect_digest = Some(
            digest
                .as_string()
                .ok_or_else(|| arg_error("`expectDigest` must be a string `sha256:<hex>`"))?,
        );
    }
    let today = option(options, "today")?;
    if !today.is_undefined() && !today.is_null() {
        let text = today
            .as_string()
            .ok_or_else(|| arg_error("`today` must be a `YYYY-MM-DD` string"))?;
        o.today = Some(
            text.parse()
                .map_err(|_| arg_error(&format!("`today` `{text}` is not a YYYY-MM-DD date")))?,
        );
    }
    Ok(o)
}

/// One list of the pack, as JavaScript sees it.
#[derive(Serialize)]
struct ListInfo<'a> {
    name: &'a str,
    items: usize,
    sharing: &'static str,
    provenance: Option<&'a str>,
    expires: Option<String>,
}

#[cfg(feature = "bundle")]
#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Compiles the pack of a bundle (the bytes of a `.bundle` file) after checking it: every
    /// file's sha256, every signature (and one by `options.trustedKeys` when given),
    /// `options.expectDigest`, and list expiry against `options.today` (default: today).
    ///
    /// Throws a `PackError` (`code` `bundle.*`, `pack.list_expired`, `pack.digest_mismatch`,
    /// ...) when the bundle does not verify.
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(bytes: &Uint8Array, options: JsValue) -> Result<WasmEngine, JsValue> {
        let options = load_options(&options)?;
        let pack =
            saring::Pack::from_bundle(&bytes.to_vec(), &options).map_err(|e| pack_error(&e))?;
        let engine = saring::Engine::compile(&pack).map_err(|e| pack_error(&e))?;
        Ok(WasmEngine { engine })
    }
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// The pack's lists: name, item count, sharing class (`public`, `agency`, `restricted`),
    /// provenance and expiry date.
    #[wasm_bindgen(getter)]
    pub fn lists(&self) -> Result<JsValue, JsValue> {
        let lists: Vec<ListInfo<'_>> = self
            .engine
            .pack()
            .lists
            .iter()
            .map(|l| ListInfo {
                name: &l.name,
                items: l.items.len(),
                sharing: l.sharing.as_str(),
                provenance: l.provenance.as_deref(),
                expires: l.expires.map(|d| d.to_string()),
            })
            .collect();
        to_js(&lists)
    }
}

/// Checks a decision log (its text): every entry's hash, the numbering and the chain, and
/// with `options.trustedKeys` every anchor's signature. Returns `{ ok, entries, decisions,
/// reviews, anchors, anchors_verified, head, error }`, `error` being `{ line, code, message }`
/// for the first broken line (or `null`).
#[cfg(feature = "bundle")]
#[wasm_bindgen(js_name = verifyLog)]
pub fn verify_log(text: &str, options: JsValue) -> Result<JsValue, JsValue> {
    let options = VerifyOptions {
        trusted_keys: keys(&options)?,
    };
    let report = saring::audit::verify(text.as_bytes(), &options);
    #[derive(Serialize)]
    struct Out<'a> {
        ok: bool,
        #[serde(flatten)]
        report: &'a saring::audit::Report,
    }
    to_js(&Out {
        ok: report.ok(),
        report: &report,
    })
}
