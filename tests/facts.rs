//! The JS side's facts are generated from Rust (src/facts.rs): this renders them and compares
//! them with the checked-in files. On any difference it writes the new text and fails, so the
//! next `git diff` shows what changed and the commit carries both sides.

#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

fn check(path: &str, rendered: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == rendered {
        return None;
    }
    std::fs::write(&path, rendered).expect("write the generated file");
    Some(format!(
        "{} was stale and has been regenerated: review and commit it",
        path.display()
    ))
}

#[test]
fn generated_js_facts_are_current() {
    let stale: Vec<String> = [
        check("pkg/src/facts.js", &authgear_migrate::facts::js()),
        check("pkg/src/facts.d.ts", &authgear_migrate::facts::dts()),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}
