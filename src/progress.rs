//! The learner's progress: which challenges are solved and how many attempts each took,
//! and which lessons were watched to the end with the prediction right or wrong (the
//! Lessons view keeps those under its own keys, `components/lessons.rs`). It stays in
//! this browser (local storage) and travels as a small JSON file that the Challenges view
//! exports and imports:
//!
//! ```json
//! {"format":"mqlab-progress","version":1,
//!  "challenges":{"duplicate-one":{"solved":true,"attempts":2}},
//!  "lessons":{"fire-and-forget":"right","lost-confirm":"wrong"},
//!  "self_checks":{"fire-and-forget":[true,false,null]}}
//! ```
//!
//! `self_checks` holds, for each question at the end of a lesson, whether its latest
//! answer was right (`null` while unanswered).
//!
//! Reading is strict and total: any text gives either progress or a reason in one
//! sentence, never a panic. Entries for challenges or lessons this version does not have
//! are left out, so that a file from another version still opens.

use std::collections::BTreeMap;

use mqlab_text::challenges::Key;
use mqlab_text::Words;
use serde::{Deserialize, Serialize};

use crate::components::lessons::{SelfChecks, PREDICTED_WRONG_KEY, PROGRESS_KEY, SELF_CHECK_KEY};

/// The file's `format` field.
pub const FORMAT: &str = "mqlab-progress";
/// The file's `version` field.
pub const VERSION: u32 = 1;
/// The largest file read.
pub const MAX_BYTES: usize = 64 * 1024;
/// The most attempts counted for one entry.
pub const MAX_ATTEMPTS: u32 = 1_000_000;
/// The most questions a lesson asks at its end.
pub const MAX_SELF_CHECKS: usize = 4;
/// Where the page keeps it.
const STORAGE_KEY: &str = "mqlab-progress";

/// One challenge's or lesson's record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Solved (a challenge), or predicted right (a lesson), at least once.
    pub solved: bool,
    /// How many times it was checked (a challenge) or predicted (a lesson).
    pub attempts: u32,
}

/// How a lesson watched to the end went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    /// The latest prediction was right.
    Right,
    /// The latest prediction was wrong.
    Wrong,
}

/// Everything recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// By challenge slug.
    pub challenges: BTreeMap<String, Entry>,
    /// By lesson slug: the lessons watched to the end.
    pub lessons: BTreeMap<String, Mark>,
    /// By lesson slug: the answers to the questions at its end.
    pub self_checks: SelfChecks,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    version: u32,
    #[serde(default)]
    challenges: BTreeMap<String, Entry>,
    #[serde(default)]
    lessons: BTreeMap<String, Mark>,
    #[serde(default)]
    self_checks: SelfChecks,
}

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'a str,
    version: u32,
    challenges: &'a BTreeMap<String, Entry>,
    lessons: &'a BTreeMap<String, Mark>,
    self_checks: &'a SelfChecks,
}

/// Why a text is not progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgressError {
    /// Larger than [`MAX_BYTES`].
    TooLarge(usize),
    /// Not JSON of the expected shape: where the parser stopped.
    Malformed {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
    },
    /// Another kind of file.
    NotProgress,
    /// A version this page cannot read.
    Version(u32),
    /// An attempt count above [`MAX_ATTEMPTS`].
    TooManyAttempts(String),
    /// More answers for a lesson than it has questions at its end.
    TooManyAnswers {
        /// The lesson.
        slug: String,
        /// How many answers the file gives.
        count: usize,
    },
}

impl ProgressError {
    fn malformed(error: &serde_json::Error) -> ProgressError {
        ProgressError::Malformed {
            line: error.line(),
            column: error.column(),
        }
    }

    /// The reason, in `words`.
    pub fn reason_in(&self, words: &Words) -> String {
        match self {
            ProgressError::TooLarge(bytes) => words.fill(
                Key::ProgressTooLarge,
                &[("bytes", (*bytes).into()), ("most", MAX_BYTES.into())],
            ),
            ProgressError::Malformed { line, column } => words.fill(
                Key::ProgressMalformed,
                &[("line", (*line).into()), ("column", (*column).into())],
            ),
            ProgressError::NotProgress => {
                words.fill(Key::ProgressNotProgress, &[("format", FORMAT.into())])
            }
            ProgressError::Version(version) => words.fill(
                Key::ProgressVersion,
                &[
                    ("version", (*version).into()),
                    ("supported", VERSION.into()),
                ],
            ),
            ProgressError::TooManyAttempts(slug) => words.fill(
                Key::ProgressTooManyAttempts,
                &[("slug", slug.into()), ("most", MAX_ATTEMPTS.into())],
            ),
            ProgressError::TooManyAnswers { slug, count } => words.fill(
                Key::ProgressTooManyAnswers,
                &[
                    ("slug", slug.into()),
                    ("count", (*count).into()),
                    ("most", MAX_SELF_CHECKS.into()),
                ],
            ),
        }
    }
}

