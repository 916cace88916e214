//! The page's language: which one it speaks, how the reader chose it, and its words.
//!
//! English is inside the WebAssembly; another language's catalogues (`mqlab_text::File`)
//! are fetched when it is chosen, so a reader who never picks it downloads nothing of it.
//! The choice comes from `?lang=` in the address, then from the reader's last choice in
//! local storage, then from the browser's preferred languages; an unknown `lang` value
//! is ignored. Components read the words with `words_now()`.

use std::rc::Rc;

use mqlab_text::{page::Key, File, Lang, Words};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

/// Where the reader's choice is remembered.
const LANG_KEY: &str = "mqlab-lang";

/// The language the page opens in.
pub fn initial_lang() -> Lang {
    link_lang()
        .or_else(|| {
            gloo::utils::window()
                .local_storage()
                .ok()
                .flatten()
                .and_then(|storage| storage.get_item(LANG_KEY).ok().flatten())
                .and_then(|tag| Lang::from_tag(&tag))
        })
        .or_else(browser_lang)
        .unwrap_or_default()
}

/// The language `?lang=` names, if it names one this page speaks.
pub fn link_lang() -> Option<Lang> {
    let search = gloo::utils::window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::from_tag)
}

/// The first of the browser's preferred languages that the page speaks.
fn browser_lang() -> Option<Lang> {
    let navigator = gloo::utils::window().navigator();
    let preferred = navigator.languages();
    preferred
        .iter()
        .filter_map(|tag| tag.as_string())
        .chain(navigator.language())
        .find_map(|tag| Lang::for_browser(&tag))
}

/// Remembers the reader's choice for their next visit.
pub fn note_choice(lang: Lang) {
    if let Ok(Some(storage)) = gloo::utils::window().local_storage() {
        // Without storage the choice lasts as long as the page.
        let _ = storage.set_item(LANG_KEY, lang.tag());
    }
}

