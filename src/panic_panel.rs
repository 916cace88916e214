//! When the WebAssembly panics, the page cannot go on: the panic hook replaces it with an
//! error panel that says so, with the seed and the link of the run that was on screen and
//! a report to copy. The panel is plain DOM, built without Yew, because Yew's state may
//! be what broke.

use std::cell::RefCell;

use mqlab_text::page::Key;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    /// The latest run link and seed, kept up to date by the page so that a report can
    /// name the run even when the panic happened deep inside it.
    static LAST_RUN: RefCell<(String, u64)> = const { RefCell::new((String::new(), 0)) };
}

/// Remembers the run on screen, for a report.
pub fn remember_run(link: &str, seed: u64) {
    LAST_RUN.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != link {
            last.0 = link.to_string();
        }
        last.1 = seed;
    });
}

/// The report text for a panic message.
pub fn report(message: &str, link: &str, seed: u64, user_agent: &str) -> String {
    // A report for the people who fix MQ Lab: always in English. // not prose
    format!(
        "MQ Lab stopped: {message}\nseed: {seed}\nrun link: {link}\nversion: {}\nbrowser: {user_agent}\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn page_url_with(link: &str) -> String {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default().to_string();
    if link.is_empty() {
        base
    } else {
        format!("{base}#{link}")
    }
}

/// Replaces the page with the error panel. Every step is best effort: if the document
/// itself is unusable there is nothing better to do than the console message.
fn show_panel(message: &str) {
    let (link, seed) = LAST_RUN.with(|last| last.borrow().clone());
    let window = gloo::utils::window();
    let user_agent = window.navigator().user_agent().unwrap_or_default();
    let url = page_url_with(&link);
    let text = report(message, &url, seed, &user_agent);
    let Some(document) = window.document() else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let words = crate::words::current();
    let build = || -> Result<(), JsValue> {
        let panel = document.create_element("section")?;
        panel.set_class_name("panic-panel");
        panel.set_attribute("role", "alert")?;
        panel.set_attribute("aria-label", words.get(Key::PanicLabel))?;
        let title = document.create_element("h1")?;
        title.set_text_content(Some(words.get(Key::PanicTitle)));
        let what = document.create_element("p")?;
        what.set_text_content(Some(&words.fill(Key::PanicWhat, &[("seed", seed.into())])));
        let anchor = document.create_element("a")?;
        anchor.set_attribute("href", &url)?;
        anchor.set_text_content(Some(words.get(Key::PanicReopen)));
        let area: web_sys::HtmlTextAreaElement =
            document.create_element("textarea")?.unchecked_into();
        area.set_read_only(true);
        area.set_rows(7);
        area.set_value(&text);
        area.set_attribute("aria-label", words.get(Key::PanicReport))?;
        let button = document.create_element("button")?;
        button.set_text_content(Some(words.get(Key::PanicCopy)));
        let copy_text = text.clone();
        let on_copy = Closure::<dyn FnMut()>::new(move || {
            let _ = gloo::utils::window()
                .navigator()
                .clipboard()
                .write_text(&copy_text);
        });
        button.add_event_listener_with_callback("click", on_copy.as_ref().unchecked_ref())?;
        // The page is over; the listener must outlive this function.
        on_copy.forget();
        for child in [&title, &what, &anchor] {
            panel.append_child(child)?;
        }
        panel.append_child(&area)?;
        panel.append_child(&button)?;
        body.set_inner_html("");
        body.append_child(&panel)?;
        Ok(())
    };
    let _ = build();
}

/// Installs the hook (through Yew, which would otherwise install its own when the app
/// mounts): the panic goes to the console, then the page shows the panel.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        // For the console, in English. // not prose
        web_sys::console::error_1(&JsValue::from_str(&format!("MQ Lab panicked: {message}")));
        show_panel(&message);
    }));
}

/// Panics on purpose. The end-to-end suite calls it to prove that a dead page is replaced
/// by the error panel; nothing in the page calls it.
#[wasm_bindgen]
pub fn diagnostic_panic() {
    panic!("diagnostic panic requested by the test suite");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_seed_the_link_and_the_message() {
        let text = report(
            "index out of bounds",
            "https://x/#v1.seed=7~0",
            7,
            "Chromium",
        );
        assert!(text.contains("index out of bounds"));
        assert!(text.contains("seed: 7"));
        assert!(text.contains("#v1.seed=7~0"));
    }
}