impl Progress {
    /// Reads a progress file, keeping only the slugs `known_challenge` and
    /// `known_lesson` accept.
    pub fn parse(
        text: &str,
        known_challenge: impl Fn(&str) -> bool,
        known_lesson: impl Fn(&str) -> bool,
    ) -> Result<Progress, ProgressError> {
        if text.len() > MAX_BYTES {
            return Err(ProgressError::TooLarge(text.len()));
        }
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| ProgressError::malformed(&error))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(ProgressError::NotProgress);
        }
        if let Some(version) = value.get("version").and_then(|v| v.as_u64()) {
            if version != u64::from(VERSION) {
                return Err(ProgressError::Version(
                    u32::try_from(version).unwrap_or(u32::MAX),
                ));
            }
        }
        // The shape is checked on the text again, so that the reason has a line and column.
        drop(value);
        let file: File =
            serde_json::from_str(text).map_err(|error| ProgressError::malformed(&error))?;
        debug_assert_eq!(file.format, FORMAT);
        if file.version != VERSION {
            return Err(ProgressError::Version(file.version));
        }
        let challenges = file
            .challenges
            .into_iter()
            .filter(|(slug, _)| known_challenge(slug))
            .map(|(slug, entry)| {
                if entry.attempts > MAX_ATTEMPTS {
                    Err(ProgressError::TooManyAttempts(slug))
                } else {
                    Ok((slug, entry))
                }
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        let lessons = file
            .lessons
            .into_iter()
            .filter(|(slug, _)| known_lesson(slug))
            .collect();
        let self_checks = file
            .self_checks
            .into_iter()
            .filter(|(slug, _)| known_lesson(slug))
            .map(|(slug, answers)| {
                if answers.len() > MAX_SELF_CHECKS {
                    Err(ProgressError::TooManyAnswers {
                        count: answers.len(),
                        slug,
                    })
                } else {
                    Ok((slug, answers))
                }
            })
            .collect::<Result<SelfChecks, _>>()?;
        Ok(Progress {
            challenges,
            lessons,
            self_checks,
        })
    }

    /// The progress as a file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&FileOut {
            format: FORMAT,
            version: VERSION,
            challenges: &self.challenges,
            lessons: &self.lessons,
            self_checks: &self.self_checks,
        })
        .unwrap_or_default()
    }

    /// Records an attempt at a challenge.
    pub fn attempt_challenge(&mut self, slug: &str, solved: bool) {
        note(self.challenges.entry(slug.to_string()).or_default(), solved);
    }

    /// Records a lesson watched to the end.
    pub fn watched_lesson(&mut self, slug: &str, right: bool) {
        self.lessons.insert(
            slug.to_string(),
            if right { Mark::Right } else { Mark::Wrong },
        );
    }

    /// How many challenges are solved.
    pub fn solved_challenges(&self) -> usize {
        self.challenges
            .values()
            .filter(|entry| entry.solved)
            .count()
    }
}

fn note(entry: &mut Entry, solved: bool) {
    entry.attempts = entry.attempts.saturating_add(1).min(MAX_ATTEMPTS);
    entry.solved |= solved;
}

fn storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

