//! MQ Lab's words: every sentence a person reads, in English and in 简体中文, kept as data
//! apart from the code that shows it.
//!
//! A language is a folder of catalogue files, `static/text/<language>/` (format in
//! `catalogue.rs`). The catalogues that programs show from their first moment — the
//! narration of the simulation and the page's own words — are carried inside them in
//! English, as typed keys (`narration::Key::Publish`) generated from the English files;
//! a translation is read from its file (the page fetches it when the language is chosen,
//! the CLI carries it) and must have the same keys in the same order. The lessons and the
//! "In real systems" panel are fetched whole by the page in either language and read by
//! name (`Catalogue`).
//!
//! An entry's text may hold arguments, filled in by `Words::fill`:
//!
//! - `{node}` is the argument's text or number;
//! - `{count:one message|# messages}` picks the first form when the count is one and the
//!   second otherwise, `#` standing for the number (English needs it; Chinese has no
//!   plural and never uses it);
//! - `{{` and `}}` are literal braces.

mod catalogue;

pub use catalogue::{Catalogue, CatalogueError};

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

use std::fmt;

/// A language MQ Lab speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    /// English, carried inside every program.
    #[default]
    En,
    /// Simplified Chinese, read from its catalogue files.
    ZhCn,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The language's tag, as links, `<html lang>` and the catalogue folders write it.
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name for itself.
    pub const fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// The language a link or a flag names (`en`, `zh-CN`, in any case), or none.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// The language that serves a reader whose browser prefers `tag` (`en-GB`, `zh`,
    /// `zh-Hans-CN`, `zh-TW`…), or none. A reader of Chinese in any script is better
    /// served by Simplified Chinese than by English.
    pub fn for_browser(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::ZhCn)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A key of one of the carried catalogues (generated from the English files).
pub trait Entry: Copy {
    /// The catalogue the key belongs to.
    const FILE: File;
    /// The entry's place in its file.
    fn index(self) -> usize;
    /// The entry's English text.
    fn english(self) -> &'static str;
}

/// An argument of a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    /// Text put in as it is: a node's name, a message id, a phrase already filled in.
    Text(std::borrow::Cow<'a, str>),
    /// A count or a number, which also picks the plural form.
    Count(u64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Arg<'a> {
        Arg::Text(std::borrow::Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Arg<'a> {
        Arg::Text(std::borrow::Cow::Borrowed(text.as_str()))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Arg<'static> {
        Arg::Text(std::borrow::Cow::Owned(text))
    }
}

macro_rules! count_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(count: $t) -> Self {
                Arg::Count(count as u64)
            }
        }
    )*};
}
count_args!(u8, u16, u32, u64, usize);

/// Reads a file of a catalogue into its texts, in the order of its keys; a file of
/// another version (other keys or another order) or a malformed one is refused.
fn read_table(file: File, text: &str) -> Result<&'static [&'static str], LoadError> {
    let catalogue = Catalogue::parse(text).map_err(LoadError::Malformed)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for key in catalogue.keys() {
        for byte in key.bytes().chain(std::iter::once(b'\n')) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    if hash != file.keys_hash() {
        return Err(LoadError::OutOfStep);
    }
    let texts: Vec<&'static str> = catalogue
        .keys()
        .map(|key| &*Box::leak(Box::<str>::from(catalogue.get(key).unwrap_or_default())))
        .collect();
    Ok(Box::leak(texts.into_boxed_slice()))
}

/// English that a WebAssembly program reads only once it has it: the catalogues of
/// `late_english` (the errors), which the page shows only when it refuses something and
/// so fetches then, and which the other modules carry by asking for them. Until then an
/// entry reads as empty. Native programs always have them.
pub mod late {
    use std::sync::OnceLock;

    use crate::{File, LoadError};

    static TABLES: [OnceLock<&'static [&'static str]>; File::ALL.len()] =
        [const { OnceLock::new() }; File::ALL.len()];

    /// Whether the program has the catalogue's English.
    pub fn ready(file: File) -> bool {
        !cfg!(target_arch = "wasm32")
            || !crate::late_english(file)
            || TABLES[file as usize].get().is_some()
    }

    /// An entry's English, empty while the program does not have it.
    pub fn english(file: File, index: usize) -> &'static str {
        TABLES[file as usize]
            .get()
            .and_then(|texts| texts.get(index))
            .copied()
            .unwrap_or_default()
    }

    /// Reads the catalogue's English from its fetched file.
    pub fn load(file: File, text: &str) -> Result<(), LoadError> {
        let texts = crate::read_table(file, text)?;
        let _ = TABLES[file as usize].set(texts);
        Ok(())
    }

    /// Carries the catalogue's English inside the program that calls this (the modules,
    /// which are fetched only when a view needs them).
    pub fn carry(file: File) {
        let _ = TABLES[file as usize].set(crate::english_table(file));
    }

    /// Carries the English of every catalogue the page fetches late (see `carry`).
    pub fn carry_all() {
        for file in File::ALL {
            if crate::late_english(file) {
                carry(file);
            }
        }
    }
}

