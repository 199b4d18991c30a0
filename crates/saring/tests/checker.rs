use saring::{Engine, Pack};

const SCHEMA: &str = r#"
[field.destination]
type = "string"
required = true
[field.count]
type = "int"
[field.amount]
type = "float"
[field.flag]
type = "bool"
[field.tags]
type = "list"
items = "string"
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
[field.legs.religion]
type = "string"
protected = true
[field.interview]
type = "object"
[field.interview.agent]
type = "bool"
[field.interview.faith]
type = "string"
protected = true
[field.religion]
type = "string"
protected = true
[field.sex]
type = "enum"
values = ["f", "m", "x"]
monitored = true
"#;

fn pack(body: &str) -> String {
    format!("[pack]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\nschema = \"schema.toml\"\n[outcomes]\nreview = 10\nrefer = 20\n[lists]\nhotspot = [\"KH\", \"MM\"]\n{body}")
}

fn rule(when: &str) -> String {
    format!("[[rule]]\nid = \"r\"\ntitle = \"R\"\nweight = 1\nwhen = '''{when}'''\nreason = \"x\"\n")
}

#[test]
fn probe() {
    for body in [
        rule("destnation == 'KH'"),
        rule("interview.agnt"),
        rule("destination > 5"),
        rule("\"a\" + 1 == 'a'"),
        rule("!5"),
        rule("tags.exists(t, t == 1)"),
        rule("[1, 2].exists(t, t == 'a')"),
        rule("religion == 'x'"),
        rule("legs.exists(l, l.religion == 'x')"),
        rule("has(interview.faith)"),
        rule("has(record.religion)"),
        rule("sex == 'f'"),
        rule("rules.nope"),
        rule("rules.r"),
        rule("destination.matches('(')"),
        rule("count"),
        format!("[derive]\nd = \"religion\"\n{}", rule("d == 'x'")),
        format!("[derive]\nd = \"sex\"\n{}", rule("d == 'x'")),
        "[[rule]]\nid = \"r\"\ntitle = \"R\"\nweight = 1\nwhen = 'true'\nreason = \"{religion}\"\n".to_string(),
    ] {
        let p = pack(&body);
        match Pack::from_toml_str(&p, SCHEMA).and_then(|p| Engine::compile(&p)) {
            Ok(_) => println!("OK: {body}"),
            Err(e) => println!("ERR {body}\n{:#?}", e.diagnostics),
        }
    }
}
