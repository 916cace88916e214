//! MQ Lab, the web page: a Yew app over the `mqlab-sim` core. The binary mounts
//! [`app::App`]; the browser tests mount it (and its parts) into their own containers.

pub mod app;
#[cfg(feature = "bench")]
pub mod bench;
pub mod chosen_file;

pub mod components;
pub mod decimal;
pub mod exports;
pub mod hooks;
pub mod lazy;
pub mod lesson_link;
pub mod module_loader;
pub mod offline;
pub mod page_link;
pub mod panic_panel;
pub mod plural;
pub mod progress;
pub mod scenario_file;
pub mod state;
pub mod view;
pub mod words;