/// A sentence of a carried catalogue not yet put in words: its entry and its arguments,
/// some of which may be sentences too. An error keeps one, so that whoever shows the
/// error tells it in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said<K> {
    key: K,
    args: Vec<(&'static str, Part<K>)>,
}

/// An argument of a sentence not yet put in words.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part<K> {
    Plain(Arg<'static>),
    Said(Said<K>),
    /// A sentence of another catalogue.
    Other(Other),
}

/// A sentence of any catalogue, told when the sentence around it is.
trait Tell: fmt::Debug {
    fn tell(&self, words: &Words) -> String;
    fn boxed(&self) -> Box<dyn Tell>;
}

impl<K: Entry + fmt::Debug + 'static> Tell for Said<K> {
    fn tell(&self, words: &Words) -> String {
        self.told_in(words)
    }

    fn boxed(&self) -> Box<dyn Tell> {
        Box::new(self.clone())
    }
}

/// A sentence of another catalogue inside a sentence; two are the same when they say the
/// same in English.
#[derive(Debug)]
struct Other(Box<dyn Tell>);

impl Clone for Other {
    fn clone(&self) -> Other {
        Other(self.0.boxed())
    }
}

impl PartialEq for Other {
    fn eq(&self, other: &Other) -> bool {
        let english = Words::english();
        self.0.tell(&english) == other.0.tell(&english)
    }
}

impl Eq for Other {}

impl<K: Entry> Said<K> {
    /// The entry, with no arguments yet.
    pub fn new(key: K) -> Said<K> {
        Said {
            key,
            args: Vec::new(),
        }
    }

    /// The sentence with one more argument.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg<'static>>) -> Said<K> {
        self.args.push((name, Part::Plain(value.into())));
        self
    }

    /// The sentence with one more argument that is a sentence itself (none: nothing).
    pub fn with_said(mut self, name: &'static str, value: impl Into<Option<Said<K>>>) -> Said<K> {
        let part = match value.into() {
            Some(said) => Part::Said(said),
            None => Part::Plain(Arg::from("")),
        };
        self.args.push((name, part));
        self
    }

    /// The sentence with one more argument that is a sentence of another catalogue.
    pub fn with_other<O: Entry + fmt::Debug + 'static>(
        mut self,
        name: &'static str,
        value: Said<O>,
    ) -> Said<K> {
        self.args.push((name, Part::Other(Other(Box::new(value)))));
        self
    }

    /// The sentence in `words`.
    pub fn told_in(&self, words: &Words) -> String {
        let args: Vec<(&str, Arg<'_>)> = self
            .args
            .iter()
            .map(|(name, part)| {
                let arg = match part {
                    Part::Plain(arg) => arg.clone(),
                    Part::Said(said) => Arg::from(said.told_in(words)),
                    Part::Other(other) => Arg::from(other.0.tell(words)),
                };
                (*name, arg)
            })
            .collect();
        words.fill(self.key, &args)
    }
}

/// The sentence in English, as the command line and the tests print it.
impl<K: Entry> fmt::Display for Said<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.told_in(&Words::english()))
    }
}

/// Why a translation's file was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The file is not a catalogue.
    Malformed(CatalogueError),
    /// Its keys are not the English file's, in the English order: it belongs to another
    /// version of MQ Lab.
    OutOfStep,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Malformed(error) => write!(f, "{error}"),
            LoadError::OutOfStep => f.write_str("its entries are not this version's"),
        }
    }
}

impl std::error::Error for LoadError {}

/// The sentences of one language: English from inside the program, or a translation read
/// from its files.
///
/// A translation's texts live as long as the program, like English's: a program reads a
/// language's files once (the page keeps each language it loaded), and in exchange every
/// text is a `&'static str` that a page shows without copying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    lang: Lang,
    /// Per catalogue, the translation's texts by key order; `None` reads English.
    tables: Vec<Option<&'static [&'static str]>>,
}

impl Default for Words {
    fn default() -> Words {
        Words::english()
    }
}

impl Words {
    /// English, as the program carries it.
    pub fn english() -> Words {
        Words {
            lang: Lang::En,
            tables: vec![None; File::ALL.len()],
        }
    }

    /// A translation with none of its files read yet: it reads English until `load`.
    pub fn new(lang: Lang) -> Words {
        Words {
            lang,
            ..Words::english()
        }
    }

    /// The language, as chosen (a file not read yet still reads English).
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Reads a translation's file of one catalogue. A file of another version (other
    /// keys or another order) or a malformed one is refused and English stays.
    pub fn load(&mut self, file: File, text: &str) -> Result<(), LoadError> {
        self.tables[file as usize] = Some(read_table(file, text)?);
        Ok(())
    }

