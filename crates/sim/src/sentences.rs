//! The words the core speaks before it is told a language (English, built once), and
//! the sentences its errors keep until somebody reads them: an entry of the errors' or
//! the scenario files' catalogue with its arguments, told in the reader's words.

use std::sync::{Arc, OnceLock};

use mqlab_text::Words;

/// English, built once: the words every run starts in, and those the trace hash reads
/// the commands' narration in, scenario files tell their traces in and errors print
/// themselves in.
fn english_shared() -> &'static Arc<Words> {
    static ENGLISH: OnceLock<Arc<Words>> = OnceLock::new();
    ENGLISH.get_or_init(|| Arc::new(Words::english()))
}

/// English, as the trace hash, scenario files and errors speak it.
pub(crate) fn english() -> &'static Words {
    english_shared()
}

/// English, shared by every run until it is told otherwise.
pub(crate) fn english_arc() -> Arc<Words> {
    Arc::clone(english_shared())
}

/// A sentence of the errors' catalogue, kept with an error until somebody reads it.
pub type Sentence = mqlab_text::Said<mqlab_text::errors::Key>;

/// An entry of the errors' catalogue with its arguments, not yet in words:
/// `said!(Key, name = value, ...)`.
macro_rules! said {
    ($key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::sentences::Sentence::new(::mqlab_text::errors::Key::$key)
            $(.with(stringify!($name), $value))*
    };
}
pub(crate) use said;

/// A sentence of the scenario files' catalogue, kept with an error until somebody reads
/// it (only the module that reads files carries its English).
pub type FileSentence = mqlab_text::Said<mqlab_text::files::Key>;

/// An entry of the scenario files' catalogue with its arguments, not yet in words.
macro_rules! filed {
    ($key:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::sentences::FileSentence::new(::mqlab_text::files::Key::$key)
            $(.with(stringify!($name), $value))*
    };
}
pub(crate) use filed;
