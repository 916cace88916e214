//! Every catalogue in every language: complete, with the same arguments as English, and in
//! the glossary's terms (`crates/text/glossary.txt`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mqlab_text::{argument_names, Catalogue, File, Lang, Words};

fn text_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/text")
}

fn read(lang: Lang, name: &str) -> Catalogue {
    let path = text_dir().join(lang.tag()).join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Catalogue::parse(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every catalogue's name, from the English folder.
fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(text_dir().join("en"))
        .expect("static/text/en")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "txt").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

fn translations() -> impl Iterator<Item = Lang> {
    Lang::ALL.into_iter().filter(|lang| *lang != Lang::En)
}

#[test]
fn every_translation_has_every_key_in_the_english_order() {
    for lang in translations() {
        for name in names() {
            let english = read(Lang::En, &name);
            let translated = read(lang, &name);
            let en_keys: Vec<&str> = english.keys().collect();
            let keys: Vec<&str> = translated.keys().collect();
            let missing: Vec<&&str> = en_keys.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<&&str> = keys.iter().filter(|k| !en_keys.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}/{name}.txt: missing keys {missing:?}, keys English lacks {extra:?}"
            );
            assert_eq!(
                keys, en_keys,
                "{lang}/{name}.txt: the keys are out of English's order"
            );
            for key in &keys {
                assert!(
                    !translated.get(key).unwrap_or_default().trim().is_empty(),
                    "{lang}/{name}.txt: @{key} is empty"
                );
            }
        }
    }
}

#[test]
fn every_translated_entry_uses_the_english_entrys_arguments() {
    // Only the carried catalogues are filled in; the others hold code with braces.
    for lang in translations() {
        for name in File::ALL.map(File::name) {
            let english = read(Lang::En, name);
            let translated = read(lang, name);
            for key in english.keys() {
                let en: BTreeSet<&str> = argument_names(english.get(key).unwrap_or_default())
                    .into_iter()
                    .collect();
                let other: BTreeSet<&str> = argument_names(translated.get(key).unwrap_or_default())
                    .into_iter()
                    .collect();
                assert_eq!(
                    other, en,
                    "{lang}/{name}.txt: @{key} has other arguments than English"
                );
            }
        }
    }
}

#[test]
fn the_carried_catalogues_load_in_every_language() {
    for lang in translations() {
        for file in File::ALL {
            let path = text_dir()
                .join(lang.tag())
                .join(format!("{}.txt", file.name()));
            let text = std::fs::read_to_string(&path).expect("the translation exists");
            let mut words = Words::new(lang);
            assert_eq!(words.load(file, &text), Ok(()), "{}", path.display());
            assert!(words.has(file));
        }
    }
}

#[test]
fn a_translation_of_another_version_is_refused() {
    let Some(file) = File::ALL.first().copied() else {
        return;
    };
    let mut words = Words::new(Lang::ZhCn);
    assert!(words.load(file, "@not-a-key\ntext").is_err());
    assert!(!words.has(file));
}

/// One row of the glossary.
struct Term {
    english: String,
    chinese: String,
    rejected: Vec<String>,
}

fn glossary() -> Vec<Term> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("glossary.txt");
    std::fs::read_to_string(&path)
        .expect("the glossary")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut columns = line.split('|').map(str::trim);
            let english = columns.next().unwrap_or_default().to_string();
            let chinese = columns.next().unwrap_or_default().to_string();
            let rejected = columns
                .next()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            assert!(
                !english.is_empty() && !chinese.is_empty(),
                "glossary line {line:?}"
            );
            Term {
                english,
                chinese,
                rejected,
            }
        })
        .collect()
}

/// The prose of an entry: all of it, or only the comments of a code sketch.
fn prose(key: &str, text: &str) -> String {
    if key.ends_with(".python") || key.ends_with(".rust") {
        text.lines()
            .filter_map(|line| line.split_once("# ").or_else(|| line.split_once("// ")))
            .map(|(_, comment)| comment)
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text.to_string()
    }
}

/// Whether the English text uses the term as a word of its prose: not inside another
/// word, an identifier (`consumer.after_apply`, `consumer-2`, `enable.idempotence`), a
/// placeholder, or an all-capitals name (`PREPARE_COMMIT`).
fn uses_term(text: &str, term: &str) -> bool {
    let lower = text.to_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find(term) {
        let start = from + at;
        let end = start + term.len();
        from = end;
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(end).copied();
        let after2 = bytes.get(end + 1).copied();
        let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        if before.is_some_and(|b| word_char(b) || b == b'.' || b == b'{' || b == b'-') {
            continue;
        }
        if after.is_some_and(word_char)
            || (after == Some(b'.') && after2.is_some_and(|b| b.is_ascii_alphabetic()))
            || (after == Some(b'-') && after2.is_some_and(|b| b.is_ascii_alphanumeric()))
            || after == Some(b'}')
        {
            continue;
        }
        let original = &text[start..end];
        if original.chars().any(|c| c.is_ascii_alphabetic())
            && !original.chars().any(|c| c.is_ascii_lowercase())
        {
            continue;
        }
        return true;
    }
    false
}

#[test]
fn translations_use_the_glossary_terms() {
    let terms = glossary();
    let mut problems: Vec<String> = Vec::new();
    for lang in translations() {
        for name in names() {
            let english = read(Lang::En, &name);
            let translated = read(lang, &name);
            for key in english.keys() {
                let en = prose(key, english.get(key).unwrap_or_default());
                let zh = translated.get(key).unwrap_or_default();
                for term in &terms {
                    if uses_term(&en, &term.english) && !zh.contains(term.chinese.as_str()) {
                        problems.push(format!(
                            "{lang}/{name}.txt @{key}: English says \"{}\", the translation lacks \"{}\"",
                            term.english, term.chinese
                        ));
                    }
                    for rejected in &term.rejected {
                        if zh.contains(rejected.as_str()) {
                            problems.push(format!(
                                "{lang}/{name}.txt @{key}: \"{rejected}\" where the glossary says \"{}\"",
                                term.chinese
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_glossary_check_skips_identifiers_and_inflections() {
    assert!(uses_term("The consumer crashes.", "consumer"));
    assert!(uses_term("Consumer receives m1.", "consumer"));
    assert!(!uses_term("consumer.after_apply", "consumer"));
    assert!(!uses_term("consumer-2 restarts", "consumer"));
    assert!(!uses_term("three consumers", "consumer"));
    assert!(!uses_term("PREPARE_COMMIT", "prepare"));
    assert!(!uses_term("enable.idempotence = true", "idempotence"));
    assert!(uses_term("at-least-once delivery", "at-least-once"));
}

#[test]
fn the_errors_english_loads_from_its_file_and_a_file_of_another_version_is_refused() {
    use mqlab_text::{late, File, LoadError};
    let path = text_dir().join("en/errors.txt");
    let english = std::fs::read_to_string(&path).expect("static/text/en/errors.txt");
    assert!(mqlab_text::late_english(File::Errors));
    assert!(!mqlab_text::late_english(File::Narration));
    assert_eq!(late::load(File::Errors, &english), Ok(()));
    // A file whose keys are not the program's (another version of the page) is refused.
    let other = english.replacen("@link.empty", "@link.nothing", 1);
    assert_eq!(late::load(File::Errors, &other), Err(LoadError::OutOfStep));
    assert!(late::ready(File::Errors));
    assert_eq!(
        late::english(File::Errors, mqlab_text::errors::Key::LinkEmpty as usize),
        "the link is empty: it holds no run"
    );
}