    /// Whether the catalogue reads from the translation (in English: whether the program
    /// has the English, which it may have to fetch first, see `late`).
    pub fn has(&self, file: File) -> bool {
        match self.lang {
            Lang::En => late::ready(file),
            _ => self.tables[file as usize].is_some(),
        }
    }

    /// A language with every catalogue the program carries for it (the CLI's).
    #[cfg(feature = "embed")]
    pub fn embedded(lang: Lang) -> Words {
        let mut words = Words::new(lang);
        for file in File::ALL {
            if let Some(text) = embedded(lang, file) {
                // The catalogue tests check every carried file; a refused one reads English.
                let _ = words.load(file, text);
            }
        }
        words
    }

    /// The entry's text, arguments unfilled.
    pub fn get<K: Entry>(&self, key: K) -> &'static str {
        match self.tables[K::FILE as usize] {
            Some(texts) => texts.get(key.index()).copied().unwrap_or(key.english()),
            None => key.english(),
        }
    }

    /// The entry's text with its arguments filled in.
    pub fn fill<K: Entry>(&self, key: K, args: &[(&str, Arg<'_>)]) -> String {
        fill(self.get(key), args)
    }
}

/// Fills a text's arguments (see the crate's documentation). An argument the text names
/// but `args` lacks stays visible as `{name}`; in builds with debug assertions, that and
/// an argument the text never uses are programming errors and panic, so that the tests
/// catch a call that does not match its entry.
pub fn fill(text: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut used: u64 = 0;
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let inside = &tail[1..end];
        let (name, forms) = match inside.split_once(':') {
            Some((name, forms)) => (name, Some(forms)),
            None => (inside, None),
        };
        match args.iter().position(|(known, _)| *known == name) {
            Some(index) => {
                used |= 1 << index.min(63);
                let arg = &args[index].1;
                match (forms, arg) {
                    (Some(forms), Arg::Count(count)) => {
                        let (one, other) = forms.split_once('|').unwrap_or((forms, forms));
                        let form = if *count == 1 { one } else { other };
                        out.push_str(&form.replace('#', &count.to_string()));
                    }
                    (Some(forms), Arg::Text(text)) => {
                        let other = forms.split_once('|').map_or(forms, |(_, other)| other);
                        out.push_str(&other.replace('#', text));
                    }
                    (None, Arg::Text(text)) => out.push_str(text),
                    (None, Arg::Count(count)) => out.push_str(&count.to_string()),
                }
            }
            None => {
                debug_assert!(false, "the text {text:?} needs an argument {name:?}");
                out.push_str(&tail[..=end]);
            }
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    debug_assert!(
        args.len() >= 64 || used == (1u64 << args.len()) - 1,
        "the text {text:?} does not use every argument of {:?}",
        args.iter().map(|(name, _)| *name).collect::<Vec<_>>()
    );
    out
}

/// The names of the arguments a text uses, in the order they first appear (for the
/// catalogue tests).
pub fn argument_names(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        let Some(end) = tail.find('}') else { break };
        let inside = &tail[1..end];
        let name = inside.split_once(':').map_or(inside, |(name, _)| name);
        if !names.contains(&name) {
            names.push(name);
        }
        rest = &tail[end + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_plural_forms_are_filled() {
        assert_eq!(
            fill(
                "{node} lost {count:one message|# messages}.",
                &[("node", "broker".into()), ("count", 1u32.into())]
            ),
            "broker lost one message."
        );
        assert_eq!(
            fill("{count:# message|# messages}", &[("count", 3u64.into())]),
            "3 messages"
        );
        assert_eq!(
            fill("{{literal}} {n}", &[("n", 0usize.into())]),
            "{literal} 0"
        );
    }

    #[test]
    #[should_panic(expected = "does not use every argument")]
    fn an_unused_argument_is_a_programming_error() {
        fill("nothing to fill", &[("node", "broker".into())]);
    }

    #[test]
    #[should_panic(expected = "needs an argument")]
    fn a_missing_argument_is_a_programming_error() {
        fill("{node} crashes", &[]);
    }

    #[test]
    fn languages_come_from_links_and_browsers() {
        assert_eq!(Lang::from_tag("zh-cn"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("EN"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag("zh"), None);
        assert_eq!(Lang::for_browser("zh-Hans-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::for_browser("zh-TW"), Some(Lang::ZhCn));
        assert_eq!(Lang::for_browser("en-GB"), Some(Lang::En));
        assert_eq!(Lang::for_browser("de-DE"), None);
    }

    #[test]
    fn argument_names_are_listed_once_in_order() {
        assert_eq!(argument_names("{a} {{x}} {b:one|#} {a}"), vec!["a", "b"]);
    }
}
