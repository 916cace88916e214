//! Offline use: the service worker (static/sw.js) keeps the site's own files once loaded.

/// Registers the service worker where the browser allows it (http(s) pages); anywhere
/// else the site simply stays online-only.
pub fn register_service_worker() {
    let window = gloo::utils::window();
    let protocol = window.location().protocol().unwrap_or_default();
    if protocol != "http:" && protocol != "https:" {
        return;
    }
    let container = window.navigator().service_worker();
    let promise = container.register("./sw.js");
    yew::platform::spawn_local(async move {
        // A refusal (private mode, an old browser) only means no offline copy.
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    });
}
