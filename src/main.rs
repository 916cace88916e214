//! MQ Lab, the web page: installs the panic panel, registers the offline service worker
//! and mounts the app on the document body.

fn main() {
    mqlab::panic_panel::install();
    mqlab::offline::register_service_worker();
    yew::Renderer::<mqlab::app::App>::new().render();
}