/// A list of slugs the Lessons view keeps under `key`.
fn stored_slugs(storage: &web_sys::Storage, key: &str) -> Vec<String> {
    storage
        .get_item(key)
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The progress kept in this browser (none if storage is off or holds something
/// unreadable): the challenges' under its own key, the lessons' under the Lessons
/// view's.
pub fn load(
    known_challenge: impl Fn(&str) -> bool,
    known_lesson: impl Fn(&str) -> bool,
) -> Progress {
    let Some(storage) = storage() else {
        return Progress::default();
    };
    let mut progress = storage
        .get_item(STORAGE_KEY)
        .ok()
        .flatten()
        .and_then(|text| Progress::parse(&text, known_challenge, |_| false).ok())
        .unwrap_or_default();
    let wrong = stored_slugs(&storage, PREDICTED_WRONG_KEY);
    for slug in stored_slugs(&storage, PROGRESS_KEY) {
        if known_lesson(&slug) {
            let right = !wrong.contains(&slug);
            progress.watched_lesson(&slug, right);
        }
    }
    progress.self_checks = storage
        .get_item(SELF_CHECK_KEY)
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str::<SelfChecks>(&text).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(slug, answers)| known_lesson(slug) && answers.len() <= MAX_SELF_CHECKS)
        .collect();
    progress
}

/// Keeps the progress in this browser; false when the browser does not keep it.
pub fn save(progress: &Progress) -> bool {
    let Some(storage) = storage() else {
        return false;
    };
    let challenges = Progress {
        challenges: progress.challenges.clone(),
        ..Progress::default()
    };
    let slugs = |only: Option<Mark>| {
        let list: Vec<&String> = progress
            .lessons
            .iter()
            .filter(|(_, mark)| only.is_none_or(|only| **mark == only))
            .map(|(slug, _)| slug)
            .collect();
        serde_json::to_string(&list).unwrap_or_default()
    };
    storage
        .set_item(STORAGE_KEY, &challenges.to_json())
        .and_then(|()| storage.set_item(PROGRESS_KEY, &slugs(None)))
        .and_then(|()| storage.set_item(PREDICTED_WRONG_KEY, &slugs(Some(Mark::Wrong))))
        .and_then(|()| {
            storage.set_item(
                SELF_CHECK_KEY,
                &serde_json::to_string(&progress.self_checks).unwrap_or_default(),
            )
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &str) -> bool {
        true
    }

    #[test]
    fn a_file_round_trips() {
        let mut progress = Progress::default();
        progress.attempt_challenge("duplicate-one", false);
        progress.attempt_challenge("duplicate-one", true);
        progress.attempt_challenge("duplicate-one", false);
        progress.watched_lesson("fire-and-forget", true);
        progress.watched_lesson("lost-confirm", false);
        progress.self_checks.insert(
            "fire-and-forget".into(),
            vec![Some(true), None, Some(false)],
        );
        let read = Progress::parse(&progress.to_json(), any, any).expect("reads");
        assert_eq!(read, progress);
        assert_eq!(
            read.self_checks["fire-and-forget"],
            [Some(true), None, Some(false)]
        );
        assert_eq!(
            read.challenges["duplicate-one"],
            Entry {
                solved: true,
                attempts: 3
            }
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let words = Words::english();
        let cases = [
            ("", "line 1"),
            ("[]", "“mqlab-progress”"),
            ("{\"format\":\"mqlab-scenario\",\"version\":1}", "“mqlab-progress”"),
            ("{\"format\":\"mqlab-progress\",\"version\":2}", "version 2"),
            (
                "{\"format\":\"mqlab-progress\",\"version\":1,\"challenges\":{\"a\":{\"solved\":1,\"attempts\":1}}}",
                "line 1, column",
            ),
            (
                "{\"format\":\"mqlab-progress\",\"version\":1,\"challenges\":{\"a\":{\"solved\":true,\"attempts\":-1}}}",
                "line 1, column",
            ),
            (
                "{\"format\":\"mqlab-progress\",\"version\":1,\"challenges\":{\"a\":{\"solved\":true,\"attempts\":2000000}}}",
                "more than",
            ),
            (
                "{\"format\":\"mqlab-progress\",\"version\":1,\"extra\":true}",
                "line 1",
            ),
            (
                "{\"format\":\"mqlab-progress\",\"version\":1,\"self_checks\":{\"a\":[true,\"yes\"]}}",
                "line 1, column",
            ),
            (
                "{\"format\":\"mqlab-progress\",\"version\":1,\"self_checks\":{\"a\":[true,true,true,true,true]}}",
                "5 answers",
            ),
        ];
        for (text, expected) in cases {
            let error = Progress::parse(text, any, any).expect_err(text);
            let reason = error.reason_in(&words);
            assert!(reason.contains(expected), "{text}: {reason}");
        }
        let huge = " ".repeat(MAX_BYTES + 1);
        assert!(matches!(
            Progress::parse(&huge, any, any),
            Err(ProgressError::TooLarge(_))
        ));
    }

    #[test]
    fn unknown_slugs_are_left_out() {
        let text = "{\"format\":\"mqlab-progress\",\"version\":1,\"challenges\":{\"gone\":{\"solved\":true,\"attempts\":1},\"kept\":{\"solved\":false,\"attempts\":4}}}";
        let read = Progress::parse(text, |slug| slug == "kept", any).expect("reads");
        assert_eq!(read.challenges.keys().collect::<Vec<_>>(), vec!["kept"]);
    }

    #[test]
    fn no_text_panics() {
        // Every prefix of a valid file, and bytes flipped in it.
        let mut progress = Progress::default();
        progress.attempt_challenge("duplicate-one", true);
        progress.watched_lesson("fire-and-forget", false);
        let text = progress.to_json();
        for end in 0..=text.len() {
            if text.is_char_boundary(end) {
                let _ = Progress::parse(&text[..end], any, any);
            }
        }
        let bytes = text.as_bytes();
        for index in 0..bytes.len() {
            for replacement in [b'{', b'}', b'"', b'0', b'-', b'x', b' '] {
                let mut changed = bytes.to_vec();
                changed[index] = replacement;
                if let Ok(text) = std::str::from_utf8(&changed) {
                    let _ = Progress::parse(text, any, any);
                }
            }
        }
    }
}
