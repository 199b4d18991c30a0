//! The stable codes of pack, CEL, schema and build diagnostics.

use serde::{Serialize, Serializer};

/// Declares [`Code`]: for each code its variant, doc comment (what it means), string, the
/// severity it is raised with and its default help.
macro_rules! codes {
    ($(
        #[doc = $doc:literal]
        $variant:ident = $code:literal, $raised:ident, $help:literal;
    )*) => {
        /// The stable, machine-readable code of a [`Diagnostic`](crate::Diagnostic).
        ///
        /// The strings ([`Code::as_str`]) are stable API: JSON output, the Python and
        /// WebAssembly bindings and the rendered `error[<code>]` show them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $(
                #[doc = $doc]
                $variant,
            )*
            /// A code defined outside this crate's pack checks, carried as a diagnostic:
            /// `bundle.*` from a bundle's own error type, `synth.*` and other codes of
            /// saring-cli and the bindings. Not in [`Code::ALL`].
            Other(&'static str),
        }

        impl Code {
            /// Every code saring's pack, CEL and schema checks raise (not [`Code::Other`]).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable string, e.g. `cel.type_mismatch`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                    Code::Other(code) => code,
                }
            }

            /// What to do about a diagnostic with this code, when it has no more specific help.
            /// (A build without pack files in TOML — the citizen page's, whose pack is embedded
            /// and checked when the site is built — carries one pointer to the code table
            /// instead of these texts.)
            pub const fn default_help(self) -> &'static str {
                #[cfg(feature = "toml")]
                return match self {
                    $(Code::$variant => $help,)*
                    Code::Other(_) => OTHER_HELP,
                };
                #[cfg(not(feature = "toml"))]
                return match self {
                    Code::Other(_) => OTHER_HELP,
                    _ => TABLE_HELP,
                };
            }

            /// What the code means (its doc comment), for the crate README's table.
            #[cfg(test)]
            pub(crate) fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $doc.trim(),)*
                    Code::Other(_) => "",
                }
            }

            /// The severity the code is raised with: `error`, `warning` or `both`.
            #[cfg(test)]
            pub(crate) fn raised_as(self) -> &'static str {
                match self {
                    $(Code::$variant => stringify!($raised),)*
                    Code::Other(_) => "",
                }
            }
        }
    };
}

/// The default help of every code in a build without the pack-authoring texts.
#[cfg(not(feature = "toml"))]
const TABLE_HELP: &str =
    "see this code in the table of diagnostic codes in the saring crate's README";

/// The default help of [`Code::Other`].
const OTHER_HELP: &str = "see the message; the tool that raised this code documents it";

