//! Runs every screening golden (`tests/goldens/*.json`): pack + record → exact decision JSON.
//! The Python and JavaScript suites run the same files. `SARING_BLESS=1` rewrites the expected
//! outputs from the current engine (review the diff before committing).

use saring::{Engine, Pack};
use saring_conformance::{golden_files, ExpectedError, GoldenFile};

#[test]
fn screening_goldens_match() {
    let bless = std::env::var("SARING_BLESS").is_ok_and(|v| v == "1");
    let files = golden_files();
    assert!(!files.is_empty(), "no golden files found");
    let (mut passed, mut failed) = (0usize, Vec::new());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read golden");
        let mut golden: GoldenFile = serde_json::from_str(&text).expect("golden JSON");
        let pack = Pack::from_files(golden.pack.files.clone(), &golden.pack.main)
            .unwrap_or_else(|e| panic!("{}: pack does not load:\n{}", path.display(), e.render()));
        let engine = Engine::compile(&pack).unwrap_or_else(|e| {
            panic!("{}: pack does not compile:\n{}", path.display(), e.render())
        });
        for case in &mut golden.cases {
            let engine = match &case.lang {
                Some(lang) => engine
                    .with_language(lang)
                    .unwrap_or_else(|e| panic!("{}: case `{}`: {e}", path.display(), case.name)),
                None => engine.clone(),
            };
            let result = match (&case.record, &case.record_text, &case.history) {
                (Some(v), _, Some(history)) => {
                    let records: Vec<saring::Record> = history
                        .iter()
                        .chain(std::iter::once(v))
                        .map(|r| engine.decode_value(r, Default::default()))
                        .collect::<Result<_, _>>()
                        .unwrap_or_else(|e| {
                            panic!("{}: case `{}`: history: {e}", path.display(), case.name)
                        });
                    let mut decisions = engine.screen_batch(&records);
                    Ok(decisions.pop().expect("one decision per record"))
                }
                (Some(v), _, None) => engine.screen_value(v),
                (None, Some(t), _) => engine.screen_json(t),
                (None, None, _) => panic!("{}: case `{}` has no record", path.display(), case.name),
            };
            if let (Ok(d), Some(v), None) = (&result, &case.record, &case.history) {
                // The unexplained summary agrees with the explained decision.
                let record = engine.decode_value(v, Default::default()).expect("decodes");
                let s = engine.screen_summary(&record);
                let ids = |ix: &saring::IdSet| -> Vec<String> {
                    ix.iter()
                        .map(|i| engine.rules()[i as usize].id.clone())
                        .collect()
                };
                assert_eq!(
                    (s.outcome, s.score, s.max_score),
                    (d.outcome, d.score, d.max_score),
                    "{}",
                    case.name
                );
                assert_eq!(
                    ids(&s.hits),
                    d.hits.iter().map(|h| h.rule.clone()).collect::<Vec<_>>(),
                    "{}",
                    case.name
                );
                assert_eq!(
                    ids(&s.shadow_hits),
                    d.shadow_hits
                        .iter()
                        .map(|h| h.rule.clone())
                        .collect::<Vec<_>>(),
                    "{}",
                    case.name
                );
                assert_eq!(
                    ids(&s.errors),
                    d.incomplete
                        .iter()
                        .filter(|h| h.error.is_some())
                        .map(|h| h.rule.clone())
                        .collect::<Vec<_>>(),
                    "{}",
                    case.name
                );
                assert_eq!(
                    ids(&s.incomplete),
                    d.incomplete
                        .iter()
                        .map(|h| h.rule.clone())
                        .collect::<Vec<_>>(),
                    "{}",
                    case.name
                );
            }
            let (got, got_err) = match result {
                Ok(d) => (Some(serde_json::to_value(&d).expect("decision JSON")), None),
                Err(e) => (
                    None,
                    Some(ExpectedError {
                        code: e.code.to_string(),
                        path: e.path.clone(),
                    }),
                ),
            };
            if bless {
                case.expect = got.clone();
                case.expect_error = got_err.clone();
            }
            if got == case.expect && got_err == case.expect_error {
                passed += 1;
            } else {
                failed.push(format!(
                    "{} / {}:\n  expected {} {:?}\n  got      {} {:?}",
                    path.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
                    case.name,
                    case.expect
                        .as_ref()
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    case.expect_error,
                    got.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                    got_err
                ));
            }
        }
        if bless {
            let out = serde_json::to_string_pretty(&golden).expect("golden JSON") + "\n";
            std::fs::write(&path, out).expect("write golden");
        }
    }
    println!(
        "screening goldens: {passed} passed, {} failed",
        failed.len()
    );
    for f in &failed {
        println!("{f}");
    }
    assert!(failed.is_empty(), "{} golden cases failed", failed.len());
    assert!(
        passed >= 40,
        "expected at least 40 golden cases, found {passed}"
    );
}
