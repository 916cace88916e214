//! The file a learner chose with a file input, read as text.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::file::callbacks::{read_as_text, FileReader};
use gloo::file::File;
use wasm_bindgen::JsCast;
use yew::Event;

/// The reading under way, kept alive until it ends (dropping it cancels it).
pub type Reading = Rc<RefCell<Option<FileReader>>>;

/// Reads the file chosen in the input `event` comes from and hands `done` its text, or
/// why it could not be read. The input is emptied, so that the same file can be chosen
/// again. False when no file was chosen (the learner cancelled).
pub fn read_chosen(
    event: &Event,
    reading: &Reading,
    done: impl FnOnce(Result<String, String>) + 'static,
) -> bool {
    let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return false;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return false;
    };
    input.set_value("");
    let task = read_as_text(&File::from(file), move |result| {
        done(result.map_err(|error| error.to_string()));
    });
    *reading.borrow_mut() = Some(task);
    true
}