codes! {
    /// The pack needs a capability (regular expressions, time zones, ...) this build of saring leaves out.
    BuildUnavailable = "build.unavailable", error,
        "load the pack with a saring build that has the named feature, or do without the function";
    /// A regular expression (in `matches()` or a `regex` constant) does not compile.
    CelBadRegex = "cel.bad_regex", error,
        "fix the pattern: saring uses the syntax of Rust's `regex` crate, which has no look-around and no back-references";
    /// A function or method is called with a number or types of arguments it does not take.
    CelNoOverload = "cel.no_overload", error,
        "check the call's arguments: their number and types must match one of the function's signatures";
    /// An expression is not valid CEL.
    CelSyntax = "cel.syntax", error,
        "fix the expression at the marked place; strings are quoted, `&&`, `||` and `!` combine conditions";
    /// An expression nests deeper than the limit.
    CelTooDeep = "cel.too_deep", error,
        "flatten the expression: move parts into `[derive]` values or into rules referred to as `rules.<id>`";
    /// An expression is longer than the limit.
    CelTooLong = "cel.too_long", error,
        "shorten the expression: move parts into `[derive]` values, and long literal lists into `[lists]`";
    /// The types in an expression do not fit: an operator's operands, a function's arguments, or a `when` that is not a bool.
    CelTypeMismatch = "cel.type_mismatch", error,
        "compare values of the same type (convert with `int()`, `double()` or `string()`), and make every `when` a bool condition";
    /// A string compared with an enum field is not one of the field's values.
    CelUnknownEnumValue = "cel.unknown_enum_value", error,
        "use one of the values the field declares in `values` in the schema";
    /// A function or method saring does not know.
    CelUnknownFunction = "cel.unknown_function", error,
        "use a function saring supports (names are case-sensitive), or compute the value upstream as a field";
    /// A name is neither a field, a list, a constant, a derived value nor a variable in scope.
    CelUnknownName = "cel.unknown_name", error,
        "declare the name (a schema field, a `[lists]` entry, a `[constants]` entry or a `[derive]` value) or fix its spelling";
    /// A CEL construct saring does not support, such as message construction.
    CelUnsupported = "cel.unsupported", error,
        "rewrite the expression without the construct, e.g. with a map literal";
    /// A `{placeholder}` in a reason or remedy names nothing that can be shown.
    PackBadPlaceholder = "pack.bad_placeholder", error,
        "name a schema field outside lists, a `[derive]` value or a constant in braces; write `{{` and `}}` for literal braces";
    /// An expression may cost more per record than the static cost limit.
    PackCostLimit = "pack.cost_limit", error,
        "make the expression cheaper: fewer comprehensions over lists and regex matches, or split it over several rules";
    /// The pack's content digest is not the digest the loader was told to expect.
    PackDigestMismatch = "pack.digest_mismatch", error,
        "load the pack version you expect, or review the change and update the expected digest";
    /// A rule refers to a disabled rule.
    PackDisabledReference = "pack.disabled_reference", error,
        "enable the referenced rule (status = \"shadow\" keeps it out of the score) or remove the reference";
    /// A key appears twice in one table of a pack file.
    PackDuplicateKey = "pack.duplicate_key", error,
        "keep one of the two keys";
    /// Two rules have the same id.
    PackDuplicateRule = "pack.duplicate_rule", error,
        "give every rule its own `id`: decisions and `rules.<id>` name rules by it";
    /// An example's record holds a field the schema does not declare: no rule reads it.
    PackExampleUnknownField = "pack.example_unknown_field", warning,
        "correct the field's name to the one the schema declares, or remove it from the example (`saring test` refuses the example until then)";
    /// A rule id, list, constant or other name of the pack is not a valid name.
    PackInvalidName = "pack.invalid_name", error,
        "names start with a letter or `_` and contain only letters, digits and `_`, and are not reserved words";
    /// A file path leaves the pack folder.
    PackInvalidPath = "pack.invalid_path", error,
        "refer to files with relative paths inside the pack folder";
    /// A key of a pack file has a value of the wrong type or outside its range.
    PackInvalidValue = "pack.invalid_value", error,
        "give the key a value of the type and range the pack format documents for it";
    /// A pack file cannot be read.
    PackIo = "pack.io", error,
        "check that the file exists, is readable and is UTF-8 text";
    /// The pack exceeds one of saring's size limits (rules, lists, entries, families, ...).
    PackLimit = "pack.limit", error,
        "make the pack smaller: split it, or move large data out of the rules into lists";
    /// A list's `expires` date has passed.
    PackListExpired = "pack.list_expired", error,
        "get a current version of the list from its provider and update `expires`";
    /// `refer_min_families` counts rule families, but an active rule has no `family`.
    PackMissingFamily = "pack.missing_family", error,
        "set `family = \"...\"` on every active rule, or remove `refer_min_families`";
    /// A file the pack names does not exist.
    PackMissingFile = "pack.missing_file", error,
        "create the file, or fix its path (relative to the pack folder)";
    /// A required key is missing.
    PackMissingKey = "pack.missing_key", error,
        "add the key: the pack format documents which keys each table requires";
    /// A text lacks one of the languages the pack declares.
    PackMissingLanguage = "pack.missing_language", warning,
        "give the text in every language of `[pack] languages`; decisions in a missing language fall back to another one";
    /// A rule reads a monitored field without justifying it.
    PackMonitoredField = "pack.monitored_field", error,
        "remove the use, or justify it on the rule with `uses_monitored = { why = \"...\", references = [...], approved_by = \"...\" }`";
    /// A `uses_monitored` justification is incomplete or a placeholder.
    PackMonitoredJustification = "pack.monitored_justification", error,
        "write a real `why`, name at least one reference, and say who approved the use in `approved_by`";
    /// Two names of the pack collide (e.g. a constant named like a field or list).
    PackNameClash = "pack.name_clash", error,
        "rename one of the two: fields, lists, constants and derived values share one namespace";
    /// A rule has no example.
    PackNoExamples = "pack.no_examples", warning,
        "add a `[[rule.example]]` with a record and the expected result (`hit` or `miss`); `saring test` checks it";
    /// A rule names no references.
    PackNoReferences = "pack.no_references", warning,
        "add `references = [...]` naming the law, guideline or evidence the rule rests on";
    /// A rule has no remedy.
    PackNoRemedy = "pack.no_remedy", warning,
        "add a `remedy` telling the person what they can do about the reason";
    /// A rule or a reason reads a protected field.
    PackProtectedField = "pack.protected_field", error,
        "protected fields never reach rules or reasons: remove the use";
    /// A rule or derived value takes apart a field that encodes personal attributes.
    PackProxyField = "pack.proxy_field", warning,
        "check such a field only as a whole value (format, `size()`, `==`, `in` a list); if the attribute is needed, capture it as a `monitored` field";
    /// `record_id` names a field that cannot identify records.
    PackRecordId = "pack.record_id", error,
        "name a string or int field of the schema, outside lists and not protected";
    /// A rule's `review_by` date has passed.
    PackReviewOverdue = "pack.review_overdue", warning,
        "review the rule and its references, then move `review_by` forward";
    /// Rules refer to each other in a cycle through `rules.<id>`.
    PackRuleCycle = "pack.rule_cycle", error,
        "break the cycle: a rule may only refer to rules that do not refer back to it";
    /// A pack file is not valid TOML (or JSON).
    PackSyntax = "pack.syntax", error,
        "fix the syntax at the marked place (quotes, brackets, `key = value`)";
    /// The pack has so many errors that checking stopped.
    PackTooManyErrors = "pack.too_many_errors", error,
        "fix the errors above and check the pack again";
    /// A rule reads a field of an optional object without testing that it is there.
    PackUnguardedOptional = "pack.unguarded_optional", warning,
        "test the field with `has()` or read it with `.?`, or mark it `required = true` if every record has it";
    /// An `aggregates.<name>` reference names no aggregate of the pack.
    PackUnknownAggregate = "pack.unknown_aggregate", error,
        "use an aggregate the pack declares, or fix the spelling";
    /// `family_cap` names a family no rule declares.
    PackUnknownFamily = "pack.unknown_family", error,
        "name a family that a rule declares with `family = \"...\"`, or fix the spelling";
    /// A name is not a field of the schema (or a constant).
    PackUnknownField = "pack.unknown_field", error,
        "use a field declared in `schema.toml`, or declare it there";
    /// A key of a pack file is not one saring knows.
    PackUnknownKey = "pack.unknown_key", error,
        "remove the key or fix its spelling: the pack format documents the keys of each table";
    /// A text is given in a language `[pack] languages` does not declare.
    PackUnknownLanguage = "pack.unknown_language", error,
        "add the language to `[pack] languages`, or fix the language code";
    /// `rules.<id>` names no rule.
    PackUnknownRule = "pack.unknown_rule", error,
        "refer to the `id` of a rule of the pack";
    /// A key appears twice in one table of the schema.
    SchemaDuplicateKey = "schema.duplicate_key", error,
        "keep one of the two keys";
    /// A field name of the schema is not a valid name.
    SchemaInvalidName = "schema.invalid_name", error,
        "names start with a letter or `_` and contain only letters, digits and `_`, and are not reserved words";
    /// A key of the schema has a value of the wrong type or outside its range.
    SchemaInvalidValue = "schema.invalid_value", error,
        "give the key a value of the type the schema format documents for it";
    /// A required key of the schema is missing (e.g. a field without `type`).
    SchemaMissingKey = "schema.missing_key", error,
        "add the key: every field needs a `type`, and an enum its `values`";
    /// A key of the schema is not one saring knows.
    SchemaUnknownKey = "schema.unknown_key", error,
        "remove the key or fix its spelling: the schema format documents the keys of a field";
    /// A field's `type` is not a type saring knows.
    SchemaUnknownType = "schema.unknown_type", error,
        "use one of the types string, int, float, bool, date, timestamp, enum, list or object";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A code equals its stable string: `code == "cel.type_mismatch"`.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    const START: &str = "<!-- codes:start -->";
    const END: &str = "<!-- codes:end -->";

    /// The README's table of codes, from [`Code::ALL`].
    fn table() -> String {
        let cell = |text: &str| text.replace('|', "\\|");
        let mut out = String::from(
            "| Code | Raised as | What it means | Default help |\n|---|---|---|---|\n",
        );
        for code in Code::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                code.as_str(),
                code.raised_as(),
                cell(code.meaning()),
                cell(code.default_help())
            ));
        }
        out
    }

    #[test]
    fn readme_table_lists_every_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).expect("crates/saring/README.md");
        let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md lacks the `{START}` ... `{END}` markers");
        };
        let current = &readme[start + START.len()..end];
        let wanted = format!("\n{}", table());
        if current == wanted {
            return;
        }
        if std::env::var("SARING_BLESS").is_ok_and(|v| v == "1") {
            let updated = format!(
                "{}{wanted}{}",
                &readme[..start + START.len()],
                &readme[end..]
            );
            std::fs::write(&path, updated).expect("write README.md");
            return;
        }
        panic!(
            "the table of diagnostic codes in crates/saring/README.md is stale: run \
             `SARING_BLESS=1 cargo test -p saring --lib readme_table` and commit the README"
        );
    }

    #[test]
    fn codes_are_unique_prefixed_and_helped() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "`{s}` twice");
            assert!(
                ["build.", "cel.", "pack.", "schema."]
                    .iter()
                    .any(|p| s.starts_with(p)),
                "{s}"
            );
            assert!(!code.default_help().is_empty(), "{s} has no help");
            assert!(!code.meaning().is_empty(), "{s} has no meaning");
            assert!(
                ["error", "warning", "both"].contains(&code.raised_as()),
                "{s}"
            );
            assert_eq!(code.to_string(), s);
            assert_eq!(
                serde_json::to_value(code).expect("json"),
                serde_json::json!(s)
            );
        }
    }
}
