//! Turns each English catalogue the programs carry inside them (every file of
//! `static/text/en/` except the parts the page fetches by name) into a module of typed
//! keys and the English texts: `narration.txt` becomes `mqlab_text::narration::Key`, so a
//! mistyped key does not compile, and a translation is read by the keys' order, checked
//! against a hash of their names (see `Words::load`).

#[path = "src/catalogue.rs"]
#[allow(dead_code)]
mod catalogue;

use std::fmt::Write as _;
use std::path::Path;

/// Catalogues the page fetches whole and reads by their string keys (`catalogue.rs`).
const FETCHED_BY_NAME: [&str; 2] = ["lessons", "real-systems"];

/// Typed catalogues whose English a WebAssembly program reads only once it has fetched
/// it or asked to carry it (`crate::late`): the page shows the errors only when something
/// is refused, and the steps' sentences only once its run has moved, so it does not carry
/// them. Native programs always carry them.
const LATE_ENGLISH: [&str; 2] = ["errors", "steps"];

fn main() {
    // Read when the script runs, not when it was compiled: a build directory shared by two
    // checkouts keeps one compiled script, and it must read the checkout being built.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("../../static/text/en");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("static/text/en exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "txt" && !FETCHED_BY_NAME.contains(&stem.as_str()))
                .then_some(stem)
        })
        .collect();
    names.sort();
    let mut out = String::new();
    writeln!(
        out,
        "/// A catalogue the programs carry in English and read from a file in another language."
    )
    .unwrap();
    writeln!(
        out,
        "#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]"
    )
    .unwrap();
    writeln!(out, "pub enum File {{").unwrap();
    for name in &names {
        writeln!(out, "    {},", camel(name)).unwrap();
    }
    writeln!(out, "}}\n").unwrap();
    writeln!(out, "impl File {{").unwrap();
    writeln!(out, "    /// Every catalogue, in the order of their names.").unwrap();
    let all: Vec<String> = names
        .iter()
        .map(|n| format!("File::{}", camel(n)))
        .collect();
    writeln!(
        out,
        "    pub const ALL: [File; {}] = [{}];",
        names.len(),
        all.join(", ")
    )
    .unwrap();
    writeln!(out, "    /// The file's name, without folder or extension.").unwrap();
    writeln!(
        out,
        "    pub const fn name(self) -> &'static str {{ match self {{"
    )
    .unwrap();
    for name in &names {
        writeln!(out, "        File::{} => {:?},", camel(name), name).unwrap();
    }
    writeln!(out, "    }} }}").unwrap();
    writeln!(
        out,
        "    /// A hash of the keys' names in their order: a translation must match it."
    )
    .unwrap();
    writeln!(
        out,
        "    pub const fn keys_hash(self) -> u64 {{ match self {{"
    )
    .unwrap();
    for name in &names {
        writeln!(
            out,
            "        File::{} => {}::KEYS_HASH,",
            camel(name),
            module(name)
        )
        .unwrap();
    }
    writeln!(out, "    }} }}").unwrap();
    writeln!(out, "    /// How many entries the file has.").unwrap();
    writeln!(
        out,
        "    pub const fn entries(self) -> usize {{ match self {{"
    )
    .unwrap();
    for name in &names {
        writeln!(
            out,
            "        File::{} => {}::LEN,",
            camel(name),
            module(name)
        )
        .unwrap();
    }
    writeln!(out, "    }} }}").unwrap();
    writeln!(out, "}}\n").unwrap();

    for name in &names {
        let path = dir.join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path).expect("readable catalogue");
        let parsed = catalogue::Catalogue::parse(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let keys: Vec<&str> = parsed.keys().collect();
        let mut variants: Vec<String> = Vec::new();
        for key in &keys {
            let variant = camel(key);
            assert!(
                !variants.contains(&variant),
                "{}: two keys make the name {variant}",
                path.display()
            );
            variants.push(variant);
        }
        writeln!(
            out,
            "/// The keys and English texts of `text/<language>/{name}.txt`."
        )
        .unwrap();
        writeln!(out, "pub mod {} {{", module(name)).unwrap();
        writeln!(out, "    /// An entry of `{name}.txt`.").unwrap();
        writeln!(
            out,
            "    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]"
        )
        .unwrap();
        writeln!(out, "    pub enum Key {{").unwrap();
        for (key, variant) in keys.iter().zip(&variants) {
            writeln!(out, "        /// `@{key}`").unwrap();
            writeln!(out, "        {variant},").unwrap();
        }
        writeln!(out, "    }}").unwrap();
        writeln!(out, "    pub(crate) const LEN: usize = {};", keys.len()).unwrap();
        writeln!(out, "    pub(crate) static EN: [&str; {}] = [", keys.len()).unwrap();
        for key in &keys {
            writeln!(out, "        {:?},", parsed.get(key).unwrap_or_default()).unwrap();
        }
        writeln!(out, "    ];").unwrap();
        writeln!(
            out,
            "    pub(crate) const KEYS_HASH: u64 = {};",
            keys_hash(keys.iter().copied())
        )
        .unwrap();
        writeln!(out, "    impl crate::Entry for Key {{").unwrap();
        writeln!(
            out,
            "        const FILE: crate::File = crate::File::{};",
            camel(name)
        )
        .unwrap();
        writeln!(out, "        fn index(self) -> usize {{ self as usize }}").unwrap();
        if LATE_ENGLISH.contains(&name.as_str()) {
            writeln!(out, "        #[cfg(not(target_arch = \"wasm32\"))]").unwrap();
            writeln!(
                out,
                "        fn english(self) -> &'static str {{ EN[self as usize] }}"
            )
            .unwrap();
            writeln!(out, "        #[cfg(target_arch = \"wasm32\")]").unwrap();
            writeln!(
                out,
                "        fn english(self) -> &'static str {{ crate::late::english(crate::File::{}, self as usize) }}",
                camel(name)
            )
            .unwrap();
        } else {
            writeln!(
                out,
                "        fn english(self) -> &'static str {{ EN[self as usize] }}"
            )
            .unwrap();
        }
        writeln!(out, "    }}").unwrap();
        writeln!(out, "}}\n").unwrap();
    }
    writeln!(
        out,
        "/// The English texts of a catalogue, in the order of its keys."
    )
    .unwrap();
    writeln!(
        out,
        "pub(crate) fn english_table(file: File) -> &'static [&'static str] {{ match file {{"
    )
    .unwrap();
    for name in &names {
        writeln!(out, "    File::{} => &{}::EN,", camel(name), module(name)).unwrap();
    }
    writeln!(out, "}} }}\n").unwrap();
    writeln!(
        out,
        "/// Whether a WebAssembly program reads the catalogue's English only once it has it."
    )
    .unwrap();
    writeln!(out, "pub const fn late_english(file: File) -> bool {{").unwrap();
    let late: Vec<String> = LATE_ENGLISH
        .iter()
        .map(|name| format!("File::{}", camel(name)))
        .collect();
    writeln!(out, "    matches!(file, {})", late.join(" | ")).unwrap();
    writeln!(out, "}}\n").unwrap();
    // The translations, carried inside programs that cannot fetch them (the CLI).
    let zh = dir.join("../zh-CN");
    println!("cargo::rerun-if-changed={}", zh.display());
    writeln!(
        out,
        "/// A translation's text of a catalogue, when the program carries it."
    )
    .unwrap();
    writeln!(out, "#[cfg(feature = \"embed\")]").unwrap();
    writeln!(
        out,
        "pub(crate) fn embedded(lang: crate::Lang, file: File) -> Option<&'static str> {{"
    )
    .unwrap();
    writeln!(out, "    match (lang, file) {{").unwrap();
    for name in &names {
        let path = zh.join(format!("{name}.txt"));
        if path.exists() {
            let path = path.canonicalize().expect("a path to the translation");
            writeln!(
                out,
                "        (crate::Lang::ZhCn, File::{}) => Some(include_str!({:?})),",
                camel(name),
                path.display().to_string()
            )
            .unwrap();
        }
    }
    writeln!(out, "        _ => None,").unwrap();
    writeln!(out, "    }}").unwrap();
    writeln!(out, "}}\n").unwrap();
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogues.rs");
    std::fs::write(target, out).expect("writable OUT_DIR");
}

/// `ledger.lost-count` → `LedgerLostCount`.
fn camel(key: &str) -> String {
    let mut out = String::new();
    for part in key.split(['.', '-', '_']).filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'N');
    }
    out
}

/// `real-systems` → `real_systems`.
fn module(name: &str) -> String {
    name.replace('-', "_")
}

/// FNV-1a over the keys' names, each followed by a newline. `Words::load` computes the
/// same over a translation's keys.
fn keys_hash<'a>(keys: impl Iterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for key in keys {
        for byte in key.bytes().chain(std::iter::once(b'\n')) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
