//! Browser tests: components rendered into a real DOM in headless Chromium.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn document_is_available() {
    let document = web_sys::window().and_then(|w| w.document());
    assert!(document.is_some());
}
