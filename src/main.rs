//! MQ Lab, the web page: a Yew app over the `mqlab-sim` core.

mod app;
mod components;
mod hooks;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
