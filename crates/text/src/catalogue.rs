//! A text catalogue: the words of one part of the page, kept in a static file next to the
//! WebAssembly and fetched when that part is first shown (see `lazy.rs`). A language is a
//! folder of such files with the same keys (`text/en/…`), so a translation is one more
//! folder and needs no change to the code.
//!
//! The format is plain text that a translator can edit without tools:
//!
//! ```text
//! # A line that starts with '#' before the first entry is a comment.
//! @lesson-id.intro
//! The text of the entry: every line up to the next line that starts with '@'.
//! Blank lines at its start and end are dropped; the lines in between are kept as
//! they are, so code keeps its indentation.
//! ```

use std::fmt;

/// The entries of one catalogue file, as (key, text) in the file's order. A file holds
/// tens of entries, so a list searched in order is enough, and keeps the WebAssembly
/// smaller than a map would.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalogue {
    entries: Vec<(String, String)>,
}

/// Why a catalogue file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogueError {
    /// Text before the first entry that is not a comment or blank.
    TextOutsideAnEntry { line: u32 },
    /// An '@' with no key after it.
    EmptyKey { line: u32 },
    /// The same key twice.
    DuplicateKey { key: String, line: u32 },
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogueError::TextOutsideAnEntry { line } => {
                write!(f, "line {line} is text outside an entry")
            }
            CatalogueError::EmptyKey { line } => write!(f, "line {line} has an '@' without a key"),
            CatalogueError::DuplicateKey { key, line } => {
                write!(f, "line {line} repeats the key {key}")
            }
        }
    }
}

impl std::error::Error for CatalogueError {}

impl Catalogue {
    /// Reads a catalogue file; refuses a malformed one with the line that is wrong.
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut current: Option<(String, Vec<&str>)> = None;
        for (index, line) in text.lines().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            if let Some(key) = line.strip_prefix('@') {
                let key = key.trim();
                if key.is_empty() {
                    return Err(CatalogueError::EmptyKey { line: number });
                }
                if let Some((done, lines)) = current.take() {
                    entries.push((done, join(&lines)));
                }
                if entries.iter().any(|(known, _)| known == key) {
                    return Err(CatalogueError::DuplicateKey {
                        key: key.to_string(),
                        line: number,
                    });
                }
                current = Some((key.to_string(), Vec::new()));
            } else if let Some((_, lines)) = current.as_mut() {
                lines.push(line);
            } else if !line.trim().is_empty() && !line.starts_with('#') {
                return Err(CatalogueError::TextOutsideAnEntry { line: number });
            }
        }
        if let Some((done, lines)) = current {
            entries.push((done, join(&lines)));
        }
        Ok(Catalogue { entries })
    }

    /// A catalogue of these entries, in this order (a lesson file's own texts, keyed as
    /// the lessons' catalogue keys them). A key given twice is found at its first entry.
    pub fn from_entries(entries: Vec<(String, String)>) -> Catalogue {
        Catalogue { entries }
    }

    /// The text of an entry, if the file has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(known, _)| known == key)
            .map(|(_, text)| text.as_str())
    }

    /// The text of an entry, or a visible placeholder naming the missing key, so that a
    /// file that lacks an entry shows where rather than failing the whole part.
    pub fn text(&self, key: &str) -> String {
        match self.get(key) {
            Some(text) => text.to_string(),
            None => format!("[missing text: {key}]"),
        }
    }

    /// The entry's lines, without blank ones (for lists kept one item a line).
    pub fn lines(&self, key: &str) -> Vec<&str> {
        self.get(key)
            .map(|text| {
                text.lines()
                    .filter(|line| !line.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The entry's `name = value` lines as pairs (for settings tables).
    pub fn pairs(&self, key: &str) -> Vec<(&str, &str)> {
        self.lines(key)
            .into_iter()
            .map(|line| match line.split_once(" = ") {
                Some((name, value)) => (name.trim(), value.trim()),
                None => (line.trim(), ""),
            })
            .collect()
    }

    /// Every key, in the file's order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.as_str())
    }
}

/// An entry's lines joined back, without the blank lines around them.
fn join(lines: &[&str]) -> String {
    // A block of comment lines after the entry's last blank line introduces the next
    // entries: it belongs to none. (Comment lines inside an entry, as in a code
    // sketch, are kept.)
    let filled = lines
        .iter()
        .rposition(|line| !line.trim().is_empty())
        .map_or(0, |last| last + 1);
    let lines = &lines[..filled];
    let lines = match lines.iter().rposition(|line| line.trim().is_empty()) {
        Some(blank)
            if lines[blank..].iter().any(|line| line.starts_with('#'))
                && lines[blank..]
                    .iter()
                    .all(|line| line.trim().is_empty() || line.starts_with('#')) =>
        {
            &lines[..blank]
        }
        _ => lines,
    };
    let start = lines.iter().position(|line| !line.trim().is_empty());
    let end = lines.iter().rposition(|line| !line.trim().is_empty());
    match (start, end) {
        (Some(start), Some(end)) => lines[start..=end].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_block_between_entries_belongs_to_neither() {
        let catalogue = Catalogue::parse(
            "@a\none\n# kept: inside the entry\ntwo\n\n# about b\n# more about b\n\n@b\nthree\n",
        )
        .expect("well formed");
        assert_eq!(
            catalogue.get("a"),
            Some("one\n# kept: inside the entry\ntwo")
        );
        assert_eq!(catalogue.get("b"), Some("three"));
    }

    #[test]
    fn entries_run_to_the_next_key_and_keep_their_inner_lines() {
        let catalogue = Catalogue::parse(
            "# comment\n\n@a\nfirst line\n\n  indented\n\n@b\n  x = 1\ny = two words\n",
        )
        .expect("valid");
        assert_eq!(catalogue.get("a"), Some("first line\n\n  indented"));
        assert_eq!(catalogue.pairs("b"), vec![("x", "1"), ("y", "two words")]);
        assert_eq!(catalogue.keys().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn a_missing_entry_shows_its_key_instead_of_failing() {
        let catalogue = Catalogue::parse("@a\nx").expect("valid");
        assert_eq!(catalogue.text("nope"), "[missing text: nope]");
        assert!(catalogue.lines("nope").is_empty());
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        assert_eq!(
            Catalogue::parse("stray text\n@a\nx"),
            Err(CatalogueError::TextOutsideAnEntry { line: 1 })
        );
        assert_eq!(
            Catalogue::parse("@a\nx\n@\ny"),
            Err(CatalogueError::EmptyKey { line: 3 })
        );
        assert_eq!(
            Catalogue::parse("@a\nx\n@a\ny").map_err(|error| error.to_string()),
            Err("line 3 repeats the key a".to_string())
        );
    }

    #[test]
    fn any_input_gives_a_catalogue_or_an_error() {
        for text in [
            "",
            "@",
            "@@",
            "\u{feff}@a",
            "#\n#",
            "@a\r\nb\r\n",
            "@ a \n\n",
        ] {
            let _ = Catalogue::parse(text);
        }
    }
}
