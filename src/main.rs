//! MQ Lab, the web page: mounts the app on the document body.

fn main() {
    yew::Renderer::<mqlab::app::App>::new().render();
}