/// Shows the language in the address (`?lang=`, which "Copy link" keeps, since it copies
/// the address, so a link opens in the language it was copied in) and in `<html lang>`.
/// English from the browser's preference leaves an address without `lang` as it is.
pub fn show_lang(lang: Lang) {
    set_document_lang(lang);
    let location = gloo::utils::window().location();
    if lang == Lang::En && link_lang().is_none() {
        return;
    }
    let search = location.search().unwrap_or_default();
    let mut pairs: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
        .map(str::to_string)
        .collect();
    pairs.push(format!("lang={}", lang.tag()));
    let url = format!(
        "{}?{}{}",
        location.pathname().unwrap_or_default(),
        pairs.join("&"),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = gloo::utils::window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Sets `<html lang>`.
pub fn set_document_lang(lang: Lang) {
    if let Some(root) = gloo::utils::document().document_element() {
        let _ = root.set_attribute("lang", lang.tag());
    }
}

/// The address of a language's catalogue, relative to the page.
pub fn catalogue_path(lang: Lang, name: &str) -> String {
    format!("text/{}/{name}.txt", lang.tag())
}

/// Fetches every catalogue of a language that the page carries in English. Any file that
/// cannot be fetched or read fails the whole language, with the reason in one sentence.
pub async fn fetch_words(lang: Lang) -> Result<Words, String> {
    let mut words = Words::new(lang);
    if lang == Lang::En {
        return Ok(words);
    }
    for file in File::ALL {
        let path = catalogue_path(lang, file.name());
        let text = fetch_text(&path)
            .await
            .map_err(|reason| format!("{path}: {reason}"))?;
        words
            .load(file, &text)
            .map_err(|error| format!("{path}: {error}"))?;
    }
    Ok(words)
}

/// Fetches the English of a catalogue the page does not carry (`mqlab_text::late`): the
/// errors' the first time it must tell why something was refused, the steps' once its
/// run has moved (a Chinese reader's words have them with the rest of the language).
/// Every failure is a sentence, never a panic.
pub async fn fetch_late(file: File) -> Result<(), String> {
    if mqlab_text::late::ready(file) {
        return Ok(());
    }
    let path = catalogue_path(Lang::En, file.name());
    let text = fetch_text(&path)
        .await
        .map_err(|reason| format!("{path}: {reason}"))?;
    mqlab_text::late::load(file, &text).map_err(|error| format!("{path}: {error}"))
}

thread_local! {
    /// The words the page shows now, for the few plain functions that draw outside a
    /// component's context (a part's loading message, the panel shown after a panic).
    static CURRENT: std::cell::RefCell<Rc<Words>> = std::cell::RefCell::new(Rc::new(Words::english()));
}

/// The words the page shows now (see `CURRENT`). A component that shows words is drawn
/// again when the language changes, because the page draws everything under its header
/// again then (and a module's views under `WithWords`).
pub fn current() -> Rc<Words> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Makes `words` the ones the page shows now.
pub fn set_current(words: Rc<Words>) {
    CURRENT.with(|current| *current.borrow_mut() = words);
}

/// A node's title on the stage and in the space-time diagram: "Broker 2" in English,
/// "消费者 2" in Chinese. Its name (`broker-2`) stays an identifier in every language.
pub fn node_title(words: &Words, node: mqlab_sim::NodeId) -> String {
    use mqlab_sim::RoleKind;
    use mqlab_text::simulator::Key;
    let role = words.get(match node.role() {
        RoleKind::Producer => Key::TitleProducer,
        RoleKind::Broker => Key::TitleBroker,
        RoleKind::Consumer => Key::TitleConsumer,
        RoleKind::Coordinator => Key::TitleCoordinator,
        RoleKind::Controller => Key::TitleController,
    });
    match node.instance() {
        0 => role.to_string(),
        instance => format!("{role} {}", u32::from(instance) + 1),
    }
}

/// Where a language's words stand: its words (English until a translation has arrived),
/// and why the translation could not be loaded, if it could not.
#[derive(Clone, Debug, PartialEq)]
pub struct LangWords {
    pub words: Rc<Words>,
    pub loading: bool,
    pub failed: Option<Rc<str>>,
}

/// The words of `lang`: English at once, a translation once its catalogues have arrived.
/// A translation that cannot be fetched (offline on a first visit) leaves English, with
/// the reason.
#[hook]
pub fn use_lang_words(lang: Lang) -> LangWords {
    let state = use_state(|| LangWords {
        words: Rc::new(Words::english()),
        loading: lang != Lang::En,
        failed: None,
    });
    {
        let state = state.clone();
        use_effect_with(lang, move |lang| {
            let lang = *lang;
            if lang == Lang::En {
                state.set(LangWords {
                    words: Rc::new(Words::english()),
                    loading: false,
                    failed: None,
                });
            } else {
                state.set(LangWords {
                    loading: true,
                    failed: None,
                    ..(*state).clone()
                });
                let setter = state.setter();
                yew::platform::spawn_local(async move {
                    setter.set(match fetch_words(lang).await {
                        Ok(words) => LangWords {
                            words: Rc::new(words),
                            loading: false,
                            failed: None,
                        },
                        Err(reason) => LangWords {
                            words: Rc::new(Words::english()),
                            loading: false,
                            failed: Some(reason.into()),
                        },
                    });
                });
            }
        });
    }
    (*state).clone()
}

/// Gives its children the words of a language (a module's views, mounted by the page
/// with the page's language). They are drawn again, from the start, in another language.
#[derive(Properties, PartialEq)]
pub struct WithWordsProps {
    pub lang: Lang,
    #[prop_or_default]
    pub children: Html,
}

#[component]
pub fn WithWords(props: &WithWordsProps) -> Html {
    let state = use_lang_words(props.lang);
    set_current(state.words.clone());
    html! {
        <div class="words" key={state.words.lang().tag()}>
            { props.children.clone() }
        </div>
    }
}

/// Fetches a file of the site as text; every failure is a sentence, never a panic.
pub(crate) async fn fetch_text(path: &str) -> Result<String, String> {
    let words = current();
    let say = |key: Key| words.get(key).to_string();
    let response = JsFuture::from(gloo::utils::window().fetch_with_str(path))
        .await
        .map_err(|_| say(Key::FetchOffline))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| say(Key::FetchNoResponse))?;
    if !response.ok() {
        return Err(words.fill(Key::FetchStatus, &[("status", response.status().into())]));
    }
    let text = response.text().map_err(|_| say(Key::FetchUnreadable))?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| say(Key::FetchUnreadable))
}

#[cfg(test)]
mod tests {
    //! Every sentence the page shows comes from a catalogue: a component that puts an
    //! English sentence into the page fails here, naming the file and line.

    use std::path::{Path, PathBuf};

    /// Files whose literals are not for its readers: the benchmark entry points
    /// (`--features bench`) print figures in English for the people who build MQ Lab, and
    /// the exported files' SVG markup (`exports.rs`) is written as literals whose every
    /// word comes in as an argument, from a catalogue.
    const NOT_FOR_READERS: &[&str] = &["bench.rs", "exports.rs"];

    /// Where a literal is not text for a person: attribute values that are names or
    /// geometry, and messages for programmers.
    const NOT_PROSE_BEFORE: &[&str] = &[
        "class=",
        "classes!(",
        "style=",
        " d=",
        "viewBox=",
        "points=",
        "transform=",
        "expect(",
        "assert!(",
        "assert_eq!(",
        "debug_assert!(",
        "panic!(",
        "unreachable!(",
        "matches!(",
        "query_selector(",
        "set_property(",
        "match_media(",
    ];

    fn src_files(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                src_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The string literals of some Rust code, each with its line and the code before it
    /// on that line; comments and character literals are skipped.
    fn literals(code: &str) -> Vec<(usize, String, String)> {
        let bytes = code.as_bytes();
        let mut found = Vec::new();
        let (mut i, mut line, mut line_start) = (0, 1, 0);
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    line += 1;
                    line_start = i + 1;
                    i += 1;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                        if bytes[i] == b'\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        i += 1;
                    }
                    i += 2;
                }
                b'\'' => {
                    // A character literal ('"', '\'') or a lifetime ('a).
                    if bytes.get(i + 2) == Some(&b'\'') {
                        i += 3;
                    } else if bytes.get(i + 1) == Some(&b'\\') {
                        i += 2;
                        while i < bytes.len() && bytes[i] != b'\'' {
                            i += 1;
                        }
                        i += 1;
                    } else {
                        i += 1;
                    }
                }
                b'"' | b'r'
                    if bytes[i] == b'"' || matches!(bytes.get(i + 1), Some(b'"' | b'#')) =>
                {
                    let raw = bytes[i] == b'r';
                    if raw
                        && i > 0
                        && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
                    {
                        i += 1;
                        continue;
                    }
                    let before = code[line_start..i].to_string();
                    let start_line = line;
                    let mut hashes = 0;
                    if raw {
                        i += 1;
                        while bytes.get(i) == Some(&b'#') {
                            hashes += 1;
                            i += 1;
                        }
                        if bytes.get(i) != Some(&b'"') {
                            continue;
                        }
                    }
                    i += 1;
                    let start = i;
                    loop {
                        if i >= bytes.len() {
                            break;
                        }
                        if !raw && bytes[i] == b'\\' {
                            i += 2;
                            continue;
                        }
                        if bytes[i] == b'\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        if bytes[i] == b'"'
                            && bytes[i + 1..].iter().take(hashes).all(|b| *b == b'#')
                        {
                            break;
                        }
                        i += 1;
                    }
                    found.push((
                        start_line,
                        before,
                        code[start..i.min(bytes.len())].to_string(),
                    ));
                    i += 1 + hashes;
                }
                _ => i += 1,
            }
        }
        found
    }

    /// Whether a literal reads as words for a person: two words or more, one of them a
    /// lower-case word of three letters or more.
    fn is_prose(text: &str) -> bool {
        // Arguments of a format string are not words.
        let mut bare = String::new();
        let mut depth = 0;
        for c in text.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = (depth - 1).max(0),
                _ if depth == 0 => bare.push(c),
                _ => {}
            }
        }
        let text = bare.as_str();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
            .filter(|w| w.len() >= 2)
            .collect();
        text.contains(' ')
            && words.len() >= 2
            && words
                .iter()
                .any(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_lowercase()))
    }

    #[test]
    fn components_take_their_sentences_from_a_catalogue() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        src_files(&src, &mut files);
        files.sort();
        let mut problems = Vec::new();
        for path in files {
            let name = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            if NOT_FOR_READERS.contains(&name.as_str()) {
                continue;
            }
            let code = std::fs::read_to_string(&path).expect("readable");
            let code = code.split("#[cfg(test)]").next().unwrap_or_default();
            let lines: Vec<&str> = code.lines().collect();
            for (line, before, text) in literals(code) {
                let marked = |n: usize| lines.get(n).is_some_and(|l| l.contains("// not prose"));
                if !is_prose(&text)
                    || NOT_PROSE_BEFORE
                        .iter()
                        .any(|cue| before.trim_end().ends_with(cue))
                    || (line.saturating_sub(3)..line).any(marked)
                {
                    continue;
                }
                problems.push(format!("src/{name}:{line}: {text:?}"));
            }
        }
        assert!(
            problems.is_empty(),
            "sentences written into components instead of a catalogue (static/text/en/):\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn the_scan_finds_sentences_and_leaves_names_alone() {
        let code = r#"html! { <p class="notice error">{ "The broker crashes." }</p> } let c = 'x'; // "not this"
            let s = format!("{}px", 3);"#;
        let found: Vec<String> = literals(code)
            .into_iter()
            .filter(|(_, before, text)| {
                is_prose(text)
                    && !NOT_PROSE_BEFORE
                        .iter()
                        .any(|c| before.trim_end().ends_with(c))
            })
            .map(|(_, _, text)| text)
            .collect();
        assert_eq!(found, vec!["The broker crashes.".to_string()]);
    }
}
